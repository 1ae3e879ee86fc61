"""Files -> decoded text: which files are documents, size limits, and one reason per file skipped."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from retrieval.errors import DecodeError
from retrieval.records import Skipped
from retrieval.settings import DEFAULT_MAX_FILE_BYTES

from .decode import Decoded, clean, decode, looks_binary

SUFFIXES = (".txt", ".md")
# The limit for callers that pass none; `whosaid` passes Settings.max_file_bytes (WHOSAID_MAX_FILE_MB),
# read by settings.resolve() so that a bad value is one line, not an import-time traceback.
MAX_FILE_BYTES = DEFAULT_MAX_FILE_BYTES


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def list_files(folder: Path) -> list[Path]:
    """Every .txt and .md below the folder, in a stable order; hidden folders are passed over."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Decoded:
    """Read and decode one file; raises DecodeError or OSError with a reason."""
    if not path.is_file():
        raise DecodeError("not a regular file" if path.exists() else "cannot be read: it no longer exists")
    size = path.stat().st_size
    if size > max_bytes:
        raise DecodeError(f"{size / (1024 * 1024):.3g} MB is larger than the {max_bytes / (1024 * 1024):.3g} MB limit "
                          "(split it, or raise WHOSAID_MAX_FILE_MB)")
    decoded = decode(path.read_bytes())
    text = clean(decoded.text)
    if looks_binary(text):
        raise DecodeError("holds binary data, not text")
    if not text.strip():
        raise DecodeError("holds no text")
    return Decoded(text, decoded.encoding)


def read_folder(folder: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[tuple[str, Decoded] | Skipped]:
    """Yield (name, decoded) for each readable file, or Skipped naming the file and the reason."""
    for path in list_files(folder):
        name = path.relative_to(folder).as_posix()
        try:
            yield name, read_text(path, max_bytes)
        except DecodeError as exc:
            yield Skipped(name, str(exc))
        except OSError as exc:
            yield Skipped(name, exc.strerror or str(exc))
