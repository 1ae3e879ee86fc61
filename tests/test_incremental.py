"""Adding documents appends to the previous generation (vectors, BM25, rows) and ranks exactly as a full
rebuild of the same documents does."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.conftest import GBK_REPORT, SEED, make_engine

# A report of our own: a speaker the seed does not have, and words the seed does not use, so that the
# append changes idf, average length and the dictionary.
NEW_REPORT = """社区托育服务试点观察

本报记者 韩晓峰

区职工服务中心主任孙春梅：

托育驿站要开到职工家门口

孙春梅说，今年区里在十二个街道开设了托育驿站，双职工家庭的孩子放学后有人照看，家长反映很好。

她表示，下一步将把托育驿站和职工书屋结合起来，让孩子在驿站里也能读书。

孙春梅认为，托育服务不能只靠工会，还要请社区、学校和企业一起出力。

机床厂工会副主席杜海涛：

把技能比武办成职工的节日

杜海涛说，厂里每年举办技能比武，获奖职工可以直接晋级，青年职工参加的热情很高。
"""

# An earlier report that names the new report's speaker without her speaking: her name becomes a
# dictionary word with the new report, so this paragraph must be segmented again.
OLD_MENTION = """街道服务站开放日

本报记者 韩晓峰

开放日当天，孙春梅和街道的志愿者一起在服务站门口接待了前来咨询的居民。
"""

QUESTIONS = [
    "王文军怎么看工会工作？",
    "谁谈到了精准化服务？",
    "赵莹说了什么？",
    "托育驿站开在哪里？",
    "孙春梅怎么看托育服务？",
    "谁谈到了技能比武？",
    "职工书屋",
    "What did Sun Chunmei say about childcare?",
    "Who talked about skills competitions?",
    "What did Wang Wenjun say?",
]


def _top(engine, question: str) -> list[tuple[str, int, float]]:
    answer = engine.ask(question, k=10)
    return [(p.paragraph.doc, p.paragraph.number, p.score) for p in answer.passages]


def _by_paragraph(engine, tokens: list[str]) -> dict[tuple[str, int], float]:
    snapshot = engine.snapshot()
    scores = snapshot.keyword.scores(tokens)
    return {(r.paragraph.doc, r.paragraph.number): float(s) for r, s in zip(snapshot.rows, scores)}


@pytest.mark.parametrize("graph", [False, True], ids=["flat, BM25 appended", "hnsw, old paragraph segmented again"])
def test_append_ranks_as_a_full_rebuild(tmp_path, embedder, monkeypatch, graph):
    if graph:  # every index an HNSW graph, however small
        monkeypatch.setenv("WHOSAID_HNSW_ABOVE", "0")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    if graph:
        (docs / "aa_old_mention.txt").write_text(OLD_MENTION, encoding="utf-8")
    appended = make_engine(tmp_path / "appended", docs, embedder)
    first = appended.index(docs)
    before = appended.snapshot()
    old_vectors, old_ids = before.vector_matrix(), before.rows.ids.copy()
    assert (before.vectors.graph is not None) == graph

    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    (docs / "zz_new_report.txt").write_text(NEW_REPORT, encoding="utf-8")
    report = appended.index(docs)
    added_rows = report.paragraphs - first.paragraphs
    note = f"appended {added_rows} paragraphs to the previous index"
    if graph:
        assert f"{note} (1 earlier paragraph naming a new speaker segmented again)" in report.notes
    else:
        assert note in report.notes

    after = appended.snapshot()
    # Only texts never embedded are embedded (the byline the new report shares with an old one is not).
    old_keys = {before.rows.vector_key(i) for i in range(len(old_ids))}
    new_keys = {after.rows.vector_key(i) for i in range(len(old_ids), len(after.rows))}
    assert report.embedded == len(new_keys - old_keys) > 0
    assert (report.embedded < added_rows) == graph
    # The old rows are the old generation's, untouched, and the new ones follow them.
    assert np.array_equal(after.rows.ids[:len(old_ids)], old_ids)
    assert np.array_equal(after.vector_matrix()[:len(old_ids)], old_vectors)
    assert (after.vectors.graph is not None) == graph
    assert after.vectors.count() == report.paragraphs == after.manifest.count

    rebuilt = make_engine(tmp_path / "rebuilt", docs, embedder)
    full = rebuilt.index(docs)
    assert not any(note.startswith("appended") for note in full.notes)
    assert full.paragraphs == report.paragraphs
    assert [e.name for e in after.manifest.documents] == [e.name for e in rebuilt.snapshot().manifest.documents]

    for question in QUESTIONS:
        got, want = _top(appended, question), _top(rebuilt, question)
        assert [g[:2] for g in got] == [w[:2] for w in want], question
        assert np.allclose([g[2] for g in got], [w[2] for w in want], atol=1e-5), question
    # BM25 of every paragraph, not only the top ten: idf and average length are the whole corpus's.
    for tokens in (["托育"], ["工会", "职工"], ["技能", "比武", "精准"], ["孙春梅"]):
        got, want = _by_paragraph(appended, tokens), _by_paragraph(rebuilt, tokens)
        assert got.keys() == want.keys()
        assert max(abs(got[k] - want[k]) for k in got) < 1e-5
        assert max(got.values()) > 0
    for word in ("托育", "工会", "未知词"):
        assert appended.snapshot().keyword.idf(word) == pytest.approx(rebuilt.snapshot().keyword.idf(word), abs=1e-6)
    appended.close()
    rebuilt.close()


def test_removal_and_change_rebuild(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    (docs / "zz_new_report.txt").write_text(NEW_REPORT, encoding="utf-8")
    engine = make_engine(tmp_path / "index", docs, embedder)
    engine.index(docs)

    (docs / "zz_new_report.txt").write_text(NEW_REPORT.replace("十二个", "十五个"), encoding="utf-8")
    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    changed = engine.index(docs)
    assert changed.changed == ("zz_new_report.txt",)
    assert not any(note.startswith("appended") for note in changed.notes)

    (docs / "zz_new_report.txt").unlink()
    removed = engine.index(docs)
    assert removed.removed == ("zz_new_report.txt",)
    assert not any(note.startswith("appended") for note in removed.notes)
    # Appending again after the rebuilds: the generations they wrote keep what an append needs.
    (docs / "zz_new_report.txt").write_text(NEW_REPORT, encoding="utf-8")
    assert any(note.startswith("appended") for note in engine.index(docs).notes)
    assert [p.paragraph.doc for p in engine.ask("孙春梅怎么看托育服务？").passages][0] == "zz_new_report.txt"
    engine.close()
