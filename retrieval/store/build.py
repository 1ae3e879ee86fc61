"""Building a generation: documents -> attributed paragraphs -> vectors (cached) -> stored index."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval import __version__
from retrieval.embedders import Embedder
from retrieval.errors import NoDocuments
from retrieval.ingest.paragraphs import split_document
from retrieval.records import IndexReport, Progress
from retrieval.store.append import append_index, appendable
from retrieval.store.generation import IndexStore
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.people import PeopleFiles
from retrieval.store.rows import Row, RowTable
from retrieval.store.snapshot import Snapshot
from retrieval.store.sources import Plan
from retrieval.store.stages import alias_lists, attributed, embed, embed_text, segmenter, vector_key
from retrieval.text.aliases import AliasTable
from retrieval.text.tokenizer import Tokenizer
from retrieval.vectors import factory
from retrieval.vectors.base import payload


def build_index(plan: Plan, store: IndexStore, embedder: Embedder, previous: Snapshot | None,
                progress: Progress | None = None, backend: str = factory.DEFAULT) -> IndexReport:
    """Write a generation holding the documents of `plan` (sources.py), reusing what `previous` holds."""
    docs, skipped, notes = list(plan.docs), list(plan.skipped), list(plan.notes)
    if not docs:
        raise NoDocuments("nothing would be left in the index")

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
    # An index written before origins were kept learns them (its vectors reused), once.
    relocated = previous is not None and plan.relocated(previous.manifest.documents)
    if same_engine and before == now and not retitled and not relocated:
        return IndexReport(len(docs), len(previous.rows), 0, written=False, notes=tuple(notes), **report_args)

    # What the model reads depends only on the paragraphs' text, so embedding starts at once, and the
    # attribution (the name recogniser, the rules) and the segmentation run beside it: embedding runs in
    # C without the GIL, and so do most of the recogniser's steps.
    raws = {}
    for name, decoded, digest in docs:
        if not (same_engine and before.get(name) == digest):
            raws[name], note = split_document(name, decoded.text)
            if note:
                notes.append(f"{name}: {note}")
    if appendable(previous, report_args, embedder, backend):
        appended = append_index(docs, raws, notes, store, embedder, previous, progress, backend, report_args,
                                plan.placed)
        if appended is not None:
            return appended
    cached = {}
    if previous:
        for position in range(len(previous.rows)):
            cached.setdefault(previous.rows.vector_key(position), position)
    texts = {vector_key(embedder.model_id, raw.text): raw.text for paragraphs in raws.values() for raw in paragraphs}
    with ThreadPoolExecutor(1) as pool:
        embedding = pool.submit(embed, {k: t for k, t in texts.items() if k not in cached}, embedder, progress)
        rows, speakers, entries, next_id = attributed(docs, embedder.model_id, previous, before, same_engine,
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
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(plan.placed(entries)), backend=backend,
    )
    ids = np.array([rows[i].id for i in wanted], dtype=np.int64)
    row_table = RowTable.from_rows(rows)
    people = PeopleFiles.of(speakers, aliases, tokenizer.words)

    def write(final: Manifest, vectors_backend) -> None:
        store.write(final, row_table, people, vectors_backend, keyword, table)

    vectors_class.publish(store.folder, store.milvus_uri, manifest, previous, ids, vectors,
                          [payload(rows[i].paragraph) for i in wanted] if not vectors_class.sends_all_rows else [],
                          {row.id for row in rows}, live, write)
    return IndexReport(len(docs), len(rows), embedded, notes=tuple(notes), **report_args)


def _tokens(rows: list[Row], tokenizer: Tokenizer, previous: Snapshot | None, cached: dict[str, int],
            progress: Progress | None = None) -> TokenTable:
    """Keyword tokens of every row, reusing a previous row's tokens when its text and the dictionary
    words in it are the same."""
    old = previous.token_table() if previous else None
    lists, signatures = [], []
    segment = segmenter(tokenizer)
    for done, row in enumerate(rows, 1):
        if progress and (done % 256 == 0 or done == len(rows)):
            progress("Segmenting", done, len(rows))
        text = row.paragraph.text
        signature = tokenizer.signature(text)
        position = cached.get(row.vector_key) if old is not None else None
        if position is not None and int(old.signatures[position]) == signature:
            lists.append(old.row(position))
        else:
            lists.append(segment(text))
        signatures.append(signature)
    return TokenTable.from_lists(lists, signatures)


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
    for key, vector in embed(texts, embedder, progress if texts else None).items():
        out[todo[key]] = vector
    return out
