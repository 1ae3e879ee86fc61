"""The writes that change which documents an index holds: a folder indexed, files uploaded, a document
removed. Each runs under the store's write lock and ends in one atomic generation swap (store.generation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from retrieval.embedders import Embedder
from retrieval.errors import (
    BadUpload,
    DecodeError,
    IndexCorrupt,
    IndexMismatch,
    LastDocument,
    NoDocuments,
    WhosaidError,
)
from retrieval.records import IndexReport, Progress, Skipped
from retrieval.settings import Settings
from retrieval.store import sources, uploads
from retrieval.store.generation import IndexStore
from retrieval.store.manifest import UPLOAD, DocEntry
from retrieval.store.snapshot import Snapshot
from retrieval.vectors import factory


class Library:
    """Indexes folders and uploads into one index; `embedder` and `check` come from the Engine (the
    model is loaded on first use; check refuses a generation built with another model or backend)."""

    def __init__(self, settings: Settings, store: IndexStore, embedder: Callable[[], Embedder],
                 check: Callable[[Snapshot], None]) -> None:
        self.settings, self.store, self._embedder, self._check = settings, store, embedder, check

    @property
    def uploads_dir(self) -> Path:
        return self.settings.index_dir / sources.DOCUMENTS

    def index_folder(self, folder: Path, progress: Progress | None, rebuild: bool, replace: bool) -> IndexReport:
        def plan(recorded, reuse):
            return sources.folder_plan(Path(folder), recorded, reuse, replace, self.settings.index_dir,
                                       self.settings.max_file_bytes)

        return self._update(plan, progress, rebuild)

    def add_files(self, files: list[tuple[str, bytes]], progress: Progress | None) -> IndexReport:
        """Check each file, store the good ones in documents/ and append them; see Engine.add_files."""
        if not files:
            raise BadUpload("no files were sent")
        limit = self.settings.max_upload_files
        if len(files) > limit:
            raise BadUpload(f"{len(files)} files sent at once; the limit is {limit} (WHOSAID_MAX_UPLOAD_FILES)")
        with self.store.write_lock():
            previous, reuse, recorded, notes = self._previous(False)
            try:
                accepted, refused = self._checked(files, recorded)
                if not accepted:
                    return IndexReport(len(recorded), previous.manifest.count if previous else 0, 0,
                                       skipped=tuple(refused), written=False)
                stored: list[str] = []
                try:
                    for upload in accepted:
                        stored.append(uploads.store(self.uploads_dir, upload))
                    plan = sources.upload_plan(recorded, reuse, self.settings.index_dir, self.settings.max_file_bytes,
                                               [(s, u.decoded, u.digest) for s, u in zip(stored, accepted)])
                    report = self._build(plan, previous, progress)
                except BaseException:
                    for name in stored:   # the index is as it was: so is the documents folder
                        uploads.delete(self.uploads_dir, name)
                    raise
            finally:
                if previous is not None:
                    previous.close()
        return dataclasses.replace(report, skipped=(*refused, *report.skipped), notes=(*notes, *report.notes))

    def _checked(self, files, recorded: tuple[DocEntry, ...]):
        """(accepted uploads, Skipped for each refused one naming it as sent)."""
        seen = {e.hash: e.name for e in recorded}
        accepted, refused = [], []
        for name, data in files:
            shown_name = name if isinstance(name, str) and name else "(a file without a name)"
            try:
                upload = uploads.check(str(name or ""), bytes(data), self.settings.max_file_bytes)
            except DecodeError as exc:
                refused.append(Skipped(shown_name, str(exc)))
                continue
            if upload.digest in seen:
                refused.append(Skipped(shown_name, f"same text as {seen[upload.digest]}, already indexed"))
                continue
            seen[upload.digest] = shown_name
            accepted.append(upload)
        return accepted, refused

    def remove(self, name: str) -> IndexReport:
        """Remove one document; an upload's stored file goes too. See Engine.remove_document."""
        with self.store.write_lock():
            previous, reuse, recorded, notes = self._previous(False)
            try:
                entry = next((e for e in recorded if e.name == name), None)
                if entry is None:
                    raise NoDocuments(f"no document called {name!r} in the index")
                if len(recorded) == 1:
                    raise LastDocument(f"{name} is the only document in the index; index a folder or add files "
                                       "before removing it")
                plan = sources.removal_plan(recorded, reuse, self.settings.index_dir, self.settings.max_file_bytes,
                                            name)
                report = self._build(plan, previous, None)
            finally:
                if previous is not None:
                    previous.close()
        if entry.origin == UPLOAD:   # after the new generation is live: a crash before leaves the file
            uploads.delete(self.uploads_dir, entry.path or entry.name)
        return dataclasses.replace(report, notes=(*notes, *report.notes))

    # -- shared ----------------------------------------------------------------------------------
    def _update(self, plan_of, progress: Progress | None, rebuild: bool) -> IndexReport:
        with self.store.write_lock():
            previous, reuse, recorded, notes = self._previous(rebuild)
            try:
                report = self._build(plan_of(recorded, reuse), previous, progress)
            finally:
                if previous is not None:
                    previous.close()
        return dataclasses.replace(report, notes=(*notes, *report.notes)) if notes else report

    def _previous(self, rebuild: bool):
        """(the live generation or None, whether its rows can be reused, the documents it records, notes).
        Without a usable generation (a rebuild, damage) the documents are still known from its manifest
        when that can be read, and are read again from their files."""
        from retrieval import __version__

        notes: list[str] = []
        previous = None
        if self.store.exists() and not rebuild:
            try:
                previous = self.store.load(verify=True)
            except IndexCorrupt as exc:
                notes.append(f"{exc.damage}; rebuilding it from the documents")
            if previous is not None:
                try:
                    self._check(previous)
                except WhosaidError:
                    previous.close()
                    raise
        recorded = previous.manifest.documents if previous is not None else self._recorded()
        reuse = previous is not None and previous.manifest.engine_version == __version__
        return previous, reuse, recorded, notes

    def _recorded(self) -> tuple[DocEntry, ...]:
        if not self.store.exists():
            return ()
        try:
            return self.store.read_manifest().documents
        except WhosaidError:
            return ()

    def built_backend(self) -> str | None:
        """The backend of the index on disk, if its manifest can be read (a rebuild keeps it)."""
        if not self.store.exists():
            return None
        try:
            return self.store.read_manifest().backend
        except (IndexCorrupt, IndexMismatch):
            return None

    def _build(self, plan: sources.Plan, previous: Snapshot | None, progress: Progress | None) -> IndexReport:
        from retrieval.store.build import build_index

        built = previous.manifest.backend if previous is not None else self.built_backend()
        backend = self.settings.backend or built or factory.DEFAULT
        return build_index(plan, self.store, self._embedder(), previous, progress, backend)
