"""Sentences of a paragraph as character offsets: split at 。！？ but never inside a quotation."""

from __future__ import annotations

from retrieval.text.chars import CLOSING_QUOTES, OPENING_QUOTES, SENTENCE_ENDS


def sentences(text: str) -> list[tuple[int, int]]:
    """Split on 。！？ but never inside a quotation, so a quoted statement stays one piece."""
    spans, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPENING_QUOTES:
            depth += 1
        elif ch in CLOSING_QUOTES:
            depth = max(0, depth - 1)
            if depth == 0 and i > 0 and text[i - 1] in SENTENCE_ENDS:
                spans.append((start, i + 1))
                start = i + 1
        elif ch in SENTENCE_ENDS and depth == 0:
            end = i + 1
            if end < len(text) and text[end] in CLOSING_QUOTES:
                continue
            spans.append((start, end))
            start = end
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]
