"""Adding documents to a generation without rebuilding it: the update costs what it adds.

When documents are only added, the previous generation's rows, tokens, speakers and vectors stand as
they are: the new paragraphs are attributed, segmented and embedded, appended after the last row, their
vectors linked into the previous HNSW graph (or flat index), and the BM25 scores recomputed from kept
term counts with the whole corpus's statistics - the same index a full build makes, rows in another
order; old paragraphs that name a new speaker are segmented again (and BM25 built again from the
tokens). Anything else (a change, a removal, another model or backend, the dense index crossing the
graph size) returns None: the caller rebuilds.
"""

from __future__ import annotations

import contextlib
import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval import __version__
from retrieval.embedders import Embedder
from retrieval.records import IndexReport, Progress
from retrieval.store.generation import IndexStore
from retrieval.store.keyword import KeywordIndex
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.people import PeopleFiles, stored_words, tokenizer_words
from retrieval.store.snapshot import Snapshot
from retrieval.store.stages import alias_lists, attributed, embed, segmenter, vector_key
from retrieval.text.aliases import AliasTable, speaker_aliases
from retrieval.text.fold import fold
from retrieval.text.tokenizer import Tokenizer
from retrieval.vectors import factory


def appendable(previous: Snapshot | None, report_args: dict, embedder: Embedder, backend: str) -> bool:
    """Whether this update only adds documents to a generation that can take them as they are."""
    return (previous is not None and bool(report_args["added"]) and not report_args["changed"]
            and not report_args["removed"] and previous.manifest.engine_version == __version__
            and previous.manifest.model_id == embedder.model_id and previous.manifest.backend == backend
            and previous.folder is not None and previous.keyword.appendable
            and hasattr(factory.backend_class(backend), "extended"))


def append_index(docs, raws: dict, notes: list[str], store: IndexStore, embedder: Embedder, previous: Snapshot,
                 progress: Progress | None, backend: str, report_args: dict, placed=list) -> IndexReport | None:
    """Write a generation that is `previous` plus the added documents; None when it cannot be one.
    `placed` gives the new manifest entries their origins (sources.Plan.placed)."""
    added = set(report_args["added"])
    new_docs = [doc for doc in docs if doc[0] in added]
    texts = {vector_key(embedder.model_id, raw.text): raw.text
             for name, _, _ in new_docs for raw in raws[name]}
    with ThreadPoolExecutor(1) as pool:
        known = _known_vectors(previous, texts)    # a text embedded before is not embedded again
        embedding = pool.submit(embed, {k: t for k, t in texts.items() if k not in known}, embedder, progress)
        rows, found, entries, next_id = attributed(new_docs, embedder.model_id, None, {}, False, progress,
                                                   raws, first_id=previous.manifest.next_id)
        new_aliases = [speaker_aliases(s) for s in found]
        AliasTable(found, new_aliases)  # fails here, not at the first question, if it cannot be built
        old_words = stored_words(previous.folder)
        stored = old_words is not None
        if old_words is None:   # a generation written before words.json: computed once from its aliases
            old_words = tokenizer_words(previous.speakers, alias_lists(previous.speakers, previous))
        known_words = set(old_words)
        added_words = [w for w in tokenizer_words(found, new_aliases) if w not in known_words]
        old_tokens = previous.token_table()
        candidates = [] if old_tokens is None else _naming(previous, added_words)
        # The tokenizer holds only the dictionary words these texts contain: a text's segmentation and
        # signature depend on no other added word (Tokenizer), and a dictionary of all ~400k (at 1e5
        # paragraphs) cost seconds to build.
        new_texts = [row.paragraph.text for row in rows]
        tokenizer = Tokenizer(_contained(known_words.union(added_words),
                                         [*new_texts, *(previous.rows.text(p) for p in candidates)]))
        # An earlier paragraph naming a new speaker is segmented anew, as a full build would.
        resegmented = {}
        for position in candidates:
            text = previous.rows.text(position)
            signature = tokenizer.signature(text)
            if signature != int(old_tokens.signatures[position]):
                resegmented[position] = (tokenizer(text), signature)
        segment = segmenter(tokenizer)
        token_lists = [segment(text) for text in new_texts]
        signatures = [tokenizer.signature(text) for text in new_texts]
        fresh = embedding.result()
        vectors_by_key = {**known, **fresh}
    if old_tokens is None:
        return None
    ids = np.array([row.id for row in rows], dtype=np.int64)
    vectors = (np.stack([vectors_by_key[row.vector_key] for row in rows]) if rows
               else np.zeros((0, embedder.dim), np.float32))
    vectors_backend = factory.backend_class(backend).extended(previous.folder, len(previous.rows), ids, vectors)
    if vectors_backend is None:
        return None
    table = old_tokens.replaced(resegmented).extended(token_lists, signatures)
    # Scores of rows whose tokens changed cannot be appended to: BM25 is built again from all the tokens
    # (numpy, well under the cost of the rest of a build).
    keyword = KeywordIndex.build(table) if resegmented else previous.keyword.appended(token_lists)
    import faiss

    order = {name: i for i, (name, _, _) in enumerate(docs)}
    # Every entry placed again: an earlier document records its file state (and origin) as read now.
    documents = sorted(placed([*previous.manifest.documents, *entries]), key=lambda e: order[e.name])
    count = len(previous.rows) + len(rows)
    manifest = Manifest(
        format_version=FORMAT_VERSION, model_id=embedder.model_id, dim=embedder.dim, count=count,
        next_id=next_id, faiss_version=faiss.__version__, engine_version=__version__,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(documents), backend=backend,
    )
    people = None
    if stored:
        with contextlib.suppress(OSError, ValueError):
            people = PeopleFiles.appended(previous.folder, found, new_aliases, added_words)
    if people is None:  # no words.json yet (or unreadable files): written whole, this once
        speakers = [*previous.speakers, *found]
        aliases = alias_lists(speakers, previous)
        people = PeopleFiles.of(speakers, aliases, sorted(known_words.union(added_words)))
    store.write(manifest, previous.rows.extended(rows), people, vectors_backend, keyword, table)
    notes.append(f"appended {len(rows)} paragraph{'s' * (len(rows) != 1)} to the previous index"
                 + (f" ({len(resegmented)} earlier paragraph{'s' * (len(resegmented) != 1)} naming a new speaker"
                    " segmented again)" if resegmented else ""))
    return IndexReport(len(docs), count, len(fresh), notes=tuple(notes), **report_args)


