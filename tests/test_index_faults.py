"""Faults of the machine and of the index folder: each is one line, and `whosaid index` repairs every damage.

The commands run in this process through typer's CliRunner (with the session's model), so that a
traceback shows as the exception the runner caught; a few run as a real process, where the fault is
the kernel's (a file size limit) or comes from the environment at start-up.
"""

from __future__ import annotations

import builtins
import errno
import gc
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval.cli import app

from .conftest import cli_env, make_engine

MEETING = """市工会召开职工代表座谈会

张建国说，今年要把职工的住房问题放在第一位，工会要一件一件落实。

李秀英说，青年教师的培训经费应当增加，学校要为他们创造更好的成长条件。

王志强表示，安全生产是企业的生命线，每个班组都要把责任落实到人。
"""
QUESTION = "谁谈到了青年教师？"


@pytest.fixture
def small_docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "meeting.txt").write_text(MEETING, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def template(tmp_path_factory, embedder) -> Path:
    """An index of the meeting, built once; each test works on its own copy."""
    docs = tmp_path_factory.mktemp("template-docs")
    (docs / "meeting.txt").write_text(MEETING, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("template") / "ix"
    make_engine(index_dir, docs, embedder).index(docs)
    return index_dir


@pytest.fixture
def built(tmp_path, template) -> Path:
    index_dir = tmp_path / "ix"
    shutil.copytree(template, index_dir)
    return index_dir


@pytest.fixture
def whosaid(monkeypatch, embedder):
    """Run a command in this process; any exception but the exit the CLI chose fails the test."""
    monkeypatch.setattr("retrieval.engine.load_embedder", lambda model=None: embedder)
    runner = CliRunner()

    def run(*args: str, env: dict | None = None):
        result = runner.invoke(app, [str(a) for a in args], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args}: a traceback instead of one line") from result.exception
        return result

    return run


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("whosaid: ")
    return lines[0]


def live(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


# -- damaged indexes: `ask` says so in one line, `whosaid index` rebuilds ------------------------------


def _outside_copy(index_dir: Path, where: Path) -> str:
    """A whole generation placed where a CURRENT must never lead (a loaded decoy would answer)."""
    shutil.copytree(live(index_dir), where)
    return os.path.relpath(where, index_dir)


def _edit_manifest(index_dir: Path, **changes) -> None:
    path = live(index_dir) / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **changes}), encoding="utf-8")


