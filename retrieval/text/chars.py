"""Character classes of Chinese text, defined once: ideographs, sentence ends, clause marks, quotation marks."""

from __future__ import annotations

import re

# CJK Unified Ideographs with Extension A: every character a name or a word of these texts uses.
HAN_RANGE = "\u3400-\u9fff"
HAN = re.compile(f"[{HAN_RANGE}]")
HAN_RUN = re.compile(f"[{HAN_RANGE}]{{2,}}")
# Printable ASCII, CJK punctuation, ideographs, full-width forms: nearly all of a Chinese text.
PLAIN_RANGES = f"\u0020-\u007e\u3000-\u303f{HAN_RANGE}\uff00-\uffef"

SENTENCE_ENDS = "。！？!?"
CLAUSE_MARKS = "，,；;"
# Quotation marks, opening -> closing: mainland “”, Hong Kong and Taiwan 「」 and 『』.
QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』"}
# Nesting deeper than this is not a quotation inside a quotation but stray marks; deeper opens are ignored.
QUOTE_MAX_DEPTH = 4
OPENING_QUOTES = "".join(QUOTE_PAIRS)
CLOSING_QUOTES = "".join(QUOTE_PAIRS.values())


# Characters that show nothing but change matching or display: zero-width spaces and joiners, direction
# marks and overrides (U+202E shows text reversed), word joiners, the byte-order mark.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """The text without invisible formatting characters (a name with a zero-width joiner inside is the name)."""
    return INVISIBLE.sub("", text)


def readable(text: str) -> bool:
    """False when the text holds lone surrogates: bytes that were not UTF-8, smuggled through as str."""
    return _SURROGATE.search(text) is None


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def han_only(text: str) -> str:
    """The ideographs of a text, in order (for matching runs of words across punctuation)."""
    return "".join(ch for ch in text if is_han(ch))


# What must not reach a terminal as it is: C0 and C1 controls (a newline forges a line, ESC [ colours or
# moves the cursor, U+009B is ESC [ on some terminals), line and paragraph separators, the invisible and
# direction characters above (U+202E prints the rest of the line reversed).
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]|" + INVISIBLE.pattern)


def shown(text: str) -> str:
    """The text safe to print on one line: controls as Python writes them (\\n, \\x1b, \\u202e), and the
    bytes of a name that was not UTF-8 (lone surrogates) as \\xff. Everything a Chinese document holds
    passes unchanged."""
    text = _UNSHOWABLE.sub(lambda m: repr(m.group())[1:-1], text)
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if ord(m.group()) >= 0xDC80
                          else f"\\u{ord(m.group()):04x}", text)
