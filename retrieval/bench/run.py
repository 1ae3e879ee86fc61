"""`whosaid bench`: what users feel, measured on a generated corpus of real sentences.

Above --real paragraphs the vectors are sampled around real embeddings of a pool (embedding 1e5
paragraphs takes hours on two cores); the output says so. Throughput figures always come from real
embedding. The HTTP figure starts the chat page, which is why the benchmark sits at the edge beside the
CLI rather than among the engine's stages.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from retrieval.embedders import load_embedder
from retrieval.ingest.files import list_files, read_text
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.records import Kind
from retrieval.vectors import factory

from .corpus import SampledEmbedder, generate_corpus
from .dense import dense_figures
from .memory import memory_figures
from .result import BenchResult
from .timing import percentiles


def _questions(engine, rng: random.Random, count: int) -> list[str]:
    from pypinyin import lazy_pinyin

    rows = [r.paragraph for r in engine.snapshot().rows if r.paragraph.kind == Kind.BODY]
    out = []
    for _ in range(count):
        p = rng.choice(rows)
        start = rng.randrange(0, max(1, len(p.text) - 6))
        phrase = p.text[start:start + 5]
        kind = rng.random()
        if kind < 0.5 and p.speaker:
            out.append(f"{p.speaker}怎么看{phrase}？")
        elif kind < 0.8:
            out.append(f"谁谈到了{phrase}？")
        else:
            out.append(f"What did {' '.join(lazy_pinyin(p.speaker or '某人')).title()} say?")
    return out


def run(paragraphs: int = 1000, real: int = 2000, questions: int = 200, http: bool = True,
        sources: list[Path] | None = None, model: str | None = None, log=print, backend: str = factory.DEFAULT) -> BenchResult:
    from retrieval.engine import Engine
    from retrieval.settings import resolve

    sources = sources or [Path("seeds"), Path("tests/fixtures")]
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="whosaid-bench-") as tmp:
        docs, index_dir = Path(tmp) / "docs", Path(tmp) / "index"
        n_docs = generate_corpus(docs, paragraphs, sources)
        result = BenchResult(paragraphs=0, documents=n_docs, sampled_vectors=paragraphs > real, backend=backend)
        real_embedder = load_embedder(model)

        texts = []
        for path in list_files(docs):
            texts += [p.text for p in split_paragraphs(path.name, read_text(path).text)]
        sample = texts[: min(len(texts), real)]
        log(f"bare model: embedding {len(sample)} paragraphs")
        start = time.perf_counter()
        real_vectors = [real_embedder.embed_batch(sample[i:i + 32], "passage") for i in range(0, len(sample), 32)]
        result.bare_model_pps = len(sample) / (time.perf_counter() - start)

        embedder = SampledEmbedder(real_embedder, real) if result.sampled_vectors else real_embedder
        engine = Engine(resolve(index_dir, model, docs, backend), embedder=embedder)
        log(f"indexing {n_docs} documents")
        start = time.perf_counter()
        report = engine.index(docs)
        elapsed = time.perf_counter() - start
        result.paragraphs = report.paragraphs
        if not result.sampled_vectors:
            result.index_pps = report.paragraphs / elapsed
            result.index_ratio = result.index_pps / result.bare_model_pps
        else:
            result.notes.append(f"index throughput not measured: vectors beyond {real} paragraphs are sampled")

        start = time.perf_counter()
        engine.index(docs)
        result.reindex_unchanged_s = time.perf_counter() - start

        generate_corpus(Path(tmp) / "extra", 10, sources, seed=99)
        shutil.copy(sorted((Path(tmp) / "extra").iterdir())[0], docs / "zz_added.txt")
        start = time.perf_counter()
        added = engine.index(docs)
        result.add_one_document_s = time.perf_counter() - start
        result.add_one_document_embedded = added.embedded

        engine.close()
        engine = Engine(resolve(index_dir, model, docs, backend), embedder=real_embedder)
        asked = _questions(engine, rng, questions)
        for q in asked[:10]:
            engine.ask(q)
        times = []
        for q in asked:
            start = time.perf_counter()
            engine.ask(q)
            times.append((time.perf_counter() - start) * 1000)
        result.query_p50_ms, result.query_p95_ms = percentiles(times)

        query_vectors = real_embedder.embed_batch(asked, "query")
        dense_figures(result, engine.snapshot(), np.concatenate(real_vectors), query_vectors, log)

        if http:
            result.http_p50_ms, result.http_p95_ms = _http_latency(engine, asked[:60])
            api = api_latency(engine, asked[:60])
            result.api_p50_ms, result.api_p95_ms = api["api_p50_ms"], api["api_p95_ms"]
            result.api_overhead_p50_ms = api["api_overhead_p50_ms"]

        engine.close()  # a Milvus Lite file is open to one process at a time
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "retrieval", "ask", asked[0], "--json", "--index", str(index_dir)],
                       check=True, capture_output=True, env={**os.environ, "WHOSAID_DOCS": str(docs)})
        result.cold_start_s = time.perf_counter() - start
        result.index_bytes = _du(index_dir)
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        memory_figures(result, index_dir, docs, asked[:20], model)
        return result


def _http_latency(engine, asked: list[str]) -> tuple[float, float]:
    """The chat page through gradio_client (its event protocol and the client library's own cost)."""
    from gradio_client import Client

    from ui.server import serve_in_background

    url, app = serve_in_background(engine)
    try:
        client = Client(url, verbose=False)
        times = []
        for q in asked:
            start = time.perf_counter()
            client.predict(q, "", api_name="/chat")
            times.append((time.perf_counter() - start) * 1000)
        return percentiles(times)
    finally:
        with contextlib.redirect_stdout(sys.stderr):  # gradio announces the close on stdout
            app.close()


def api_latency(engine, asked: list[str], k: int = 3) -> dict[str, float]:
    """POST /api/ask timed by a client in its own process, beside engine.ask on the same questions in the
    same run: p50/p95 of each and the API's overhead at the median."""
    from ui.server import serve_in_background

    for q in asked:  # every question once first: lazy tables (the English glossary) load outside the timing
        engine.ask(q, k=k)
    inside = []
    for q in asked:
        start = time.perf_counter()
        engine.ask(q, k=k)
        inside.append((time.perf_counter() - start) * 1000)
    url, running = serve_in_background(engine)
    try:
        done = subprocess.run([sys.executable, "-m", "retrieval.bench.client", url, "--k", str(k)],
                              input="\n".join(q.replace("\n", " ") for q in asked), capture_output=True,
                              text=True, timeout=1800, check=True)
    finally:
        with contextlib.redirect_stdout(sys.stderr):
            running.close()
    outside = json.loads(done.stdout)
    in50, in95 = percentiles(inside)
    out50, out95 = percentiles(outside["times_ms"])
    return {"engine_p50_ms": in50, "engine_p95_ms": in95, "api_p50_ms": out50, "api_p95_ms": out95,
            "api_overhead_p50_ms": out50 - in50, "api_errors": outside["errors"]}


def _du(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
