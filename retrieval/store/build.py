"""Building a generation: documents -> attributed paragraphs -> vectors (cached) -> stored index."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from retrieval import __version__
from retrieval import records as d
from retrieval.attribution.document import attribute
from retrieval.embedders import Embedder
from retrieval.errors import NoDocuments
from retrieval.ingest.decode import Decoded
from retrieval.ingest.files import MAX_FILE_BYTES, content_hash, read_folder
from retrieval.ingest.paragraphs import has_words, split_document, split_paragraphs
from retrieval.records import IndexReport, Progress
from retrieval.store.generation import IndexStore
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import FORMAT_VERSION, DocEntry, Manifest
from retrieval.store.rows import Row, RowTable
from retrieval.store.snapshot import Snapshot
from retrieval.text.aliases import Alias, AliasTable, speaker_aliases
from retrieval.text.tokenizer import Tokenizer
from retrieval.vectors import factory
from retrieval.vectors.base import payload

BATCH = 32


def embed_text(paragraph: d.Paragraph) -> str:
    """What the model sees of a paragraph: its own text (attribution lives in the metadata)."""
    return paragraph.text


def vector_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()[:32]


def _read(folder: Path, max_file_bytes: int = MAX_FILE_BYTES
          ) -> tuple[list[tuple[str, Decoded, str]], list[d.Skipped], list[str]]:
    """The documents, the files skipped, and notes on what was read with a guess or a repair."""
    if not folder.is_dir():
        raise NoDocuments(f"{folder}: no such folder")
    docs, skipped, notes, seen = [], [], [], {}
    for item in read_folder(folder, max_file_bytes):
        if isinstance(item, d.Skipped):
            skipped.append(item)
            continue
        name, decoded = item
        if not has_words(decoded.text):
            skipped.append(d.Skipped(name, "holds no words (only marks, symbols or single letters)"))
            continue
        if decoded.guessed:
            notes.append(f"read {name} as {decoded.encoding} (guessed)")
        if decoded.replaced:
            notes.append(f"{name}: {decoded.replaced} bad byte{'s' * (decoded.replaced > 1)} replaced")
        notes += [f"{name}: {note}" for note in decoded.notes]
        digest = content_hash(decoded.text)
        if digest in seen:
            skipped.append(d.Skipped(name, f"same text as {seen[digest]}, indexed once"))
            continue
        seen[digest] = name
        docs.append((name, decoded, digest))
    return docs, skipped, notes


def alias_lists(speakers: list[d.Speaker], previous: Snapshot | None) -> list[list[Alias]]:
    """Each speaker's aliases; a speaker the previous generation had keeps the ones stored with it."""
    stored = previous.alias_lists() if previous else None
    known = dict(zip(previous.speakers, stored)) if stored else {}
    return [known[s] if s in known else speaker_aliases(s) for s in speakers]


def build_index(folder, store: IndexStore, embedder: Embedder, previous: Snapshot | None,
                progress: Progress | None = None, backend: str = factory.DEFAULT,
                max_file_bytes: int = MAX_FILE_BYTES) -> IndexReport:
    folder = Path(folder)
    docs, skipped, notes = _read(folder, max_file_bytes)
    if not docs:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        raise NoDocuments(f"{folder}: no readable documents (.txt, .md, .docx, .pdf, .html)" + (f" ({reasons})" if reasons else ""))

    before = {e.name: e.hash for e in previous.manifest.documents} if previous else {}
    now = {name: digest for name, _, digest in docs}
    # A document whose text is the same but whose title, outlet, author or date is not (a Word file's
    # properties edited, an index written before titles were kept) is rewritten, its vectors reused.
    metas = {e.name: e.meta for e in previous.manifest.documents} if previous else {}
    retitled = {name for name, decoded, digest in docs if before.get(name) == digest and metas[name] != decoded.meta}
    report_args = dict(
        added=tuple(sorted(set(now) - set(before))),
        changed=tuple(sorted(n for n in now if n in before and (before[n] != now[n] or n in retitled))),
        removed=tuple(sorted(set(before) - set(now))),
        unchanged=sum(1 for n in now if before.get(n) == now[n] and n not in retitled),
        skipped=tuple(skipped),
    )
    same_engine = previous is not None and previous.manifest.engine_version == __version__
    if same_engine and before == now and not retitled:
        return IndexReport(len(docs), len(previous.rows), 0, written=False, notes=tuple(notes), **report_args)

    cached = {}
    if previous:
        for position in range(len(previous.rows)):
            cached.setdefault(previous.rows.vector_key(position), position)
    # What the model reads depends only on the paragraphs' text, so embedding starts at once, and the
    # attribution (the name recogniser, the rules) and the segmentation run beside it: embedding runs in
    # C without the GIL, and so do most of the recogniser's steps.
    raws = {}
    for name, decoded, digest in docs:
        if not (same_engine and before.get(name) == digest):
            raws[name], note = split_document(name, decoded.text)
            if note:
                notes.append(f"{name}: {note}")
    texts = {vector_key(embedder.model_id, raw.text): raw.text for paragraphs in raws.values() for raw in paragraphs}
    with ThreadPoolExecutor(1) as pool:
        embedding = pool.submit(_embed, {k: t for k, t in texts.items() if k not in cached}, embedder, progress)
        rows, speakers, entries, next_id = _attributed(docs, embedder.model_id, previous, before, same_engine,
                                                       progress, raws)
        aliases = alias_lists(speakers, previous)
        alias_table = AliasTable(speakers, aliases)  # fails here, not at the first question, if it cannot be built
        tokenizer = Tokenizer(alias_table.words)
        table = _tokens(rows, tokenizer, previous, cached, progress)
        fresh = embedding.result()
    live = set(previous.rows.ids.tolist()) if previous else set()
    vectors_class = factory.backend_class(backend)
    wanted = [i for i, r in enumerate(rows) if vectors_class.sends_all_rows or r.id not in live]
    vectors = _vectors([rows[i] for i in wanted], embedder, previous, cached, progress, fresh)
    embedded = sum(1 for r in rows if r.vector_key not in cached)
    keyword = KeywordIndex.build(table)
    import faiss

    manifest = Manifest(
        format_version=FORMAT_VERSION, model_id=embedder.model_id, dim=embedder.dim, count=len(rows),
        next_id=next_id, faiss_version=faiss.__version__, engine_version=__version__,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(entries), backend=backend,
    )
    ids = np.array([rows[i].id for i in wanted], dtype=np.int64)
    row_table = RowTable.from_rows(rows)

    def write(final: Manifest, vectors_backend) -> None:
        store.write(final, row_table, speakers, aliases, vectors_backend, keyword, table)

    vectors_class.publish(store.folder, store.milvus_uri, manifest, previous, ids, vectors,
                          [payload(rows[i].paragraph) for i in wanted] if not vectors_class.sends_all_rows else [],
                          {row.id for row in rows}, live, write)
    return IndexReport(len(docs), len(rows), embedded, notes=tuple(notes), **report_args)


