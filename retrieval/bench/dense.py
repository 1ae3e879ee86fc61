"""Exact search against the HNSW graph: recall@10 on real embeddings and one question's search time."""

from __future__ import annotations

import time

import numpy as np

from .result import BenchResult


def _recall10(exact, graph, queries: np.ndarray) -> float:
    """Share of the exact top 10 that the graph finds when searched as a question searches it (the
    ranker's candidate pool, efSearch as set); a found vector scoring as high as the exact tenth counts
    (re-mixed texts make exact duplicates, and ties may be broken either way)."""
    import faiss

    from retrieval.search.ranking import DEFAULT_WEIGHTS
    from retrieval.vectors.base import HNSW_EF_SEARCH

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


def dense_figures(result: BenchResult, snapshot, real: np.ndarray, queries: np.ndarray, log) -> None:
    """The graph against exact search: recall@10 on real embeddings, and one-question search time."""
    import faiss

    from retrieval.vectors.base import HNSW_EF_SEARCH
    from retrieval.vectors.faiss import FaissVectors

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
