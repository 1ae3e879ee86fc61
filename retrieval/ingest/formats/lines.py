"""What the readers share: lines of a document -> the decoded text, bounded, radicals folded, titled."""

from __future__ import annotations

import datetime as dt
import logging
import re

from retrieval.errors import DecodeError
from retrieval.records import DocMeta
from retrieval.text.radicals import fold_radicals

from ..decode import Decoded, clean, looks_binary
from ..limits import MAX_TEXT_CHARS
from ..paragraphs import first_heading

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# A title field holding a file name or an editor's placeholder says nothing about the document.
_NOT_A_TITLE = re.compile(r"(?i)^(?:microsoft word - .*|untitled.*|.*\.(?:docx?|pdf|html?|txt|md|wps))$")


def quiet(*loggers: str) -> None:
    """Silence a library's logging: its warnings about a bad file would print as stray lines; our one
    line per file says what matters."""
    for name in loggers:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def field(value) -> str | None:
    """A metadata field as one clean line, or None when empty or not text."""
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", clean(value).replace("\n", " ")).strip()
    return value[:300] or None


def title_field(value) -> str | None:
    value = field(value)
    return None if value is None or _NOT_A_TITLE.match(value) else value


def date_field(value) -> str | None:
    """A date as ISO 2024-03-05 (a datetime, or a string starting with one), else None."""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    value = field(value)
    match = re.match(r"\d{4}-\d{2}-\d{2}", value or "")
    return match.group() if match else None


def assembled(lines: list[str], encoding: str, meta: DocMeta, notes: list[str]) -> Decoded:
    """The decoded document: one line per paragraph, held to MAX_TEXT_CHARS, with the title taken from
    its first heading line when the metadata gives none."""
    kept, size = [], 0
    pieces = (piece for line in lines for piece in clean(line).split("\n"))  # a soft line break is a line too
    for piece in pieces:
        line = fold_radicals(_SPACES.sub(" ", piece).strip())
        if not line:
            continue
        if size + len(line) > MAX_TEXT_CHARS:
            notes.append(f"text past the first {MAX_TEXT_CHARS:,} characters not read")
            break
        kept.append(line)
        size += len(line) + 1
    text = "\n".join(kept)
    if not text.strip():
        raise DecodeError("holds no text")
    if looks_binary(text):
        raise DecodeError("holds binary data, not text")
    if meta.title is None:
        meta = DocMeta(first_heading(text), meta.source, meta.author, meta.date)
    return Decoded(text, encoding, meta=meta, notes=tuple(notes))
