"""The persisted index: FAISS vectors, paragraph metadata, BM25, and a manifest, written atomically.

Layout of the index folder:
    CURRENT            the name of the live generation folder (replaced atomically)
    gen-<n>/           manifest.json, rows/, speakers.json, aliases.json, words.json, vectors.faiss, bm25/,
                       tokens/
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
import re
import shutil
import time
import uuid
from pathlib import Path

from retrieval.errors import (
    IndexCorrupt,
    IndexLocked,
    IndexMismatch,
    IndexMissing,
    IndexUnwritable,
    first_line,
    rebuild_hint,
)
from retrieval.records import Speaker
from retrieval.settings import env_number
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import FORMAT_VERSION, Manifest
from retrieval.store.people import SPEAKERS, PeopleFiles
from retrieval.store.rows import RowTable
from retrieval.store.snapshot import TOKENS, Snapshot
from retrieval.vectors import factory
from retrieval.vectors.base import VectorBackend

_MANIFEST = "manifest.json"
_ROWS = "rows"
_BM25 = "bm25"
_CURRENT = "CURRENT"
# The only names a writer gives a generation: CURRENT naming anything else (a path, "..") is damage,
# and is never followed out of the index folder.
_GENERATION = re.compile(r"gen-[0-9]{1,30}")


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
        """Whether an index was ever made here (a damaged CURRENT counts: loading it says what is wrong)."""
        return os.path.lexists(self.folder / _CURRENT)

    def current_generation(self) -> str | None:
        """The live generation's name; None when there is no index, IndexCorrupt when CURRENT is damaged."""
        try:
            data = (self.folder / _CURRENT).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if (self.folder / _CURRENT).is_symlink():  # exists() says yes: `whosaid index` must repair it
                raise IndexCorrupt(self.folder, f"{_CURRENT} is a link to nothing") from None
            return None
        except OSError as exc:
            raise IndexCorrupt(self.folder, f"{_CURRENT} cannot be read: {exc.strerror or exc}") from None
        try:
            name = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise IndexCorrupt(self.folder, f"{_CURRENT} is not text") from None
        if not name:
            raise IndexCorrupt(self.folder, f"{_CURRENT} is empty")
        if not _GENERATION.fullmatch(name):
            raise IndexCorrupt(self.folder, f"{_CURRENT} names {name[:60]!r}, which is no generation")
        return name

    def _unwritable(self, exc: OSError) -> IndexUnwritable:
        reason = "it is a file, not a folder" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        return IndexUnwritable(f"cannot write the index in {self.folder}: {reason}")

    @contextlib.contextmanager
    def write_lock(self):
        """Exclusive right to write; a second writer is told at once instead of waiting."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / "lock", "a+")  # noqa: SIM115 - closed below, after the yield
        except OSError as exc:
            raise self._unwritable(exc) from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(
                    f"{self.folder}: another `whosaid index` is writing this index; wait for it to finish"
                ) from None
            yield

    def read_manifest(self, generation: str | None = None) -> Manifest:
        """The manifest of `generation`, by default of the live one."""
        generation = generation or self.current_generation()
        if generation is None:
            raise IndexMissing(f"no index in {self.folder}: run `whosaid index` first")
        if not (self.folder / generation).is_dir():
            state = "a file, not a folder" if os.path.lexists(self.folder / generation) else "missing"
            raise IndexCorrupt(self.folder, f"{_CURRENT} names {generation}, which is {state}")
        name = f"{generation}/{_MANIFEST}"
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexCorrupt(self.folder, f"{name} is missing") from None
        except OSError as exc:
            raise IndexCorrupt(self.folder, f"{name} cannot be read: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(self.folder, f"{name} is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise IndexCorrupt(self.folder, f"{name} holds {json.dumps(data)[:40]}, not an object")
        if "format_version" not in data:
            raise IndexCorrupt(self.folder, f"{name} has no format_version")
        version = data["format_version"]
        if version != FORMAT_VERSION:
            raise IndexMismatch(
                f"{self.folder} has index format {version!r}; this whosaid reads format {FORMAT_VERSION}: "
                f"{rebuild_hint('--rebuild')}"
            )
        try:
            return Manifest.from_json(data)
        except KeyError as exc:
            raise IndexCorrupt(self.folder, f"{name} has no {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise IndexCorrupt(self.folder, f"{name}: {first_line(exc)}") from None

    def verify(self, manifest: Manifest, folder: Path, full: bool) -> None:
        """Sizes always (cheap); checksums too when `full` (what `whosaid index` does before reuse)."""
        for name, (size, digest) in manifest.files.items():
            shown = f"{folder.name}/{name}"
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise IndexCorrupt(self.folder, f"the manifest lists {name!r}, outside its generation")
            path = folder / name
            try:
                actual = path.stat().st_size
                if full and _sha256(path) != digest:
                    raise IndexCorrupt(self.folder, f"{shown}: contents do not match the manifest")
            except FileNotFoundError:
                raise IndexCorrupt(self.folder, f"{shown} is missing") from None
            except OSError as exc:
                raise IndexCorrupt(self.folder, f"{shown} cannot be read: {exc.strerror or exc}") from None
            if actual != size:
                raise IndexCorrupt(self.folder, f"{shown}: {actual} bytes, the manifest says {size} (truncated?)")

    def load(self, verify: bool = False) -> Snapshot:
        import faiss

        generation = self.current_generation()
        manifest = self.read_manifest(generation)  # of the generation read once: a writer may swap CURRENT
        folder = self.folder / generation
        if _newer(manifest.faiss_version, faiss.__version__):
            raise IndexMismatch(
                f"{self.folder} was written by FAISS {manifest.faiss_version}, newer than the installed "
                f"{faiss.__version__}: upgrade whosaid, or {rebuild_hint('--rebuild')}"
            )
        self.verify(manifest, folder, full=verify)
        try:
            rows = RowTable.load(folder / _ROWS)
            speakers = [Speaker.from_json(s) for s in json.loads((folder / SPEAKERS).read_text(encoding="utf-8"))]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexCorrupt(self.folder, f"{generation}: paragraph metadata: {first_line(exc)}") from None
        if manifest.backend not in factory.BACKENDS:
            raise IndexCorrupt(self.folder, f"{generation}/{_MANIFEST} names backend {manifest.backend!r}")
        try:
            vectors = factory.open_live(manifest, folder, self.milvus_uri, len(rows))
            keyword = KeywordIndex.load(folder / _BM25, len(rows), mmap=manifest.count > 0)
        except (RuntimeError, OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise IndexCorrupt(self.folder, f"{generation}: index file: {first_line(exc)}") from None
        if len(rows) != manifest.count or vectors.dim != manifest.dim:
            vectors.close()
            raise IndexCorrupt(self.folder, f"{generation}: {len(rows)} paragraphs of {vectors.dim} dimensions, "
                               f"the manifest says {manifest.count} of {manifest.dim}")
        return Snapshot(manifest, rows, speakers, vectors, keyword, generation, folder)

    def write(self, manifest: Manifest, rows: RowTable, people: PeopleFiles, vectors: VectorBackend,
              keyword: KeywordIndex, tokens: TokenTable) -> str:
        """Write a new generation and make it live in one rename. Call under write_lock().

        A full disk, a read-only folder or another refusal to write is IndexUnwritable, and leaves the
        live generation as it was, with nothing of the new one behind.
        """
        # A fault-injection point: the kill test widens the write so that its kills land inside it.
        pause = env_number("WHOSAID_FAULT_WRITE_PAUSE", 0)
        tmp = self.folder / f"tmp-{uuid.uuid4().hex}"
        generation = f"gen-{time.time_ns()}"
        pointer = self.folder / f"{_CURRENT}.{uuid.uuid4().hex}.tmp"
        live = False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
            vectors.persist(tmp)
            time.sleep(pause)
            rows.save(tmp / _ROWS)
            time.sleep(pause)
            people.save(tmp, _fsync_write)
            keyword.save(tmp / _BM25)
            tokens.save(tmp / TOKENS)
            time.sleep(pause)
            files = {p.relative_to(tmp).as_posix(): [p.stat().st_size, _sha256(p)]
                     for p in sorted(tmp.rglob("*")) if p.is_file()}
            _write_json(tmp / _MANIFEST, dataclasses.replace(manifest, files=files).to_json())
            _fsync_dir(tmp)
            os.rename(tmp, self.folder / generation)
            _fsync_write(pointer, generation.encode())
            current = self.folder / _CURRENT
            if current.is_dir() and not current.is_symlink():  # damage no rename can replace
                shutil.rmtree(current)
            os.replace(pointer, current)
            live = True
            _fsync_dir(self.folder)
        except BaseException as exc:
            if not live:
                for path in (tmp, self.folder / generation):
                    shutil.rmtree(path, ignore_errors=True)
                with contextlib.suppress(OSError):
                    pointer.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise self._unwritable(exc) from None
            raise
        self._collect(keep=generation)
        return generation

    def _collect(self, keep: str) -> None:
        """Remove generations and temporaries that are no longer live (a file in their place too)."""
        for entry in self.folder.iterdir():
            stale = entry.name.startswith(("gen-", "tmp-")) and entry.name != keep
            if stale and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            elif stale or (entry.name.startswith(f"{_CURRENT}.") and entry.name.endswith(".tmp")):
                with contextlib.suppress(OSError):
                    entry.unlink(missing_ok=True)
