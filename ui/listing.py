"""What the page lists about the index: its speakers, documents and who-said-what rows, for the generation
that is live now. Another process (`whosaid index`, an upload) may write a new generation at any time; the
page asks `changed()` every few seconds, which reads one small file, and builds a new Listing only then."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from retrieval.engine import Engine, SpeakerInfo
from retrieval.records import DocMeta
from retrieval.search.browse import QuoteRow


@dataclass(frozen=True)
class Listing:
    generation: str | None
    speakers: tuple[SpeakerInfo, ...]          # the people, as the chat's speaker filter lists them
    quotes: tuple[QuoteRow, ...]               # every utterance, in document order
    documents: dict[str, DocMeta] = field(default_factory=dict)  # by file name, in index order

    def title(self, doc: str) -> str:
        """The document's headline, or its file name when it gives none."""
        meta = self.documents.get(doc)
        return meta.title if meta is not None and meta.title else doc

    def meta(self, doc: str) -> DocMeta:
        return self.documents.get(doc) or DocMeta()


class Follower:
    """The Listing of the live generation, rebuilt when the generation changes (shared by all sessions)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._listing: Listing | None = None

    def current(self) -> Listing:
        with self._lock:
            snapshot = self.engine.snapshot()  # reloads a generation written by another process
            if self._listing is None or self._listing.generation != snapshot.generation:
                self._listing = Listing(
                    generation=snapshot.generation,
                    speakers=tuple(self.engine.speakers()),
                    quotes=tuple(self.engine.quotes()),
                    documents={e.name: e.meta for e in snapshot.manifest.documents},
                )
            return self._listing

    def changed(self, seen: str | None) -> bool:
        """Whether the live generation is another than `seen` (one read of a small file, no loading)."""
        return self.engine.store.current_generation() != seen
