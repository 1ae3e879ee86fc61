"""A loaded generation: what a search reads, and the resources it holds until the last reader lets go."""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.records import Speaker
from retrieval.store.keyword import KeywordIndex, TokenTable
from retrieval.store.manifest import Manifest
from retrieval.store.people import ALIASES
from retrieval.store.rows import RowTable
from retrieval.text.aliases import Alias
from retrieval.vectors.base import VectorBackend

TOKENS = "tokens"


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
        # The vectors' own resources (a Milvus connection) go when the last holder of the snapshot lets
        # go of it - at once, as nothing refers back to it - or at close(), whichever comes first.
        self._release = weakref.finalize(self, self.vectors.close)
        self._release.atexit = False

    def close(self) -> None:
        """Release the vectors now (once; later calls do nothing)."""
        self._release()

    def alias_lists(self) -> list[list[Alias]] | None:
        """Each speaker's aliases as stored (None if unreadable: they are then computed again)."""
        if self.folder is None:
            return None
        try:
            stored = json.loads((self.folder / ALIASES).read_text(encoding="utf-8"))
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
            table = TokenTable.load(self.folder / TOKENS)
        except (OSError, ValueError):
            return None
        return table if len(table) == len(self.rows) else None

    def vector_matrix(self) -> np.ndarray:
        """All vectors in row order."""
        return self.vectors.matrix()
