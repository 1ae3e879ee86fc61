"""The API's document routes' work: uploads read from a multipart body and added, documents as JSON.

An upload's body is bounded by the server's middleware (ui/exposure.BodyCap, sized by upload_body_limit);
here the files are counted and read, and the engine checks each by content.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from retrieval.engine import Engine
from retrieval.records import DocumentInfo
from retrieval.settings import Settings

UPLOAD_PATH = "/api/documents"
FIELD = "files"
# What a multipart body adds to each file's bytes (boundary, headers) with room to spare.
PART_OVERHEAD = 16 * 1024

UPLOAD_OPENAPI = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FIELD],
    "properties": {FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


def upload_body_limit(settings: Settings) -> int:
    """The largest upload body: as many files as one upload may hold, each at the size limit."""
    return settings.max_upload_files * (settings.max_file_bytes + PART_OVERHEAD) + PART_OVERHEAD


def engine_documents(engine: Engine) -> list[tuple[DocumentInfo, str]]:
    infos = engine.documents()
    encodings = {e.name: e.encoding for e in engine.snapshot().manifest.documents}
    return [(info, encodings.get(info.name, "")) for info in infos]


def document_json(info: DocumentInfo, encoding: str) -> dict:
    return {"name": info.name, "paragraphs": info.paragraphs, "encoding": encoding, "title": info.title,
            "origin": info.origin, "speakers": list(info.speakers)}


def _error(status: int, reason: str, **extra) -> JSONResponse:
    return JSONResponse({"error": reason, **extra}, status_code=status)


async def add_uploads(engine: Engine, request: Request) -> dict | JSONResponse:
    """Add the files of a multipart body: 200 with what was added and refused, or a 4xx JSON reason
    (400 for a body that is no upload, 422 when no file could be added)."""
    limit = engine.settings.max_upload_files
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return _error(400, f"send the files as multipart/form-data, in the field {FIELD!r}")
    try:
        # One more than allowed is read so that "too many" is said by the engine, with the limit.
        form = await request.form(max_files=limit + 1, max_fields=limit + 1)
    except Exception as exc:  # noqa: BLE001 - Starlette's multipart errors (HTTPException, MultiPartException)
        return _error(400, f"the upload cannot be read: {getattr(exc, 'detail', None) or exc}")
    try:
        parts = form.getlist(FIELD)
        if any(not isinstance(p, UploadFile) for p in parts):
            return _error(400, f"the field {FIELD!r} holds text, not files")
        files = [(p.filename or "", await p.read()) for p in parts]
    finally:
        await form.close()
    report = await run_in_threadpool(engine.add_files, files)
    refused = [{"file": s.path, "reason": s.reason} for s in report.skipped]
    if not report.added:
        reasons = "; ".join(f"{r['file']}: {r['reason']}" for r in refused)
        return _error(422, f"nothing was added ({reasons})", refused=refused)
    return {"added": list(report.added), "refused": refused, "documents": report.documents,
            "paragraphs": report.paragraphs, "notes": list(report.notes)}
