"""Questions asked at the same time share one Engine.ask_batch call (what POST /api/ask uses), and each
caller still gets its own answer or its own error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval.batching import AskBatcher
from retrieval.errors import BadQuestion
from tests.conftest import make_engine

QUESTIONS = ["王文军怎么看工会组织全覆盖？", "谁谈到了青年教师？", "赵莹认为工会面临哪些挑战？", "谁提到了暖心驿站？",
             "马晓燕说了什么？", "工会怎么服务新就业形态劳动者？"]


class HeldEmbedder:
    """The bundled model, whose first question waits until released, and which records each query batch."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.entered, self.release = threading.Event(), threading.Event()
        self.query_batches: list[int] = []

    def embed_batch(self, texts, kind):
        if kind == "query":
            self.query_batches.append(len(texts))
            self.entered.set()
            assert self.release.wait(60)
        return self.inner.embed_batch(texts, kind)


@pytest.fixture
def held(engine, corpus, embedder):
    """A second engine over the session's index, asking through a HeldEmbedder."""
    gate = HeldEmbedder(embedder)
    return make_engine(engine.settings.index_dir, corpus, gate), gate


def test_questions_that_arrive_while_one_is_answered_go_together_in_one_batch(held, engine):
    batched_engine, gate = held
    batcher = AskBatcher(batched_engine)
    first = batcher.submit(QUESTIONS[0], k=3)
    assert gate.entered.wait(60)              # the worker is busy with the first question
    rest = [batcher.submit(q, k=3) for q in QUESTIONS[1:]]
    gate.release.set()
    answers = [first.result(60), *(f.result(60) for f in rest)]
    assert gate.query_batches == [1, len(QUESTIONS) - 1]
    assert [a.passages for a in answers] == [engine.ask(q, k=3).passages for q in QUESTIONS]


def test_each_caller_gets_its_own_error_and_the_others_their_answers(held, engine):
    batched_engine, gate = held
    batcher = AskBatcher(batched_engine)
    first = batcher.submit(QUESTIONS[0], k=2)
    assert gate.entered.wait(60)
    with pytest.raises(BadQuestion, match="empty"):   # refused in its own caller, never queued
        batcher.submit("   ", k=2)
    good = [batcher.submit(q, k=2) for q in QUESTIONS[1:3]]
    unknown = [batcher.submit(q, k=2, speaker="无此人") for q in QUESTIONS[3:5]]
    gate.release.set()
    assert first.result(60).passages == engine.ask(QUESTIONS[0], k=2).passages
    assert [f.result(60).passages for f in good] == [engine.ask(q, k=2).passages for q in QUESTIONS[1:3]]
    for future in unknown:
        with pytest.raises(BadQuestion, match="no speaker called"):
            future.result(60)


def test_many_threads_asking_at_once_each_get_the_answer_to_their_own_question(engine):
    batcher = AskBatcher(engine)
    asked = QUESTIONS * 4
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda q: batcher.ask(q, k=3), asked))
    assert [a.query for a in answers] == asked
    assert [a.passages for a in answers] == [engine.ask(q, k=3).passages for q in asked]
