"""The labelled question sets load, and every gold reference names a paragraph the index holds.

`whosaid eval` scores a reference to a missing document or paragraph as an ordinary miss, so a
mistyped number would quietly lower the figures instead of being reported; this catches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.evaluation.questions import load_questions

from .conftest import ROOT

EVAL_FILES = sorted((ROOT / "eval").glob("*.jsonl"))


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_every_gold_reference_is_a_paragraph_of_the_seed_index(engine, path: Path):
    # `engine` indexes the seed and tests/fixtures' second report, the corpus `whosaid eval` reads.
    questions = load_questions(path)
    held = {}
    for doc in {doc for q in questions for doc, _ in q.answers}:
        held[doc] = {p.number for p in engine.document(doc)}   # NoDocuments names an unknown file
    missing = [(q.id, doc, num) for q in questions for doc, num in q.answers if num not in held[doc]]
    assert questions and not missing
