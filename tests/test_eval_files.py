"""The labelled question sets load, and every gold reference names a paragraph the index holds.

`whosaid eval` scores a reference to a missing document or paragraph as an ordinary miss, so a
mistyped number would quietly lower the figures instead of being reported; this catches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.evaluation.questions import load_questions
from retrieval.evaluation.scratch import scratch_engine

from .conftest import ROOT

EVAL_FILES = sorted((ROOT / "eval").glob("*.jsonl"))


@pytest.fixture(scope="module")
def eval_engine(embedder):
    """The index `whosaid eval` asks: seeds/ and tests/fixtures/ gathered as its --corpus default does."""
    with scratch_engine([ROOT / "seeds", ROOT / "tests" / "fixtures"], embedder=embedder) as engine:
        yield engine


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_every_gold_reference_is_a_paragraph_of_the_eval_index(eval_engine, path: Path):
    engine = eval_engine
    questions = load_questions(path)
    held = {}
    for doc in {doc for q in questions for doc, _ in q.answers}:
        held[doc] = {p.number for p in engine.document(doc)}   # NoDocuments names an unknown file
    missing = [(q.id, doc, num) for q in questions for doc, num in q.answers if num not in held[doc]]
    assert questions and not missing
