"""Which documents an update holds, and where each came from: one folder read again, the others kept.

An index gathers documents from several sources: folders given to `whosaid index` and files uploaded
(stored in the index's own documents/ folder). Each document remembers its source (DocEntry.origin and
.path). Indexing a folder reads that folder again and keeps every other source's documents as they were
indexed, without reading their files: their rows, speakers and vectors are the previous generation's.
Only when that generation cannot be reused (a rebuild, another engine version, damage) are the kept
documents read again from their files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from retrieval import records as d
from retrieval.errors import DecodeError, NoDocuments
from retrieval.ingest.decode import Decoded
from retrieval.ingest.files import SUFFIXES, content_hash, read_text, scan_folder
from retrieval.ingest.paragraphs import has_words
from retrieval.store.manifest import UPLOAD, DocEntry

DOCUMENTS = "documents"   # uploads, inside the index folder


@dataclass(frozen=True)
class Plan:
    """What one update indexes: (name, decoded, digest) per document in index order, what was passed
    over and why, notes, and each document's (origin, path, file state)."""

    docs: tuple[tuple[str, Decoded, str], ...]
    skipped: tuple[d.Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    where: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def placed(self, entries) -> list[DocEntry]:
        """Manifest entries with the origin, path and file state each document was read from."""
        return [replace(e, origin=self.where[e.name][0], path=self.where[e.name][1], state=self.where[e.name][2])
                if e.name in self.where else e for e in entries]

    def relocated(self, entries) -> bool:
        """Whether any of these entries now comes from another origin or path (a file state recorded
        afresh is no reason to write a generation: it is recorded at the next one)."""
        return any(self.where[e.name][:2] != (e.origin, e.path) for e in entries if e.name in self.where)


def _path(entry: DocEntry) -> str:
    return entry.path or entry.name   # an entry from before origins were kept: its name is its path


def unique_name(path: str, label: str, taken: set[str]) -> str:
    """`path`, or, when another source holds that name, `label/path`, then `label/path (2)`..."""
    if path not in taken:
        return path
    base = f"{label}/{path}"
    name, n = base, 2
    while name in taken:
        stem, dot, suffix = base.rpartition(".")
        name = f"{stem} ({n}).{suffix}" if dot and "/" not in suffix else f"{base} ({n})"
        n += 1
    return name


def kept(entries, reuse: bool, index_dir: Path, max_file_bytes: int):
    """The documents of `entries` as an update carries them: stand-ins for the previous generation's
    rows when `reuse`, else read again from their files. Yields (entry, decoded) or Skipped."""
    for entry in entries:
        if reuse:
            yield entry, Decoded("", entry.encoding, meta=entry.meta)
            continue
        try:
            decoded = read_text(_source_file(entry, index_dir), max_file_bytes)
        except DecodeError as exc:
            yield d.Skipped(entry.name, f"{exc} (it leaves the index)")
            continue
        except OSError as exc:
            yield d.Skipped(entry.name, f"{exc.strerror or exc} (it leaves the index)")
            continue
        yield entry, decoded


def _source_file(entry: DocEntry, index_dir: Path) -> Path:
    """The file a document was read from; DecodeError when it is gone or a link now leads out of its folder."""
    root = os.path.realpath(index_dir / DOCUMENTS if entry.origin == UPLOAD else entry.origin)
    path = os.path.realpath(os.path.join(root, _path(entry)))
    # The manifest may be damaged: it leads to no file that walking its folder would not have read.
    parts = os.path.relpath(path, root).split(os.sep)
    if (not entry.origin or not os.path.isabs(root) or not path.startswith(root.rstrip(os.sep) + os.sep)
            or not path.lower().endswith(SUFFIXES) or any(p.startswith(".") for p in parts)):
        raise DecodeError("its file cannot be found again")
    if not os.path.isfile(path):
        raise DecodeError(f"its file {path} no longer exists")
    return Path(path)


def _plan(order: list[str], docs: list, skipped: list, notes: list, where: dict) -> Plan:
    """The plan with documents in the previous generation's order, new ones after in the order read."""
    rank = {name: i for i, name in enumerate(order)}
    docs.sort(key=lambda doc: rank.get(doc[0], len(rank)))
    return Plan(tuple(docs), tuple(skipped), tuple(notes), where)


def _keep(entries, reuse, index_dir, max_file_bytes, docs, skipped, where) -> dict[str, str]:
    """Carry `entries` into docs; the digest -> name table of what was carried."""
    seen = {}
    for item in kept(entries, reuse, index_dir, max_file_bytes):
        if isinstance(item, d.Skipped):
            skipped.append(item)
            continue
        entry, decoded = item
        docs.append((entry.name, decoded, entry.hash))
        where[entry.name] = (entry.origin, _path(entry), entry.state)
        seen[entry.hash] = entry.name
    return seen


def folder_plan(folder: Path, recorded: tuple[DocEntry, ...], reuse: bool, replace_all: bool,
                index_dir: Path, max_file_bytes: int) -> Plan:
    """`folder` read again, every other source's documents kept (none with `replace_all`).

    Documents recorded without an origin (an index written before origins were kept mirrored one
    folder) count as this folder's: they are replaced by what it holds now.
    """
    if not folder.is_dir():
        raise NoDocuments(f"{folder}: no such folder")
    origin = os.path.realpath(folder)
    own = [e for e in recorded if e.origin in (origin, "")]
    others = [] if replace_all else [e for e in recorded if e.origin not in (origin, "")]
    docs, skipped, notes, where = [], [], [], {}
    seen = _keep(others, reuse, index_dir, max_file_bytes, docs, skipped, where)
    taken = {name for name, _, _ in docs}
    named = {_path(e): e.name for e in own}     # a file indexed before keeps its name
    label = Path(origin).name or origin
    found = 0
    # A file whose state is the one recorded when it was last read is taken as recorded, unread
    # (with `reuse` only: otherwise its rows are made again from its text).
    settled = {_path(e): e for e in own if e.state and reuse and e.name not in taken}
    for item in scan_folder(folder, max_file_bytes, lambda path, state: path in settled and settled[path].state == state):
        if isinstance(item, d.Skipped):
            skipped.append(item)
            continue
        path, decoded, state = item
        if decoded is None:
            entry = settled[path]
            found += 1
            if entry.hash in seen:
                skipped.append(d.Skipped(path, f"same text as {seen[entry.hash]}, indexed once"))
                continue
            seen[entry.hash] = entry.name
            taken.add(entry.name)
            docs.append((entry.name, Decoded("", entry.encoding, meta=entry.meta), entry.hash))
            where[entry.name] = (origin, path, state)
            if entry.name != path:
                notes.append(f"{path} is indexed as {entry.name}: another source holds a document called {path}")
            continue
        if not has_words(decoded.text):
            skipped.append(d.Skipped(path, "holds no words (only marks, symbols or single letters)"))
            continue
        found += 1
        digest = content_hash(decoded.text)
        if digest in seen:
            skipped.append(d.Skipped(path, f"same text as {seen[digest]}, indexed once"))
            continue
        name = named.get(path)
        if name is None or name in taken:
            name = unique_name(path, label, taken)
        if name != path:
            notes.append(f"{path} is indexed as {name}: another source holds a document called {path}")
        told = [f"read {name} as {decoded.encoding} (guessed)"] if decoded.guessed else []
        if decoded.replaced:
            told.append(f"{name}: {decoded.replaced} bad byte{'s' * (decoded.replaced > 1)} replaced")
        told += [f"{name}: {note}" for note in decoded.notes]
        notes += told
        seen[digest] = name
        taken.add(name)
        docs.append((name, decoded, digest))
        # A file read with a note is read again each time, so that the note is given each time.
        where[name] = (origin, path, "" if told else state)
    if not found and not own:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        raise NoDocuments(f"{folder}: no readable documents (.txt, .md, .docx, .pdf, .html)"
                          + (f" ({reasons})" if reasons else ""))
    return _plan([e.name for e in recorded], docs, skipped, notes, where)


def upload_plan(recorded: tuple[DocEntry, ...], reuse: bool, index_dir: Path, max_file_bytes: int,
                added: list[tuple[str, Decoded, str]]) -> Plan:
    """Every recorded document kept, and the uploads `added` as (stored file name, decoded, digest)."""
    docs, skipped, notes, where = [], [], [], {}
    _keep(recorded, reuse, index_dir, max_file_bytes, docs, skipped, where)
    taken = {name for name, _, _ in docs}
    for stored, decoded, digest in added:
        name = unique_name(stored, UPLOAD, taken)
        if name != stored:
            notes.append(f"{stored} is indexed as {name}: another source holds a document called {stored}")
        taken.add(name)
        docs.append((name, decoded, digest))
        where[name] = (UPLOAD, stored, "")
    return _plan([e.name for e in recorded], docs, skipped, notes, where)


def removal_plan(recorded: tuple[DocEntry, ...], reuse: bool, index_dir: Path, max_file_bytes: int,
                 name: str) -> Plan:
    """Every recorded document but `name` kept."""
    docs, skipped, where = [], [], {}
    _keep([e for e in recorded if e.name != name], reuse, index_dir, max_file_bytes, docs, skipped, where)
    return _plan([e.name for e in recorded], docs, skipped, [], where)
