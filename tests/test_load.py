"""Load on loopback, bounded in count and time; and the embedder under concurrent calls."""

from __future__ import annotations

import importlib.util
import threading

import numpy as np
import pytest

from .conftest import ROOT


def test_the_bundled_embedder_is_safe_under_concurrent_calls(embedder):
    texts = [f"工会第{i}次为职工办实事，解决了{i}个难题。" for i in range(24)]
    expected = embedder.embed_batch(texts, "passage")
    got: dict[int, np.ndarray] = {}

    def work(n: int) -> None:
        for _ in range(3):
            got[n] = embedder.embed_batch(texts[n::4], "passage")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in range(4):
        assert np.allclose(got[n], expected[n::4], atol=1e-5)


@pytest.mark.slow
def test_concurrent_clients_get_answers_and_a_burst_past_the_queue_is_told_to_retry():
    spec = importlib.util.spec_from_file_location("loadtest", ROOT / "eval" / "loadtest.py")
    loadtest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loadtest)
    result = loadtest.run(clients=6, questions=4, burst=90, queue_size=8)
    print(result)
    assert result["api_errors"] == 0 and result["api_ok"] == 24
    assert result["page_errors"] == 0 and result["page_ok"] == 6
    assert result["engine_ask_batch_qps"] > 0 and result["api_throughput_qps"] > 0
    assert result["burst_other_errors"] == 0
    assert result["burst_answered"] + result["burst_busy"] == 90 and result["burst_busy"] > 0
    assert result["answers_after_burst"]
    assert result["server_rss_after_mb"] - result["server_rss_before_mb"] < 300
