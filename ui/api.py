"""The JSON API beside the chat page: the same Engine, the same objects as `whosaid ask --json`.

Plain FastAPI routes (documented at /docs and /openapi.json). Bad input is a 4xx with {"error": reason},
never a 5xx; a missing index is a 503, since the service, not the request, is at fault.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic
from pydantic import BaseModel, Field

from retrieval.batching import AskBatcher
from retrieval.engine import Engine
from retrieval.errors import (
    IndexCorrupt,
    IndexLocked,
    IndexMismatch,
    IndexMissing,
    LastDocument,
    NoDocuments,
    WhosaidError,
)
from retrieval.public import answer_json, quote_json, speaker_json, write_csv
from retrieval.settings import MAX_QUESTION_CHARS

from .documents import UPLOAD_OPENAPI, add_uploads, document_json, engine_documents

MAX_K = 50


class AskBody(BaseModel):
    question: str = Field(max_length=MAX_QUESTION_CHARS, description="Chinese or English, e.g. 付明远怎么看停车难？")
    k: int = Field(3, ge=1, le=MAX_K, description="passages to return")
    speaker: str | None = Field(None, max_length=200, description="only this speaker's words (any form of the name)")


def _status(exc: WhosaidError) -> int:
    if isinstance(exc, IndexMissing | IndexCorrupt | IndexMismatch):
        return 503
    if isinstance(exc, NoDocuments):
        return 404
    if isinstance(exc, IndexLocked | LastDocument):
        return 409
    return 400


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


class LoginCheck:
    """A dependency: HTTP Basic with the page's own login (WHOSAID_USER/WHOSAID_PASSWORD), or nothing."""

    def __init__(self, users: list[tuple[str, str]] | None) -> None:
        self.users = users
        self.basic = HTTPBasic(auto_error=False)

    async def __call__(self, request: Request) -> None:
        if not self.users:
            return
        credentials = await self.basic(request)
        ok = credentials is not None and any(
            secrets.compare_digest(credentials.username.encode(), user.encode())
            & secrets.compare_digest(credentials.password.encode(), password.encode())
            for user, password in self.users)
        if not ok:
            raise _Unauthorised()


class _Unauthorised(Exception):
    pass


def api_router(engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/api")
    batcher = AskBatcher(engine)

    # Async, answered by the batcher's thread: concurrent questions share one embedding call, and a
    # request takes no threadpool hop (a sync route takes two: the call, then validating what it
    # returns). The JSONResponse is the published object as built, so nothing re-validates it.
    @router.post("/ask", summary="Who said what: the passages that answer, attributed", response_model=None,
                 responses={200: {"description": "the same object as `whosaid ask --json`",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}})
    async def ask(body: AskBody) -> JSONResponse:
        answer = await asyncio.wrap_future(batcher.submit(body.question, k=body.k, speaker=body.speaker or None))
        return JSONResponse(answer_json(answer))

    @router.get("/speakers", summary="The people who speak in the indexed documents")
    def speakers() -> list[dict]:
        return [speaker_json(info) for info in engine.speakers()]

    @router.get("/quotes", summary="Every utterance: speaker, title, role, words, where", response_model=None)
    def quotes(speaker: Annotated[str | None, Query(max_length=200)] = None,
               doc: Annotated[str | None, Query(max_length=1000)] = None,
               format: Literal["json", "csv"] = "json") -> list[dict] | Response:
        rows = [quote_json(row) for row in engine.quotes(speaker=speaker or None, doc=doc or None)]
        if format == "json":
            return rows
        out = io.StringIO()
        write_csv(rows, out)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="quotes.csv"'})

    @router.get("/documents", summary="The indexed documents: where each came from, who speaks in it")
    def documents() -> list[dict]:
        return [document_json(info, encoding) for info, encoding in engine_documents(engine)]

    @router.post("/documents", summary="Add documents: a multipart upload of one or several files (field `files`)",
                 openapi_extra=UPLOAD_OPENAPI, response_model=None)
    async def upload(request: Request) -> dict | JSONResponse:
        # The body is read here, after the login was checked: nobody unknown makes the server spool it.
        return await add_uploads(engine, request)

    @router.delete("/documents/{name:path}", summary="Remove a document (an uploaded one's file goes too)")
    def remove(name: str) -> dict:
        report = engine.remove_document(name)
        return {"removed": name, "documents": report.documents, "paragraphs": report.paragraphs}

    return router


def add_api(app: FastAPI, engine: Engine, users: list[tuple[str, str]] | None) -> None:
    """The /api routes on `app`, behind the page's login, with one-line JSON errors."""
    app.include_router(api_router(engine), dependencies=[Depends(LoginCheck(users))])

    @app.exception_handler(WhosaidError)
    async def whosaid_error(request: Request, exc: WhosaidError) -> JSONResponse:
        return _error(_status(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(_Unauthorised)
    async def unauthorised(request: Request, exc: _Unauthorised) -> JSONResponse:
        response = _error(401, "log in: HTTP Basic with the chat page's user and password")
        response.headers["www-authenticate"] = 'Basic realm="whosaid"'
        return response

