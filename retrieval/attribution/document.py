"""A whole report -> its paragraphs with utterances (who says each span) and its speakers.

Walks the paragraphs once, in order, carrying what a reader carries: the section's speaker under a header,
the last person who spoke, whether the reporter's own closing section has begun, and the transcript's
last turn. Everything comes from layout, cue words and the recogniser's names; nobody is known in advance.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

from retrieval.records import Kind, Paragraph, RawParagraph, Role, Speaker, SpeakerKind, Utterance
from retrieval.text import recognizer
from retrieval.text.names import split_title, surname
from retrieval.text.recognizer import Token

from . import layout
from .body import Paragraph as Body
from .body import Unit
from .cues import CONTINUATIONS
from .inline import Said, Sieves, opens_continuation
from .people import NameTable, Person, is_full_name, title_before
from .turns import Labels

MEETING_NAME = "会议"
# Minutes are known by their headline (纪要) or by the meeting speaking as a body.
_MINUTES = re.compile(r"纪要|紀要|会议认为|会议指出|会议要求|會議認為|會議指出|會議要求")


class _State:
    def __init__(self, doc: str, raws: list[RawParagraph]) -> None:
        self.doc = doc
        self.table = NameTable()
        self.tokens = recognizer.tokens_many([p.text for p in raws])
        byline = layout.byline_at(raws)
        self._name_everyone(raws, byline)
        name, title = layout.reporter_name(raws[byline].text) if byline is not None else ("记者", None)
        self.reporter = self.table.add(name, title, SpeakerKind.REPORTER)
        self.byline = byline
        self.minutes = any(_MINUTES.search(p.text) for p in raws)
        self._meeting: Person | None = None
        self.closing = False                   # inside the reporter's own closing section
        self.last: Person | None = None        # who spoke last, and whether their words ended the paragraph
        self.last_ended_paragraph = False
        self.in_turns = False                  # a transcript: unlabelled paragraphs continue the last turn
        self.labels = Labels(self.table, self.reporter)
        self.sieves = Sieves(self.table, self.minutes, self.meeting if self.minutes else None)
        self.spoken: dict[int, Person] = {}       # everyone with an utterance, by identity
        self.section_titles: dict[int, str] = {}

    def _name_everyone(self, raws: list[RawParagraph], byline: int | None) -> None:
        """Every full name in the document, with the title written before it, before anything is attributed:
        a short form (阿依古丽, 颜工) met first then finds its person (the byline's names are the reporter's)."""
        found: list[tuple[str, str | None]] = []
        for i, (raw, words) in enumerate(zip(raws, self.tokens)):
            if i == byline:
                continue
            found += [(t.text, title_before(words, n, raw.text)) for n, t in enumerate(words)
                      if t.tag == "PER" and is_full_name(t.text)]
        parts = set()
        for name, _ in found:
            # 申屠 or 阿依古丽 alone is part of a longer name the document also gives, not a person of its own
            if "·" in name:
                parts.add(name.split("·", 1)[0])
            elif len(name) > len(surname(name)) + 1:
                parts |= {surname(name), name[len(surname(name)):]}
        for name, title in found:
            if name not in parts:
                self.table.add(name, title)

    @property
    def section(self) -> Person | None:
        """The speaker whose header the paragraphs stand under (kept by the sieves, which need it too)."""
        return self.sieves.section

    @section.setter
    def section(self, person: Person | None) -> None:
        self.sieves.section = person

    def meeting(self) -> Person:
        if self._meeting is None:
            self._meeting = self.table.add(MEETING_NAME, None, SpeakerKind.MEETING)
        return self._meeting


def attribute(raws: list[RawParagraph], doc: str) -> tuple[list[Paragraph], list[Speaker]]:
    """Every paragraph with its utterances, and the speakers of the document (people who speak, the
    reporter, a meeting's collective voice, an outlet's reporter); people only mentioned are not speakers."""
    if not raws:
        return [], []
    state = _State(doc, raws)
    state.labels.find_interviewee(raws, state.tokens)
    labels = Counter(turn[0].strip() for turn in map(layout.turn, (p.text for p in raws)) if turn)
    state.labels.recurring = {label for label, n in labels.items() if n >= 2}
    headers = _headers(raws, state)
    seen_body = False
    out: list[Paragraph] = []
    for i, raw in enumerate(raws):
        text = raw.text
        if i == state.byline:
            out.append(_para(raw, Kind.BYLINE, Role.NARRATION, state.reporter))
            continue
        if i in headers:
            state.section, state.closing, state.in_turns = headers[i], False, False
            state.table.spoke(headers[i])
            state.last, state.last_ended_paragraph = headers[i], True
            out.append(_para(raw, Kind.SPEAKER_HEADER, Role.HEADING, headers[i]))
            continue
        if layout.CLOSING.match(text):
            state.section, state.closing, state.in_turns = None, True, False
            state.last, state.last_ended_paragraph = state.reporter, True
            out.append(_para(raw, Kind.SECTION_TITLE, Role.HEADING, state.reporter))
            continue
        turn = layout.turn(text) if not layout.header_descriptor(text) else None
        speaker = state.labels.resolve(turn[0], state.tokens[i], text) if turn else None
        if turn and speaker is not None:
            seen_body = True
            out.append(_turn(raw, state, speaker, turn[1], bullet=text.lstrip()[:1] in layout.BULLETS))
            continue
        if not layout.is_sentence(text):
            kind = Kind.SECTION_TITLE if seen_body or state.section else Kind.HEADLINE
            out.append(_para(raw, kind, Role.HEADING, state.section or state.reporter))
            continue
        seen_body = True
        out.append(_body(raw, state, state.tokens[i]))
    return out, _speakers(state, headers)


def _headers(raws: list[RawParagraph], state: _State) -> dict[int, Person]:
    """Speaker-header lines whose section holds prose, each with the person its descriptor names."""
    candidates = [i for i, p in enumerate(raws) if layout.header_descriptor(p.text) is not None]
    found: dict[int, Person] = {}
    for n, i in enumerate(candidates):
        stop = candidates[n + 1] if n + 1 < len(candidates) else len(raws)
        if not any(layout.is_sentence(p.text) for p in raws[i + 1:stop]):
            continue
        descriptor = layout.header_descriptor(raws[i].text) or ""
        person = state.labels.person_in(descriptor, state.tokens[i], raws[i].text,
                                        "\n".join(p.text for p in raws[i + 1:stop]))
        if person is not None:
            found[i] = person
            following = raws[i + 1].text if i + 1 < stop else ""
            if following and not layout.is_sentence(following) and len(following) <= layout.HEADING_MAX_CHARS:
                state.section_titles.setdefault(id(person), following)
    return found


def _body(raw: RawParagraph, state: _State, tokens) -> Paragraph:
    # A passage cut inside a quotation is read with the open marks put back in front (as the next
    # paragraph of a long quotation is typeset), then the offsets are taken back to the passage's own.
    shift = len(raw.opens_in)
    if shift:
        tokens = [Token(t.start + shift, t.end + shift, t.text, t.tag) for t in tokens]
    body = Body(raw.opens_in + raw.text, tokens)
    carried = state.last
    carries = state.last_ended_paragraph and carried is not None and (
        opens_continuation(body.text, CONTINUATIONS) or state.in_turns or state.closing)
    as_turn = state.in_turns
    if not carries and state.section is not None and body.first_person():
        # Under a speaker's header, words in the first person are the speaker's own, as under a label.
        carried, carries, as_turn = state.section, True, True
    elif not carries and body.quote_only(Unit(0, len(body.text))) and state.table.mentioned:
        # A paragraph that is only a quotation, after narration that named somebody: their words.
        carried, carries = state.table.mentioned[-1], True
    said = state.sieves.attribute(body, carried, carries)
    if state.section is not None:
        _lead_in(body, said, state)
    if as_turn and said and said[0] is not None and said[0].cue == "continues":
        said = [Said(s.person, Role.TURN if s.role is not Role.CITED else s.role, s.cue, s.cited) if s else s
                for s in said]
    if state.closing:
        said = [s if s is not None else Said(state.reporter, Role.PARAPHRASE, "closing section") for s in said]
    utterances = _merge(body.text, body, said, state)
    if shift:
        utterances = [dataclasses.replace(u, start=max(0, u.start - shift), end=u.end - shift) for u in utterances
                      if u.end > shift]
    last = said[-1] if said else None
    state.last = last.person if last is not None else state.last
    state.last_ended_paragraph = last is not None
    if last is None:
        state.in_turns = False
    return _with_utterances(raw, Kind.BODY, utterances, state.section or state.reporter)


def _lead_in(body: Body, said: list[Said | None], state: _State) -> None:
    """Under a speaker's header, sentences that open a paragraph in which the speaker then speaks, and that
    name nobody, lead into the speaker's words ("园区工会设立了十六个驿站…。王某说：“…”"): theirs too."""
    first = next((k for k, s in enumerate(said) if s is not None), None)
    if first is None or said[first].person is not state.section:
        return
    for k in range(first):
        unit = body.units[k]
        if body.person_at(state.table, unit.start, unit.end) is None and \
                not body.folded[unit.start:unit.end].lstrip().startswith(("记者", "据", "笔者")):
            said[k] = Said(state.section, Role.QUOTE if body.quotes_in(unit.start, unit.end) else Role.PARAPHRASE,
                           "section")


