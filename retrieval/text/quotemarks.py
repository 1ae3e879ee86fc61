"""The quotation marks open at a point of a text: one stack, read once, shared by the passage cutter (which
marks are open where a long paragraph is cut) and attribution (where each top-level quotation starts and
ends)."""

from __future__ import annotations

import re

from retrieval.text.chars import CLOSING_QUOTES, OPENING_QUOTES, QUOTE_MAX_DEPTH, QUOTE_PAIRS

_MARK = re.compile(f"[{OPENING_QUOTES}{CLOSING_QUOTES}]")


class QuoteStack:
    """Reads a text span by span, left to right; only the quotation marks are looked at, so a span costs
    what its marks cost, not a Python step per character."""

    __slots__ = ("opened",)

    def __init__(self) -> None:
        self.opened: list[tuple[str, int]] = []  # (closing mark wanted, where the quotation opened)

    def read(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Reads text[start:end]; the top-level quotations closed in it, as (opening, one past closing).

        Nesting deeper than QUOTE_MAX_DEPTH is stray marks, not quotations: deeper opens are ignored. A
        closing mark of an outer quotation also closes the inner ones left open; a closing mark nothing
        opened is ignored."""
        closed: list[tuple[int, int]] = []
        opened = self.opened
        for match in _MARK.finditer(text, start, len(text) if end is None else end):
            ch, i = match.group(), match.start()
            if ch in QUOTE_PAIRS:
                if len(opened) < QUOTE_MAX_DEPTH:
                    opened.append((QUOTE_PAIRS[ch], i))
            elif any(ch == wanted for wanted, _ in opened):
                while True:
                    wanted, begun = opened.pop()
                    if wanted == ch:
                        break
                if not opened:
                    closed.append((begun, i + 1))
        return closed

    @property
    def open_marks(self) -> str:
        """The opening marks still open, outermost first."""
        return "".join(_OPENING[wanted] for wanted, _ in self.opened)

    @property
    def first_open(self) -> int | None:
        """Where the outermost quotation still open began."""
        return self.opened[0][1] if self.opened else None


_OPENING = {closing: opening for opening, closing in QUOTE_PAIRS.items()}
