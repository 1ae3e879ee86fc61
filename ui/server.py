"""Serving: the chat page and the JSON API in one FastAPI app (Gradio mounted at /), behind the middleware
of ui/exposure.py and ui/guard.py, run by uvicorn; or Gradio's own launch when a share link is asked for."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass

from retrieval.engine import Engine
from retrieval.settings import Settings

from .api import add_api
from .app import CSS, Limits, auth_from_env, build_app, launch, middleware
from .documents import UPLOAD_PATH, upload_body_limit
from .exposure import AllowedHosts
from .quotes import downloads_root
from .uploads import UploadSpool

# Uploads waiting to be indexed, at most: two whole uploads of the page at once.
SPOOL_UPLOADS = 2


def sized(limits: Limits, settings: Settings, share: bool = False) -> Limits:
    """The page's upload limits from the engine's: Gradio's per-file limit is the engine's, and one
    upload may hold as many files as add_files takes. A public link without a login takes none:
    nobody may change the index from it."""
    if share and auth_from_env() is None:
        limits = dataclasses.replace(limits, uploads=False)
    if not limits.uploads:
        return limits
    return dataclasses.replace(limits, max_file_size=settings.max_file_bytes, upload_body=upload_body_limit(settings))


def spool_for(limits: Limits) -> UploadSpool | None:
    return UploadSpool(SPOOL_UPLOADS * limits.upload_body) if limits.uploads else None


def compose(engine: Engine, blocks, hosts: AllowedHosts, limits: Limits, spool: UploadSpool | None = None):
    """One app: /api/* and its /docs first, then the page (Gradio) for everything else."""
    import gradio as gr
    from fastapi import FastAPI
    from starlette.routing import Mount

    users = auth_from_env()
    app = FastAPI(title="whosaid", description="Who said what in Chinese documents: the JSON API beside the chat "
                  "page. `POST /api/ask` answers as `whosaid ask --json` does.",
                  middleware=middleware(hosts, limits, {UPLOAD_PATH: upload_body_limit(engine.settings)}, spool),
                  redoc_url=None)
    add_api(app, engine, users)
    app = gr.mount_gradio_app(app, blocks, path="/", auth=users, max_file_size=limits.max_file_size,
                              enable_monitoring=False, allowed_paths=[str(downloads_root())], show_error=False, css=CSS,
                              footer_links=[])
    if spool is not None:
        spool.adopt(next(r.app for r in app.routes if isinstance(r, Mount) and hasattr(r.app, "uploaded_file_dir")))
    return app


@dataclass
class Running:
    """A server started without blocking: its address, and close() to stop it."""

    url: str
    server: object
    thread: threading.Thread
    blocks: object
    spool: UploadSpool | None = None

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.blocks.close()
        if self.spool is not None:
            self.spool.close()


class _OpenStreamsAtStop(logging.Filter):
    """An open tab keeps an event stream (Gradio's heartbeat) open for as long as it is open; stopping the
    server cancels it after the graceful wait, and uvicorn logs that as an error with a traceback. A stop
    that was asked for is not an error: those records are dropped, every other one is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        cancelled = record.exc_info is not None and isinstance(record.exc_info[1], asyncio.CancelledError)
        return not (cancelled or "timeout graceful shutdown exceeded" in record.getMessage())


_STOP_FILTER = _OpenStreamsAtStop()


def _server(app, host: str, port: int):
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_STOP_FILTER)  # the same object: added once however often

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            # Ctrl+C stops the server gracefully and ends there: uvicorn would raise the signal again
            # afterwards, and the page's shutdown would print a KeyboardInterrupt traceback.
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    # Idle connections are closed after 5 s, as Gradio's own launch does: a slow client cannot hold one.
    return Server(uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_keep_alive=5,
                                 timeout_graceful_shutdown=5, lifespan="on"))


def serve(engine: Engine, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
          limits: Limits | None = None) -> None:
    """Serve until Ctrl+C. A share link needs Gradio's launch, which has no room for the API."""
    limits = sized(limits or Limits(), engine.settings, share)
    blocks = build_app(engine, limits)
    spool = spool_for(limits)
    try:
        if share:
            launch(blocks, host=host, port=port, share=True, limits=limits, spool=spool)
            return
        _server(compose(engine, blocks, AllowedHosts(host), limits, spool), host, port).run()
    finally:
        if spool is not None:
            spool.close()


def serve_in_background(engine: Engine, limits: Limits | None = None) -> tuple[str, Running]:
    """The page and the API on a free loopback port, without blocking: (url, running). For tests and
    measurements."""
    limits = sized(limits or Limits(), engine.settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    blocks = build_app(engine, limits)
    spool = spool_for(limits)
    server = _server(compose(engine, blocks, AllowedHosts("127.0.0.1"), limits, spool), "127.0.0.1", port)
    thread = threading.Thread(target=server.run, name="whosaid-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OSError(f"the server did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/"
    return url, Running(url, server, thread, blocks, spool)
