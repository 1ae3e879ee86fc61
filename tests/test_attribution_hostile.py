"""Bad input for attribution: unbalanced and nested quotation marks, ten thousand of them, a thousand
speaker headers, a forty-character name. Each gets an answer (never a traceback, never a hang): the work
runs in a child process that is given a bound, so that a hang fails the test instead of stalling it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

# Far above what these documents take (a second or two each); only a hang or a quadratic blow-up reaches it.
BOUND_S = 120

_CHILD = """
import json, sys
from retrieval.attribution.document import attribute
from retrieval.ingest.paragraphs import split_paragraphs
text = open(sys.argv[1], encoding="utf-8").read()
paragraphs, speakers = attribute(split_paragraphs("hostile.txt", text), "hostile.txt")
print(json.dumps({"paragraphs": len(paragraphs), "utterances": sum(len(p.utterances) for p in paragraphs),
                  "speakers": [s.name for s in speakers if s.is_person]}, ensure_ascii=False))
"""


def _attribute_in_child(tmp_path, text: str) -> dict:
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=BOUND_S)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


HEAD = "测试报道\n本报记者 钟小川\n"


@pytest.mark.parametrize("body", [
    "“" * 10_000,                                                      # ten thousand opening marks
    "”" * 5_000 + "“" * 5_000,                                         # closing before opening
    ("“他说，“她说，“我说。”" * 2_000),                                  # nested, never closed
    "赵某表示，" + "“好的，”" * 3_000 + "。",                            # balanced, many
    "「" * 3_000 + "“" * 3_000 + "』" * 3_000 + "”" * 1_000,           # mixed kinds
])
def test_quotation_marks_in_any_number_and_order(tmp_path, body):
    result = _attribute_in_child(tmp_path, HEAD + body + "\n王某说，事情都办好了。\n")
    assert result["paragraphs"] >= 3


def test_a_thousand_speaker_headers(tmp_path):
    sections = "".join(f"某某公司第{i}车间主任柯某{i % 10}：\n柯某{i % 10}说，生产安全要抓好，今年没有出过事故。\n"
                       for i in range(1_000))
    result = _attribute_in_child(tmp_path, HEAD + sections)
    assert result["paragraphs"] == 2_002 and result["utterances"] >= 1_000


def test_a_forty_character_name_and_label(tmp_path):
    long_name = "欧" + "阳" * 39
    text = (HEAD + f"{long_name}：我们会继续努力。\n【{'某' * 40}】\n{long_name}表示，项目进展顺利。\n"
            + f"{'某' * 40}·{'某' * 40}说，一切正常。\n")
    result = _attribute_in_child(tmp_path, text)
    assert result["paragraphs"] == 6
    assert all(len(name) <= 17 for name in result["speakers"])      # no forty-character "name" invented
