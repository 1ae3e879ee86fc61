"""The one place that names the vector backends: which exist, the default, and which class serves a name."""

from __future__ import annotations

from pathlib import Path

from retrieval.errors import BadSetting

from .base import BackendClass, VectorBackend

BACKENDS = ("faiss", "milvus")
DEFAULT = "faiss"


def check(name: str | None) -> str | None:
    """The name itself when it is a backend (None stays None: the index's own, or the default)."""
    if name not in (None, *BACKENDS):
        raise BadSetting(f"WHOSAID_BACKEND={name!r}: use one of {', '.join(BACKENDS)}")
    return name


def backend_class(name: str) -> BackendClass:
    """The class that builds, publishes and opens the vectors of an index kept in `name`."""
    check(name)
    if name == "milvus":
        from .milvus import MilvusVectors  # pymilvus is an optional extra: imported only when asked for

        return MilvusVectors
    from .faiss import FaissVectors

    return FaissVectors


def open_live(manifest, folder: Path, uri: str | None, rows: int) -> VectorBackend:
    """The vectors of a loaded generation, from the backend its manifest names."""
    return backend_class(manifest.backend).open_live(manifest, folder, uri, rows)
