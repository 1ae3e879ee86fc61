"""Questions and documents with bytes that are not UTF-8, or with invisible characters: one clear line each,
never a traceback, and the rest of a batch still answered (issue 13, items 10 and 13)."""

from __future__ import annotations

import json
import subprocess
import sys

from retrieval.ingest.decode import clean

from .conftest import ROOT, cli_env


def _whosaid(args, index_dir, stdin: bytes | None = None):
    argv = [sys.executable.encode(), b"-m", b"retrieval", *[a if isinstance(a, bytes) else a.encode() for a in args]]
    return subprocess.run(argv, cwd=ROOT, input=stdin, capture_output=True, env=cli_env(index_dir), timeout=600)


def test_a_question_that_is_not_utf8_is_one_line(engine):
    done = _whosaid([b"ask", b"\xff\xe7\x8e\x8b"], engine.settings.index_dir)
    assert done.returncode == 1
    err = done.stderr.decode("utf-8", "replace")
    assert "not valid UTF-8" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_speaker_that_is_not_utf8_is_one_line(engine):
    done = _whosaid([b"ask", "说了什么？".encode(), b"--speaker", b"\xff"], engine.settings.index_dir)
    assert done.returncode == 1
    err = done.stderr.decode("utf-8", "replace")
    assert "not valid UTF-8" in err and "Traceback" not in err


def test_a_bad_line_in_a_batch_gets_its_own_error_and_the_batch_goes_on(engine):
    lines = ["谁谈到了青年教师？".encode(), b"\xff\xfe bad line", "富士康工会主席怎么看建会？".encode()]
    done = _whosaid([b"ask", b"--json", b"-"], engine.settings.index_dir, stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 1                     # one question failed
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 3
    assert rows[0]["passages"] and rows[2]["passages"]
    assert rows[1]["passages"] == [] and "not valid UTF-8" in rows[1]["error"] and "\ufffd" in rows[1]["query"]
    assert "Traceback" not in done.stderr.decode("utf-8", "replace")


def test_invisible_characters_do_not_hide_a_name(engine):
    answer = engine.ask("王\u200d文\u200c军怎么看工会组织全覆盖？", k=2)
    assert answer.speaker_filter == "王文军"
    assert clean("王\u202e文\u2066军\u200f说") == "王文军说"      # and documents lose them at ingest
