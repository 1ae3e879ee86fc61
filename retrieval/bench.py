"""`whosaid bench`: what users feel, measured on a generated corpus of real sentences.

The corpus re-mixes the sentences of seeds/ and tests/fixtures/ into reports of the same shape (headline,
byline, speaker headers, sections), with generated names, so that attribution and speaker handling run as
they do on real documents. Above --real paragraphs the vectors are sampled around real embeddings of a
pool (embedding 1e5 paragraphs takes hours on two cores); the output says so. Throughput figures always
come from real embedding.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import documents as d
from .attribution import attribute
from .embedders import Embedder, load_embedder
from .highlight import sentences
from .ingest import list_files, read_text, split_paragraphs

# Generic name parts, none from any indexed document: the point is only that names recur.
_SURNAMES = "李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "建国华明丽军志强伟芳娜敏静秀英杰涛磊洋勇艳超鹏辉婷宇浩凯晨阳欣怡佳雪梅兰松柏海波峰岩林森晓燕春秋冬玲红霞光亮"


@dataclass
class BenchResult:
    paragraphs: int
    documents: int
    sampled_vectors: bool
    backend: str = "faiss"
    bare_model_pps: float = 0.0           # paragraphs per second, the embedder alone
    index_pps: float = 0.0                # paragraphs per second through `whosaid index`
    index_ratio: float = 0.0
    reindex_unchanged_s: float = 0.0
    add_one_document_s: float = 0.0
    add_one_document_embedded: int = 0
    query_p50_ms: float = 0.0
    query_p95_ms: float = 0.0
    http_p50_ms: float | None = None
    http_p95_ms: float | None = None
    cold_start_s: float = 0.0
    index_bytes: int = 0
    peak_rss_mb: float = 0.0
    dense_kind: str = ""                  # what the index uses at this size: exact | hnsw
    exact_search_ms: float = 0.0          # one question, one thread, over every vector of the index
    hnsw_search_ms: float = 0.0
    hnsw_recall10_real: float = 0.0       # HNSW vs exact, real passage and question embeddings
    hnsw_recall10_index: float = 0.0      # the same over the whole index's vectors
    real_vectors: int = 0
    serve_anon_mb: float = 0.0            # a serving process: private memory with the index loaded
    serve_file_mb: float = 0.0            # ... and mapped index files (page cache, shared)
    bytes_per_paragraph: float = 0.0      # private memory per paragraph (texts are in a mapped file)
    mapped_bytes_per_paragraph: float = 0.0
    notes: list[str] = field(default_factory=list)


def _pool(sources: list[Path]) -> tuple[list[str], list[str]]:
    """Real sentences and real titles from the documents given."""
    pool, titles = [], []
    for folder in sources:
        for path in list_files(folder) if folder.is_dir() else [folder]:
            text = read_text(path).text
            paragraphs, speakers = attribute(split_paragraphs(path.name, text), path.name)
            titles += [s.title for s in speakers if s.title]
            for p in paragraphs:
                if p.kind == d.BODY:
                    pool += [p.text[s:e] for s, e in sentences(p.text) if len(p.text[s:e]) > 8]
    if not pool:
        raise ValueError("no sentences to build a corpus from")
    return pool, titles or ["某某公司工会主席"]


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def generate_corpus(folder: Path, paragraphs: int, sources: list[Path], seed: int = 7) -> int:
    """Write reports holding about `paragraphs` paragraphs (headlines, headers and titles included);
    returns how many documents."""
    rng = random.Random(seed)
    pool, titles = _pool(sources)
    folder.mkdir(parents=True, exist_ok=True)
    written, n = 0, 0
    while written < paragraphs:
        lines = [rng.choice(pool)[:20].rstrip("，。"), f"本报记者 {_name(rng)} {_name(rng)}", rng.choice(pool)]
        for _ in range(4):
            name = _name(rng)
            lines += [f"{rng.choice(titles)}{name}：", rng.choice(pool)[:16].rstrip("，。！？")]
            for i in range(rng.randint(3, 6)):
                body = "".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
                lines.append((f"{name}说，" if i == 0 else rng.choice(["", "他表示，", "她认为，"])) + body)
        (folder / f"report_{n:06d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
        n += 1
    return n


class SampledEmbedder:
    """Real embeddings for the first `real` texts; later texts get a real pool vector plus small noise.

    Only for search-side figures at sizes that cannot be embedded in a benchmark's time.
    """

    def __init__(self, inner: Embedder, real: int) -> None:
        self.inner, self.real = inner, real
        self.model_id, self.dim = inner.model_id, inner.dim
        self._pool: list[np.ndarray] = []

    def embed_batch(self, texts: list[str], kind):
        if kind == "query" or len(self._pool) < self.real:
            vectors = self.inner.embed_batch(texts, kind)
            if kind == "passage":
                self._pool += list(vectors)
            return vectors
        out = []
        for text in texts:
            h = zlib.crc32(text.encode("utf-8"))
            base = self._pool[h % len(self._pool)]
            noise = np.random.default_rng(h).normal(0, 0.02, base.shape).astype(np.float32)
            v = base + noise
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


def _questions(engine, rng: random.Random, count: int) -> list[str]:
    from pypinyin import lazy_pinyin

    rows = [r.paragraph for r in engine.snapshot().rows if r.paragraph.kind == d.BODY]
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


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _du(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def run(paragraphs: int = 1000, real: int = 2000, questions: int = 200, http: bool = True,
        sources: list[Path] | None = None, model: str | None = None, log=print, backend: str = "faiss") -> BenchResult:
    from .search import Engine
    from .settings import resolve

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
        _dense_figures(result, engine.snapshot(), np.concatenate(real_vectors), query_vectors, log)

        if http:
            result.http_p50_ms, result.http_p95_ms = _http_latency(engine, asked[:60])

        engine.close()  # a Milvus Lite file is open to one process at a time
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "retrieval", "ask", asked[0], "--json", "--index", str(index_dir)],
                       check=True, capture_output=True, env={**os.environ, "WHOSAID_DOCS": str(docs)})
        result.cold_start_s = time.perf_counter() - start
        result.index_bytes = _du(index_dir)
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _memory_figures(result, index_dir, docs, asked[:20], model)
        return result


def _recall10(exact, graph, queries: np.ndarray) -> float:
    """Share of the exact top 10 that the graph finds when searched as a question searches it (the
    ranker's candidate pool, efSearch as set); a found vector scoring as high as the exact tenth counts
    (re-mixed texts make exact duplicates, and ties may be broken either way)."""
    import faiss

    from .ranking import DEFAULT_WEIGHTS
    from .vectors import HNSW_EF_SEARCH

    pool = DEFAULT_WEIGHTS.pool
    truth, _ = exact.search(queries, 10)
    found, _ = graph.search(queries, pool, params=faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, pool)))
    return float(np.mean([(f[:10] >= t[-1] - 1e-5).sum() / 10 for t, f in zip(truth, found)]))


def _one_by_one_ms(index, queries: np.ndarray, params=None) -> float:
    import faiss

    faiss.omp_set_num_threads(1)
    start = time.perf_counter()
    for q in queries:
        index.search(q[None, :], 200, params=params)
    return (time.perf_counter() - start) * 1000 / len(queries)


def _dense_figures(result: BenchResult, snapshot, real: np.ndarray, queries: np.ndarray, log) -> None:
    """The graph against exact search: recall@10 on real embeddings, and one-question search time."""
    import faiss

    from .vectors import HNSW_EF_SEARCH, FaissVectors

    log("dense search: exact vs HNSW")
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    vectors = snapshot.vectors
    result.dense_kind = vectors.name if not vectors.local else "hnsw" if vectors.graph is not None else "exact"
    result.real_vectors = len(real)
    ids = np.arange(len(real), dtype=np.int64)
    result.hnsw_recall10_real = _recall10(FaissVectors.build(real.shape[1], ids, real, graph=False).index,
                                          FaissVectors.build(real.shape[1], ids, real, graph=True).index, queries)
    everything = snapshot.vector_matrix() if vectors.local else vectors.vectors_of(snapshot.rows.ids)
    ids = np.arange(len(everything), dtype=np.int64)
    exact = FaissVectors.build(everything.shape[1], ids, everything, graph=False).index
    graph = FaissVectors.build(everything.shape[1], ids, everything, graph=True).index
    result.hnsw_recall10_index = _recall10(exact, graph, queries)
    result.exact_search_ms = _one_by_one_ms(exact, queries)
    result.hnsw_search_ms = _one_by_one_ms(graph, queries, faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH))


_PROBE = """
import json, sys
from pathlib import Path
from retrieval.bench import memory_probe
print(json.dumps(memory_probe(Path(sys.argv[1]), sys.argv[2:])))
"""


def _status_mb(field_name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_probe(index_dir: Path, questions: list[str]) -> dict:
    """In a fresh process: private and mapped memory after loading the index and answering."""
    import gc

    from .search import Engine
    from .settings import resolve

    engine = Engine(resolve(index_dir, None, None))
    for question in questions:
        engine.ask(question)
    gc.collect()
    return {"anon_mb": _status_mb("RssAnon"), "file_mb": _status_mb("RssFile"),
            "paragraphs": len(engine.snapshot().rows)}


def _probe(index_dir: Path, docs: Path, questions: list[str], model) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(index_dir), *questions], check=True,
                          capture_output=True, text=True, env={**os.environ, "WHOSAID_DOCS": str(docs),
                                                               **({"WHOSAID_MODEL": model} if model else {})})
    return json.loads(done.stdout.strip().splitlines()[-1])


def _memory_figures(result: BenchResult, index_dir: Path, docs: Path, questions: list[str], model) -> None:
    """What the index adds to a serving process: the same probe on this index and on a one-document
    index, so that the model, jieba's dictionary and the libraries cancel out."""
    from .search import Engine
    from .settings import resolve

    small_docs, small_index = index_dir.parent / "one-doc", index_dir.parent / "one-doc-index"
    small_docs.mkdir()
    shutil.copy(min(docs.iterdir()), small_docs)
    Engine(resolve(small_index, model, small_docs)).index(small_docs)
    big, small = _probe(index_dir, docs, questions, model), _probe(small_index, small_docs, questions, model)
    result.serve_anon_mb = big["anon_mb"] - small["anon_mb"]
    result.serve_file_mb = big["file_mb"] - small["file_mb"]
    extra_rows = max(1, big["paragraphs"] - small["paragraphs"])
    result.bytes_per_paragraph = result.serve_anon_mb * 2**20 / extra_rows
    result.mapped_bytes_per_paragraph = result.serve_file_mb * 2**20 / extra_rows


def _http_latency(engine, asked: list[str]) -> tuple[float, float]:
    from gradio_client import Client

    from ui.app import serve_in_background

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


def table(result: BenchResult) -> str:
    def ms(v):
        return "-" if v is None else f"{v:.1f} ms"

    rows = [
        ("paragraphs / documents", f"{result.paragraphs} / {result.documents}"),
        ("vector backend", result.backend),
        ("vectors", "sampled around real embeddings" if result.sampled_vectors else "all real"),
        ("bare model throughput", f"{result.bare_model_pps:.1f} paragraphs/s"),
        ("index throughput (ratio)", f"{result.index_pps:.1f} paragraphs/s ({result.index_ratio:.2f}x)"
         if result.index_pps else "-"),
        ("re-index, nothing changed", f"{result.reindex_unchanged_s:.2f} s"),
        ("add one document", f"{result.add_one_document_s:.2f} s, {result.add_one_document_embedded} embedded"),
        ("query p50 / p95 (in-process)", f"{ms(result.query_p50_ms)} / {ms(result.query_p95_ms)}"),
        ("query p50 / p95 (UI HTTP API)", f"{ms(result.http_p50_ms)} / {ms(result.http_p95_ms)}"),
        ("cold start, new process -> answer", f"{result.cold_start_s:.2f} s"),
        ("index size on disk", f"{result.index_bytes / 1e6:.1f} MB"),
        ("peak memory of the benchmark (RSS)", f"{result.peak_rss_mb:.0f} MB"),
        ("serving process: index memory", f"{result.serve_anon_mb:.0f} MB private + {result.serve_file_mb:.0f} MB "
         f"mapped files ({result.bytes_per_paragraph:.0f} + {result.mapped_bytes_per_paragraph:.0f} "
         "bytes/paragraph; texts and vectors are in the mapped files)"),
        ("dense index at this size", result.dense_kind),
        ("one search, 1 thread: exact / HNSW", f"{result.exact_search_ms:.2f} ms / {result.hnsw_search_ms:.2f} ms"),
        ("HNSW recall@10 vs exact", f"{result.hnsw_recall10_real:.3f} on {result.real_vectors} real embeddings, "
         f"{result.hnsw_recall10_index:.3f} on the whole index"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows] + [f"note: {n}" for n in result.notes]
    return "\n".join(lines)


def as_json(result: BenchResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False, indent=2)
