"""A request guard in front of Gradio's API routes: malformed requests get a 4xx, not a crash.

Gradio answers some malformed calls with 500 (a `/call/v2/<name>` body without its parameters, an
upload whose `files` part is not a file). Those are the client's errors: they are answered 400 here,
and logged, so that a 500 still means a fault of ours.
"""

from __future__ import annotations

import logging

log = logging.getLogger("whosaid.ui")
_GUARDED = ("/gradio_api/call/", "/gradio_api/upload")
_BODY = b'{"error": "bad request: the request does not fit this endpoint (see /gradio_api/openapi.json)"}'


class RequestGuard:
    """Pure ASGI middleware: rewrites a 500 from a guarded route into a 400 with a JSON reason."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(_GUARDED):
            await self.app(scope, receive, send)
            return
        rewritten = started = False

        async def guarded_send(message) -> None:
            nonlocal rewritten, started
            if message["type"] == "http.response.start" and message["status"] >= 500:
                rewritten = True
                log.warning("malformed request to %s answered 400 (Gradio raised %s)", scope["path"],
                            message["status"])
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(_BODY)).encode())]})
                await send({"type": "http.response.body", "body": _BODY})
                return
            if rewritten:
                return  # the original error body is replaced
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:  # noqa: BLE001 - an exception before any response is the same malformed call
            if rewritten:
                return
            if started:
                raise  # a stream that broke midway is not a malformed request
            log.warning("malformed request to %s raised; answered 400", scope["path"], exc_info=True)
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": _BODY})
