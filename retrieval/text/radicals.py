"""Radical and compatibility code points -> the ordinary ideographs they look like.

A PDF's text layer often maps the glyph of 人 or 长 to the Kangxi radical ⼈ (U+2F08) or the radical
supplement's ⻓ (U+2ED3): they look the same on the page, but no name, word or question matches them.
Every replacement is one character for one, so offsets into the folded text are offsets into the page.
"""

from __future__ import annotations

import unicodedata

# NFKC maps every Kangxi radical (U+2F00-U+2FD5) and every compatibility ideograph to its ideograph,
# but only two of the radical supplement (⺟, ⻳). The others that are whole characters in running
# text are listed here (Unicode's EquivalentUnifiedIdeograph.txt); the forms that only occur inside
# a character (⺅ for 亻, ⺡ for 氵) are left alone: text never spells them.
_SUPPLEMENT = {
    "⺁": "厂", "⺄": "乙", "⺊": "卜", "⺌": "小", "⺎": "兀", "⺒": "巳", "⺓": "幺", "⺗": "心",
    "⺜": "日", "⺝": "月", "⺠": "民", "⺧": "牛", "⺩": "王", "⺬": "示", "⺯": "糸", "⺼": "月",
    "⺽": "臼", "⻁": "虎", "⻄": "西", "⻅": "见", "⻆": "角", "⻉": "贝", "⻋": "车", "⻑": "長",
    "⻓": "长", "⻔": "门", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞",
    "⻝": "食", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦",
    "⻩": "黄", "⻪": "黾", "⻬": "齐", "⻮": "齿", "⻰": "龙", "⻱": "龜",
}
_RANGES = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _table() -> dict[int, str]:
    table = {}
    for low, high in _RANGES:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if folded != chr(code) and len(folded) == 1:
                table[code] = folded
    table.update({ord(k): v for k, v in _SUPPLEMENT.items()})
    return table


_TABLE = _table()


def fold_radicals(text: str) -> str:
    """The text with radicals and compatibility ideographs as the ideographs they stand for (same length)."""
    return text.translate(_TABLE)
