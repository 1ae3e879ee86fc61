"""The benchmark's figures and how they are shown: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class BenchResult:
    paragraphs: int
    documents: int
    sampled_vectors: bool
    backend: str = ""
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
    api_p50_ms: float | None = None         # POST /api/ask, timed by a client in its own process
    api_p95_ms: float | None = None
    api_overhead_p50_ms: float | None = None  # api_p50 - engine.ask p50 on the same questions, same run
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
        ("query p50 / p95 (chat page, gradio_client)", f"{ms(result.http_p50_ms)} / {ms(result.http_p95_ms)}"),
        ("query p50 / p95 (JSON API, other process)", f"{ms(result.api_p50_ms)} / {ms(result.api_p95_ms)}"
         f" (overhead at p50 {ms(result.api_overhead_p50_ms)})"),
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
