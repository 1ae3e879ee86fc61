"""The stages an update runs on the documents it attributes afresh: paragraphs to rows (with ids),
speakers' aliases, and embedding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from retrieval import records as d
from retrieval.attribution.document import attribute
from retrieval.embedders import Embedder
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.records import Progress
from retrieval.store.manifest import DocEntry
from retrieval.store.rows import Row
from retrieval.store.snapshot import Snapshot
from retrieval.text.aliases import Alias, speaker_aliases

BATCH = 32


def embed_text(paragraph: d.Paragraph) -> str:
    """What the model sees of a paragraph: its own text (attribution lives in the metadata)."""
    return paragraph.text


def vector_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()[:32]


def alias_lists(speakers: list[d.Speaker], previous: Snapshot | None) -> list[list[Alias]]:
    """Each speaker's aliases; a speaker the previous generation had keeps the ones stored with it."""
    stored = previous.alias_lists() if previous else None
    known = dict(zip(previous.speakers, stored)) if stored else {}
    return [known[s] if s in known else speaker_aliases(s) for s in speakers]


def attributed(docs, model_id: str, previous: Snapshot | None, before: dict[str, str], same_engine: bool,
                progress: Progress | None = None, raws: dict[str, list] | None = None, first_id: int = 0):
    """Rows and speakers of every document: an unchanged document's are taken from the previous
    generation as they were; the others are attributed afresh, keeping the ids of paragraphs whose text
    is unchanged. New ids start at the previous generation's next id, else at `first_id`."""
    old_rows: dict[str, list[Row]] = {}
    old_speakers: dict[str, list[d.Speaker]] = {}
    if previous:
        for row in previous.rows:
            old_rows.setdefault(row.paragraph.doc, []).append(row)
        for speaker in previous.speakers:
            old_speakers.setdefault(speaker.doc, []).append(speaker)
    next_id = previous.manifest.next_id if previous else first_id
    rows: list[Row] = []
    speakers: list[d.Speaker] = []
    entries: list[DocEntry] = []
    for done, (name, decoded, digest) in enumerate(docs, 1):
        if progress:
            progress("Reading", done, len(docs))
        if same_engine and before.get(name) == digest and name in old_rows:
            rows += old_rows[name]
            speakers += old_speakers.get(name, [])
            entries.append(_entry(name, digest, decoded, len(old_rows[name])))
            continue
        split = (raws or {}).get(name) or split_paragraphs(name, decoded.text)
        paragraphs, found = attribute(split, name)
        speakers += found
        entries.append(_entry(name, digest, decoded, len(paragraphs)))
        # An id keeps its paragraph's text and attribution for life: a backend that stores the
        # attribution with the vector (Milvus) is then never out of date for a live generation.
        reusable: dict[tuple, list[int]] = {}
        for row in old_rows.get(name, []):
            reusable.setdefault(_identity(row.vector_key, row.paragraph), []).append(row.id)
        for paragraph in paragraphs:
            key = vector_key(model_id, embed_text(paragraph))
            identity = _identity(key, paragraph)
            if reusable.get(identity):
                pid = reusable[identity].pop(0)
            else:
                pid, next_id = next_id, next_id + 1
            rows.append(Row(pid, paragraph, key))
    return rows, speakers, entries, next_id


def _identity(key: str, paragraph: d.Paragraph) -> tuple:
    return key, paragraph.speaker, paragraph.role, paragraph.kind, paragraph.number, paragraph.utterances


def embed(texts: dict[str, str], embedder: Embedder, progress: Progress | None) -> dict[str, np.ndarray]:
    """Vectors of texts, by key, in batches, with progress."""
    keys, out = list(texts), {}
    if progress:
        progress("Embedding", 0, len(keys))
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        out.update(zip(batch, embedder.embed_batch([texts[k] for k in batch], "passage")))
        if progress:
            progress("Embedding", min(start + BATCH, len(keys)), len(keys))
    return out


def _entry(name: str, digest: str, decoded, paragraphs: int) -> DocEntry:
    meta = decoded.meta
    return DocEntry(name, digest, decoded.encoding, paragraphs, meta.title, meta.source, meta.author, meta.date)


def segmenter(tokenizer) -> Callable[[str], list[str]]:
    """The tokenizer, remembering its answers for this run: a passage repeated (a reprint, a padded file
    cut into identical passages) is segmented once."""
    done: dict[str, list[str]] = {}

    def segment(text: str) -> list[str]:
        if text not in done:
            done[text] = tokenizer(text)
        return done[text]

    return segment
