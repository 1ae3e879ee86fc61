"""Quotations and sentence units of a paragraph, found in one pass over the text (linear, whatever the
marks: unbalanced, nested or ten thousand of them)."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.text.chars import CLAUSE_MARKS, QUOTE_PAIRS, SENTENCE_ENDS
from retrieval.text.quotemarks import QuoteStack

# A quotation this short without a clause mark is a term in quotation marks (“暖心驿站”), not speech.
SPEECH_MIN_CHARS = 10


@dataclass(frozen=True)
class Quote:
    start: int        # the opening mark
    end: int          # one past the closing mark (the paragraph's end when it is never closed)
    closed: bool = True

    def inner(self, text: str) -> str:
        return text[self.start + 1:self.end - 1 if self.closed else self.end]


def quotations(text: str) -> list[Quote]:
    """Top-level quotations. A quotation left open runs to the paragraph's end: a quotation that goes on
    into the next paragraph leaves its closing mark off, as Chinese typesetting does."""
    stack = QuoteStack()
    out = [Quote(start, end) for start, end in stack.read(text)]
    if stack.first_open is not None:
        out.append(Quote(stack.first_open, len(text), closed=False))
    return out


def is_speech(quote: Quote, text: str) -> bool:
    inner = quote.inner(text)
    return len(inner) >= SPEECH_MIN_CHARS or any(ch in inner for ch in SENTENCE_ENDS + CLAUSE_MARKS)


def units(text: str, quotes: list[Quote]) -> list[tuple[int, int]]:
    """Sentences outside quotations: split after 。！？ (a quotation counts as part of its sentence, and a
    closing mark right after 。 ends the sentence with it)."""
    inside = _inside(len(text), quotes)
    ends = {q.end for q in quotes}
    spans, start = [], 0
    for i, ch in enumerate(text):
        if inside[i]:
            if ch in QUOTE_PAIRS.values() and i > 0 and text[i - 1] in SENTENCE_ENDS and i + 1 in ends:
                spans.append((start, i + 1))
                start = i + 1
            continue
        if ch in SENTENCE_ENDS:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in _trimmed(text, spans) if e > s]


def _inside(n: int, quotes: list[Quote]) -> list[bool]:
    flags = [False] * n
    for q in quotes:
        for i in range(q.start, min(q.end, n)):
            flags[i] = True
    return flags


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
    return out
