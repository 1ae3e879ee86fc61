"""Bytes -> text: strict decoding, a few damaged bytes tolerated, control characters dropped, binary data
and Japanese or Korean text refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from retrieval.errors import DecodeError
from retrieval.records import DocMeta
from retrieval.text.chars import INVISIBLE, PLAIN_RANGES, is_han
from retrieval.text.fold import fold

from .languages import language_of

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|" + INVISIBLE.pattern)
# surrogateescape turns each byte a codec cannot read into one lone surrogate: exact counts of bad bytes
_ESCAPED = re.compile("[\udc80-\udcff]+")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    guessed: bool = False   # chosen among several encodings that all read the bytes, or by detection
    replaced: int = 0       # bytes no encoding could read, replaced by U+FFFD
    meta: DocMeta = DocMeta()  # the headline, outlet, author and date the document gives
    notes: tuple[str, ...] = ()  # what was left unread (pages past the limit), one line each


# Tried in this order after UTF-8; the most plausible reading wins, GB18030 on a tie.
CHINESE_CODECS = ("gb18030", "big5hkscs")
# Share of a text's ideographs that are among the 3,755 most common (GB2312 level 1, after folding
# traditional to simplified): 0.99 for our GBK and Big5 reports, 0.58 for the Big5 one read as GB18030.
PLAUSIBLE = 0.75
_SAMPLE = 20_000
# A copy cut short, a bad sector, a stray byte from an editor: a document with a few damaged bytes
# (4, or 1% of a long one: a stray byte inside a UTF-8 character leaves that character's three bytes
# unreadable too) keeps the rest. Random bytes fail about half of theirs in every codec, and
# a file of a few bytes with one of them bad is junk, hence never more than a tenth.
BAD_SHARE = 0.01
BAD_FEW = 4


def bad_limit(size: int) -> int:
    """How many bytes of a file of `size` bytes may be unreadable for it to count as damaged text."""
    return min(max(BAD_FEW, int(size * BAD_SHARE)), size // 10)
# Japanese and Korean encodings whose bytes Chinese codecs also read; tried on the first 64 KB.
FOREIGN_CODECS = (("cp932", "Shift-JIS"), ("euc_jp", "EUC-JP"), ("euc_kr", "EUC-KR"), ("cp949", "UHC (CP949)"))
_FOREIGN_SAMPLE = 65_536
_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030", "big5hkscs": "Big5"}


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
    reads; then the same with a few bad bytes replaced; then detection. Whatever reads as Japanese or
    Korean is refused by name: the engine only understands Chinese.
    """
    if not data:
        raise DecodeError("empty file")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return _chinese(Decoded(data.decode(codec), codec))
            except UnicodeDecodeError as exc:
                raise DecodeError(f"has a {codec} byte-order mark but is not {codec}: {exc.reason}") from None
    # Many NULs mean UTF-16/32 without a mark, which strict UTF-8 would accept as ASCII with NULs.
    if data.count(b"\x00") * 10 < len(data):
        try:
            return _chinese(Decoded(data.decode("utf-8"), "utf-8"))
        except UnicodeDecodeError:
            pass
        foreign = _foreign(data[:_FOREIGN_SAMPLE])
        if foreign:
            raise DecodeError(foreign)
        decoded = _strict(data) or _repaired(data)
        if decoded:
            return _chinese(decoded)
    from charset_normalizer import from_bytes  # only the rare files that need detection pay for it

    best = from_bytes(data).best()
    if best is not None and language_of(str(best)):
        raise DecodeError(f"looks like {best.encoding} ({language_of(str(best))}) text, not Chinese")
    if best is None or not best.encoding.startswith(("utf_16", "utf_32", "big5", "cp950", "gb", "hz")):
        raise DecodeError("not text in UTF-8, UTF-16, GB18030/GBK or Big5 (binary file?)")
    return Decoded(str(best), best.encoding, guessed=True)


def _chinese(decoded: Decoded) -> Decoded:
    """The decoded text, unless it is written in Japanese or Korean."""
    language = language_of(decoded.text)
    if language:
        label = _LABELS.get(decoded.encoding, decoded.encoding)
        raise DecodeError(f"looks like {label} ({language}) text, not Chinese")
    return decoded


def _strict(data: bytes) -> Decoded | None:
    """The most plausible of the Chinese codecs that read every byte."""
    # Big5 bytes often decode "successfully" as GB18030 into nonsense (and GBK as Big5): of the
    # decodings that succeed, keep the one that reads as Chinese.
    readings = []
    for codec in CHINESE_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        readings.append((plausibility(text), codec, text))
    if not readings:
        return None
    score, codec, text = max(readings, key=lambda r: r[0])
    return Decoded(text, codec, guessed=len(readings) > 1) if score >= PLAUSIBLE else None


def _repaired(data: bytes) -> Decoded | None:
    """The codec that reads all but a few bytes and reads as Chinese, with those bytes replaced."""
    limit = bad_limit(len(data))
    readings = []
    for codec in ("utf-8", *CHINESE_CODECS):
        text, bad = _lenient(data, codec, limit)
        if text is not None and plausibility(text) >= PLAUSIBLE:
            readings.append((bad, codec, text))
    if not readings:
        return None
    bad, codec, text = min(readings, key=lambda r: r[0])  # UTF-8, then GB18030, on a tie
    return Decoded(text, codec, guessed=len(readings) > 1, replaced=bad)


def _lenient(data: bytes, codec: str, limit: int) -> tuple[str | None, int]:
    """The text with each run of bad bytes as one U+FFFD, and how many there were; None when more than `limit`.

    The first 64 KB answer first, so that a large binary file is not read to its end in every codec.
    """
    if len(data) > _FOREIGN_SAMPLE:
        head = data[:_FOREIGN_SAMPLE].decode(codec, errors="surrogateescape")
        if _bad_bytes(head) > max(limit * _FOREIGN_SAMPLE // len(data), 1) + 4:
            return None, 0
    text = data.decode(codec, errors="surrogateescape")
    bad = _bad_bytes(text)
    return (_ESCAPED.sub("\ufffd", text), bad) if bad <= limit else (None, bad)


def _bad_bytes(text: str) -> int:
    return sum(m.end() - m.start() for m in _ESCAPED.finditer(text))


def _foreign(data: bytes) -> str | None:
    """Why the bytes are refused, when they read as Japanese or Korean in one of their own encodings."""
    limit = bad_limit(len(data))
    for codec, label in FOREIGN_CODECS:
        text, _ = _lenient(data, codec, limit)
        language = language_of(text, ambiguous=True) if text is not None else None
        if language:
            return f"looks like {label} ({language}) text, not Chinese"
    return None


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
