"""The persisted index: FAISS vectors, paragraph metadata, BM25, and a manifest, written atomically.

Layout of the index folder:
    CURRENT            the name of the live generation folder (replaced atomically)
    gen-<n>/           manifest.json, rows/, speakers.json, aliases.json, vectors.faiss, bm25/, tokens/
    lock               held while a writer builds a new generation
A writer builds a complete generation in a temporary folder, renames it, then swaps CURRENT;
a crash at any moment leaves the old generation or the new one live, never a mix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import IndexCorrupt, IndexLocked, IndexMismatch, IndexMissing, first_line, rebuild_hint
from retrieval.records import Speaker
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.rows import RowTable
from retrieval.text.aliases import Alias
from retrieval.vectors import factory
from retrieval.vectors.base import VectorBackend

_MANIFEST = "manifest.json"
_ROWS = "rows"
_SPEAKERS = "speakers.json"
_ALIASES = "aliases.json"          # each speaker's aliases, in speakers.json's order
_BM25 = "bm25"
_TOKENS = "tokens"


@dataclass
class Snapshot:
    """A loaded generation: everything a search needs, read-only once built."""

    manifest: Manifest
    rows: RowTable
    speakers: list[Speaker]
    vectors: VectorBackend
    keyword: KeywordIndex
    generation: str = ""
    folder: Path | None = None

    def __post_init__(self) -> None:
        self.position = self.rows.position

    def alias_lists(self) -> list[list[Alias]] | None:
        """Each speaker's aliases as stored (None if unreadable: they are then computed again)."""
        if self.folder is None:
            return None
        try:
            stored = json.loads((self.folder / _ALIASES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, list) or len(stored) != len(self.speakers):
            return None
        return [[Alias(text, speaker.name, kind) for text, kind in forms] for speaker, forms in zip(self.speakers, stored)]

    def token_table(self) -> TokenTable | None:
        """The paragraphs' tokens, read only when an update wants them (None if unreadable)."""
        if self.folder is None:
            return None
        try:
            table = TokenTable.load(self.folder / _TOKENS)
        except (OSError, ValueError):
            return None
        return table if len(table) == len(self.rows) else None

    def vector_matrix(self) -> np.ndarray:
        """All vectors in row order."""
        return self.vectors.matrix()


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write_json(path: Path, value: object) -> None:
    _fsync_write(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _newer(written: str, installed: str) -> bool:
    def parts(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())

    return parts(written)[:2] > parts(installed)[:2]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """Reads and writes generations in one index folder."""

    def __init__(self, folder: Path, milvus_uri: str | None = None) -> None:
        self.folder = Path(folder)
        self.milvus_uri = milvus_uri    # overrides the URI a Milvus index was built on

    def exists(self) -> bool:
        return (self.folder / "CURRENT").is_file()

    def current_generation(self) -> str | None:
        try:
            return (self.folder / "CURRENT").read_text(encoding="utf-8").strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return None

    @contextlib.contextmanager
    def write_lock(self):
        """Exclusive right to write; a second writer is told at once instead of waiting."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(
                    f"{self.folder}: another `whosaid index` is writing this index; wait for it to finish"
                ) from None
            yield

    def read_manifest(self) -> Manifest:
        generation = self.current_generation()
        if generation is None:
            raise IndexMissing(f"no index in {self.folder}: run `whosaid index` first")
        path = self.folder / generation / _MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexCorrupt(f"{path}: missing; {rebuild_hint()}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(f"{path}: damaged ({exc}); {rebuild_hint()}") from None
        version = data.get("format_version") if isinstance(data, dict) else None
        if version != FORMAT_VERSION:
            raise IndexMismatch(
                f"{self.folder} has index format {version!r}; this whosaid reads format {FORMAT_VERSION}: "
                f"{rebuild_hint('--rebuild')}"
            )
        try:
            return Manifest.from_json(data)
        except (KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{path}: incomplete manifest ({exc}); {rebuild_hint()}") from None

    def verify(self, manifest: Manifest, folder: Path, full: bool) -> None:
        """Sizes always (cheap); checksums too when `full` (what `whosaid index` does before reuse)."""
        for name, (size, digest) in manifest.files.items():
            path = folder / name
            try:
                actual = path.stat().st_size
            except FileNotFoundError:
                raise IndexCorrupt(f"{path}: missing; {rebuild_hint()}") from None
            if actual != size:
                raise IndexCorrupt(f"{path}: {actual} bytes, the manifest says {size} (truncated?); "
                                   f"{rebuild_hint()}")
            if full and _sha256(path) != digest:
                raise IndexCorrupt(f"{path}: contents do not match the manifest; {rebuild_hint()}")

    def load(self, verify: bool = False) -> Snapshot:
        import faiss

        manifest = self.read_manifest()
        generation = self.current_generation() or ""
        folder = self.folder / generation
        if _newer(manifest.faiss_version, faiss.__version__):
            raise IndexMismatch(
                f"{self.folder} was written by FAISS {manifest.faiss_version}, newer than the installed "
                f"{faiss.__version__}: upgrade whosaid, or {rebuild_hint('--rebuild')}"
            )
        self.verify(manifest, folder, full=verify)
        try:
            rows = RowTable.load(folder / _ROWS)
            speakers = [Speaker.from_json(s) for s in json.loads((folder / _SPEAKERS).read_text(encoding="utf-8"))]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{folder}: paragraph metadata damaged ({exc}); {rebuild_hint()}") from None
        try:
            vectors = factory.open_live(manifest, folder, self.milvus_uri, len(rows))
            keyword = KeywordIndex.load(folder / _BM25, len(rows), mmap=manifest.count > 0)
        except (RuntimeError, OSError, ValueError) as exc:
            raise IndexCorrupt(f"{folder}: index file damaged ({first_line(exc)}); {rebuild_hint()}") from None
        if len(rows) != manifest.count or vectors.dim != manifest.dim:
            raise IndexCorrupt(f"{folder}: {len(rows)} paragraphs, the manifest says {manifest.count}; "
                               f"{rebuild_hint()}")
        return Snapshot(manifest, rows, speakers, vectors, keyword, generation, folder)

    def write(self, manifest: Manifest, rows: RowTable, speakers: list[Speaker], aliases: list[list[Alias]],
              vectors: VectorBackend,
              keyword: KeywordIndex, tokens: TokenTable) -> str:
        """Write a new generation and make it live in one rename. Call under write_lock()."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f"tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        # A fault-injection point: the kill test widens the write so that its kills land inside it.
        pause = float(os.environ.get("WHOSAID_FAULT_WRITE_PAUSE", "0"))
        try:
            vectors.persist(tmp)
            time.sleep(pause)
            rows.save(tmp / _ROWS)
            time.sleep(pause)
            _write_json(tmp / _SPEAKERS, [dataclasses.asdict(s) for s in speakers])
            _write_json(tmp / _ALIASES, [[[a.text, a.kind] for a in forms] for forms in aliases])
            keyword.save(tmp / _BM25)
            tokens.save(tmp / _TOKENS)
            time.sleep(pause)
            files = {p.relative_to(tmp).as_posix(): [p.stat().st_size, _sha256(p)]
                     for p in sorted(tmp.rglob("*")) if p.is_file()}
            _write_json(tmp / _MANIFEST, dataclasses.replace(manifest, files=files).to_json())
            _fsync_dir(tmp)
            generation = f"gen-{time.time_ns()}"
            os.rename(tmp, self.folder / generation)
            pointer = self.folder / f"CURRENT.{uuid.uuid4().hex}.tmp"
            _fsync_write(pointer, generation.encode())
            os.replace(pointer, self.folder / "CURRENT")
            _fsync_dir(self.folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._collect(keep=generation)
        return generation

    def _collect(self, keep: str) -> None:
        """Remove generations and temporaries that are no longer live."""
        for entry in self.folder.iterdir():
            stale = entry.name.startswith(("gen-", "tmp-")) and entry.name != keep
            if stale and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith("CURRENT.") and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)
