"""A body paragraph under attribution: its quotations, sentence units, the recogniser's words, and the text
folded to simplified characters with the same offsets (so that forms and cues match traditional text)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from retrieval.records import SpeakerKind
from retrieval.text.fold import to_simplified
from retrieval.text.recognizer import Token

from .people import NameTable, Person
from .quotes import Quote, is_speech, quotations, units

# Words that put a person in a sentence without making them its subject ("对X来说", "向X了解").
NOT_SUBJECT_BEFORE = ("对", "向", "给", "与", "和", "跟", "把", "被", "让", "请", "为", "据", "同", "對", "與", "給", "讓", "請", "為", "據")


@dataclass(frozen=True)
class Unit:
    start: int
    end: int


class Paragraph:
    """One body paragraph under attribution: its quotations, units and the recogniser's tokens."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        folded = to_simplified(text)
        self.folded = folded if len(folded) == len(text) else "".join(to_simplified(ch)[:1] or ch for ch in text)
        self.tokens = tokens
        self.quotes = quotations(text)
        self.speech_quotes = [q for q in self.quotes if is_speech(q, text)]
        self._quote_ends = [q.end for q in self.speech_quotes]
        self.units = [Unit(s, e) for s, e in units(text, self.quotes)]
        inside = bytearray(len(text))
        for q in self.quotes:
            inside[q.start:q.end] = b"\x01" * (min(q.end, len(text)) - q.start)
        self.inside = inside

    def quotes_in(self, start: int, end: int) -> list[Quote]:
        """The speech quotations overlapping text[start:end] (top-level ones do not overlap: bisect)."""
        first = bisect.bisect_right(self._quote_ends, start)
        out = []
        for q in self.speech_quotes[first:]:
            if q.start >= end:
                break
            out.append(q)
        return out

    def first_person(self) -> bool:
        """The paragraph speaks in the first person outside its quotations (我, 我们)."""
        return any(ch == "我" and not self.inside[i] for i, ch in enumerate(self.text))

    def quote_only(self, unit: Unit) -> bool:
        """Nothing but a quotation (and punctuation) in the unit."""
        outside = "".join(ch for i, ch in enumerate(self.text[unit.start:unit.end], unit.start) if not self.inside[i])
        return bool(self.quotes_in(unit.start, unit.end)) and not outside.strip("，,。！？!?…；;：: \u3000")

    def person_at(self, table: NameTable, start: int, end: int, last: bool = False) -> tuple[int, Person] | None:
        """The first person named in text[start:end] (the last one, right before a cue: "桐林高中校长欧阳某
        表示"; but not one after 对/向: "张某对李某表示"), known already or named by the recogniser."""
        found = table.find(self.folded, start, end)
        by_token = table.from_tokens(self.tokens, self.text, start, end)
        if by_token is not None and (found is None or by_token[0] < found[0]):
            found = by_token
        if not last or found is None:
            return found
        while True:
            later = table.find(self.folded, found[0] + 1, end) or table.from_tokens(self.tokens, self.text,
                                                                                    found[0] + 1, end)
            if later is None or later[0] <= found[0] or later[1] is found[1] or later[1].kind is not SpeakerKind.PERSON \
                    or self.folded[later[0] - 1:later[0]] in NOT_SUBJECT_BEFORE:
                return found
            found = later