def _turn(raw: RawParagraph, state: _State, speaker: Person, start: int, bullet: bool) -> Paragraph:
    """A transcript line: the words after the label are the labelled speaker's, whole."""
    body = Body(raw.text, state.tokens[raw.number] if raw.number < len(state.tokens) else [])
    if bullet:   # "◆ title name：“…”": a remark under a header layout, quoted or reported
        role = Role.QUOTE if body.quotes_in(start, len(raw.text)) else Role.PARAPHRASE
    else:
        role = Role.TURN
        state.in_turns = True
    unit = Unit(start, len(raw.text))
    cited = state.sieves.cited_in(body, unit, speaker)
    said = Said(speaker, Role.CITED if cited else role, "label", cited)
    state.table.spoke(speaker)
    state.last, state.last_ended_paragraph = speaker, True
    # The label is part of what the line says ("主持人（…）：…" is how a transcript gives the words).
    utterance = _utterance(0, len(raw.text), said, state)
    return _with_utterances(raw, Kind.BODY, [utterance], state.reporter)


def _merge(text: str, body: Body, said: list[Said | None], state: _State) -> list[Utterance]:
    """Consecutive units of one speaker in one role become one utterance."""
    out: list[Utterance] = []
    for unit, s in zip(body.units, said):
        if s is None:
            continue
        if out and out[-1].speaker == s.person.name and out[-1].role == s.role and out[-1].cited == s.cited \
                and not text[out[-1].end:unit.start].strip():
            last = out[-1]
            out[-1] = _utterance(last.start, unit.end, s, state, last.cue)
            continue
        out.append(_utterance(unit.start, unit.end, s, state))
    return out


