"""A throw-away index over chosen documents, for evaluation and benchmarks."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from retrieval.errors import NoDocuments
from retrieval.ingest.files import SUFFIXES, list_files


def gather(paths: list[Path], into: Path) -> int:
    """Copy the documents named (files, or folders of them) into one folder; returns how many."""
    count = 0
    for path in paths:
        files = [path] if path.is_file() else list_files(path) if path.is_dir() else []
        if not files:
            raise NoDocuments(f"{path}: no documents there")
        for file in files:
            if file.suffix.lower() in SUFFIXES:
                shutil.copy(file, into / file.name)
                count += 1
    return count


@contextlib.contextmanager
def scratch_engine(paths: list[Path], model: str | None = None, embedder=None, backend: str | None = None) -> Iterator:
    from retrieval.engine import Engine
    from retrieval.settings import resolve

    with tempfile.TemporaryDirectory(prefix="whosaid-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        gather([Path(p) for p in paths], docs)
        engine = Engine(resolve(Path(tmp) / "index", model, docs, backend), embedder=embedder)
        engine.index(docs)
        try:
            yield engine
        finally:
            engine.close()
