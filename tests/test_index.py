"""The stored index: round trip, stable ids, nothing re-embedded, atomic writes, model refusal."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import IndexCorrupt, IndexMismatch, IndexUnwritable
from retrieval.records import Kind
from retrieval.store.generation import IndexStore

from .conftest import GBK_REPORT, SEED, make_engine


class CountingEmbedder:
    """Wraps the real model and counts what it is asked to embed (for mechanics, not quality)."""

    def __init__(self, inner, model_id=None):
        self.inner, self.dim, self.calls = inner, inner.dim, 0
        self.model_id = model_id or inner.model_id

    def embed_batch(self, texts, kind):
        self.calls += len(texts)
        return self.inner.embed_batch(texts, kind)


def test_round_trip_keeps_every_paragraph_and_its_vector(tmp_path, docs, embedder):
    engine = make_engine(tmp_path / "ix", docs, embedder)
    report = engine.index(docs)
    snapshot = IndexStore(tmp_path / "ix").load()
    assert report.paragraphs == len(snapshot.rows) == snapshot.vectors.count() == 30
    texts = [r.paragraph.text for r in snapshot.rows]
    expected = embedder.embed_batch(texts, "passage")
    assert np.allclose(snapshot.vector_matrix(), expected, atol=1e-5)
    manifest = json.loads((tmp_path / "ix" / snapshot.generation / "manifest.json").read_text())
    assert manifest["model_id"] == embedder.model_id and manifest["dim"] == 384
    assert manifest["documents"][0]["name"] == SEED.name and len(manifest["documents"][0]["hash"]) == 32


def test_unchanged_reindex_embeds_nothing_and_ids_stay_stable(tmp_path, docs, embedder):
    counting = CountingEmbedder(embedder)
    engine = make_engine(tmp_path / "ix", docs, counting)
    engine.index(docs)
    first = {(r.paragraph.doc, r.paragraph.number): r.id for r in engine.snapshot().rows}
    assert counting.calls == 30

    again = engine.index(docs)
    assert counting.calls == 30 and again.embedded == 0 and not again.written

    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    added = engine.index(docs)
    assert added.added == (GBK_REPORT.name,) and added.embedded == 19 and counting.calls == 49
    after = {(r.paragraph.doc, r.paragraph.number): r.id for r in engine.snapshot().rows}
    assert all(after[key] == pid for key, pid in first.items())
    assert len(set(after.values())) == len(after)


def test_editing_one_paragraph_reembeds_only_that_paragraph(tmp_path, docs, embedder):
    counting = CountingEmbedder(embedder)
    engine = make_engine(tmp_path / "ix", docs, counting)
    engine.index(docs)
    before = {r.paragraph.number: r.id for r in engine.snapshot().rows}
    text = (docs / SEED.name).read_text(encoding="utf-8")
    (docs / SEED.name).write_text(text.replace("为期3天、600多人参加", "为期三天、六百多人参加"), encoding="utf-8")
    report = engine.index(docs)
    assert report.changed == (SEED.name,) and report.embedded == 1
    after = {r.paragraph.number: r.id for r in engine.snapshot().rows}
    assert [n for n in after if after[n] != before[n]] == [3]


def test_a_crash_during_write_leaves_the_old_index_live(tmp_path, docs, embedder, monkeypatch):
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    store = IndexStore(tmp_path / "ix")
    live = store.current_generation()
    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)

    from retrieval.store import keyword

    def crash(self, folder):
        raise OSError("disk full")

    monkeypatch.setattr(keyword.KeywordIndex, "save", crash)
    with pytest.raises(IndexUnwritable, match="disk full"):  # one line at the CLI, not a traceback
        engine.index(docs)
    assert store.current_generation() == live
    assert len(store.load().rows) == 30
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("tmp-")] == []


def test_an_index_built_with_another_model_is_refused_with_the_way_out(tmp_path, docs, embedder):
    make_engine(tmp_path / "ix", docs, embedder).index(docs)
    other = make_engine(tmp_path / "ix", docs, CountingEmbedder(embedder, model_id="st:some/other-model"))
    with pytest.raises(IndexMismatch, match=r"rebuild it with `whosaid index --rebuild --model some/other-model`"):
        other.ask("工会主席说了什么？")
    with pytest.raises(IndexMismatch):
        other.index(docs)
    report = other.index(docs, rebuild=True)
    assert report.paragraphs == 30 and IndexStore(tmp_path / "ix").read_manifest().model_id == "st:some/other-model"


@pytest.mark.parametrize("damage", ["garbled strings", "truncated column", "column of another length"])
def test_a_damaged_metadata_file_is_reported_not_a_traceback(tmp_path, docs, embedder, damage):
    make_engine(tmp_path / "ix", docs, embedder).index(docs)
    store = IndexStore(tmp_path / "ix")
    rows = tmp_path / "ix" / store.current_generation() / "rows"
    if damage == "garbled strings":  # same size: only parsing can tell
        size = (rows / "strings.json").stat().st_size
        (rows / "strings.json").write_bytes(b"[{" + b"x" * (size - 2))
    elif damage == "truncated column":
        (rows / "ids.npy").write_bytes((rows / "ids.npy").read_bytes()[:-8])
    else:
        np.save(rows / "number.npy", np.zeros(3, dtype=np.int32))
        manifest = store.read_manifest()
        files = {**manifest.files, "rows/number.npy": [(rows / "number.npy").stat().st_size, "x"]}
        (rows.parent / "manifest.json").write_text(json.dumps({**manifest.to_json(), "files": files}))
    with pytest.raises(IndexCorrupt, match="rebuild with `whosaid index`"):
        store.load()


def test_dense_scores_equal_a_brute_force_search(engine, embedder):
    """FAISS with our ids gives exactly what numpy gives over the same vectors."""
    snapshot = engine.snapshot()
    query = embedder.embed_batch(["青年教师面临的压力"], "query")[0]
    scores, ids = snapshot.vectors.index.search(query[None, :], 5)
    matrix = embedder.embed_batch([r.paragraph.text for r in snapshot.rows], "passage")
    brute = matrix @ query
    order = np.argsort(-brute)[:5]
    assert list(ids[0]) == [snapshot.rows[i].id for i in order]
    assert np.allclose(scores[0], brute[order], atol=1e-4)


_OLD_REPORT = """江城机械厂召开职工大会

