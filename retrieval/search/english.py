"""English questions over Chinese paragraphs: the question in corpus words, and how much of it a passage holds.

The small multilingual model matches an English question to Chinese text weakly; the same question
rendered in the corpus's own words (dictionary translations, pinyin of names) is embedded beside it, and
its words tell whether the passages found speak of what was asked at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from retrieval.records import Speaker
from retrieval.text.glossary import Glossary, Rendering


@dataclass(frozen=True)
class Rendered:
    renderings: tuple[Rendering, ...]

    @property
    def words(self) -> list[str]:
        return [word for r in self.renderings for word in r.words]

    @property
    def text(self) -> str:
        """The Chinese words as one query to embed ("" when nothing was translated)."""
        return " ".join(dict.fromkeys(self.words))

    def coverage(self, present: Iterable[set[str] | frozenset[str]], rarity: Callable[[str], float],
                 rarest: float, given: Iterable[frozenset[str]] = (), absent: bool = True) -> float:
        """Share of the question's content words of which some translation is among these words, each
        word weighted by the rarity of its commonest translation ("union" is everywhere, "nurse" is not).
        A word the dictionary translates but the corpus never uses ("mayor", "tax") counts as the rarest
        and is never covered: the documents do not speak of it. A word without any translation
        (misspelt, or part of an English name) is left out, neither for nor against, and so is a word of
        `given` (what names the speaker asked about). 1.0 when nothing but such words is asked.
        `absent=False`: words the corpus never uses are left out too."""
        held = set().union(*present)
        known = set().union(*given)
        found = total = 0.0
        for r in self.renderings:
            if known.intersection(r.words):
                continue
            if r.words:
                weight = min(rarity(w) or rarest for w in r.words)
                total += weight
                found += weight * any(w in held for w in r.words)
            elif r.absent and absent:
                total += rarest
        return found / total if total else 1.0

    def absent(self) -> int:
        """Content words the dictionary translates and the corpus never uses."""
        return sum(r.absent for r in self.renderings)


# "How many / how much / how long / how old", "when", "what year": the answer is a number or a date, which
# any answering paragraph writes down. A paragraph that speaks of the right things without one does not
# answer ("How many students does the university have?" over a speech about its teachers).
_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|long|old|often|far|big|large)\b|\bwhat (?:percentage|proportion|share|number)\b",
                          re.IGNORECASE)
_ASKS_TIME = re.compile(r"^\W*when\b|\b(?:what|which) (?:year|month|date|day)\b|\bsince when\b", re.IGNORECASE)
_UNIT = r"(?:多|余|来)?(?:名|个|位|人|天|年|月|日|号|项|条|家|次|元|岁|倍|期|批|场|届|所|件|座|台|辆|户|分钟|小时|周|公里|米|%|％)"
# 一 before a measure word is mostly the article ("一个学校", a school), not a count.
_NUMBER = re.compile(r"\d|百分之|[一二两三四五六七八九十][十百千万亿]|[两三四五六七八九十百千万]" + _UNIT)
_TIME = re.compile(r"\d{2,4}\s*年|\d{1,2}\s*[月日号]|[一二三四五六七八九十]+月|[今去明前]年|本月|上月|月底|年底|年初|"
                   r"昨天|今天|明天")


@dataclass(frozen=True)
class Evidence:
    """What tells whether the passages found for an English question answer it."""

    dense: float            # best cosine of the question as typed
    covered: float          # Rendered.coverage of the top passages, absent words against (eval/tune.py)
    covered_known: float    # the same with absent words left out: what decides
    absent: int             # content words the corpus never uses
    figure: bool | None     # a number or date asked for and written there (None: not asked)
    named: bool             # a speaker asked about (by name, title or organisation)
    content: int            # content words with a translation in the corpus, besides the speaker's

    def answers(self, covered: float) -> bool:
        """Several signals must agree before a question is refused; a word the corpus never uses is
        evidence only when it is all the question asks about."""
        if self.figure is False:
            return False
        if self.content == 0:
            return self.absent == 0
        return self.covered_known >= covered


def wants_figure(question: str) -> re.Pattern[str] | None:
    """What an answer must write down for this English question: a number, a date, or nothing special."""
    if _ASKS_NUMBER.search(question):
        return _NUMBER
    if _ASKS_TIME.search(question):
        return _TIME
    return None


def render(glossary: Glossary, topic: str, question: str) -> Rendered:
    """`topic`: the question without the speaker's name; `question`: as typed (capitals mark pinyin)."""
    return Rendered(tuple(glossary.renderings(topic, question)))


# A word names a person by their organisation only where at least this share of the paragraphs using it
# are in that person's documents: half, so that a word of two copies of one report still counts.
HOME_SHARE = 0.5


class Profiles:
    """Each person as the header describes them (organisation, title), for English descriptions."""

    def __init__(self, speakers: list[Speaker], tokenizer: Callable[[str], list[str]], embedder=None,
                 home: Callable[[str, frozenset[str]], float] | None = None) -> None:
        people = [s for s in speakers if s.is_person]
        self.names = [s.name for s in people]
        # The documents each person speaks in; `home(word, docs)`: the share of the paragraphs using a word
        # that lie in those documents.
        self._docs = [frozenset(p.doc for p in people if p.name == s.name) for s in people]
        self._home = home
        self._texts = [f"{s.title or ''}{s.name}" for s in people]
        self._words = [frozenset(tokenizer(f"{s.organisation or ''}{s.title or ''}")) for s in people]
        self._embedder = embedder

    @cached_property
    def _vectors(self) -> np.ndarray:
        if not self._texts or self._embedder is None:
            return np.zeros((0, 1), dtype=np.float32)
        return self._embedder.embed_batch(self._texts, "passage")

    def words_of(self, speakers: tuple[str, ...]) -> list[frozenset[str]]:
        return [words for name, words in zip(self.names, self._words) if name in speakers]

    def named_by(self, english: Rendered) -> str | None:
        """The one person whose organisation or title holds the question's words ("the Foxconn union
        chairman", "the Chaoyang district union"); words every profile shares count for nothing, and so
        does a word the corpus uses mostly in other documents than the person's: a city in a hospital's
        name is what other reports speak of too ("the Beijing union training" names no one)."""
        scores = np.zeros(len(self.names))
        for rendering in english.renderings:
            has = np.array([any(w in words and self._at_home(w, docs) for w in rendering.words)
                            for words, docs in zip(self._words, self._docs)], dtype=bool)
            if has.any():
                scores += has * np.log(len(self.names) / has.sum())
        best = scores.max(initial=0.0)
        return self.names[int(np.argmax(scores))] if best > 0 and (scores == best).sum() == 1 else None

    def _at_home(self, word: str, docs: frozenset[str]) -> bool:
        return self._home is None or self._home(word, docs) >= HOME_SHARE

    def describe(self, vector: np.ndarray, english: Rendered | None = None) -> tuple[str | None, float]:
        """The person whose profile fits a description best, and by how much they lead the runner-up
        (1.0 when the words of the English question name one)."""
        named = self.named_by(english) if english else None
        if named:
            return named, 1.0
        if len(self._vectors) == 0:
            return None, 0.0
        sims = self._vectors @ vector
        order = np.argsort(-sims)
        lead = float(sims[order[0]] - sims[order[1]]) if len(order) > 1 else 1.0
        return self.names[order[0]], lead
