"""Building a generation: documents -> attributed paragraphs -> vectors (cached) -> stored index."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import __version__
from . import documents as d
from .aliases import AliasTable, speaker_aliases
from .attribution import attribute
from .embedders import Embedder
from .errors import NoDocuments
from .index import FORMAT_VERSION, DocEntry, IndexStore, Manifest, Row, Snapshot, new_vector_index
from .ingest import Decoded, content_hash, read_folder, split_paragraphs
from .keyword import KeywordIndex, Tokenizer

BATCH = 32
Progress = Callable[[int, int], None]


def embed_text(paragraph: d.Paragraph) -> str:
    """What the model sees of a paragraph: its own text (attribution lives in the metadata)."""
    return paragraph.text


def vector_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode("utf-8")).hexdigest()[:32]


def _read(folder: Path) -> tuple[list[tuple[str, Decoded, str]], list[d.Skipped]]:
    if not folder.is_dir():
        raise NoDocuments(f"{folder}: no such folder")
    docs, skipped, seen = [], [], {}
    for item in read_folder(folder):
        if isinstance(item, d.Skipped):
            skipped.append(item)
            continue
        name, decoded = item
        digest = content_hash(decoded.text)
        if digest in seen:
            skipped.append(d.Skipped(name, f"same text as {seen[digest]}, indexed once"))
            continue
        seen[digest] = name
        docs.append((name, decoded, digest))
    return docs, skipped


def tokenizer_for(speakers: list[d.Speaker]) -> Tokenizer:
    """jieba with every speaker alias in its dictionary, so names and titles stay one token."""
    words = [alias.text for s in speakers if not s.reporter for alias in speaker_aliases(s)]
    return Tokenizer(words)


def build_index(folder, store: IndexStore, embedder: Embedder, previous: Snapshot | None,
                progress: Progress | None = None):
    from .search import IndexReport

    folder = Path(folder)
    docs, skipped = _read(folder)
    if not docs:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        raise NoDocuments(f"{folder}: no readable .txt or .md files" + (f" ({reasons})" if reasons else ""))

    before = {e.name: e.hash for e in previous.manifest.documents} if previous else {}
    now = {name: digest for name, _, digest in docs}
    report_args = dict(
        added=tuple(sorted(set(now) - set(before))),
        changed=tuple(sorted(n for n in now if n in before and before[n] != now[n])),
        removed=tuple(sorted(set(before) - set(now))),
        unchanged=sum(1 for n in now if before.get(n) == now[n]),
        skipped=tuple(skipped),
    )
    if previous and before == now and previous.manifest.engine_version == __version__:
        return IndexReport(len(docs), len(previous.rows), 0, written=False, **report_args)

    model_id = embedder.model_id
    old_ids: dict[tuple[str, str], list[int]] = {}
    cached: dict[str, int] = {}
    if previous:
        for position, row in enumerate(previous.rows):
            old_ids.setdefault((row.paragraph.doc, row.vector_key), []).append(row.id)
            cached.setdefault(row.vector_key, position)
    next_id = previous.manifest.next_id if previous else 0

    rows: list[Row] = []
    speakers: list[d.Speaker] = []
    entries: list[DocEntry] = []
    for name, decoded, digest in docs:
        paragraphs, found = attribute(split_paragraphs(name, decoded.text), name)
        speakers += found
        entries.append(DocEntry(name, digest, decoded.encoding, len(paragraphs)))
        for paragraph in paragraphs:
            key = vector_key(model_id, embed_text(paragraph))
            reusable = old_ids.get((name, key))
            if reusable:
                pid = reusable.pop(0)
            else:
                pid, next_id = next_id, next_id + 1
            rows.append(Row(pid, paragraph, key))

    vectors = _vectors(rows, embedder, previous, cached, progress)
    embedded = sum(1 for r in rows if r.vector_key not in cached)
    tokenizer = tokenizer_for(speakers)
    keyword = KeywordIndex.build([tokenizer(r.paragraph.text) for r in rows])
    import faiss

    manifest = Manifest(
        format_version=FORMAT_VERSION, model_id=model_id, dim=embedder.dim, count=len(rows),
        next_id=next_id, faiss_version=faiss.__version__, engine_version=__version__,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), documents=tuple(entries),
    )
    ids = np.array([r.id for r in rows], dtype=np.int64)
    store.write(manifest, rows, speakers, new_vector_index(embedder.dim, ids, vectors), keyword)
    AliasTable(speakers)  # fail here, not at the first question, if aliases cannot be built
    return IndexReport(len(docs), len(rows), embedded, **report_args)


def _vectors(rows: list[Row], embedder: Embedder, previous: Snapshot | None, cached: dict[str, int],
             progress: Progress | None) -> np.ndarray:
    out = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    old = previous.vector_matrix() if previous and cached else None
    todo: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    for i, row in enumerate(rows):
        if old is not None and row.vector_key in cached:
            out[i] = old[cached[row.vector_key]]
        else:
            todo.setdefault(row.vector_key, []).append(i)
            texts[row.vector_key] = embed_text(row.paragraph)
    keys = list(todo)
    if progress:
        progress(0, len(keys))
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        vectors = embedder.embed_batch([texts[k] for k in batch], "passage")
        for key, vector in zip(batch, vectors):
            out[todo[key]] = vector
        if progress:
            progress(min(start + BATCH, len(keys)), len(keys))
    return out
