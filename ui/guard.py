"""A request guard in front of Gradio's routes: malformed requests get a 4xx, overload gets a 503.

Gradio answers many malformed calls with 500 or lets the exception escape: a `/run/<name>` body
without its parameters, a `/queue/join` naming no function (`fn_index` 999), a `/proxy=` URL holding
a NUL, an upload whose `files` part is not a file. Those are the client's errors: under /gradio_api/
they are answered 400 with a JSON reason, and logged with their traceback, so that a fault of ours
still shows in the log. A 5xx from any other route (the page itself) is ours: it stays a 5xx and is logged.

A 503 (the queue is full, or stopping) is overload, not a malformed request: it stays 503, with
Retry-After, so that clients and proxies back off and try again.
"""

from __future__ import annotations

import json
import logging

from .asgi import read_body, refuse, replay

log = logging.getLogger("whosaid.ui")
_API = "/gradio_api/"
_BAD = "bad request: the request does not fit this endpoint (see /gradio_api/info)"
RETRY_AFTER_S = 5


def _busy() -> str:
    return f"busy: the server is at capacity (its queue is full); try again in {RETRY_AFTER_S} seconds"


class RequestGuard:
    """Pure ASGI middleware: 5xx from an API route -> 400, 503 -> 503 with Retry-After; JSON reasons."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        api = path.startswith(_API)
        replaced = started = False

        async def guarded_send(message) -> None:
            nonlocal replaced, started
            if message["type"] == "http.response.start" and message["status"] >= 500:
                status = message["status"]
                if status == 503:
                    replaced = True
                    log.warning("overload: %s answered 503", path)
                    await refuse(send, 503, _busy(), ((b"retry-after", str(RETRY_AFTER_S).encode()),))
                    return
                if api:
                    replaced = True
                    log.warning("malformed request to %s answered 400 (Gradio answered %s)", path, status)
                    await refuse(send, 400, _BAD)
                    return
                log.error("%s answered %s", path, status)
            if replaced:
                return  # the original error body is replaced
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            if replaced:
                return
            if started or not api:
                log.error("request to %s failed", path, exc_info=True)
                raise  # a stream that broke midway, or a fault of the page itself, is ours
            log.warning("malformed request to %s raised; answered 400", path, exc_info=True)
            await refuse(send, 400, _BAD)


class SessionCheck:
    """Refuse a queue join whose session_hash is not a short string: Gradio keeps state under each hash
    it sees (thousands of sessions), so a megabyte-long one is memory an anonymous client chooses."""

    PATHS = ("/gradio_api/queue/join", "/gradio_api/queue/join/")
    LONGEST = 128  # the page's hashes are ~11 characters, gradio_client's are uuids (36)

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.PATHS:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)  # the body cap outside has bounded it
        if body is None:
            return
        try:
            session = json.loads(body).get("session_hash")
        except (ValueError, AttributeError, RecursionError):
            session = None  # not a JSON object: Gradio's own validation answers 422
        if isinstance(session, str) and len(session) > self.LONGEST:
            await refuse(send, 400, f"bad request: session_hash is longer than {self.LONGEST} characters")
            return
        await self.app(scope, replay(body, receive), send)
