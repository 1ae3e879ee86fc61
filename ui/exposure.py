"""What the page shows to the network: which Host names it answers, how big a body it reads, how fast
one address may guess passwords. Three small ASGI middlewares, each answering with a JSON reason."""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict, deque

from .asgi import TOO_BIG, read_body, refuse, replay

ANY_ADDRESS = ("0.0.0.0", "::", "")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HOSTS_ENV = "WHOSAID_ALLOWED_HOSTS"


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def host_name(header: str) -> str:
    """'LocalHost:7860' -> 'localhost', '[::1]:7860' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") > 1:
        return header  # a bare IPv6 address
    return header.split(":", 1)[0].rstrip(".")


class AllowedHosts:
    """The Host names a page bound to `bind` answers: loopback, the bound name, WHOSAID_ALLOWED_HOSTS.
    Bound to every address (0.0.0.0) it answers any name; a share link's name is added once known."""

    def __init__(self, bind: str, env: str | None = None) -> None:
        self.any = bind in ANY_ADDRESS
        extra = os.environ.get(HOSTS_ENV, "") if env is None else env
        self.names = {*LOOPBACK, host_name(bind), *(host_name(n) for n in extra.split(",") if n.strip())}

    def add(self, name: str) -> None:
        self.names.add(host_name(name))

    def __contains__(self, header: str) -> bool:
        return self.any or host_name(header) in self.names


class HostCheck:
    """Refuse a request whose Host the page was not bound as: a DNS-rebinding page reaches a loopback
    server under its own name, and is refused here before any route runs."""

    def __init__(self, app, hosts: AllowedHosts) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            host = _header(scope, b"host")
            if host is not None and host not in self.hosts:
                await refuse(send, 400, f"this server does not answer to the host name {host_name(host)!r}; "
                             f"add it to {HOSTS_ENV} to allow it")
                return
        await self.app(scope, receive, send)


class BodyCap:
    """Refuse a body over `limit` bytes before the app reads it: by Content-Length at once, and a body
    sent in chunks (no length) is read here up to the limit and refused as soon as it passes it."""

    def __init__(self, app, limit: int, exempt: tuple[str, ...] = (), own: dict[str, int] | None = None) -> None:
        # `own`: paths whose POST has a limit of its own (the API's upload route), matched exactly
        self.app, self.limit, self.exempt, self.own = app, limit, exempt, own or {}

    def _too_big(self, send, limit: int):
        return refuse(send, 413, f"request body too large: the limit is {limit} bytes")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        limit = self.own.get(scope.get("path", "").rstrip("/"), self.limit) if scope.get("method") == "POST" else self.limit
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await refuse(send, 400, "bad request: the Content-Length header is not a number")
            elif int(length) > limit:
                await self._too_big(send, limit)
            else:  # the server reads no more than the length declared
                await self.app(scope, receive, send)
            return
        if limit > self.limit:   # holding a large upload in memory to count it is what the cap prevents
            await refuse(send, 411, "an upload must say its size: send it with a Content-Length header")
            return
        body = await read_body(receive, limit)
        if body is TOO_BIG:
            await self._too_big(send, limit)
        elif body is not None:
            await self.app(scope, replay(body, receive), send)


class LoginThrottle:
    """After `attempts` logins from one address within `window` seconds without a success, answer 429
    with Retry-After until the oldest falls out of the window. Attempts count when they start, so a
    burst sent all at once is held to the same number; a success clears the address."""

    PATHS = ("/login", "/login/")
    TRACKED = 4096  # addresses remembered at most; the oldest is forgotten first

    def __init__(self, app, attempts: int = 5, window: float = 60.0, clock=time.monotonic) -> None:
        self.app, self.attempts, self.window, self.clock = app, attempts, window, clock
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.PATHS:
            await self.app(scope, receive, send)
            return
        who = (scope.get("client") or ("?", 0))[0]
        now = self.clock()
        tries = self.seen.pop(who, deque())
        while tries and tries[0] <= now - self.window:
            tries.popleft()
        self.seen[who] = tries
        if len(self.seen) > self.TRACKED:
            self.seen.popitem(last=False)
        if len(tries) >= self.attempts:
            wait = max(1, math.ceil(tries[0] + self.window - now))
            await refuse(send, 429, f"too many failed logins from this address; try again in {wait} seconds",
                         ((b"retry-after", str(wait).encode()),))
            return
        tries.append(now)

        async def watch(message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 300:
                self.seen.pop(who, None)
            await send(message)

        await self.app(scope, receive, watch)
