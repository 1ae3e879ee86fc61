"""PDF with a text layer -> lines: page furniture (running headers and footers, page numbers) dropped, the
lines of each paragraph rejoined, radicals folded to ideographs.

The text layer breaks a paragraph wherever the column ends, every 15 characters on a narrow page: far
shorter than the prose the paragraph splitter rejoins by itself. Here a line that fills the column runs
on into the next, across a page break too; a shorter line ends its paragraph.

A scanned PDF has no text to read and says so; past MAX_PDF_PAGES pages the rest is left with a note.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter

from retrieval.errors import DecodeError
from retrieval.records import DocMeta

from ..decode import Decoded
from ..limits import MAX_PDF_PAGES, MAX_TEXT_CHARS
from ..paragraphs import looks_like_heading
from .lines import assembled, date_field, field, quiet, title_field

# Headers and footers are looked for among each page's first and last lines.
EDGE_LINES = 2
# A line at the edge of at least this share of the pages (with its digits ignored) is furniture:
# a newspaper's name and date, a report's title, "第 3 页 共 10 页".
REPEATED_SHARE = 0.5
_PAGE_NUMBER = re.compile(
    r"(?i)^(?:[-–—~·\s]*\d{1,5}[-–—~·\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+"
    r"|page\s+\d+(?:\s+of\s+\d+)?|共\s*\d+\s*页)$")
_DIGITS = re.compile(r"\d+")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d"
# Some text layers space out every CJK character ("记 者 昨 天"); there the spaces are layout, not text.
_CJK_SPACE = re.compile(f"(?<=[{_WIDE}]) +(?=[{_WIDE}])")
_CJK_PAIR = re.compile(f"[{_WIDE}](?=[{_WIDE}])")
# A line at least this share of the column's width (a high percentile of the document's line widths)
# fills the column: its paragraph goes on in the next line.
FULL_LINE = 0.85


def read(data: bytes) -> Decoded:
    quiet("pypdf")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DecodeError("is encrypted with a password: save an unprotected copy to index it")
    total = len(reader.pages)
    notes, pages, size = [], [], 0
    if total > MAX_PDF_PAGES:
        notes.append(f"{total:,} pages: only the first {MAX_PDF_PAGES:,} read (split it to index the rest)")
    for number in range(min(total, MAX_PDF_PAGES)):
        text = reader.pages[number].extract_text() or ""
        pages.append([line for line in (_unspaced(raw).strip() for raw in text.splitlines()) if line])
        size += len(text)
        if size > MAX_TEXT_CHARS:
            notes.append(f"pages after page {number + 1} not read: the text is longer than {MAX_TEXT_CHARS:,} "
                         "characters")
            break
    if not any(pages):
        raise DecodeError("no text layer (a scan or images only); OCR it first")
    info = reader.metadata or {}
    meta = DocMeta(title=title_field(getattr(info, "title", None)), author=field(getattr(info, "author", None)),
                   date=date_field(_created(info)))
    return assembled(paragraphs(body_lines(pages)), "pdf", meta, notes)


def _unspaced(line: str) -> str:
    spaced = len(_CJK_SPACE.findall(line))
    return _CJK_SPACE.sub("", line) if spaced > len(_CJK_PAIR.findall(line)) else line


def _width(line: str) -> float:
    """A line's width in ideographs: Latin letters, digits and spaces are about half as wide."""
    return sum(1.0 if ord(ch) >= 0x2e80 or ch in "\u201c\u201d" else 0.5 for ch in line)


def paragraphs(lines: list[str]) -> list[str]:
    """The lines joined into paragraphs: a line that fills the column runs on into the next."""
    if not lines:
        return []
    widths = sorted(_width(line) for line in lines)
    column = widths[int(len(widths) * 0.9)]
    out: list[str] = []
    runs_on = False
    for line, after in zip(lines, lines[1:] + [""]):
        if runs_on and out:
            latin = out[-1][-1:].isascii() and out[-1][-1:].isalnum() and line[:1].isascii() and line[:1].isalnum()
            out[-1] += (" " if latin else "") + line
        else:
            out.append(line)
        # A headline as wide as the column stops before a byline or another heading; inside a paragraph,
        # two lines without a comma between them still run on.
        heading = not runs_on and after and looks_like_heading(line) and looks_like_heading(after)
        runs_on = _width(line) >= FULL_LINE * column and not heading
    return out


def _created(info):
    try:
        return info.creation_date
    except Exception:  # a malformed date string in the info dictionary only costs the date
        return None


def body_lines(pages: list[list[str]]) -> list[str]:
    """Every page's lines without running headers, footers and page numbers."""
    seen = Counter()
    for lines in pages:
        seen.update({_DIGITS.sub("#", line) for line in _edges(lines)})
    least = max(2, math.ceil(len(pages) * REPEATED_SHARE))
    repeated = {key for key, count in seen.items() if count >= least}
    out = []
    for lines in pages:
        edges = set(range(min(EDGE_LINES, len(lines)))) | set(range(max(0, len(lines) - EDGE_LINES), len(lines)))
        for i, line in enumerate(lines):
            if i in edges and (_PAGE_NUMBER.match(line) or _DIGITS.sub("#", line) in repeated):
                continue
            out.append(line)
    return out


def _edges(lines: list[str]) -> list[str]:
    return lines[:EDGE_LINES] + lines[EDGE_LINES:][-EDGE_LINES:]