def _attributed(docs, model_id: str, previous: Snapshot | None, before: dict[str, str], same_engine: bool,
                progress: Progress | None = None, raws: dict[str, list] | None = None):
    """Rows and speakers of every document: an unchanged document's are taken from the previous
    generation as they were; the others are attributed afresh, keeping the ids of paragraphs whose text
    is unchanged."""
    old_rows: dict[str, list[Row]] = {}
    old_speakers: dict[str, list[d.Speaker]] = {}
    if previous:
        for row in previous.rows:
            old_rows.setdefault(row.paragraph.doc, []).append(row)
        for speaker in previous.speakers:
            old_speakers.setdefault(speaker.doc, []).append(speaker)
    next_id = previous.manifest.next_id if previous else 0
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


def _entry(name: str, digest: str, decoded: Decoded, paragraphs: int) -> DocEntry:
    meta = decoded.meta
    return DocEntry(name, digest, decoded.encoding, paragraphs, meta.title, meta.source, meta.author, meta.date)


def _identity(key: str, paragraph: d.Paragraph) -> tuple:
    return key, paragraph.speaker, paragraph.role, paragraph.kind, paragraph.number, paragraph.utterances


def _tokens(rows: list[Row], tokenizer: Tokenizer, previous: Snapshot | None, cached: dict[str, int],
            progress: Progress | None = None) -> TokenTable:
    """Keyword tokens of every row, reusing a previous row's tokens when its text and the dictionary
    words in it are the same."""
    old = previous.token_table() if previous else None
    lists, signatures = [], []
    fresh: dict[str, list[str]] = {}   # a passage repeated in this run is segmented once
    for done, row in enumerate(rows, 1):
        if progress and (done % 256 == 0 or done == len(rows)):
            progress("Segmenting", done, len(rows))
        text = row.paragraph.text
        signature = tokenizer.signature(text)
        position = cached.get(row.vector_key) if old is not None else None
        if position is not None and int(old.signatures[position]) == signature:
            lists.append(old.row(position))
        else:
            if text not in fresh:
                fresh[text] = tokenizer(text)
            lists.append(fresh[text])
        signatures.append(signature)
    return TokenTable.from_lists(lists, signatures)


def _embed(texts: dict[str, str], embedder: Embedder, progress: Progress | None) -> dict[str, np.ndarray]:
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


def _vectors(rows: list[Row], embedder: Embedder, previous: Snapshot | None, cached: dict[str, int],
             progress: Progress | None, fresh: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Vectors of `rows`: just embedded (`fresh`), or the previous generation's when the text was embedded
    before, else embedded now."""
    out = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    reuse = []
    fresh = fresh or {}
    for i, row in enumerate(rows):
        if row.vector_key in fresh:
            out[i] = fresh[row.vector_key]
        elif previous is not None and row.vector_key in cached:
            reuse.append(i)
        else:
            todo.setdefault(row.vector_key, []).append(i)
            texts[row.vector_key] = embed_text(row.paragraph)
    if reuse:
        positions = [cached[rows[i].vector_key] for i in reuse]
        if previous.vectors.local:
            out[reuse] = previous.vector_matrix()[positions]
        else:
            out[reuse] = previous.vectors.vectors_of(previous.rows.ids[positions])
    for key, vector in _embed(texts, embedder, progress if texts else None).items():
        out[todo[key]] = vector
    return out
