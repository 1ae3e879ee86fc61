"""Adding documents to a generation without rebuilding it: the update costs what it adds.

When documents are only added, the previous generation's rows, tokens, speakers and vectors stand as
they are: the new paragraphs are attributed, segmented and embedded, appended after the last row, their
vectors linked into the previous HNSW graph (or flat index), and the BM25 scores recomputed from kept
term counts with the whole corpus's statistics - the same index a full build makes, rows in another
order. Anything else (a change, a removal, another model or backend, a new speaker's name found in an
old paragraph, the dense index crossing the graph size) returns None: the caller rebuilds.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval import __version__
from retrieval.embedders import Embedder
from retrieval.records import IndexReport, Progress
from retrieval.store.generation import IndexStore
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.snapshot import Snapshot
from retrieval.store.stages import alias_lists, attributed, embed, vector_key
from retrieval.text.aliases import AliasTable
from retrieval.text.fold import fold
from retrieval.text.tokenizer import Tokenizer, dictionary_words
from retrieval.vectors import factory


def appendable(previous: Snapshot | None, report_args: dict, embedder: Embedder, backend: str) -> bool:
    """Whether this update only adds documents to a generation that can take them as they are."""
    return (previous is not None and bool(report_args["added"]) and not report_args["changed"]
            and not report_args["removed"] and previous.manifest.engine_version == __version__
            and previous.manifest.model_id == embedder.model_id and previous.manifest.backend == backend
            and previous.folder is not None and previous.keyword.appendable
            and hasattr(factory.backend_class(backend), "extended"))


def append_index(docs, raws: dict, notes: list[str], store: IndexStore, embedder: Embedder, previous: Snapshot,
                 progress: Progress | None, backend: str, report_args: dict) -> IndexReport | None:
    """Write a generation that is `previous` plus the added documents; None when it cannot be one."""
    added = set(report_args["added"])
    new_docs = [doc for doc in docs if doc[0] in added]
    texts = {vector_key(embedder.model_id, raw.text): raw.text
             for name, _, _ in new_docs for raw in raws[name]}
    with ThreadPoolExecutor(1) as pool:
        embedding = pool.submit(embed, texts, embedder, progress)
        rows, found, entries, next_id = attributed(new_docs, embedder.model_id, None, {}, False, progress,
                                                          raws, first_id=previous.manifest.next_id)
        speakers = [*previous.speakers, *found]
        aliases = alias_lists(speakers, previous)
        alias_table = AliasTable(speakers, aliases)
        old_words = set(dictionary_words(AliasTable(previous.speakers, aliases[:len(previous.speakers)]).words))
        tokenizer = Tokenizer(alias_table.words)
        if _segmented_otherwise(previous, [w for w in tokenizer.words if w not in old_words]):
            embedding.cancel()
            return None
        token_lists = [tokenizer(row.paragraph.text) for row in rows]
        signatures = [tokenizer.signature(row.paragraph.text) for row in rows]
        fresh = embedding.result()
    old_tokens = previous.token_table()
    if old_tokens is None:
        return None
    ids = np.array([row.id for row in rows], dtype=np.int64)
    vectors = np.stack([fresh[row.vector_key] for row in rows]) if rows else np.zeros((0, embedder.dim), np.float32)
    vectors_backend = factory.backend_class(backend).extended(previous.folder, len(previous.rows), ids, vectors)
    keyword = previous.keyword.appended(token_lists)
    if vectors_backend is None or keyword is None:
        return None
    import faiss

    order = {name: i for i, (name, _, _) in enumerate(docs)}
    documents = sorted([*previous.manifest.documents, *entries], key=lambda e: order[e.name])
    count = len(previous.rows) + len(rows)
    manifest = Manifest(
        format_version=FORMAT_VERSION, model_id=embedder.model_id, dim=embedder.dim, count=count,
        next_id=next_id, faiss_version=faiss.__version__, engine_version=__version__,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(documents), backend=backend,
    )
    store.write(manifest, previous.rows.extended(rows), speakers, aliases, vectors_backend, keyword,
                old_tokens.extended(token_lists, signatures))
    notes.append(f"appended {len(rows)} paragraph{'s' * (len(rows) != 1)} to the previous index")
    return IndexReport(len(docs), count, len(fresh), notes=tuple(notes), **report_args)


def _segmented_otherwise(previous: Snapshot, new_words: list[str]) -> bool:
    """Whether a dictionary word the added documents bring (a new speaker's name) occurs in an old
    paragraph, whose tokens a full build would then make differently.

    One pass over all old text folded at once: folding is per character or per phrase, and paragraphs
    are joined by a line break no phrase spans, so a word found here is one a paragraph holds (a
    phrase joined across the break could at worst find one that is not: a needless rebuild)."""
    if not new_words:
        return False
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word in new_words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    rows = previous.rows
    text = "\n".join(rows.text(i) for i in range(len(rows)))
    return next(automaton.iter(fold(text)), None) is not None

