"""One folding of text for matching: traditional -> simplified, full-width -> half-width, lower case."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def fold(text: str) -> str:
    """Fold text so that 張三, 张三 and ＷＡＮＧ compare equal to their plain forms.

    Length can change under NFKC, so folded text is for matching only, never for offsets.
    """
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()
