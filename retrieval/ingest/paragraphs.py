"""Decoded text -> paragraphs with offsets, rejoining lines that a page break cut mid-sentence."""

from __future__ import annotations

import re

from retrieval.records import RawParagraph
from retrieval.text.chars import CLAUSE_MARKS, CLOSING_QUOTES, SENTENCE_ENDS

# A piece ending in one of these closes its sentence; anything else may have been cut by layout.
_CLOSERS = set(SENTENCE_ENDS + "…；;" + CLOSING_QUOTES + "’）)】>：:—-")
_CLAUSE_MARKS = set(CLAUSE_MARKS + "。、")
# A piece this long with a clause mark is running prose (a page break can cut it); shorter ones may be
# titles or list items, which are never glued to the next line.
PROSE_MIN_CHARS = 24
# A line this short without sentence punctuation is a heading (a headline, a section title).
HEADING_MAX_CHARS = 40
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def _is_prose(piece: str) -> bool:
    return len(piece) >= PROSE_MIN_CHARS and any(ch in _CLAUSE_MARKS for ch in piece)


def _looks_like_heading(piece: str) -> bool:
    if _MD_HEADING.match(piece):
        return True
    return len(piece) <= HEADING_MAX_CHARS and not any(ch in "，。！？,;；" for ch in piece) and piece[-1] not in "”」"


def split_paragraphs(doc: str, text: str) -> list[RawParagraph]:
    """One paragraph per non-blank line; a line that a page break cut mid-sentence is rejoined.

    A piece is rejoined to the one before when that one is prose (long, with clause marks) and
    does not end its sentence, and the piece itself is not a heading line.
    """
    pieces: list[tuple[str, int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped:
            continue
        start = match.start() + line.index(stripped)
        pieces.append((stripped, start, start + len(stripped)))

    merged: list[tuple[str, list[tuple[int, int]]]] = []
    for piece, start, end in pieces:
        if merged:
            prev_text, prev_spans = merged[-1]
            if (
                _is_prose(prev_text)
                and prev_text[-1] not in _CLOSERS
                and not _MD_HEADING.match(prev_text)
                and (not _looks_like_heading(piece) or piece[-1] in _CLOSERS)
                and not piece.endswith(("：", ":"))
            ):
                merged[-1] = (prev_text + piece, prev_spans + [(start, end)])
                continue
        merged.append((piece, [(start, end)]))
    return [RawParagraph(doc, i, t, tuple(spans)) for i, (t, spans) in enumerate(merged)]
