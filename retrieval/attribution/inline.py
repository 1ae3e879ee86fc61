"""Who says each sentence of a body paragraph: a speech cue with its subject on either side of the words,
split quotations, continuation sentences, and somebody else quoted inside a speaker's words.

Sieves in the order of their precision (as Stanford CoreNLP's quote attribution): an explicit cue whose
subject resolves to a person; a quotation whose next sentence opens "X说" or closes "……X说。"; then
sentences without a cue carry on the speaker before them in the same paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.records import Role, SpeakerKind

from .body import NOT_SUBJECT_BEFORE, Paragraph, Unit
from .cues import (
    CITING_BEFORE,
    CITING_PHRASE,
    CONTINUING_PRONOUN,
    CUE,
    HEARD_REPORT,
    MEETING_SUBJECT,
    MINUTES_CUE,
    NOT_A_CUE_AFTER,
    NOT_SPEECH_SUBJECT,
    PRONOUN,
    PRONOUNS,
)
from .people import NameTable, Person

# A subject is the clause right before a cue; longer than this it is not the subject of the cue.
SUBJECT_MAX_CHARS = 40
# A sentence that opens with a person named within this many characters is about that person, not
# a continuation of the previous speaker.
OPENING_CHARS = 10
# A colon without a quotation after it introduces a person's words only after a clause this short.
COLON_CLAUSE_CHARS = 10
# A pronoun this far into its clause is still its subject ("在他看来", "对此他表示").
PRONOUN_WITHIN = 4
_BOUNDARY = re.compile(r"[，,；;：:。！？!?]")
# "这也正是X强调的" / "用X的话说" / "正如X所说" / "我的导师X常说" / "X有句话说得好": the speaker cites X.
_CITING_SUBJECT = re.compile(r"^(?:这|這|那)?(?:也|就)?(?:正是|就是|正如|如同|就像)|^(?:用|引用|借用|援引|套用)|"
                             r"^(?:我|我们|咱们|我們)|句话|的话$|的話$")
_AS_SAID = re.compile(r"(?:正如|就像|如同|誠如|正如同)(?P<who>[^，。！？“”「」]{2,16}?)(?:所说|所言|所讲|说的那样|所說|說的那樣)")
_FIRST_PERSON = re.compile(r"^(?:我|我们|咱们|我們)")
_SAYING_THIS = re.compile(r"(?:这话|这番话|这句话|这些话|到这里|到这儿|起这些|起这事)(?:时|的时候)?[，,]?")
_LIST_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])")


@dataclass
class Said:
    """The attribution of one sentence unit."""

    person: Person
    role: Role
    cue: str
    cited: str | None = None


class Sieves:
    """The cues a document's paragraphs are read with, and the voices it may have."""

    def __init__(self, table: NameTable, minutes: bool, meeting) -> None:
        self.table = table
        self.minutes = minutes
        self.meeting = meeting        # makes the meeting's voice when minutes speak as a body
        self.cue = MINUTES_CUE if minutes else CUE
        self.section: Person | None = None   # the speaker whose header the paragraphs are under

    def clause_before(self, p: Paragraph, start: int, at: int) -> int:
        """Where the clause that ends at `at` begins (never inside a quotation)."""
        left = max(start, at - SUBJECT_MAX_CHARS)
        for i in range(at - 1, left - 1, -1):
            if _BOUNDARY.match(p.text[i]) or p.inside[i]:
                return i + 1
        return left

    def subject(self, p: Paragraph, start: int, at: int) -> tuple[Person | None, bool]:
        """The person the clause before a cue names, and whether that clause cites rather than speaks.
        A clause without one takes the sentence's own subject ("潘某提着菜下车，笑着挥手道别：「…」")."""
        person, citing = self._subject(p, start, self.clause_before(p, start, at), at)
        if person is None and not citing and self.clause_before(p, start, at) > start:
            head = start
            while head < at and not _BOUNDARY.match(p.text[head]) and not p.inside[head]:
                head += 1
            person, citing = self._subject(p, start, start, head)
            if person is not None and not p.folded[start:start + OPENING_CHARS].strip():
                person = None
        return person, citing

    def _subject(self, p: Paragraph, start: int, left: int, at: int) -> tuple[Person | None, bool]:
        subject = p.folded[left:at].strip()
        if not subject or NOT_SPEECH_SUBJECT.search(subject):
            return None, False
        citing = bool(_CITING_SUBJECT.search(subject))
        if self.meeting is not None and MEETING_SUBJECT.search(p.folded[max(0, left - 1):at]):
            return self.meeting(), citing
        pronoun = PRONOUN.search(subject)
        if pronoun and pronoun.start() <= PRONOUN_WITHIN:
            # "至于邱某，他称…", "柴某拉着法官的手，她说…": the sentence named the person a clause before.
            earlier = p.person_at(self.table, start, left, last=True) if left > start else None
            if earlier is not None:
                # "我们请老校长某某做过测算，他说：“…”": in somebody's first-person account, a third
                # person's words are cited by the one speaking.
                return earlier[1], citing or bool(_FIRST_PERSON.match(p.folded[start:left].lstrip()))
            continuing = bool(CONTINUING_PRONOUN.match(subject[pronoun.start():] + p.folded[at:at + 2]))
            return self.table.pronoun(PRONOUNS[pronoun.group()], continuing, self.section), citing
        found = p.person_at(self.table, left, at, last=True)
        if found is not None:
            return found[1], citing
        return None, citing

    def cues(self, p: Paragraph, unit: Unit):
        """Speech verbs of the unit outside quotations, and colons that open a quotation ("X后怕：“…"）."""
        for match in self.cue.finditer(p.folded, unit.start, unit.end):
            at = match.start()
            if p.inside[at] or (at > 0 and p.folded[at - 1] == "的") or p.folded.startswith(NOT_A_CUE_AFTER, match.end()):
                continue
            yield at, match.end(), match.group()
        for i in range(unit.start, unit.end - 1):
            # A colon opens somebody's words when a quotation follows, or when only a short clause stands
            # between the person and it ("某某算了一笔账："); "采访中，A、B有一个共同的感受：" is narration.
            if p.text[i] in "：:" and not p.inside[i] and (
                    p.inside[i + 1] or i - self.clause_before(p, unit.start, i) <= COLON_CLAUSE_CHARS):
                yield i, i + 1, "："

    def explicit(self, p: Paragraph, unit: Unit) -> tuple[Said | None, int, str]:
        """The first cue of the unit whose subject is a person: (said, where its subject starts, the text
        after the cue)."""
        heard = HEARD_REPORT.search(p.folded, unit.start, unit.end) if self.minutes else None
        if heard:
            found = p.person_at(self.table, heard.start("who"), heard.end("who"))
            if found is not None:
                return Said(found[1], Role.PARAPHRASE, "汇报"), heard.start(), ""
        for at, end, verb in sorted(self.cues(p, unit)):
            person, citing = self.subject(p, unit.start, at)
            if person is None and _SAYING_THIS.match(p.folded, end):
                # "“……”说这话时，82岁的柴某攥着法官的手": the speaker comes after the cue
                after = _SAYING_THIS.match(p.folded, end).end()
                found = p.person_at(self.table, after, min(unit.end, after + SUBJECT_MAX_CHARS), last=False)
                person = found[1] if found is not None else None
            if person is None:
                continue
            # "X说过一句话" and a third person in somebody's first-person account are cited, not speaking
            citing = citing or p.folded.startswith(("过", "過"), end) or (
                bool(_FIRST_PERSON.match(p.folded[unit.start:at].lstrip())) and person is not self.section)
            if citing:
                return None, unit.start, ""
            rest = p.text[end:unit.end].strip("，,：: 。！？!?…”」』\u3000")
            role = Role.QUOTE if p.quotes_in(unit.start, unit.end) else Role.PARAPHRASE
            return Said(person, role, verb), self.clause_before(p, unit.start, at), rest
        return None, unit.start, ""

    def mention(self, p: Paragraph, unit: Unit) -> Person | None:
        """A person named at the head of a sentence is its subject: a candidate for a later 他/她."""
        end = unit.start
        while end < unit.end and not _BOUNDARY.match(p.text[end]):
            end += 1
        if end - unit.start <= OPENING_CHARS and end < unit.end:   # "临近中午，某某拎着菜…": past an adverbial
            end += 1
            while end < unit.end and not _BOUNDARY.match(p.text[end]):
                end += 1
        head = p.folded[unit.start:end].strip()
        if _CITING_SUBJECT.match(head):   # "这也正是X强调的": X is cited, not the sentence's subject
            return
        found = p.person_at(self.table, unit.start, end, last=True)
        if found is not None and not p.folded[unit.start:found[0]].strip().startswith(NOT_SUBJECT_BEFORE):
            self.table.mention(found[1])
            return found[1]
        return None

    def cited_in(self, p: Paragraph, unit: Unit, speaker: Person) -> str | None:
        """Somebody else quoted inside a speaker's words: "引用老劳模李某的话：“…”", "正如某某所说"."""
        for quote in p.quotes_in(unit.start, unit.end):
            before = p.folded[max(unit.start, quote.start - SUBJECT_MAX_CHARS):quote.start]
            match = CITING_BEFORE.search(before) or CITING_PHRASE.search(before)
            if match:
                return self._who(p, quote.start - len(before) + match.start("who"), match.group("who"), speaker)
        match = _AS_SAID.search(p.folded, unit.start, unit.end)
        if match:
            return self._who(p, match.start("who"), match.group("who"), speaker)
        for at, _, _ in self.cues(p, unit):   # "这也正是X强调“…”的原因": a cue whose subject cites
            left = self.clause_before(p, unit.start, at)
            if _CITING_SUBJECT.search(p.folded[left:at]):
                found = p.person_at(self.table, left, at, last=True)
                if found is not None and found[1] is not speaker:
                    return found[1].name
        return None

    def _who(self, p: Paragraph, start: int, words: str, speaker: Person) -> str:
        found = p.person_at(self.table, start, start + len(words))
        if found is not None and found[1] is not speaker:
            return found[1].name
        return p.text[start:start + len(words)]

    def opens_with_other(self, p: Paragraph, unit: Unit, speaker: Person) -> bool:
        """True when a sentence opens with somebody other than the speaker (or the reporter): narration."""
        end = min(unit.end, unit.start + OPENING_CHARS)
        head = p.folded[unit.start:end]
        if head.startswith(("记者", "据", "笔者")):
            return True
        if _CITING_SUBJECT.match(head):   # "这也正是X所强调的": the speaker goes on, citing X
            return False
        found = p.person_at(self.table, unit.start, end)
        return found is not None and found[1] is not speaker

    def attribute(self, p: Paragraph, carried: Person | None, carries: bool) -> list[Said | None]:
        """Every unit's attribution (None: narration). `carried` is the speaker a paragraph without a cue
        of its own continues when `carries` (a quotation-only paragraph, a continuation opener, a turn)."""
        said: list[Said | None] = [None] * len(p.units)
        named: list[Person | None] = [None] * len(p.units)    # the subject of a sentence without a cue
        for k, unit in enumerate(p.units):
            found, subject_at, rest = self.explicit(p, unit)
            if found is None:
                named[k] = self.mention(p, unit)
                continue
            said[k] = found
            self.table.spoke(found.person)
            before = p.units[k - 1] if k else None
            # "“……。”田秀英说。" and "“……。”她说，“……”": the cue names the quotation before it too.
            if before is not None and said[k - 1] is None and p.quote_only(before) and (
                    not rest or not p.text[unit.start:subject_at].strip()):
                said[k - 1] = Said(found.person, Role.QUOTE, found.cue)
                if not rest:
                    said[k] = Said(found.person, Role.QUOTE, found.cue)
        previous: Person | None = carried if carries else None
        for k, unit in enumerate(p.units):
            if said[k] is not None:
                previous = said[k].person
                continue
            if previous is None and k and named[k - 1] is not None and p.quote_only(unit):
                previous = named[k - 1]   # "林某早已哭成泪人。「……」": the person just named
            if previous is None or self.opens_with_other(p, unit, previous):
                previous = None
                continue
            quoted = p.quotes_in(unit.start, unit.end)
            said[k] = Said(previous, Role.QUOTE if quoted else Role.PARAPHRASE, "continues")
        for k, unit in enumerate(p.units):
            if said[k] is not None and said[k].person.kind in (SpeakerKind.PERSON, SpeakerKind.REPORTER):
                cited = self.cited_in(p, unit, said[k].person)
                if cited:
                    said[k] = Said(said[k].person, Role.CITED, said[k].cue, cited)
        return said


def opens_continuation(text: str, continuations: tuple[str, ...]) -> bool:
    body = text.lstrip(" \u3000")
    return body[:1] in "“「『" or body.startswith(continuations) or bool(_LIST_ITEM.match(body))
