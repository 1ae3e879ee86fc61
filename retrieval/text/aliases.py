"""Every way a question may name a speaker, built from the documents themselves.

Full name; surname + position (王主席); organisation and its short forms, alone and with a position
(某某公司工会主席); pinyin in the forms people type (Zhang Sanfeng, sanfeng zhang, zhāng sānfēng).
Traditional characters need no entries of their own: questions are folded to simplified first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from retrieval.records import Speaker
from retrieval.text.fold import fold
from retrieval.text.names import positions, surname

_ORG_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "控股", "集团", "公司", "股份",
)
_ORG_PREFIXES = ("中华人民共和国", "中国", "北京市", "北京", "上海市", "上海", "天津市", "天津", "全国")
_LATIN = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Alias:
    text: str          # folded form, as matched against a folded question
    speaker: str       # the speaker's name
    kind: str          # name | title | org | pinyin


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    alias: str
    speakers: tuple[str, ...]
    kind: str


def match_form(text: str) -> str:
    """The form questions and aliases are compared in: folded, tone marks and tone digits gone."""
    text = fold(text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z])[1-5]", "", text)
    text = text.replace("’", "'").replace("'s", "")
    return re.sub(r"\s+", " ", text)


def org_forms(organisation: str | None) -> list[str]:
    """An organisation and its short forms: 长城电子控股有限责任公司 -> 长城电子控股, 长城电子."""
    if not organisation:
        return []
    forms = [organisation]
    # "某某大学附属某某医院" is known by its own name: the part after 附属/下属/所属/旗下.
    for marker in ("附属", "下属", "所属", "旗下"):
        if marker in organisation:
            tail = organisation.rsplit(marker, 1)[1]
            if len(tail) >= 2:
                forms.append(tail)
    current = forms[-1]
    changed = True
    while changed:
        changed = False
        for suffix in _ORG_SUFFIXES:
            if current.endswith(suffix) and len(current) - len(suffix) >= 2:
                current = current[: -len(suffix)]
                forms.append(current)
                changed = True
        for prefix in _ORG_PREFIXES:
            if current.startswith(prefix) and len(current) - len(prefix) >= 2:
                current = current[len(prefix):]
                forms.append(current)
                changed = True
    for form in list(forms):
        for ending in ("总工会", "工会"):
            if form.endswith(ending) and len(form) - len(ending) >= 2:
                forms.append(form[: -len(ending)])
                break
    return list(dict.fromkeys(forms))


def _pinyin_forms(name: str) -> list[str]:
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name)
    if len(syllables) < 2 or not all(s.isalpha() for s in syllables):
        return []
    cut = len(surname(name))
    family, given = "".join(syllables[:cut]), "".join(syllables[cut:])
    return [f"{family} {given}", " ".join(syllables), f"{family}{given}", f"{given} {family}"]


def speaker_aliases(speaker: Speaker) -> list[Alias]:
    out: list[tuple[str, str]] = [(speaker.name, "name")]
    heads = positions(speaker)
    family = surname(speaker.name)
    for head in heads:
        out.append((family + head, "title"))
        if head.startswith("副"):
            out.append((family + head[1:], "title"))
    for form in org_forms(speaker.organisation):
        out.append((form, "org"))
        for tail in ("工会",):
            if not form.endswith(tail):
                out.append((form + tail, "org"))
        for head in heads + ([speaker.position] if speaker.position else []):
            out.append((form + head, "title"))
            if not form.endswith("工会") and "工会" not in head:
                out.append((form + "工会" + head, "title"))
    out += [(form, "pinyin") for form in _pinyin_forms(speaker.name)]
    seen: dict[str, Alias] = {}
    for text, kind in out:
        key = match_form(text)
        if len(key) >= 2 and key not in seen:
            seen[key] = Alias(key, speaker.name, kind)
    return list(seen.values())


class AliasTable:
    """All aliases of all speakers, matched longest-first with Aho-Corasick."""

    def __init__(self, speakers: list[Speaker], aliases: list[list[Alias]] | None = None) -> None:
        """`aliases`: speaker_aliases() of each speaker, in order, when already known (stored with the index)."""
        if aliases is None:
            aliases = [speaker_aliases(s) for s in speakers]
        self.speakers = [s for s in speakers if s.is_person]
        table: dict[str, tuple[set[str], str]] = {}
        for speaker, forms in zip(speakers, aliases):
            if not speaker.is_person:
                continue
            for alias in forms:
                names, kind = table.setdefault(alias.text, (set(), alias.kind))
                names.add(speaker.name)
        self._table = {text: (tuple(sorted(names)), kind) for text, (names, kind) in table.items()}

    @property
    def words(self) -> list[str]:
        """Every alias text (folded), for the keyword tokenizer's dictionary."""
        return list(self._table)

    @cached_property
    def _automaton(self):
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for text, (names, kind) in self._table.items():
            automaton.add_word(text, (text, names, kind))
        if self._table:
            automaton.make_automaton()
        return automaton

    def find(self, question: str) -> list[Mention]:
        """Longest non-overlapping mentions in the question, in order."""
        if not self._table:
            return []
        text = match_form(question)
        hits = []
        for end, (alias, names, kind) in self._automaton.iter(text):
            start = end - len(alias) + 1
            if _LATIN.search(alias) and not _word_bounded(text, start, end + 1):
                continue
            hits.append(Mention(start, end + 1, alias, names, kind))
        hits.sort(key=lambda m: (-(m.end - m.start), m.start))
        # Longest first, each kept if none of its characters is taken: linear in the question's length
        # (aliases are short), where comparing each hit with every one kept grew with its square.
        taken = bytearray(len(text))
        chosen: list[Mention] = []
        for hit in hits:
            if not any(taken[hit.start:hit.end]):
                taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
                chosen.append(hit)
        return sorted(chosen, key=lambda m: m.start)

    def resolve(self, name: str) -> tuple[str, ...]:
        """The speakers an explicit --speaker value names (any alias, whole match first)."""
        key = match_form(name.strip())
        if key in self._table:
            return self._table[key][0]
        mentions = self.find(name)
        return tuple(sorted({s for m in mentions for s in m.speakers}))


def _word_bounded(text: str, start: int, end: int) -> bool:
    """A latin alias must stand as whole words: "wang" inside "wangfujing" is no mention."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
