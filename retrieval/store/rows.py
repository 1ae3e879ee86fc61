"""The indexed paragraphs of a generation, stored by column.

A Python object per paragraph costs about a kilobyte; at 1e5 paragraphs that is most of the memory a
loaded index takes and a second of start-up. Columns of small integers cost tens of bytes a paragraph,
and the texts stay in one memory-mapped UTF-8 file. A Row is made only for a paragraph that is asked
for (a hit, a source view).
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.records import Kind, Paragraph, Role, Utterance

_TEXT = "text.utf8"
_STRINGS = "strings.json"
_COLUMNS = ("ids", "number", "doc", "kind", "role", "speaker", "speaker_title", "cited", "keys",
            "text_offsets", "span_offsets", "spans",
            # utterances: row i's are utt_*[utt_offsets[i]:utt_offsets[i + 1]]; the strings are codes
            "utt_offsets", "utt_start", "utt_end", "utt_speaker", "utt_role", "utt_title", "utt_cited", "utt_cue")
_UTTERANCE_STRINGS = ("utt_speaker", "utt_role", "utt_title", "utt_cited", "utt_cue")
_NONE = -1
# Columns holding codes into the string table.
_CODED = ("doc", "kind", "role", "speaker", "speaker_title", "cited", *_UTTERANCE_STRINGS)


@dataclass(frozen=True)
class Row:
    """One indexed paragraph: its stable id, its attribution, and the hash of what was embedded."""

    id: int
    paragraph: Paragraph
    vector_key: str


def _offsets(counts) -> np.ndarray:
    """Start offsets of consecutive runs of these lengths, with the total at the end."""
    counts = list(counts)
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


class Positions:
    """id -> row position, as a dict would answer, from two sorted arrays instead of 1e5 dict entries."""

    def __init__(self, ids: np.ndarray) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def get(self, pid, default=None):
        i = int(np.searchsorted(self._sorted, pid))
        if i < len(self._sorted) and self._sorted[i] == pid:
            return int(self._order[i])
        return default

    def __getitem__(self, pid) -> int:
        found = self.get(pid)
        if found is None:
            raise KeyError(pid)
        return found

    def __contains__(self, pid) -> bool:
        return self.get(pid) is not None


class RowTable(Sequence):
    """The rows of a generation in order; row i is the i-th vector of a local backend."""

    def __init__(self, columns: dict[str, np.ndarray], strings: list[str], text) -> None:
        self.columns = columns
        self.strings = strings
        self._text = text                      # bytes, or a read-only mmap of the text file
        self._code = {s: i for i, s in enumerate(strings)}
        self.ids = columns["ids"]
        self.position = Positions(self.ids)

    # -- building and storing --------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> RowTable:
        strings: dict[str, int] = {}

        def code(value: str | None) -> int:
            return _NONE if value is None else strings.setdefault(value, len(strings))

        texts = [r.paragraph.text.encode("utf-8") for r in rows]
        p = [r.paragraph for r in rows]
        utterances = [u for x in p for u in x.utterances]

        def coded(values) -> np.ndarray:
            return np.array([code(v) for v in values], dtype=np.int32)

        columns = {
            "ids": np.array([r.id for r in rows], dtype=np.int64),
            "number": np.array([x.number for x in p], dtype=np.int32),
            "doc": coded(x.doc for x in p),
            "kind": coded(x.kind for x in p),
            "role": coded(x.role for x in p),
            "speaker": coded(x.speaker for x in p),
            "speaker_title": coded(x.speaker_title for x in p),
            "cited": coded(x.cited for x in p),
            "keys": np.frombuffer(b"".join(bytes.fromhex(r.vector_key) for r in rows), dtype=np.uint8).reshape(-1, 16),
            "text_offsets": _offsets(len(t) for t in texts),
            "span_offsets": _offsets(len(x.spans) for x in p),
            "spans": np.array([v for x in p for span in x.spans for v in span], dtype=np.int64),
            "utt_offsets": _offsets(len(x.utterances) for x in p),
            "utt_start": np.array([u.start for u in utterances], dtype=np.int32),
            "utt_end": np.array([u.end for u in utterances], dtype=np.int32),
            "utt_speaker": coded(u.speaker for u in utterances),
            "utt_role": coded(u.role for u in utterances),
            "utt_title": coded(u.speaker_title for u in utterances),
            "utt_cited": coded(u.cited for u in utterances),
            "utt_cue": coded(u.cue for u in utterances),
        }
        return cls(columns, list(strings), b"".join(texts))

    def extended(self, rows: Sequence[Row]) -> RowTable:
        """This table with `rows` after its last row, column by column (no Row is made of the old ones)."""
        new = RowTable.from_rows(rows)
        strings = list(self.strings)
        code = {s: i for i, s in enumerate(strings)}
        # The new rows' string codes, renumbered into this table's string table (-1 stays -1).
        remap = np.array([code.setdefault(s, len(code)) for s in new.strings] + [_NONE], dtype=np.int32)
        strings += list(code)[len(strings):]
        columns = {}
        for name in _COLUMNS:
            old, added = self.columns[name], new.columns[name]
            if name in _CODED:
                added = remap[added]
            elif name.endswith("_offsets"):
                added = added[1:] + old[-1]
                if name == "text_offsets":
                    added = added.astype(old.dtype)
            columns[name] = np.concatenate([old, added])
        return RowTable(columns, strings, bytes(self._text) + bytes(new._text))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _COLUMNS:
            np.save(folder / f"{name}.npy", self.columns[name], allow_pickle=False)
        (folder / _STRINGS).write_text(json.dumps(self.strings, ensure_ascii=False), encoding="utf-8")
        (folder / _TEXT).write_bytes(bytes(self._text))

    @classmethod
    def load(cls, folder: Path) -> RowTable:
        columns = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _COLUMNS}
        strings = json.loads((folder / _STRINGS).read_text(encoding="utf-8"))
        with open(folder / _TEXT, "rb") as handle:
            size = handle.seek(0, 2)
            text = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        table = cls(columns, strings, text)
        table._check()
        return table

    def _check(self) -> None:
        n = len(self.ids)
        if any(len(self.columns[c]) != n for c in ("number", "doc", "kind", "role", "speaker", "speaker_title",
                                                      "cited", "keys")):
            raise ValueError("columns of different lengths")
        if len(self.columns["text_offsets"]) != n + 1 or self.columns["text_offsets"][-1] != len(self._text):
            raise ValueError("text offsets do not match the text file")
        if len(self.columns["span_offsets"]) != n + 1 or self.columns["span_offsets"][-1] * 2 != len(self.columns["spans"]):
            raise ValueError("span offsets do not match the spans")
        total = self.columns["utt_offsets"][-1] if len(self.columns["utt_offsets"]) == n + 1 else -1
        if total < 0 or any(len(self.columns[c]) != total for c in ("utt_start", "utt_end", *_UTTERANCE_STRINGS)):
            raise ValueError("utterance offsets do not match the utterances")
        top = max((int(self.columns[c].max(initial=_NONE)) for c in ("doc", "kind", "role", "speaker",
                                                                      "speaker_title", "cited", *_UTTERANCE_STRINGS)),
                  default=_NONE)
        if top >= len(self.strings):
            raise ValueError("a string code past the string table")

    # -- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        c = self.columns
        start, end = int(c["span_offsets"][i]), int(c["span_offsets"][i + 1])
        flat = c["spans"][2 * start:2 * end].tolist()
        paragraph = Paragraph(
            doc=self.string(c["doc"][i]), number=int(c["number"][i]), text=self.text(i),
            spans=tuple((flat[j], flat[j + 1]) for j in range(0, len(flat), 2)),
            kind=Kind(self.string(c["kind"][i])), role=Role(self.string(c["role"][i])), speaker=self.string(c["speaker"][i]),
            speaker_title=self.string(c["speaker_title"][i]), cited=self.string(c["cited"][i]),
            utterances=self.utterances(i),
        )
        return Row(int(self.ids[i]), paragraph, self.vector_key(i))

    def __iter__(self) -> Iterator[Row]:
        for i in range(len(self)):
            yield self[i]

    def utterances(self, i: int) -> tuple[Utterance, ...]:
        c = self.columns
        start, end = int(c["utt_offsets"][i]), int(c["utt_offsets"][i + 1])
        return tuple(
            Utterance(start=int(c["utt_start"][j]), end=int(c["utt_end"][j]), speaker=self.string(c["utt_speaker"][j]),
                      role=Role(self.string(c["utt_role"][j])), speaker_title=self.string(c["utt_title"][j]),
                      cited=self.string(c["utt_cited"][j]), cue=self.string(c["utt_cue"][j]) or "")
            for j in range(start, end)
        )

    def speaks(self, codes: list[int]) -> np.ndarray:
        """Rows in which one of these speakers (string codes) has an utterance."""
        c = self.columns
        hit = np.isin(c["utt_speaker"], codes)
        owner = np.repeat(np.arange(len(self)), np.diff(c["utt_offsets"]))
        out = np.zeros(len(self), dtype=bool)
        out[owner[hit]] = True
        return out

    def text(self, i: int) -> str:
        offsets = self.columns["text_offsets"]
        # A damaged byte shows as U+FFFD rather than failing the answer it is part of.
        return bytes(self._text[int(offsets[i]):int(offsets[i + 1])]).decode("utf-8", "replace")

    def texts_joined(self) -> str:
        """Every row's text in order, joined by NUL (which decoding drops from documents): one decode of
        the whole text, equal to "\\0".join(self.text(i) ...) without a Python string per row."""
        buffer = np.frombuffer(self._text, dtype=np.uint8)
        return np.insert(buffer, self.columns["text_offsets"][1:-1], 0).tobytes().decode("utf-8", "replace")

    def string(self, code) -> str | None:
        code = int(code)
        return None if code == _NONE else self.strings[code]

    def code(self, value: str | None) -> int | None:
        """The column code of a string (None when no row holds it)."""
        return _NONE if value is None else self._code.get(value)

    def codes(self, values) -> list[int]:
        return [c for c in (self.code(v) for v in values) if c is not None]

    def vector_key(self, i: int) -> str:
        return self.columns["keys"][i].tobytes().hex()