def _known_vectors(previous: Snapshot, texts: dict[str, str]) -> dict[str, np.ndarray]:
    """Vectors the previous generation holds for any of these texts (by vector key), found through
    its key column without a Python object per old row."""
    if not texts:
        return {}
    keys = previous.rows.columns["keys"]                     # 16 bytes a row
    wanted = {bytes.fromhex(k): k for k in texts}
    heads = np.frombuffer(b"".join(k[:8] for k in wanted), dtype=np.uint64)
    candidates = np.flatnonzero(np.isin(np.ascontiguousarray(keys[:, :8]).view(np.uint64).ravel(), heads))
    found = {}
    for position in candidates.tolist():
        key = wanted.get(keys[position].tobytes())
        if key is not None and key not in found:
            found[key] = position
    if not found:
        return {}
    matrix = previous.vectors.view()
    return {key: np.array(matrix[position]) for key, position in found.items()}


def _naming(previous: Snapshot, new_words: list[str]) -> list[int]:
    """Earlier paragraphs holding a dictionary word the added documents bring (a new speaker's name):
    a full build might segment them differently (the caller checks each by its signature).

    One pass over all old text, folded at once and joined by NUL (which decoding drops from documents,
    and folding keeps): a word found names its paragraph by the NULs before it."""
    if not new_words:
        return []
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word in new_words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    rows = previous.rows
    folded = fold(rows.texts_joined())
    breaks = np.array([m.start() for m in re.finditer("\0", folded)], dtype=np.int64)
    found = {int(np.searchsorted(breaks, end)) for end, _ in automaton.iter(folded)}
    return sorted(p for p in found if p < len(rows))


def _contained(words: set[str], texts: list[str]) -> list[str]:
    """The words that occur in these texts (folded, as the tokenizer reads them): every substring
    up to the longest word looked up, a few thousand lookups a paragraph."""
    if not words:
        return []
    longest = max(map(len, words))
    out = set()
    for text in texts:
        folded = fold(text)
        for start in range(len(folded)):
            for end in range(start + 2, min(start + longest, len(folded)) + 1):
                if folded[start:end] in words:
                    out.add(folded[start:end])
    return sorted(out)