本报讯 会上，厂办主任介绍了周明远去年牵头推动的技能比武，职工反响热烈。

车间主任刘海燕：
技能比武要常态化

刘海燕说，比武不是走过场，要让技术好的职工拿到更高的工资。
"""

_NEW_REPORT = """江城机械厂工会换届

机械厂工会主席周明远：
把职工的事当成自己的事

周明远表示，新一届工会要把职工的事当成自己的事，每月开一次接待日。
"""


def _token_rows(engine) -> list[list[str]]:
    snapshot = engine.snapshot()
    table = snapshot.token_table()
    return [sorted(table.row(i)) for i in range(len(table))]


def test_an_update_segments_only_new_text_and_equals_a_rebuild(tmp_path, embedder, monkeypatch):
    """Adding a document re-segments its paragraphs, and an old paragraph only when one of the new
    speaker's names occurs in it; the keyword side then matches a build from scratch exactly."""
    from retrieval.text import tokenizer

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_old.txt").write_text(_OLD_REPORT, encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)

    calls = []
    original = tokenizer.Tokenizer.__call__
    monkeypatch.setattr(tokenizer.Tokenizer, "__call__", lambda self, text: calls.append(text) or original(self, text))
    (docs / "b_new.txt").write_text(_NEW_REPORT, encoding="utf-8")
    engine.index(docs)
    new_texts = {r.paragraph.text for r in engine.snapshot().rows if r.paragraph.doc == "b_new.txt"}
    old_with_name = [t for t in calls if t not in new_texts]
    assert set(calls) >= new_texts
    # Re-segmented: old paragraphs holding one of the new speaker's names (周明远, 机械厂...) only.
    assert any("周明远去年" in t for t in old_with_name)
    assert not any("刘海燕" in t for t in old_with_name) and len(old_with_name) < 4
    monkeypatch.undo()

    rebuilt = make_engine(tmp_path / "ix2", docs, embedder)
    rebuilt.index(docs)
    assert _token_rows(engine) == _token_rows(rebuilt)
    assert any("周明远" in tokens for tokens in _token_rows(engine)[:3])
    tokenize = tokenizer.Tokenizer(["周明远"])
    for question in ["周明远谈到技能比武", "职工接待日", "工资"]:
        tokens = tokenize(question)
        assert np.allclose(engine.snapshot().keyword.scores(tokens), rebuilt.snapshot().keyword.scores(tokens))


def test_unchanged_documents_keep_their_rows_when_another_changes(tmp_path, docs, embedder):
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    before = {r.id: r.paragraph for r in engine.snapshot().rows}
    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    engine.index(docs)
    after = {r.id: r.paragraph for r in engine.snapshot().rows if r.paragraph.doc == SEED.name}
    assert after == before
    speakers = {s.name for s in engine.snapshot().speakers if s.doc == SEED.name}
    assert len(speakers) >= 4


def test_a_large_index_is_an_hnsw_graph_and_survives_the_round_trip(tmp_path, docs, embedder, monkeypatch):
    """Above the threshold the stored index is a graph, read back memory-mapped, answering the same."""
    small = make_engine(tmp_path / "small", docs, embedder)
    small.index(docs)
    assert small.snapshot().vectors.graph is None
    monkeypatch.setenv("WHOSAID_HNSW_ABOVE", "10")
    large = make_engine(tmp_path / "large", docs, embedder)
    large.index(docs)
    assert IndexStore(tmp_path / "large").load().vectors.graph is not None
    question = "王文军怎么看工会组织全覆盖？"
    assert [p.id for p in large.ask(question).passages] == [p.id for p in small.ask(question).passages]


def test_indexing_reports_progress_for_every_stage(tmp_path, docs, embedder):
    seen: dict[str, list[tuple[int, int]]] = {}
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs, progress=lambda stage, done, total: seen.setdefault(stage, []).append((done, total)))
    assert set(seen) == {"Reading", "Embedding", "Segmenting"}
    for stage, calls in seen.items():
        dones = [done for done, _ in calls]
        assert dones == sorted(dones) and calls[-1][0] == calls[-1][1] > 0, stage
    assert seen["Embedding"][-1][1] == seen["Segmenting"][-1][1] == 30


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_names = st.none() | st.text(min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_texts, _names, _names, st.sampled_from(list(Kind)),
                          st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=3)),
                max_size=12))
def test_the_row_table_gives_back_every_row_as_it_was_stored(tmp_path_factory, items):
    from retrieval.records import Paragraph, Role
    from retrieval.store.rows import Row, RowTable

    rows = [Row(id=1000 - i, vector_key=f"{i:032x}",
                paragraph=Paragraph(doc=f"d{i % 3}.txt", number=i, text=text, spans=tuple(spans), kind=kind,
                                    role=Role.QUOTE, speaker=speaker, speaker_title=title))
            for i, (text, speaker, title, kind, spans) in enumerate(items)]
    folder = tmp_path_factory.mktemp("rows")
    RowTable.from_rows(rows).save(folder)
    table = RowTable.load(folder)
    assert list(table) == rows
    assert all(table.position[r.id] == i for i, r in enumerate(rows)) and 5000 not in table.position
