"""An update takes a file whose stat is the one recorded when it was last read as recorded, without
reading it again; any change to the file (even one that keeps its size and sets its mtime back) reads it."""

from __future__ import annotations

import os
import shutil

import pytest

from retrieval.ingest import files
from tests.conftest import GBK_REPORT, SEED, make_engine

OTHER = """街道服务站开放日

本报记者 韩晓峰

开放日当天，街道的志愿者在服务站门口接待了前来咨询的居民，讲解托育政策。
"""


@pytest.fixture
def read(monkeypatch):
    """The names of the files the update reads (read_text runs as ever; files count as settled at once)."""
    monkeypatch.setattr(files, "SETTLED_NS", 0)
    names: list[str] = []
    real = files.read_text

    def spy(path, *args, **kwargs):
        names.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(files, "read_text", spy)
    return names


def test_unchanged_files_are_not_read_again(tmp_path, embedder, read):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    (docs / "other.txt").write_text(OTHER, encoding="utf-8")
    engine = make_engine(tmp_path / "index", docs, embedder)
    engine.index(docs)
    assert sorted(read) == sorted([SEED.name, "other.txt"])
    states = {e.name: e.state for e in engine.snapshot().manifest.documents}
    assert all(states.values())

    read.clear()
    shutil.copy(GBK_REPORT, docs / GBK_REPORT.name)
    report = engine.index(docs)
    assert read == [GBK_REPORT.name]                 # only the new file was read
    assert report.added == (GBK_REPORT.name,) and report.unchanged == 2
    assert any(n.startswith("appended") for n in report.notes)
    assert {e.name: e.state for e in engine.snapshot().manifest.documents if e.name in states} == states
    assert len(engine.ask("谁谈到了服务站开放日？", k=3).passages) > 0

    read.clear()
    again = engine.index(docs)
    assert read == [] and not again.written
    engine.close()


def test_a_file_changed_in_place_is_read_again(tmp_path, embedder, read):
    """Same size, mtime set back: the change time (which no user can set) still tells."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    other = docs / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    engine = make_engine(tmp_path / "index", docs, embedder)
    engine.index(docs)
    before = os.stat(other)

    edited = OTHER.replace("托育政策", "养老政策")
    assert len(edited.encode()) == before.st_size
    other.write_text(edited, encoding="utf-8")
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(other).st_mtime_ns == before.st_mtime_ns and os.stat(other).st_size == before.st_size

    read.clear()
    report = engine.index(docs)
    assert read == ["other.txt"]
    assert report.changed == ("other.txt",)
    texts = [r.paragraph.text for r in engine.snapshot().rows if r.paragraph.doc == "other.txt"]
    assert any("养老政策" in t for t in texts) and not any("托育政策" in t for t in texts)
    engine.close()


def test_a_file_just_written_is_not_trusted(tmp_path, embedder):
    """Within SETTLED_NS of a change a file may change again inside the same timestamp tick: its state
    is not recorded, so the next update reads it again."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "other.txt").write_text(OTHER, encoding="utf-8")
    engine = make_engine(tmp_path / "index", docs, embedder)
    engine.index(docs)
    assert [e.state for e in engine.snapshot().manifest.documents] == [""]
    engine.close()