def _utterance(start: int, end: int, said: Said, state: _State, cue: str | None = None) -> Utterance:
    person = said.person
    state.spoken.setdefault(id(person), person)
    return Utterance(start=start, end=end, speaker=person.name, role=said.role, speaker_title=person.title,
                     cited=said.cited, cue=cue or said.cue)


def _with_utterances(raw: RawParagraph, kind: Kind, utterances: list[Utterance], owner: Person) -> Paragraph:
    """The paragraph's own speaker and role are those of its longest utterance; a paragraph where nobody
    speaks is narration, of the section it stands in (a speaker's header) or of the reporter. (A passage
    shows whose the highlighted words are: the reporter's, for narration.)"""
    if not utterances:
        return _para(raw, kind, Role.NARRATION, owner)
    main = max(utterances, key=lambda u: u.end - u.start)
    return Paragraph(doc=raw.doc, number=raw.number, text=raw.text, spans=raw.spans, kind=kind, role=main.role,
                     speaker=main.speaker, speaker_title=main.speaker_title, cited=main.cited,
                     utterances=tuple(utterances))


def _para(raw: RawParagraph, kind: Kind, role: Role, person: Person) -> Paragraph:
    return Paragraph(doc=raw.doc, number=raw.number, text=raw.text, spans=raw.spans, kind=kind, role=role,
                     speaker=person.name, speaker_title=person.title)


def _speakers(state: _State, headers: dict[int, Person]) -> list[Speaker]:
    """Everyone who speaks, in order of appearance, with every form the document used for them."""
    people = {id(p): p for p in [state.reporter, *state.spoken.values(), *headers.values()]}
    people = sorted(people.values(), key=lambda p: p.order)
    out = []
    for person in people:
        organisation, position = split_title(person.title) if person.kind is SpeakerKind.PERSON else (None, None)
        out.append(Speaker(
            name=person.name, title=person.title, position=position, organisation=organisation,
            section_title=state.section_titles.get(id(person)), doc=state.doc, kind=person.kind,
            forms=tuple(sorted(f for f in person.forms if f != person.name)),
        ))
    return out
