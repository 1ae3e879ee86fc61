"""The `whosaid` command as scripts use it: JSON that follows the published schema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from .conftest import cli_env, schema_path

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))


def whosaid(*args, index_dir, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args], input=stdin, capture_output=True, text=True,
        env=cli_env(index_dir), cwd=cwd, timeout=300,
    )


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, seed_only):
    index_dir = tmp_path_factory.mktemp("cli-index")
    done = whosaid("index", str(seed_only), index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    assert "30 paragraphs" in done.stdout
    return index_dir


def test_the_done_when_question_ranks_the_full_coverage_paragraph_first(seed_index):
    done = whosaid("ask", "王文军怎么看工会组织全覆盖？", "--json", index_dir=seed_index)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    jsonschema.validate(answer, SCHEMA)
    top = answer["passages"][0]
    assert "全力推进工会组织全覆盖" in top["text"]
    assert (top["speaker"], top["speaker_title"]) == ("王文军", "朝阳区总工会党组书记、主席")
    assert answer["speaker_filter"] == "王文军"
    start, end = top["highlights"][0]
    assert "工会组织全覆盖" in top["text"][start:end]


def test_questions_from_stdin_give_one_valid_json_line_each(seed_index):
    questions = "谁谈到了青年教师？\n富士康工会主席怎么看建会？\n\n今天北京天气怎么样？\n"
    done = whosaid("ask", "--json", "-k", "3", "-", index_dir=seed_index, stdin=questions)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["query"] for a in lines] == ["谁谈到了青年教师？", "富士康工会主席怎么看建会？", "今天北京天气怎么样？"]
    for answer in lines:
        jsonschema.validate(answer, SCHEMA)
        assert [p["rank"] for p in answer["passages"]] == list(range(1, len(answer["passages"]) + 1))
    assert lines[0]["speakers"][0]["speaker"] == "刚文哲"
    assert lines[1]["passages"][0]["speaker"] == "周义兵"


def test_speakers_lists_exactly_the_four_delegates(seed_index):
    done = whosaid("speakers", "--json", index_dir=seed_index)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["speaker"], r["title"]) for r in rows] == [
        ("王文军", "朝阳区总工会党组书记、主席"),
        ("赵莹", "京城机电控股有限责任公司党委副书记、工会主席"),
        ("刚文哲", "中国石油大学党委副书记、工会主席"),
        ("周义兵", "富士康公司工会主席"),
    ]
    assert [r["paragraphs"] for r in rows] == [5, 3, 3, 5]        # paragraphs in which each says something
    assert [r["utterances"] for r in rows] == [9, 3, 4, 8]
    assert {r["kind"] for r in rows} == {"person"}                 # the reporter never speaks in the seed
    aliases = {r["speaker"]: r["aliases"] for r in rows}
    assert "周主席" in aliases["周义兵"] and "刚书记" in aliases["刚文哲"]


def test_human_output_names_the_speaker_and_marks_the_answer(seed_index):
    done = whosaid("ask", "赵莹认为工会面临哪些挑战？", "-k", "2", index_dir=seed_index)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert "赵莹" in first and "京城机电控股有限责任公司" in first
    assert "【" in done.stdout


def test_ask_builds_the_index_when_there_is_none(tmp_path, seed_only):
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "周义兵说了什么？", "--json"],
        capture_output=True, text=True, timeout=300,
        env={**cli_env(tmp_path / "fresh"), "WHOSAID_DOCS": str(seed_only)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["passages"][0]["speaker"] == "周义兵"
    assert (tmp_path / "fresh" / "CURRENT").is_file()


def test_errors_are_one_line_with_a_nonzero_exit(tmp_path, seed_index):
    missing = whosaid("index", str(tmp_path / "nowhere"), index_dir=tmp_path / "ix")
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "nowhere" in missing.stderr
    empty = whosaid("ask", "   ", index_dir=seed_index)
    assert empty.returncode == 1 and "empty" in empty.stderr and "Traceback" not in empty.stderr
    nobody = whosaid("ask", "说了什么", "--speaker", "不存在的人", index_dir=seed_index)
    assert nobody.returncode == 1 and "不存在的人" in nobody.stderr


def test_skipped_files_are_named_and_the_exit_status_says_so(tmp_path, seed_only):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text((seed_only / "000_805b274e1e5db619.txt").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    (docs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    done = whosaid("index", str(docs), index_dir=tmp_path / "ix")
    assert done.returncode == 3
    assert "skipped photo.txt:" in done.stderr and "1 documents" in done.stdout
