"""Where the index lives and which model to use: flag > environment variable > default."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import BadSetting

DEFAULT_INDEX = ".whosaid"
DEFAULT_DOCS = "seeds"
MAX_QUESTION_CHARS = 2000
# The embedder reads this much of a question (the keyword side reads all of it). Questions are short;
# the embedder's cost grows with length (2,000 characters took seconds a question and slowed
# every other client's), and e5 reads 512 tokens at most anyway.
QUERY_EMBED_CHARS = 128
# Embedding runs at tens of paragraphs a second on two cores: a larger file would take hours, which
# a user should choose knowingly (WHOSAID_MAX_FILE_MB), not meet by accident.
DEFAULT_MAX_FILE_MB = 16
DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_MB * 1024 * 1024
# Files one upload may add (each within max_file_bytes): what one person adds at a time, not an archive.
DEFAULT_MAX_UPLOAD_FILES = 20


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model: str | None          # None: the index's own model, or the bundled one for a new index
    docs_dir: Path
    backend: str | None = None     # a name from vectors.factory; None: the index's own, or the default
    milvus_uri: str | None = None  # None: the index's own, or a Milvus Lite file in the index folder
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES   # a larger document is skipped, with the reason
    max_upload_files: int = DEFAULT_MAX_UPLOAD_FILES  # files one add_files call (one upload) may hold


def env_number(name: str, default: float, minimum: float = 0.0, above: bool = False) -> float:
    """A number from the environment, or BadSetting naming the variable and what is wrong with it.

    Read when used rather than at import, so that a bad value is one line from the command that
    needs it instead of a traceback from every command.
    """
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadSetting(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise BadSetting(f"{name}={raw!r} is not a finite number")
    if value < minimum or (above and value == minimum):
        raise BadSetting(f"{name}={raw!r}: must be {'more than' if above else 'at least'} {minimum:g}")
    return value


def _index_dir(flag: str | os.PathLike | None) -> Path:
    path = Path(flag or os.environ.get("WHOSAID_INDEX") or DEFAULT_INDEX)
    if path.exists() and not path.is_dir():
        source = "--index " if flag else "WHOSAID_INDEX=" if os.environ.get("WHOSAID_INDEX") else "the index folder "
        raise BadSetting(f"{source}{path} is a file, not a folder: point it at a folder for the index")
    return path


def resolve(index_dir: str | os.PathLike | None = None, model: str | None = None,
            docs_dir: str | os.PathLike | None = None, backend: str | None = None,
            milvus_uri: str | None = None) -> Settings:
    backend = backend or os.environ.get("WHOSAID_BACKEND") or None  # checked by the Engine (vectors.factory)
    max_mb = env_number("WHOSAID_MAX_FILE_MB", DEFAULT_MAX_FILE_MB, minimum=0, above=True)
    return Settings(
        index_dir=_index_dir(index_dir),
        model=model or os.environ.get("WHOSAID_MODEL") or None,
        docs_dir=Path(docs_dir or os.environ.get("WHOSAID_DOCS") or DEFAULT_DOCS),
        backend=backend,
        milvus_uri=milvus_uri or os.environ.get("WHOSAID_MILVUS_URI") or None,
        # capped far beyond any disk, where the product in bytes would overflow a float
        max_file_bytes=max(1, int(min(max_mb, 1e12) * 1024 * 1024)),
        max_upload_files=int(env_number("WHOSAID_MAX_UPLOAD_FILES", DEFAULT_MAX_UPLOAD_FILES, minimum=1)),
    )
