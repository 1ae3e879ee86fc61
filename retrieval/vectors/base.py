"""The vector backend interface: one vector per paragraph id, nearest within a filter, vectors by id.

Keyword search and the fusion of both signals stay in whosaid (search/ranking.py), so every backend
ranks the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

HNSW_M = 32                  # links per node: ~256 bytes a row on top of its 1,536-byte vector
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128         # at least the number of candidates asked for, whichever is larger


@dataclass(frozen=True)
class Where:
    """Which paragraphs a search may return, in two forms that say the same: a mask over the loaded
    rows (for search in this process) and the conditions it was made from (for a database's filter)."""

    mask: np.ndarray = field(compare=False, repr=False)
    ids: tuple[int, ...] | None = None          # only these paragraphs (a speaker's, or those citing a person)
    not_speakers: tuple[str, ...] = ()
    not_ids: tuple[int, ...] = ()
    not_kinds: tuple[str, ...] = ()

    @property
    def allowed(self) -> int:
        return int(self.mask.sum())


class VectorBackend(Protocol):
    name: str
    dim: int
    local: bool           # every vector is in this process's memory (or memory-mapped)

    def count(self) -> int: ...

    def nearest(self, vector: np.ndarray, k: int, where: Where) -> list[tuple[int, float]]:
        """The k nearest allowed paragraphs as (id, cosine), best first."""

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray, payload: Sequence[dict]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def persist(self, folder: Path) -> None:
        """Make what was added durable; `folder` is the generation being written."""

    def close(self) -> None: ...


# write(manifest, vectors): writes the generation's other files and makes it live (the store's job).
Publish = Callable[[object, "VectorBackend"], None]


class BackendClass(Protocol):
    """What the store asks of a backend's class: how an update reaches it, and how to open it again."""

    sends_all_rows: bool   # True: the vectors are rebuilt from every row; False: only new rows are sent

    def publish(self, folder: Path, uri: str | None, manifest, previous, ids: np.ndarray, vectors: np.ndarray,
                payloads: Sequence[dict], kept: set[int], live: set[int], write: Publish) -> None:
        """Put the vectors where the new generation will find them, around `write`, which makes it live."""

    def open_live(self, manifest, folder: Path, uri: str | None, rows: int) -> VectorBackend:
        """The vectors of the live generation `manifest` describes (`rows` paragraphs)."""


def payload(paragraph) -> dict:
    """What a backend that filters by itself keeps of a paragraph besides its vector."""
    return {"speaker": paragraph.speaker or "", "role": str(paragraph.role), "kind": str(paragraph.kind),
            "doc": paragraph.doc, "paragraph": int(paragraph.number), "text": paragraph.text}
