"""Uploaded files: checked by content, then kept under safe names in the index's documents/ folder.

An upload's name comes from a browser or a script and may be anything: a path (`../../etc/x.txt`,
`C:\\x.txt`), a hidden name, control characters or a newline that would forge a log line, a name longer
than the file system takes. The stored name keeps what a person reads (the last part of the name, its
Chinese, its suffix) and drops the rest; a different file already stored under that name is never
overwritten: the new one becomes `name (2).txt`.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import DecodeError
from retrieval.ingest.decode import Decoded
from retrieval.ingest.files import SUFFIXES, content_hash, read_document
from retrieval.ingest.paragraphs import has_words

# File systems take 255 bytes a name; a Chinese character is three. Room is left for " (99)".
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class Accepted:
    """An upload that passed the checks: its safe name, bytes, text and the digest of that text."""

    name: str
    data: bytes
    decoded: Decoded
    digest: str


def safe_name(name: str) -> str:
    """A file name to store an upload under: no folders, no `..`, no hidden name, no control or
    invisible characters, at most MAX_NAME_BYTES of UTF-8, the suffix kept."""
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn") else ch
                   for ch in unicodedata.normalize("NFC", name))
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" .") or "document"
    tail = f".{suffix}" if suffix else ""
    while len((stem + tail).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") + tail


def check(name: str, data: bytes, max_file_bytes: int) -> Accepted:
    """The upload if whosaid can index it; DecodeError with the reason if not. Its kind is judged by
    its bytes: a renamed program or archive is refused whatever its name says."""
    safe = safe_name(name)
    if not safe.lower().endswith(SUFFIXES):
        raise DecodeError(f"not a kind of document whosaid reads ({', '.join(SUFFIXES)})")
    if len(data) > max_file_bytes:
        raise DecodeError(f"{len(data) / (1024 * 1024):.3g} MB is larger than the "
                          f"{max_file_bytes / (1024 * 1024):.3g} MB limit")
    decoded = read_document(data, Path(safe).suffix.lower())
    if not has_words(decoded.text):
        raise DecodeError("holds no words (only marks, symbols or single letters)")
    return Accepted(safe, data, decoded, content_hash(decoded.text))


def _numbered(name: str, n: int) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem} ({n}).{suffix}" if dot else f"{name} ({n})"


def store(folder: Path, upload: Accepted) -> str:
    """Write the upload into `folder` under its safe name, or the first free `name (n)`; the name used.
    Written to a temporary file first, then linked in place: a name that exists is never replaced, and
    nobody sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".upload-{uuid.uuid4().hex}"
    with open(tmp, "xb") as handle:
        handle.write(upload.data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        for n in range(1, 10_000):
            name = upload.name if n == 1 else _numbered(upload.name, n)
            try:
                os.link(tmp, folder / name)
                return name
            except FileExistsError:
                continue
        raise DecodeError("too many uploads of that name")
    finally:
        tmp.unlink(missing_ok=True)


def delete(folder: Path, name: str) -> None:
    """Remove a stored upload (one already gone is fine)."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        return   # not a name store() gives: never a path out of the folder
    with contextlib.suppress(FileNotFoundError):
        (folder / name).unlink()
