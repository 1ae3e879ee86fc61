"""`whosaid serve`: the chat page (the one command that starts the UI)."""

from __future__ import annotations

from typing import Annotated

import typer

from retrieval.errors import WhosaidError

from .common import BackendOpt, IndexOpt, MilvusOpt, ModelOpt, app, engine_for, ensure_index, fail


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help=(
        "Address to bind; keep 127.0.0.1 unless you mean it. The page answers only requests addressed to "
        "127.0.0.1, localhost, this name, and the names in WHOSAID_ALLOWED_HOSTS (comma-separated); "
        "bound to 0.0.0.0 it answers any name"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 7860,
    share: Annotated[bool, typer.Option("--share", help="Also open a public share link (its name is answered too)")] = False,
    queue: Annotated[int, typer.Option("--queue", min=1, max=10_000,
                                       help="Questions that may wait; more are answered 503 'try again'")] = 64,
    index: IndexOpt = None, model: ModelOpt = None, backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Open the chat page (builds the index from seeds/ first when there is none)."""
    engine = engine_for(index, model, None, backend, milvus_uri)
    ensure_index(engine)
    try:
        from ui.server import serve as run

        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        # Our one line says what Gradio's hints would (share=True in launch(), GRADIO_SERVER_PORT) in the
        # terms of this command: its --share flag, and the Makefile's PORT=.
        typer.echo(f"whosaid: chat page on http://{shown}:{port}, JSON API on http://{shown}:{port}/api "
                   f"(documented at /docs; {'not on the share link; ' if share else ''}Ctrl+C to stop). "
                   f"{'' if share else 'A public link: --share. '}Another port: --port N, or make run PORT=N.",
                   err=True)
        from ui.app import Limits

        run(engine, host=host, port=port, share=share, limits=Limits(queue_size=queue))
    except WhosaidError as exc:
        fail(exc)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
