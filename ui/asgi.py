"""What the middlewares share: answering a request themselves with a status and a one-line JSON reason,
and reading a (bounded) body once then handing it on as if it had not been read."""

from __future__ import annotations

import json

TOO_BIG = object()  # read_body's answer for a body past its limit


async def refuse(send, status: int, reason: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"error": reason}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive, limit: int | None = None):
    """The whole body; None if the client went away; TOO_BIG as soon as it passes `limit` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return TOO_BIG
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive):
    """A receive() that gives `body` once, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
