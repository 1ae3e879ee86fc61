"""Where the index lives and which model to use: flag > environment variable > default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INDEX = ".whosaid"
DEFAULT_DOCS = "seeds"
MAX_QUESTION_CHARS = 2000
# The embedder reads this much of a question (the keyword side reads all of it). Questions are short;
# the embedder's cost grows with length (2,000 characters took seconds a question and slowed
# every other client's), and e5 reads 512 tokens at most anyway.
QUERY_EMBED_CHARS = 128


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model: str | None          # None: the index's own model, or the bundled one for a new index
    docs_dir: Path
    backend: str | None = None     # a name from vectors.factory; None: the index's own, or the default
    milvus_uri: str | None = None  # None: the index's own, or a Milvus Lite file in the index folder


def resolve(index_dir: str | os.PathLike | None = None, model: str | None = None,
            docs_dir: str | os.PathLike | None = None, backend: str | None = None,
            milvus_uri: str | None = None) -> Settings:
    backend = backend or os.environ.get("WHOSAID_BACKEND") or None  # checked by the Engine (vectors.factory)
    return Settings(
        index_dir=Path(index_dir or os.environ.get("WHOSAID_INDEX") or DEFAULT_INDEX),
        model=model or os.environ.get("WHOSAID_MODEL") or None,
        docs_dir=Path(docs_dir or os.environ.get("WHOSAID_DOCS") or DEFAULT_DOCS),
        backend=backend,
        milvus_uri=milvus_uri or os.environ.get("WHOSAID_MILVUS_URI") or None,
    )
