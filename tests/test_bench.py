"""The benchmark's code runs on a tiny corpus and reports well-formed figures (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from retrieval.attribution.document import attribute
from retrieval.bench.corpus import generate_corpus
from retrieval.ingest.files import read_text
from retrieval.ingest.paragraphs import split_paragraphs

from .conftest import ROOT


def test_generated_reports_are_attributed_like_real_ones(tmp_path):
    n = generate_corpus(tmp_path, 40, [ROOT / "seeds", ROOT / "tests" / "fixtures"])
    assert n >= 1
    path = sorted(tmp_path.iterdir())[0]
    paragraphs, speakers = attribute(split_paragraphs(path.name, read_text(path).text), path.name)
    headed = {p.speaker for p in paragraphs if p.kind == "speaker_header"}
    assert len(headed) == 4                       # each generated section's speaker, found by its header
    assert headed <= {s.name for s in speakers if s.is_person}
    said = [p for p in paragraphs if p.kind == "body" and any(u.speaker in headed for u in p.utterances)]
    assert len(said) >= 12


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_bench_runs_end_to_end_on_a_tiny_corpus(backend):
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "bench", "-n", "40", "--real", "30", "--questions", "10", "--json",
         "--backend", backend],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["paragraphs"] >= 40 and result["sampled_vectors"] is True
    for key in ("bare_model_pps", "query_p50_ms", "query_p95_ms", "http_p50_ms", "api_p50_ms", "api_p95_ms",
                "cold_start_s", "peak_rss_mb"):
        assert result[key] > 0, key
    assert result["query_p95_ms"] >= result["query_p50_ms"]
    assert result["index_bytes"] > 0 and 0 < result["add_one_document_embedded"] <= 30
    assert result["backend"] == backend and result["real_vectors"] == 30
    assert result["dense_kind"] == ("exact" if backend == "faiss" else "milvus")
    for key in ("hnsw_recall10_real", "hnsw_recall10_index"):
        assert 0.0 < result[key] <= 1.0, key
    assert result["exact_search_ms"] > 0 and result["hnsw_search_ms"] > 0
    # Memory is a difference of two small processes here: only its form can be checked.
    for key in ("serve_anon_mb", "serve_file_mb", "bytes_per_paragraph", "mapped_bytes_per_paragraph"):
        assert isinstance(result[key], float) and np.isfinite(result[key]), key
