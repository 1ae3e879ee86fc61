"""Faults injected on purpose: bad documents, damaged and concurrent indexes, killed writers, odd questions."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.errors import BadQuestion, DecodeError
from retrieval.ingest.decode import decode
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.store.generation import IndexStore

from .conftest import GBK_REPORT, SEED, cli_env


def whosaid(*args, index_dir, **kw):
    return subprocess.run([sys.executable, "-m", "retrieval", *args], capture_output=True, text=True,
                          env=cli_env(index_dir), timeout=600, **kw)


@pytest.fixture
def bad_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / "seed.txt")
    shutil.copy(SEED, docs / "seed-again.txt")                                    # the same file twice
    (docs / "empty.txt").write_bytes(b"")
    (docs / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    (docs / "gbk.txt").write_bytes(GBK_REPORT.read_bytes())
    (docs / "gb18030.txt").write_bytes("吉祥的𠮷字：张三说，工会要把好事办实，把实事办好。".encode("gb18030"))
    (docs / "utf16.txt").write_bytes("李四说，职工的事再小也是大事，工会要一件一件办好。".encode("utf-16"))
    (docs / "bom.md").write_bytes("王五说，工会要做职工的娘家人，让大家有事愿意找工会。".encode("utf-8-sig"))
    (docs / "control.txt").write_bytes("赵六说，\x00工会\x07要关心\x1b职工的身体健康，定期组织体检。".encode())
    (docs / "html.md").write_text("# 标题\n\n钱七说，<script>alert(1)</script>工会要**保护**职工的[权益](http://x)。\n",
                                  encoding="utf-8")
    with open(docs / "huge.txt", "wb") as handle:                               # 50 MB of text
        handle.write(("孙八说，这是一段很长的文字。" * 40 + "\n\n").encode("utf-8") * 42_000)
    (docs / "gone.txt").symlink_to(docs / "deleted-long-ago.txt")                # unreadable: a dangling link
    return docs


def test_bad_documents_are_skipped_one_line_each_and_the_rest_is_indexed(tmp_path, bad_folder):
    done = whosaid("index", str(bad_folder), index_dir=tmp_path / "ix")
    assert done.returncode == 3, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("whosaid: skipped ")]
    reasons = {line.split()[2].rstrip(":"): line for line in skipped}
    assert set(reasons) == {"empty.txt", "image.txt", "huge.txt", "gone.txt", "seed.txt"} or \
        set(reasons) == {"empty.txt", "image.txt", "huge.txt", "gone.txt", "seed-again.txt"}
    assert "MB limit" in reasons["huge.txt"] and "no longer exists" in reasons["gone.txt"]
    assert "empty" in reasons["empty.txt"]
    assert len(done.stderr.strip().splitlines()) == len(skipped)
    rows = IndexStore(tmp_path / "ix").load().rows
    texts = "".join(r.paragraph.text for r in rows)
    assert "𠮷" in texts and "\x00" not in texts and "\x07" not in texts
    assert "<script>alert(1)</script>" in texts                                  # kept as text
    assert {r.paragraph.doc for r in rows} >= {"gbk.txt", "gb18030.txt", "utf16.txt", "bom.md", "control.txt"}


def test_deleted_and_changed_documents_are_followed_on_reindex(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / "a.txt")
    shutil.copy(GBK_REPORT, docs / "b.txt")
    whosaid("index", str(docs), index_dir=tmp_path / "ix")
    (docs / "b.txt").unlink()
    done = whosaid("index", str(docs), index_dir=tmp_path / "ix")
    assert done.returncode == 0 and "1 removed" in done.stdout
    assert {r.paragraph.doc for r in IndexStore(tmp_path / "ix").load().rows} == {"a.txt"}


@pytest.fixture
def built(tmp_path, seed_only):
    index_dir = tmp_path / "ix"
    assert whosaid("index", str(seed_only), index_dir=index_dir).returncode == 0
    return index_dir, seed_only


def _generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_vector_file_is_detected_and_rebuilt_by_index(built, damage):
    index_dir, docs = built
    vectors = _generation(index_dir) / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    if damage == "truncate":
        vectors.write_bytes(bytes(data[: len(data) // 2]))
        asked = whosaid("ask", "周义兵说了什么？", index_dir=index_dir)
        assert asked.returncode == 1 and "truncated" in asked.stderr and "Traceback" not in asked.stderr
    else:
        data[len(data) // 2] ^= 0xFF
        vectors.write_bytes(bytes(data))
    rebuilt = whosaid("index", str(docs), index_dir=index_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilding it from the documents" in rebuilt.stderr
    assert whosaid("ask", "周义兵说了什么？", "--json", index_dir=index_dir).returncode == 0


def test_a_garbled_manifest_is_a_clear_message(built):
    index_dir, _ = built
    (_generation(index_dir) / "manifest.json").write_text("{not json", encoding="utf-8")
    asked = whosaid("ask", "周义兵说了什么？", index_dir=index_dir)
    assert asked.returncode == 1 and "damaged" in asked.stderr and len(asked.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("field", "value", "says"), [
    ("format_version", 99, "index format 99"),
    ("faiss_version", "99.0.0", "newer than the installed"),
])
def test_an_index_from_another_format_or_a_newer_faiss_is_refused(built, field, value, says):
    index_dir, _ = built
    path = _generation(index_dir) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[field] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")
    asked = whosaid("ask", "周义兵说了什么？", index_dir=index_dir)
    assert asked.returncode == 1 and says in asked.stderr and "--rebuild" in asked.stderr
    _, docs = built
    assert whosaid("index", str(docs), "--rebuild", index_dir=index_dir).returncode == 0
    assert whosaid("ask", "周义兵说了什么？", index_dir=index_dir).returncode == 0


def test_a_second_writer_is_told_to_wait(built):
    index_dir, docs = built
    with IndexStore(index_dir).write_lock():
        second = whosaid("index", str(docs), index_dir=index_dir)
    assert second.returncode == 1 and "another `whosaid index` is writing" in second.stderr


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_the_old_or_the_new_index(tmp_path):
    """Kill `whosaid index` 20 times, also while it writes; every time a whole index remains."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / "seed.txt")
    index_dir = tmp_path / "ix"
    store = IndexStore(index_dir)
    assert whosaid("index", str(docs), index_dir=index_dir).returncode == 0
    start = time.perf_counter()
    (docs / "note.txt").write_text("赵九说，工会要把职工的冷暖放在心上。版本0", encoding="utf-8")
    whosaid("index", str(docs), index_dir=index_dir)
    one_run = time.perf_counter() - start
    rng = random.Random(5)
    outcomes = {"old": 0, "new": 0, "killed while writing": 0}
    committed = "版本0"
    for n in range(1, 21):
        before = store.current_generation()
        (docs / "note.txt").write_text(f"赵九说，工会要把职工的冷暖放在心上。版本{n}", encoding="utf-8")
        # The write is widened to three pauses of a second; kills land anywhere from start-up to a little
        # past the widened run, so some fall before, some inside and some after the write.
        proc = subprocess.Popen([sys.executable, "-m", "retrieval", "index", str(docs)],
                                env={**cli_env(index_dir), "WHOSAID_FAULT_WRITE_PAUSE": "1.0"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, one_run + 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes["killed while writing"] += any(p.name.startswith("tmp-") for p in index_dir.iterdir())
        snapshot = store.load(verify=True)
        assert snapshot.vectors.count() == len(snapshot.rows) == snapshot.manifest.count
        outcomes["old" if snapshot.generation == before else "new"] += 1
        notes = [r.paragraph.text for r in snapshot.rows if r.paragraph.doc == "note.txt"]
        assert len(notes) == 1
        version = notes[0].rsplit("。", 1)[1]
        assert version == (committed if snapshot.generation == before else f"版本{n}")
        committed = version
    assert whosaid("index", str(docs), index_dir=index_dir).returncode == 0
    leftovers = [p.name for p in index_dir.iterdir() if p.name.startswith(("tmp-", "gen-"))]
    assert len(leftovers) == 1, leftovers
    print(f"SIGKILL x20: {outcomes}")
    assert outcomes["killed while writing"] >= 3, outcomes


# -- property tests -------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_decoding_any_bytes_gives_text_or_a_reason(data):
    try:
        decoded = decode(data)
    except DecodeError as exc:
        assert str(exc)
    else:
        assert isinstance(decoded.text, str)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("工会职工说，。！？“”：\n\n 　abc《》、")), max_size=300))
def test_paragraph_spans_always_point_at_their_text(text):
    for p in split_paragraphs("x.txt", text):
        assert "".join(text[s:e] for s, e in p.spans) == p.text and p.text.strip()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", "   ", "？？？", "😀😀", "<script>alert(1)</script>", "**粗体** [链接](javascript:x)",
                     "王文军\x00\x07怎么看", "Wang 文军 what", "x" * 2001, "谁" * 100]),
))
def test_any_question_gets_an_answer_or_a_clear_refusal(engine, question):
    try:
        answer = engine.ask(question, k=5)
    except BadQuestion as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert [p.rank for p in answer.passages] == list(range(1, len(answer.passages) + 1))
    for p in answer.passages:
        assert all(0 <= s < e <= len(p.paragraph.text) for s, e in p.highlights)
