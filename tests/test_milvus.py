"""The Milvus backend on Milvus Lite: same rankings as FAISS, incremental updates, safe filters."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.vectors.base import Where
from retrieval.vectors.milvus import MilvusVectors, expression, quote

from .conftest import GBK_REPORT, ROOT, SEED, make_engine


@pytest.mark.slow
def test_the_whole_eval_set_scores_the_same_on_milvus_and_faiss(embedder):
    from retrieval.evaluation.questions import load_questions, score
    from retrieval.evaluation.scratch import scratch_engine

    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    corpus = [ROOT / "seeds", ROOT / "tests" / "fixtures"]
    reports = {}
    for backend in ("faiss", "milvus"):
        with scratch_engine(corpus, embedder=embedder, backend=backend) as engine:
            assert engine.snapshot().vectors.name == backend
            reports[backend] = score(questions, [engine.ask(q.question, k=10) for q in questions])["overall"]
    for key in ("recall@1", "recall@3", "mrr", "speaker@1", "no_answer_precision", "no_answer_recall"):
        assert abs(reports["milvus"][key] - reports["faiss"][key]) <= 0.01, (key, reports)


def test_an_update_sends_milvus_only_the_new_rows_and_a_removal_deletes_them(tmp_path, docs, embedder):
    engine = make_engine(tmp_path / "ix", docs, embedder, backend="milvus")
    first = engine.index(docs)
    snapshot = engine.snapshot()
    assert first.embedded == 30 and snapshot.vectors.count() == 30
    assert (tmp_path / "ix" / "milvus.db").exists()
    seed_ids = {r.id for r in snapshot.rows}

    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    added = engine.index(docs)
    snapshot = engine.snapshot()
    fixture_ids = {r.id for r in snapshot.rows if r.paragraph.doc == GBK_REPORT.name}
    assert added.embedded == len(fixture_ids) and snapshot.vectors.count() == len(snapshot.rows)
    assert {r.id for r in snapshot.rows if r.paragraph.doc == SEED.name} == seed_ids
    answer = engine.ask("马晓燕说了什么？")
    assert answer.passages and answer.passages[0].paragraph.speaker == "马晓燕"

    (docs / GBK_REPORT.name).unlink()
    engine.index(docs)
    vectors = engine.snapshot().vectors
    assert vectors.count() == 30
    assert vectors.client.get(vectors.collection, ids=sorted(fixture_ids)) == []
    assert all(p.paragraph.doc == SEED.name for p in engine.ask("外卖骑手加入工会").passages)


def test_a_milvus_index_is_refused_as_faiss_and_a_missing_server_is_one_line(tmp_path, docs, embedder):
    from retrieval.errors import BackendUnavailable, IndexMismatch

    make_engine(tmp_path / "ix", docs, embedder, backend="milvus").index(docs)
    with pytest.raises(IndexMismatch, match="--rebuild --backend faiss"):
        make_engine(tmp_path / "ix", docs, embedder, backend="faiss").ask("工会")
    plain = make_engine(tmp_path / "ix", docs, embedder)          # no --backend: the index's own
    assert plain.ask("工会").passages
    far = make_engine(tmp_path / "ix", docs, embedder, milvus_uri="http://127.0.0.1:9")
    with pytest.raises(BackendUnavailable, match="cannot reach Milvus at http://127.0.0.1:9") as caught:
        far.ask("工会")
    assert "\n" not in str(caught.value)


_HOSTILE = ['王"五', 'x"] or speaker != ["', "a\\", 'b\\"] or id >= 0 or speaker in ["', "李'四", "tab\tname", "行\n换"]


def test_a_speaker_filter_with_quotes_neither_breaks_nor_widens(tmp_path):
    names = ["张三", *_HOSTILE]
    milvus = MilvusVectors.open(str(tmp_path / "filter.db"), "injection", 8, create=True)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(len(names) * 3, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(len(vectors), dtype=np.int64)
    speaker_of = [names[i % len(names)] for i in ids]
    milvus.add(ids, vectors, [{"speaker": s, "role": "quote", "kind": "body", "doc": "d", "paragraph": int(i),
                               "text": "t"} for i, s in zip(ids, speaker_of)])
    everything = np.ones(len(ids), dtype=bool)
    for name in _HOSTILE:
        # A speaker filter reaches Milvus as the ids of that speaker's paragraphs (a person may speak in a
        # paragraph that is someone else's); excluded speakers as quoted names.
        theirs = tuple(i for i in ids.tolist() if speaker_of[i] == name)
        hits = milvus.nearest(vectors[0], 50, Where(everything, ids=theirs))
        assert sorted(i for i, _ in hits) == list(theirs), name
        others = milvus.nearest(vectors[0], 50, Where(everything, not_speakers=(name,)))
        assert sorted(i for i, _ in others) == [i for i in ids.tolist() if speaker_of[i] != name], name
    nobody = milvus.nearest(vectors[0], 50, Where(everything, ids=(), not_speakers=('张三" or speaker != "',)))
    assert nobody == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_quoting_round_trips_through_the_filter_parser(text):
    from milvus_lite.search.filter.tokens import tokenize

    tokens = [t for t in tokenize(f"speaker == {quote(text)}") if t.kind.name != "EOF"]
    assert [t.kind.name for t in tokens] == ["IDENT", "EQ", "STRING"]
    assert tokens[2].value == text


def test_the_expression_says_every_condition(tmp_path):
    where = Where(np.ones(3, dtype=bool), ids=(1, 2), not_speakers=("乙",), not_ids=(4, 7),
                  not_kinds=("heading",))
    assert expression(where) == ('kind not in ["heading"] and id in [1, 2] and speaker not in ["乙"] '
                                 "and id not in [4, 7]")
    assert expression(Where(np.ones(3, dtype=bool))) == ""


def test_a_milvus_lite_file_held_by_another_process_is_one_clear_line(tmp_path, docs, embedder):
    import subprocess
    import sys

    from retrieval.errors import IndexLocked

    engine = make_engine(tmp_path / "ix", docs, embedder, backend="milvus")
    engine.index(docs)
    engine.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from retrieval.engine import Engine; from retrieval.settings import resolve; "
         f"e = Engine(resolve({str(tmp_path / 'ix')!r}, None, None)); e.ask('工会'); print('held', flush=True); "
         "sys.stdin.read()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexLocked, match="one process use it at a time") as caught:
            make_engine(tmp_path / "ix", docs, embedder).ask("工会")
        assert "\n" not in str(caught.value)
    finally:
        holder.communicate("", timeout=60)
    assert make_engine(tmp_path / "ix", docs, embedder).ask("工会").passages   # free again
