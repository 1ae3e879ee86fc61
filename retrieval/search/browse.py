"""What a journalist browses besides answers: who speaks, how often, and every utterance as a table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.records import DocumentInfo, Role, Speaker
from retrieval.store.snapshot import Snapshot


@dataclass(frozen=True)
class SpeakerInfo:
    speaker: Speaker
    paragraphs: int                   # paragraphs in which they say something
    utterances: int = 0


@dataclass(frozen=True)
class QuoteRow:
    """One utterance: the who-said-what table's row."""

    speaker: str
    speaker_title: str | None
    role: Role
    cited: str | None
    text: str
    doc: str
    paragraph: int
    start: int
    end: int
    id: int                           # the paragraph's id (opens it in its document)


def _owners(snapshot: Snapshot) -> np.ndarray:
    columns = snapshot.rows.columns
    return np.repeat(np.arange(len(snapshot.rows)), np.diff(columns["utt_offsets"]))


def speakers(snapshot: Snapshot) -> list[SpeakerInfo]:
    """Every speaker of every document (people and voices), with their utterance and paragraph counts."""
    rows = snapshot.rows
    columns = rows.columns
    owner = _owners(snapshot)
    docs = columns["doc"][owner]
    utterances: dict[tuple[int, int], int] = {}
    paragraphs: dict[tuple[int, int], set[int]] = {}
    for doc, speaker, row in zip(docs.tolist(), columns["utt_speaker"].tolist(), owner.tolist()):
        utterances[(doc, speaker)] = utterances.get((doc, speaker), 0) + 1
        paragraphs.setdefault((doc, speaker), set()).add(row)
    out = []
    for s in snapshot.speakers:
        key = (rows.code(s.doc), rows.code(s.name))
        out.append(SpeakerInfo(s, len(paragraphs.get(key, ())), utterances.get(key, 0)))
    return out


def quotes(snapshot: Snapshot, names: tuple[str, ...] | None = None, doc: str | None = None) -> list[QuoteRow]:
    """Every utterance in document order, of these speakers and this document when given."""
    rows = snapshot.rows
    columns = rows.columns
    owner = _owners(snapshot)
    keep = np.ones(len(owner), dtype=bool)
    if names is not None:
        keep &= np.isin(columns["utt_speaker"], rows.codes(names))
    if doc is not None:
        code = rows.code(doc)
        keep &= columns["doc"][owner] == (code if code is not None else -2)
    order = np.lexsort((columns["utt_start"], columns["number"][owner], columns["doc"][owner]))
    out = []
    for j in order[keep[order]].tolist():
        i = int(owner[j])
        text = rows.text(i)
        start, end = int(columns["utt_start"][j]), int(columns["utt_end"][j])
        out.append(QuoteRow(
            speaker=rows.string(columns["utt_speaker"][j]), speaker_title=rows.string(columns["utt_title"][j]),
            role=Role(rows.string(columns["utt_role"][j])), cited=rows.string(columns["utt_cited"][j]),
            text=text[start:end], doc=rows.string(columns["doc"][i]), paragraph=int(columns["number"][i]),
            start=start, end=end, id=int(rows.ids[i]),
        ))
    return out


def documents(snapshot: Snapshot) -> list[DocumentInfo]:
    """The indexed documents in index order, with where each came from and the people who speak in it."""
    people: dict[str, list[str]] = {}
    for speaker in snapshot.speakers:
        names = people.setdefault(speaker.doc, [])
        if speaker.is_person and speaker.name not in names:
            names.append(speaker.name)
    return [DocumentInfo(e.name, e.title, e.origin, e.paragraphs, tuple(people.get(e.name, ())))
            for e in snapshot.manifest.documents]
