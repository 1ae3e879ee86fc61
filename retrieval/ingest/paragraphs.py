"""Decoded text -> paragraphs with offsets: lines a page break cut mid-sentence are rejoined, lines with
no words are dropped, and a paragraph too long for the model is cut into passages of bounded length."""

from __future__ import annotations

import bisect
import re

from retrieval.records import RawParagraph
from retrieval.text.chars import CLAUSE_MARKS, CLOSING_QUOTES, SENTENCE_ENDS
from retrieval.text.quotemarks import QuoteStack
from retrieval.text.sentences import sentences

# A piece ending in one of these closes its sentence; anything else may have been cut by layout.
_CLOSERS = set(SENTENCE_ENDS + "…；;" + CLOSING_QUOTES + "’）)】>：:—-")
_CLAUSE_MARKS = set(CLAUSE_MARKS + "。、")
# A piece this long with a clause mark is running prose (a page break can cut it); shorter ones may be
# titles or list items, which are never glued to the next line.
PROSE_MIN_CHARS = 24
# A line this short without sentence punctuation is a heading (a headline, a section title).
HEADING_MAX_CHARS = 40
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
# The embedder reads at most 512 tokens and its cost grows with length; Chinese runs ~0.7 tokens a
# character, so 500 characters stay inside the window. No paragraph of our labelled documents is
# this long (the longest has 368); news paragraphs that are get cut where a sentence ends.
MAX_PASSAGE_CHARS = 500
# A line needs a word: an ideograph, two letters or digits in a row, or a turn label such as "Q:". A
# line of "a", "1" or "——" would cost a vector and a row each (a file of one-letter lines made millions).
# Each paragraph costs a vector (1.5 KB) and a row whatever its length: a document with more lines
# than MAX_PARAGRAPHS_BASE + one per MIN_CHARS_PER_PARAGRAPH characters of text (a list, a data dump,
# thousands of two-letter lines) is read as running text, so that memory stays bounded per character.
# Reporting averages over 50 characters a paragraph.
MAX_PARAGRAPHS_BASE = 256
MIN_CHARS_PER_PARAGRAPH = 16
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]{2}|^[^\W\d_]\s*[:：]")


def _is_prose(piece: str) -> bool:
    return len(piece) >= PROSE_MIN_CHARS and any(ch in _CLAUSE_MARKS for ch in piece)


def looks_like_heading(piece: str) -> bool:
    if _MD_HEADING.match(piece):
        return True
    return len(piece) <= HEADING_MAX_CHARS and not any(ch in "，。！？,;；" for ch in piece) and piece[-1] not in "”」"


def first_heading(text: str) -> str | None:
    """The document's headline as its text gives it: the first line with words, when that line is a
    heading (short, without sentence punctuation); a markdown heading without its marks."""
    for match in re.finditer(r"[^\n]+", text[:8192]):
        line = match.group().strip(" \t\u3000\u00a0")
        if not _WORD.search(line):
            continue
        if not looks_like_heading(line):
            return None
        return _MD_HEADING.sub("", line).strip().strip("#").strip() or None
    return None


def has_words(text: str) -> bool:
    return _WORD.search(text) is not None


def split_paragraphs(doc: str, text: str) -> list[RawParagraph]:
    return split_document(doc, text)[0]


