"""Files -> decoded text -> paragraphs, with page-layout breaks repaired."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .documents import RawParagraph, Skipped

SUFFIXES = (".txt", ".md")
# Embedding runs at tens of paragraphs a second on two cores: a larger file would take hours, which
# a user should choose knowingly (WHOSAID_MAX_FILE_MB), not meet by accident.
MAX_FILE_BYTES = int(float(os.environ.get("WHOSAID_MAX_FILE_MB", "16")) * 1024 * 1024)

# A piece ending in one of these closes its sentence; anything else may have been cut by layout.
_CLOSERS = set("。！？!?…；;”’」』）)】>：:—-")
_CLAUSE_MARKS = set("，。；、,;")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


class DecodeError(Exception):
    """The bytes are not text in any encoding we read."""


def decode(data: bytes) -> Decoded:
    """Decode bytes without guessing silently.

    Strict UTF-8 comes first because GBK bytes fail it at once, while UTF-8 read as GB18030
    gives silent mojibake; then strict GB18030 (a superset of GBK); then detection.
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
        for codec in ("utf-8", "gb18030"):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError:
                pass
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
_PLAIN = re.compile(r"[\u0020-\u007e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\n\t]+")


def looks_binary(text: str) -> bool:
    if not text:
        return False
    rest = _PLAIN.sub("", text[:4096])
    odd = sum(1 for ch in rest if unicodedata.category(ch) in ("Cc", "Co", "Cn"))
    return odd / min(len(text), 4096) > 0.02


def _is_prose(piece: str) -> bool:
    return len(piece) >= 24 and any(ch in _CLAUSE_MARKS for ch in piece)


def _looks_like_heading(piece: str) -> bool:
    if _MD_HEADING.match(piece):
        return True
    return len(piece) <= 40 and not any(ch in "，。！？,;；" for ch in piece) and piece[-1] not in "”」"


def split_paragraphs(doc: str, text: str) -> list[RawParagraph]:
    """One paragraph per non-blank line; a line that a page break cut mid-sentence is rejoined.

    A piece is rejoined to the one before when that one is prose (long, with clause marks) and
    does not end its sentence, and the piece itself is not a heading line.
    """
    pieces: list[tuple[str, int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped:
            continue
        start = match.start() + line.index(stripped)
        pieces.append((stripped, start, start + len(stripped)))

    merged: list[tuple[str, list[tuple[int, int]]]] = []
    for piece, start, end in pieces:
        if merged:
            prev_text, prev_spans = merged[-1]
            if (
                _is_prose(prev_text)
                and prev_text[-1] not in _CLOSERS
                and not _MD_HEADING.match(prev_text)
                and (not _looks_like_heading(piece) or piece[-1] in _CLOSERS)
                and not piece.endswith(("：", ":"))
            ):
                merged[-1] = (prev_text + piece, prev_spans + [(start, end)])
                continue
        merged.append((piece, [(start, end)]))
    return [RawParagraph(doc, i, t, tuple(spans)) for i, (t, spans) in enumerate(merged)]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def list_files(folder: Path) -> list[Path]:
    """Every .txt and .md below the folder, in a stable order; hidden folders are passed over."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def read_text(path: Path) -> Decoded:
    """Read and decode one file; raises DecodeError or OSError with a reason."""
    if not path.is_file():
        raise DecodeError("not a regular file" if path.exists() else "cannot be read: it no longer exists")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DecodeError(f"{size / 1e6:.0f} MB is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB limit "
                          "(split it, or raise WHOSAID_MAX_FILE_MB)")
    decoded = decode(path.read_bytes())
    text = clean(decoded.text)
    if looks_binary(text):
        raise DecodeError("holds binary data, not text")
    if not text.strip():
        raise DecodeError("holds no text")
    return Decoded(text, decoded.encoding)


def read_folder(folder: Path) -> Iterator[tuple[str, Decoded] | Skipped]:
    """Yield (name, decoded) for each readable file, or Skipped naming the file and the reason."""
    for path in list_files(folder):
        name = path.relative_to(folder).as_posix()
        try:
            yield name, read_text(path)
        except DecodeError as exc:
            yield Skipped(name, str(exc))
        except OSError as exc:
            yield Skipped(name, exc.strerror or str(exc))
