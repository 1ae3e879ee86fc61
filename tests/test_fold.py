"""Folding's quick NFKC (full-width characters narrowed first) gives exactly unicodedata's NFKC."""

from __future__ import annotations

import unicodedata

import pytest

from retrieval.text.fold import fold, nfkc
from tests.conftest import SEED

CASES = [
    "王文军怎么看工会组织全覆盖？", "ＷＡＮＧ　Ｗｅｎｊｕｎ：１２３！", "Ａ\u0301 and Ｅ\u0308",  # wide letters + combining marks
    "ﬁve … ① ㈱ ｶﾀｶﾅ ﾞ", "張三說：「好。」", "\u3000\u3000全角空格", "", "ｅ\u0301\u0327",
]


@pytest.mark.parametrize("text", [*CASES, SEED.read_text(encoding="utf-8")])
def test_the_quick_nfkc_equals_unicodedatas(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_fold_still_makes_traditional_and_full_width_forms_equal():
    assert fold("張三ＷＡＮＧ，") == fold("张三wang,") == "张三wang,"