DAMAGE = {
    "CURRENT not UTF-8": lambda ix: (ix / "CURRENT").write_bytes(b"\xff\xfe"),
    "CURRENT empty": lambda ix: (ix / "CURRENT").write_bytes(b""),
    "CURRENT a folder": lambda ix: ((ix / "CURRENT").unlink(), (ix / "CURRENT").mkdir()),
    "CURRENT a link to nothing": lambda ix: ((ix / "CURRENT").unlink(), (ix / "CURRENT").symlink_to(ix / "gone")),
    "generation a file": lambda ix: (shutil.rmtree(live(ix)), live(ix).write_text("x")),
    "manifest []": lambda ix: (live(ix) / "manifest.json").write_text("[]"),
    "manifest {}": lambda ix: (live(ix) / "manifest.json").write_text("{}"),
    "manifest null": lambda ix: (live(ix) / "manifest.json").write_text("null"),
    "manifest field of another type": lambda ix: _edit_manifest(ix, dim="384"),
    "manifest lists a file outside": lambda ix: _edit_manifest(ix, files={"../../decoy.txt": [1, "0"]}),
    "CURRENT names no generation": lambda ix: (ix / "CURRENT").write_text("gen-123"),
    "CURRENT ..": lambda ix: (ix / "CURRENT").write_text(".."),
    "CURRENT leads out": lambda ix: (ix / "CURRENT").write_text(_outside_copy(ix, ix.parent / "decoy")),
    "CURRENT a path inside": lambda ix: (ix / "CURRENT").write_text(_outside_copy(ix, ix / "a" / "b")),
    "CURRENT absolute": lambda ix: (ix / "CURRENT").write_text(
        str(ix.parent / _outside_copy(ix, ix.parent / "decoy"))),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_one_line_for_ask_and_rebuilt_by_index(built, small_docs, whosaid, damage):
    DAMAGE[damage](built)
    outside = sorted(p.name for p in built.parent.iterdir())
    asked = whosaid("ask", QUESTION, "--index", built)
    assert asked.exit_code == 1
    line = one_line(asked)
    assert f"the index in {built} is damaged (" in line and "`whosaid index`" in line

    # --replace: the template was indexed from another folder holding the same text, which the index
    # would otherwise keep (read again from its folder) beside this one.
    rebuilt = whosaid("index", small_docs, "--index", built, "--replace")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert one_line(rebuilt).endswith("; rebuilding it from the documents")
    assert "Indexed" in rebuilt.stdout

    answered = whosaid("ask", QUESTION, "--index", built)
    assert answered.exit_code == 0, answered.stderr
    assert "李秀英" in answered.stdout and not answered.stderr
    generations = sorted(p.name for p in built.iterdir() if p.name.startswith(("gen-", "tmp-")))
    assert generations == [live(built).name]                   # the damaged one is gone, file or folder
    assert sorted(p.name for p in built.parent.iterdir()) == outside   # nothing outside was touched


# -- the environment: a full disk, a folder that refuses writes, a bad setting ------------------------


class _FullDisk:
    """An open file on a full disk: every write fails, as the kernel fails it."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


def _disk_full_for(monkeypatch, name: str) -> None:
    """Writes to files called `name` fail with ENOSPC, whoever opens them (ours, numpy, bm25s)."""
    real = builtins.open

    def opened(file, mode="r", *args, **kwargs):
        handle = real(file, mode, *args, **kwargs)
        writing = any(c in mode for c in "wax+")
        if writing and isinstance(file, str | os.PathLike) and Path(file).name == name:
            return _FullDisk(handle)
        return handle

    monkeypatch.setattr(builtins, "open", opened)
    monkeypatch.setattr(io, "open", opened)   # pathlib's write_text and write_bytes open through io


def _changed(docs: Path) -> None:
    with open(docs / "meeting.txt", "a", encoding="utf-8") as handle:
        handle.write("\n赵立新说，食堂的饭菜价格要公开，让职工吃得放心。\n")


def _old_index_is_live_and_whole(index_dir: Path, generation: Path, whosaid) -> None:
    assert live(index_dir) == generation
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("gen-", "tmp-"))) == [generation.name]
    assert not list(index_dir.glob("CURRENT.*"))
    answered = whosaid("ask", "食堂的饭菜价格", "--index", index_dir, "--json")
    assert answered.exit_code == 0 and "赵立新" not in answered.stdout   # the old generation answers


@pytest.mark.parametrize("written", ["vectors.faiss", "data.csc.index.npy", "text.utf8"],
                         ids=["faiss vectors", "bm25s scores", "our row text"])
def test_a_full_disk_is_one_line_and_the_old_index_stays(built, small_docs, whosaid, monkeypatch, written):
    before = live(built)
    _changed(small_docs)
    with monkeypatch.context() as patched:
        _disk_full_for(patched, written)
        done = whosaid("index", small_docs, "--index", built)
    assert done.exit_code == 1
    assert one_line(done) == f"whosaid: cannot write the index in {built}: No space left on device"
    _old_index_is_live_and_whole(built, before, whosaid)


def test_a_file_size_limit_of_the_kernel_is_one_line_and_the_old_index_stays(built, small_docs, whosaid):
    """A real write fault, not a patched one: the kernel refuses writes past 2 KB (EFBIG)."""
    before = live(built)
    _changed(small_docs)

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    done = subprocess.run([sys.executable, "-m", "retrieval", "index", str(small_docs)], capture_output=True,
                          text=True, env=cli_env(built), timeout=600, preexec_fn=limited)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == f"whosaid: cannot write the index in {built}: File too large"
    _old_index_is_live_and_whole(built, before, whosaid)


def test_a_folder_that_refuses_writes_is_one_line_and_the_old_index_stays(built, small_docs, whosaid,
                                                                          monkeypatch):
    before = live(built)
    _changed(small_docs)
    real = os.mkdir

    def refused(path, *args, **kwargs):
        if Path(path).parent == built:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        if os.geteuid() != 0:
            built.chmod(0o555)
        else:  # root writes through any mode: the refusal a read-only folder gives is made at mkdir
            patched.setattr(os, "mkdir", refused)
        try:
            done = whosaid("index", small_docs, "--index", built)
        finally:
            built.chmod(0o755)
    assert done.exit_code == 1
    assert one_line(done) == f"whosaid: cannot write the index in {built}: Permission denied"
    _old_index_is_live_and_whole(built, before, whosaid)


def test_an_index_folder_below_a_file_is_one_line(tmp_path, small_docs, whosaid):
    (tmp_path / "file.txt").write_text("a file", encoding="utf-8")
    index_dir = tmp_path / "file.txt" / "idx"
    for args in (("index", small_docs), ("ask", QUESTION)):
        done = whosaid(*args, "--index", index_dir, env={"WHOSAID_DOCS": str(small_docs)})
        assert done.exit_code == 1
        assert one_line(done) == f"whosaid: cannot write the index in {index_dir}: Not a directory"


@pytest.mark.parametrize("command", [("index",), ("ask", QUESTION), ("speakers",), ("quotes",), ("serve",)])
def test_an_index_setting_naming_a_file_is_one_line_naming_it(tmp_path, whosaid, command):
    named = tmp_path / "notes.txt"
    named.write_text("not an index", encoding="utf-8")
    done = whosaid(*command, env={"WHOSAID_INDEX": str(named)})
    assert done.exit_code == 1
    assert one_line(done) == f"whosaid: WHOSAID_INDEX={named} is a file, not a folder: point it at a folder " \
                             "for the index"
    assert named.read_text(encoding="utf-8") == "not an index"


@pytest.mark.parametrize(("value", "reason"), [("abc", " is not a number"), ("-1", ": must be more than 0"),
                                               ("1e400", " is not a finite number"), ("0", ": must be more than 0")])
def test_a_bad_size_limit_is_one_line_at_start_up(built, small_docs, value, reason):
    """In a fresh process, where the old code read the variable at import and failed with a traceback."""
    env = {**cli_env(built), "WHOSAID_MAX_FILE_MB": value}
    done = subprocess.run([sys.executable, "-m", "retrieval", "index", str(small_docs)], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 1
    assert done.stderr.strip() == f"whosaid: WHOSAID_MAX_FILE_MB={value!r}{reason}"


@pytest.mark.parametrize("command", [("ask", QUESTION), ("speakers",), ("quotes",), ("serve",)])
def test_every_command_refuses_a_bad_size_limit_in_one_line(built, whosaid, command):
    done = whosaid(*command, "--index", built, env={"WHOSAID_MAX_FILE_MB": "abc"})
    assert done.exit_code == 1
    assert one_line(done) == "whosaid: WHOSAID_MAX_FILE_MB='abc' is not a number"


def test_the_size_limit_comes_from_the_settings_of_the_run(tmp_path, small_docs, whosaid):
    done = whosaid("index", small_docs, "--index", tmp_path / "ix", env={"WHOSAID_MAX_FILE_MB": "0.0001"})
    assert done.exit_code == 1
    assert "meeting.txt" in done.stderr and "9.92e-05 MB limit" in done.stderr   # 0.0001 MiB
    assert whosaid("index", small_docs, "--index", tmp_path / "ix", env={"WHOSAID_MAX_FILE_MB": "1"}).exit_code == 0


def test_a_bad_graph_threshold_is_one_line(tmp_path, small_docs, whosaid):
    done = whosaid("index", small_docs, "--index", tmp_path / "ix", env={"WHOSAID_HNSW_ABOVE": "many"})
    assert done.exit_code == 1
    assert one_line(done) == "whosaid: WHOSAID_HNSW_ABOVE='many' is not a number"


# -- a long-running engine lets go of each generation it replaces -------------------------------------


def _mapped(folder: Path) -> int:
    """Lines of this process's memory maps that are files of `folder`."""
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        return sum(f" {folder}/" in line for line in maps)


def test_a_replaced_generation_is_released_at_the_swap(tmp_path, small_docs, embedder):
    """`whosaid serve` reloads at each new generation; the old one (its maps, FAISS, rows) must go
    then, not at some later run of the cyclic collector (which is off for this test)."""
    index_dir = tmp_path / "ix"
    writer = make_engine(index_dir, small_docs, embedder)
    reader = make_engine(index_dir, small_docs, embedder)
    writer.index(small_docs)
    reader.ask(QUESTION)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for round_ in range(5):
            old = reader.snapshot()
            folder = old.folder
            assert _mapped(folder) > 0                       # the check below can see maps at all
            held = [weakref.ref(o) for o in (old, old.vectors, old.rows, old.keyword, reader._ranker_for())]
            del old
            with open(small_docs / "meeting.txt", "a", encoding="utf-8") as handle:
                handle.write(f"\n陈{round_}说，第{round_}次会议的意见要一条一条落实。\n")
            writer.index(small_docs)
            assert "李秀英" in {p.speaker for p in reader.ask(QUESTION).passages}
            assert reader.snapshot().folder != folder
            assert [ref() for ref in held] == [None] * len(held), round_
            assert _mapped(folder) == 0, round_
    finally:
        if collecting:
            gc.enable()
