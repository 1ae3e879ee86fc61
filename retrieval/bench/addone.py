"""`whosaid bench --add-one-only`: what adding one document costs at each corpus size asked for, with
the embedding of its own paragraphs timed apart.

Each size is a generated corpus indexed with vectors sampled around real embeddings (corpus.py), as a
whole benchmark does above --real paragraphs. The added document's paragraphs are embedded for real
first (that time is reported on its own); the add itself then finds their vectors ready, so its time is
the rest of the update: reading the folder, attribution, segmentation, the vector and keyword indexes,
and writing the generation.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.embedders import load_embedder
from retrieval.ingest.files import SETTLED_NS, read_text
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.vectors import factory

from .corpus import SampledEmbedder, generate_corpus


@dataclass
class AddOne:
    paragraphs: int                 # in the index before the add
    documents: int
    added_paragraphs: int = 0
    embed_s: float = 0.0            # the added document's own paragraphs, embedded for real
    add_s: float = 0.0              # the update without that embedding (wall clock)
    add_cpu_s: float = 0.0          # ... its CPU time (this process, all threads)
    index_build_s: float = 0.0      # building the corpus's index first (sampled vectors), for scale
    notes: list[str] = field(default_factory=list)


class _Prepared:
    """The embedder of the add: vectors computed beforehand for the texts it holds, else the inner one's."""

    def __init__(self, inner, vectors: dict[str, np.ndarray]) -> None:
        self.inner, self.vectors = inner, vectors
        self.model_id, self.dim = inner.model_id, inner.dim

    def embed_batch(self, texts: list[str], kind):
        if kind == "passage" and all(t in self.vectors for t in texts):
            return np.stack([self.vectors[t] for t in texts])
        return self.inner.embed_batch(texts, kind)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def add_one(paragraphs: int, real: int = 2000, sources: list[Path] | None = None, model: str | None = None,
            log=print, backend: str = factory.DEFAULT) -> AddOne:
    """Index a generated corpus of about `paragraphs` paragraphs, then time adding one document."""
    from retrieval.engine import Engine
    from retrieval.settings import resolve

    sources = sources or [Path("seeds"), Path("tests/fixtures")]
    real_embedder = load_embedder(model)
    with tempfile.TemporaryDirectory(prefix="whosaid-addone-") as tmp:
        docs, index_dir, extra = Path(tmp) / "docs", Path(tmp) / "index", Path(tmp) / "extra"
        n_docs = generate_corpus(docs, paragraphs, sources)
        generate_corpus(extra, 10, sources, seed=99)
        # Files changed within SETTLED_NS of being read are read again at the next update (files.py):
        # an index is built over files that have settled, as a user's are.
        time.sleep(SETTLED_NS / 1e9)
        sampled = SampledEmbedder(real_embedder, real)
        engine = Engine(resolve(index_dir, model, docs, backend), embedder=sampled)
        log(f"add one at {paragraphs}: indexing {n_docs} documents (vectors sampled beyond {real})")
        start = time.perf_counter()
        built = engine.index(docs)
        result = AddOne(built.paragraphs, n_docs, index_build_s=time.perf_counter() - start)

        source = sorted(extra.iterdir())[0]
        texts = [p.text for p in split_paragraphs(source.name, read_text(source).text)]
        start = time.perf_counter()
        vectors = real_embedder.embed_batch(texts, "passage") if texts else []
        result.embed_s = time.perf_counter() - start
        engine.close()
        engine = Engine(resolve(index_dir, model, docs, backend), embedder=_Prepared(sampled, dict(zip(texts, vectors))))

        shutil.copy(source, docs / "zz_added.txt")
        log(f"add one at {paragraphs}: adding {source.name} ({len(texts)} paragraphs)")
        start, cpu = time.perf_counter(), _cpu()
        added = engine.index(docs)
        result.add_s, result.add_cpu_s = time.perf_counter() - start, _cpu() - cpu
        result.added_paragraphs = added.paragraphs - built.paragraphs
        result.notes = [n for n in added.notes if n.startswith("appended")] or ["rebuilt, not appended"]
        engine.close()
        return result


def add_one_table(results: list[AddOne]) -> str:
    lines = []
    for r in results:
        lines.append(f"add one document to {r.paragraphs} paragraphs ({r.documents} documents): "
                     f"{r.add_s:.2f} s ({r.add_cpu_s:.2f} s CPU) without embedding; embedding its "
                     f"{r.added_paragraphs} paragraphs {r.embed_s:.2f} s; {'; '.join(r.notes)}")
    return "\n".join(lines)
