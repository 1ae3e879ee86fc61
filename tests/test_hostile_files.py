"""A hostile documents folder: links to secrets, special files, odd names, deep nesting, foreign and damaged
encodings. Nothing outside the folder is read, each bad path costs one line, and the rest is indexed."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from retrieval import records as d
from retrieval.cli.output import report_lines
from retrieval.errors import DecodeError
from retrieval.ingest.decode import decode
from retrieval.ingest.files import OUTSIDE, read_folder, read_text
from retrieval.labels import plain_answer
from retrieval.store.generation import IndexStore
from retrieval.text.chars import shown

from .conftest import GBK_REPORT, SEED, cli_env, eval_script

remove = eval_script("hostile").remove  # a deep tree defeats shutil.rmtree's recursion

JAPANESE = ("日本語のテキストです。今日は東京で会議が開かれました。\n"
            "田中さんは「新しい計画について話し合いたい」と述べました。\n参加者は皆、熱心に意見を交換しました。\n")
KOREAN = ("오늘 서울에서 노동조합 회의가 열렸습니다.\n김철수 위원장은 \"새로운 계획에 대해 이야기하고 싶다\"고 말했습니다.\n"
          "참가자들은 모두 열심히 의견을 나누었습니다.\n")
TRADITIONAL = ("周大明說：「今年工會要為職工辦十件實事。」\n會議在台北召開，參加會議的代表認真討論了工作報告。\n"
               "大家一致認為，要把職工的事情辦好。\n")
SIMPLIFIED = "李四说：“职工的事再小也是大事，工会要一件一件办好。”\n会议要求各级工会把服务做到职工的心坎上。\n"
DEPTH = 1200
SECRET = "hunter2-do-not-index-7f3a"


def items(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """What read_folder makes of a folder: {name: text} read, {name: reason} skipped."""
    read, skipped = {}, {}
    for item in read_folder(folder):
        if isinstance(item, d.Skipped):
            assert item.path not in skipped, f"two lines for {item.path}"
            skipped[item.path] = item.reason
        else:
            read[item[0]] = item[1].text
    return read, skipped


def nest(base: Path, depth: int) -> Path:
    """Folders `depth` deep below base (os.makedirs itself dies of RecursionError at this depth)."""
    base.mkdir()
    path = base
    for _ in range(depth):
        path = path / "a"
        path.mkdir()
    return path


# -- 1. links and special files ----------------------------------------------------------------------

def test_links_out_of_the_folder_are_not_followed_and_links_inside_it_are(tmp_path):
    docs = tmp_path / "docs"
    (docs / ".drafts").mkdir(parents=True)
    shutil.copy(SEED, docs / "seed.txt")
    (docs / ".drafts" / "draft.txt").write_text(SIMPLIFIED, encoding="utf-8")
    (docs / "env.txt").symlink_to("/proc/self/environ")
    (docs / "p.txt").symlink_to("/etc/passwd")
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "etc").symlink_to("/etc")                         # a folder out of the documents folder
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (docs / "up.txt").symlink_to("../secret.txt")              # relative, still out
    (docs / "latest.txt").symlink_to("seed.txt")               # read once, under its own name
    (docs / "draft.txt").symlink_to(".drafts/draft.txt")       # a hidden file: read through the link
    (docs / "self").symlink_to(docs)                           # a loop, never walked
    (docs / "loop.txt").symlink_to("loop.txt")
    (docs / "gone.txt").symlink_to("deleted.txt")
    read, skipped = items(docs)
    assert set(read) == {"seed.txt", "draft.txt"}
    assert read["draft.txt"] == SIMPLIFIED
    assert skipped.keys() == {"env.txt", "p.txt", "zero.txt", "etc", "up.txt", "loop.txt", "gone.txt"}
    assert all(skipped[name] == OUTSIDE for name in ("env.txt", "p.txt", "zero.txt", "etc", "up.txt"))
    assert "no longer exists" in skipped["gone.txt"]
    assert not any("root:" in text or SECRET in text for text in read.values())


def test_fifos_sockets_and_system_files_are_not_read(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.txt").write_text(SIMPLIFIED, encoding="utf-8")
    os.mkfifo(docs / "fifo.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(docs / "sock.txt"))
    try:
        read, skipped = items(docs)
    finally:
        server.close()
    assert set(read) == {"ok.txt"}
    assert skipped == {"fifo.txt": "not a regular file", "sock.txt": "not a regular file"}
    # /proc files stat as regular files and hold secrets: refused even when asked for by their own path
    with pytest.raises(DecodeError, match="/proc"):
        read_text(Path("/proc/self/status"))


# -- 2. odd names and deep folders -------------------------------------------------------------------

def test_a_name_that_is_not_utf8_and_a_very_deep_folder_cost_one_line_each(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / "seed.txt")
    with open(os.fsencode(docs) + b"/bad\xffname.txt", "wb") as handle:
        handle.write(SIMPLIFIED.encode())
    os.mkdir(os.fsencode(docs) + b"/folder\xfe")
    bottom = nest(docs / "deep", DEPTH)
    (bottom / "x.txt").write_text(TRADITIONAL, encoding="utf-8")
    (docs / "deep" / "near.txt").write_text(TRADITIONAL, encoding="utf-8")
    # Decided: a name with a newline or an escape sequence is valid UTF-8 and is indexed; what prints it
    # escapes it (see the CLI test below).
    (docs / "two\nlines.txt").write_text(SIMPLIFIED, encoding="utf-8")
    (docs / "\x1b[31mred.txt").write_text(SIMPLIFIED + "红色。", encoding="utf-8")
    try:
        read, skipped = items(docs)
    finally:
        remove(docs / "deep")
    assert set(read) == {"seed.txt", "deep/near.txt", "two\nlines.txt", "\x1b[31mred.txt"}
    assert skipped["bad\\xffname.txt"].startswith("its name is not UTF-8")
    assert skipped["folder\\xfe"].startswith("its name is not UTF-8")
    (deep,) = [name for name in skipped if name.startswith("deep/")]
    assert "nested more than" in skipped[deep]
    assert len(skipped) == 3


def test_names_are_printed_escaped_on_one_line(capsys):
    forged = "a.txt: holds no text\nwhosaid: skipped \x1b[31mb.txt"
    report = d.IndexReport(1, 3, 3, added=("x.txt",), skipped=(d.Skipped(forged, "holds no text"),),
                           notes=(f"read {forged} as big5hkscs (guessed)",))
    report_lines(report, Path("docs\n"))
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 2 and len(out.splitlines()) == 1
    assert "\x1b" not in err and "\\x1b[31mb.txt" in err and "a.txt: holds no text\\nwhosaid" in err
    paragraph = d.Paragraph("new\nline \x1b[2J.txt", 0, "张三说，好。", ((0, 6),), d.Kind.BODY, d.Role.PARAPHRASE, "张三")
    answer = d.Answer("张三说了什么？", (d.Passage(1, 0, paragraph, 0.9, speaker="张三"),))
    text = plain_answer(answer)
    assert "\x1b" not in text and "new\\nline \\x1b[2J.txt" in text
    assert shown("bad\udcffname\u202e.txt") == "bad\\xffname\\u202e.txt"
    assert shown("周大明说：“好。”\t") == "周大明说：“好。”\\t"


# -- 3. decoding -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "says"), [
    (JAPANESE.encode("shift_jis"), "Shift-JIS (Japanese) text, not Chinese"),
    (JAPANESE.encode("euc_jp"), "EUC-JP (Japanese) text, not Chinese"),
    (KOREAN.encode("euc_kr"), "EUC-KR (Korean) text, not Chinese"),
    (KOREAN.encode("utf-8"), "UTF-8 (Korean) text, not Chinese"),
])
def test_japanese_and_korean_are_refused_by_name_not_read_as_chinese(data, says):
    with pytest.raises(DecodeError, match=says.replace("(", r"\(").replace(")", r"\)")):
        decode(data)


def test_chinese_in_every_encoding_is_still_read_as_chinese():
    report = GBK_REPORT.read_bytes().decode("gb18030")
    seed = SEED.read_text(encoding="utf-8")
    names = "张三 李四 王五 赵六 孙七 周八 吴九 郑十 钱多多 陈大明\n" * 20   # spaced words, like Korean
    for text, codec in ((report, "gb18030"), (seed, "gbk"), (seed, "utf-8"), (names, "gbk"),
                        (TRADITIONAL, "big5"), (" ".join(SIMPLIFIED), "gbk")):
        assert decode(text.encode(codec)).text == text, codec
    big5 = decode(TRADITIONAL.encode("big5"))
    assert big5.encoding == "big5hkscs" and big5.guessed            # GB18030 reads these bytes too


def test_short_files_are_text():
    assert decode("你好".encode()).text == "你好"
    assert decode("好".encode("gbk")).text == "好"
    assert decode(b"ok\n").text == "ok\n"


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_a_few_bad_bytes_are_replaced_and_the_rest_is_kept(codec):
    head, tail = SIMPLIFIED[:20].encode(codec), SIMPLIFIED[20:].encode(codec)
    decoded = decode(head + b"\xff" + tail)
    assert decoded.text == SIMPLIFIED[:20] + "\ufffd" + SIMPLIFIED[20:]
    assert decoded.replaced == 1


def test_binary_files_are_still_refused_as_binary():
    noise = random.Random(5).randbytes(4096)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", SEED.read_text(encoding="utf-8"))
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise, noise, archive.getvalue(), b"\xff"):
        with pytest.raises(DecodeError, match="binary"):
            decode(data)


# -- the whole run, through the CLI ------------------------------------------------------------------

def whosaid(*args, index_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retrieval", *args], capture_output=True, text=True,
                          env={**cli_env(index_dir), **(env or {})}, timeout=600)


def test_indexing_a_hostile_folder_reads_only_the_documents_and_says_why_for_the_rest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    bad = {"env.txt", "p.txt", "etc", "fifo.txt", "loop.txt", "bad\\xffname.txt", "jp.txt", "ko.txt"}
    (docs / "env.txt").symlink_to("/proc/self/environ")
    (docs / "p.txt").symlink_to("/etc/passwd")
    (docs / "etc").symlink_to("/etc")
    os.mkfifo(docs / "fifo.txt")
    (docs / "loop.txt").symlink_to("loop.txt")
    (docs / "latest.txt").symlink_to(SEED.name)
    with open(os.fsencode(docs) + b"/bad\xffname.txt", "wb") as handle:
        handle.write(SIMPLIFIED.encode())
    (docs / "jp.txt").write_bytes(JAPANESE.encode("shift_jis"))
    (docs / "ko.txt").write_bytes(KOREAN.encode("euc_kr"))
    (docs / "big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    (docs / "damaged.txt").write_bytes("王五说：".encode("gbk") + b"\xff" + SIMPLIFIED.encode("gbk"))
    (docs / "new\nline.txt").write_text("赵六说：“名字里有换行的文件也要读。”\n", encoding="utf-8")
    (docs / "\x1b[31mred.txt").write_text("钱七说：“名字里有颜色代码的文件也要读。”\n", encoding="utf-8")
    nest(docs / "deep", DEPTH)
    index_dir = tmp_path / "ix"
    try:
        done = whosaid("index", str(docs), index_dir=index_dir, env={"WHOSAID_TEST_SECRET": SECRET})
    finally:
        remove(docs / "deep")
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    skipped = dict(line.removeprefix("whosaid: skipped ").split(": ", 1) for line in lines
                   if line.startswith("whosaid: skipped "))
    (deep,) = [name for name in skipped if name.startswith("deep/")]
    assert skipped.keys() == bad | {deep}
    assert "Shift-JIS (Japanese)" in skipped["jp.txt"] and "EUC-KR (Korean)" in skipped["ko.txt"]
    notes = set(lines) - {line for line in lines if line.startswith("whosaid: skipped ")}
    assert notes == {"whosaid: read big5.txt as big5hkscs (guessed)", "whosaid: damaged.txt: 1 bad byte replaced"}
    assert "5 documents" in done.stdout              # latest.txt is the seed, read under the seed's own name
    rows = IndexStore(index_dir).load().rows
    assert {r.paragraph.doc for r in rows} == {SEED.name, "big5.txt", "damaged.txt", "new\nline.txt",
                                               "\x1b[31mred.txt"}
    for path in index_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and b"root:x:0:0" not in data, path

    answer = whosaid("ask", "王文军怎么看工会组织全覆盖？", "--json", index_dir=index_dir)
    assert answer.returncode == 0, answer.stderr
    top = json.loads(answer.stdout)["passages"][0]
    assert top["doc"] == SEED.name and "全力推进工会组织全覆盖" in top["text"]
    leak = whosaid("ask", f"WHOSAID_TEST_SECRET {SECRET} root:x:0:0", "--json", index_dir=index_dir)
    passages = json.dumps(json.loads(leak.stdout)["passages"], ensure_ascii=False)
    assert SECRET not in passages and "root:x" not in passages

    asked = whosaid("ask", "名字里有换行的文件也要读吗？", "-k", "5", index_dir=index_dir)
    quotes = whosaid("quotes", index_dir=index_dir)
    assert asked.returncode == quotes.returncode == 0, asked.stderr + quotes.stderr
    assert "new\\nline.txt" in asked.stdout and "new\\nline.txt" in quotes.stdout and "\\x1b[31mred.txt" in quotes.stdout
    for out in (asked.stdout, quotes.stdout):
        assert "\x1b" not in out and not any(line.startswith("line.txt") for line in out.splitlines())
