"""Bytes -> text: strict decoding, control characters dropped, binary data refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from retrieval.errors import DecodeError
from retrieval.text.chars import INVISIBLE, PLAIN_RANGES, is_han
from retrieval.text.fold import fold

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|" + INVISIBLE.pattern)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


# Tried in this order after UTF-8; the most plausible reading wins, GB18030 on a tie.
CHINESE_CODECS = ("gb18030", "big5hkscs")
# Share of a text's ideographs that are among the 3,755 most common (GB2312 level 1, after folding
# traditional to simplified): 0.99 for our GBK and Big5 reports, 0.58 for the Big5 one read as GB18030.
PLAUSIBLE = 0.75
_SAMPLE = 20_000


def plausibility(text: str) -> float:
    """How much a decoded text reads as Chinese: the share of its ideographs that are common ones."""
    sample = fold(text[:_SAMPLE])
    ideographs = [ch for ch in sample if is_han(ch)]
    if not ideographs:
        return 1.0 if not any(unicodedata.category(ch) in ("Co", "Cn") for ch in sample) else 0.0
    common = 0
    for ch in ideographs:
        try:
            code = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= code[0] <= 0xD7
    return common / len(ideographs)


def decode(data: bytes) -> Decoded:
    """Decode bytes without guessing silently.

    Strict UTF-8 comes first because GBK bytes fail it at once, while UTF-8 read as GB18030
    gives silent mojibake; then GB18030 (a superset of GBK) and Big5, judged by how Chinese the result
    reads; then detection.
    """
    if not data:
        raise DecodeError("empty file")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"has a {codec} byte-order mark but is not {codec}: {exc.reason}") from None
    # Many NULs mean UTF-16/32 without a mark, which strict UTF-8 would accept as ASCII with NULs.
    if data.count(b"\x00") < len(data) // 10:
        try:
            return Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
        # Big5 bytes often decode "successfully" as GB18030 into nonsense (and GBK as Big5): of the
        # decodings that succeed, keep the one that reads as Chinese.
        readings = []
        for codec in CHINESE_CODECS:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            readings.append((plausibility(text), codec, text))
        if readings:
            score, codec, text = max(readings, key=lambda r: r[0])
            if score >= PLAUSIBLE:
                return Decoded(text, codec)
    from charset_normalizer import from_bytes  # only the rare files that need detection pay for it

    best = from_bytes(data).best()
    if best is None or not best.encoding.startswith(("utf_16", "utf_32", "big5", "cp950", "gb", "hz")):
        raise DecodeError("not text in UTF-8, UTF-16, GB18030/GBK or Big5 (binary file?)")
    return Decoded(str(best), best.encoding)


def clean(text: str) -> str:
    """Normalise line ends and drop control characters; offsets refer to the result."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


# Printable ASCII, CJK punctuation, ideographs, full-width forms: never odd, and nearly all of a
# Chinese text, so only the rest is looked up one character at a time.
_PLAIN = re.compile(f"[{PLAIN_RANGES}\n\t]+")


def looks_binary(text: str) -> bool:
    if not text:
        return False
    rest = _PLAIN.sub("", text[:4096])
    odd = sum(1 for ch in rest if unicodedata.category(ch) in ("Cc", "Co", "Cn"))
    return odd / min(len(text), 4096) > 0.02