def split_document(doc: str, text: str) -> tuple[list[RawParagraph], str | None]:
    """One paragraph per non-blank line; a line that a page break cut mid-sentence is rejoined; and a
    note when the lines were too many for their text and were packed into passages.

    A piece is rejoined to the one before when that one is prose (long, with clause marks) and
    does not end its sentence, and the piece itself is not a heading line.
    """
    pieces: list[tuple[str, int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped or not _WORD.search(stripped):
            continue
        start = match.start() + line.index(stripped)
        pieces.append((stripped, start, start + len(stripped)))
    note = None
    if len(pieces) > MAX_PARAGRAPHS_BASE + len(text) // MIN_CHARS_PER_PARAGRAPH:
        merged = _packed(pieces)
        note = (f"{len(pieces):,} lines averaging {sum(len(p[0]) for p in pieces) // len(pieces)} characters "
                f"are not paragraphs of prose: read as running text in {len(merged):,} passages")
    else:
        merged = _rejoined(pieces)
    passages = [piece for text_, spans in merged for piece in _bounded(text_, spans)]
    return [RawParagraph(doc, i, t, spans, opens) for i, (t, spans, opens) in enumerate(passages)], note


def _rejoined(pieces: list[tuple[str, int, int]]) -> list[tuple[str, list[tuple[int, int]]]]:
    merged: list[tuple[str, list[tuple[int, int]]]] = []
    for piece, start, end in pieces:
        if merged:
            prev_text, prev_spans = merged[-1]
            if (
                _is_prose(prev_text)
                and prev_text[-1] not in _CLOSERS
                and not _MD_HEADING.match(prev_text)
                and (not looks_like_heading(piece) or piece[-1] in _CLOSERS)
                and not piece.endswith(("：", ":"))
            ):
                merged[-1] = (prev_text + piece, prev_spans + [(start, end)])
                continue
        merged.append((piece, [(start, end)]))
    return merged


def _packed(pieces: list[tuple[str, int, int]]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Lines packed greedily into passages of up to MAX_PASSAGE_CHARS, layout ignored."""
    packed: list[tuple[list[str], list[tuple[int, int]], int]] = []
    for piece, start, end in pieces:
        if packed and packed[-1][2] + len(piece) <= MAX_PASSAGE_CHARS:
            texts, spans, size = packed[-1]
            texts.append(piece)
            spans.append((start, end))
            packed[-1] = (texts, spans, size + len(piece))
        else:
            packed.append(([piece], [(start, end)], len(piece)))
    return [("".join(texts), spans) for texts, spans, _ in packed]


def _bounded(text: str, spans: list[tuple[int, int]], limit: int = MAX_PASSAGE_CHARS):
    """The paragraph as passages of at most `limit` characters, each with its own file spans."""
    if len(text) <= limit:
        return [(text, tuple(spans), "")]
    cuts = cut_points(text, limit)
    opens = _open_at(text, [s for s, _ in cuts])
    return [(text[s:e], _spans_of(spans, s, e), o) for (s, e), o in zip(cuts, opens)]


def _open_at(text: str, positions: list[int]) -> list[str]:
    """The quotation marks still open at each position (ascending), in one pass."""
    stack, out, at = QuoteStack(), [], 0
    for position in positions:
        stack.read(text, at, position)
        out.append(stack.open_marks)
        at = position
    return out


def cut_points(text: str, limit: int) -> list[tuple[int, int]]:
    """Where to cut a long text, in linear time: at the last sentence end outside quotation marks in
    the second half of each window, else any sentence end, else a clause mark, else at the limit."""
    quiet = [e for _, e in sentences(text)]
    pieces, start = [], 0
    while len(text) - start > limit:
        low, high = start + limit // 2, start + limit
        at = bisect.bisect_right(quiet, high) - 1
        cut = quiet[at] if at >= 0 and quiet[at] > low else 0
        for marks in (SENTENCE_ENDS, CLAUSE_MARKS + "、"):
            if cut:
                break
            found = max(text.rfind(ch, low, high) for ch in marks)
            if found > 0:
                cut = found + 1
                while cut < high and text[cut] in CLOSING_QUOTES:
                    cut += 1
        cut = cut or high
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(text)))
    return pieces


def _spans_of(spans: list[tuple[int, int]], start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The file spans under characters start..end of a paragraph whose pieces are `spans`."""
    out, offset = [], 0
    for file_start, file_end in spans:
        length = file_end - file_start
        lo, hi = max(start, offset), min(end, offset + length)
        if lo < hi:
            out.append((file_start + lo - offset, file_start + hi - offset))
        offset += length
    return tuple(out)
