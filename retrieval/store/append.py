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

import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval import __version__
from retrieval.embedders import Embedder
from retrieval.records import IndexReport, Progress
from retrieval.store.generation import IndexStore
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.snapshot import Snapshot
from retrieval.store.stages import alias_lists, attributed, embed, segmenter, vector_key
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
        speakers = [*previous.speakers, *found]
        aliases = alias_lists(speakers, previous)
        alias_table = AliasTable(speakers, aliases)
        # The alias words the previous generation's tokenizer had (AliasTable.words of its speakers).
        old_words = set(dictionary_words({alias.text for speaker, forms in zip(previous.speakers, aliases)
                                          if speaker.is_person for alias in forms}))
        tokenizer = Tokenizer(alias_table.words)
        old_tokens = previous.token_table()
        # An earlier paragraph naming a new speaker is segmented anew, as a full build would.
        resegmented = {} if old_tokens is None else {
            position: (tokenizer(previous.rows.text(position)), signature)
            for position, signature in _resegmented(previous, old_tokens, tokenizer,
                                                    [w for w in tokenizer.words if w not in old_words])}
        segment = segmenter(tokenizer)
        token_lists = [segment(row.paragraph.text) for row in rows]
        signatures = [tokenizer.signature(row.paragraph.text) for row in rows]
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
    documents = sorted([*previous.manifest.documents, *placed(entries)], key=lambda e: order[e.name])
    count = len(previous.rows) + len(rows)
    manifest = Manifest(
        format_version=FORMAT_VERSION, model_id=embedder.model_id, dim=embedder.dim, count=count,
        next_id=next_id, faiss_version=faiss.__version__, engine_version=__version__,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(documents), backend=backend,
    )
    store.write(manifest, previous.rows.extended(rows), speakers, aliases, vectors_backend, keyword, table)
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


def _resegmented(previous: Snapshot, old_tokens: TokenTable, tokenizer: Tokenizer,
                 new_words: list[str]) -> list[tuple[int, int]]:
    """Earlier paragraphs holding a dictionary word the added documents bring (a new speaker's name),
    whose tokens a full build would make differently, with their new signatures.

    One pass over all old text, folded at once and joined by NUL (which decoding drops from documents,
    and folding keeps): a word found names its paragraph by the NULs before it; each paragraph found
    is then checked by its own signature, as a full build checks it."""
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
    out = []
    for position in sorted(p for p in found if p < len(rows)):
        signature = tokenizer.signature(rows.text(position))
        if signature != int(old_tokens.signatures[position]):
            out.append((position, signature))
    return out
