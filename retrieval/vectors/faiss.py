"""FAISS, the default vector backend: exact while small, an HNSW graph above a size, memory-mapped."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.errors import IndexCorrupt
from retrieval.settings import env_number

from .base import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, Publish, Where

# Rows above which the dense index is an HNSW graph instead of an exact scan. Measured with `whosaid
# bench` (README): one exact query costs ~1.2 ms at 2e4 rows and ~6 ms at 1e5, HNSW ~0.3 ms with
# recall@10 >= 0.98; below this a graph saves under ~3 ms a question and costs seconds per update.
HNSW_ABOVE = 50_000
VECTORS_FILE = "vectors.faiss"


def hnsw_above() -> int:
    return int(env_number("WHOSAID_HNSW_ABOVE", HNSW_ABOVE))


class FaissVectors:
    """FAISS under our own stable ids: exact while small, an HNSW graph above hnsw_above() rows.

    Rows are added in the order of the generation's paragraphs, so FAISS's own positions are row
    positions. The payload is not stored: filters come as a row mask.
    """

    name = "faiss"
    local = True
    sends_all_rows = True      # rebuilt whole from every row's vector at each update

    def __init__(self, index) -> None:
        self.index = index
        self.dim = index.d
        self._ids: np.ndarray | None = None     # our ids in FAISS's order, read once

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, graph: bool | None = None) -> FaissVectors:
        import faiss

        if graph is None:
            graph = len(ids) > hnsw_above()
        if graph:
            inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            inner = faiss.IndexFlatIP(dim)
        index = faiss.IndexIDMap2(inner)
        backend = cls(index)
        backend.add(np.asarray(ids, dtype=np.int64), vectors, ())
        return backend

    @classmethod
    def load(cls, path: Path, mmap: bool) -> FaissVectors:
        import faiss

        # Mapped, the vectors load in milliseconds and stay in the page cache, shared by processes.
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(path), flags))

    @classmethod
    def publish(cls, folder: Path, uri: str | None, manifest, previous, ids: np.ndarray, vectors: np.ndarray,
                payloads: Sequence[dict], kept: set[int], live: set[int], write: Publish) -> None:
        write(manifest, cls.build(manifest.dim, ids, vectors))

    @classmethod
    def extended(cls, previous_folder: Path, count: int, ids: np.ndarray, vectors: np.ndarray) -> FaissVectors | None:
        """The previous generation's index (`count` rows) with vectors appended: an HNSW graph links
        the new nodes into itself, a flat index just grows. None when the graph-or-flat choice for the
        new size differs from the previous one's (the caller rebuilds)."""
        backend = cls.load(previous_folder / VECTORS_FILE, mmap=False)   # a private, writable copy
        if backend.count() != count or (backend.graph is not None) != (count + len(ids) > hnsw_above()):
            return None
        backend.add(np.asarray(ids, dtype=np.int64), vectors, ())
        return backend

    @classmethod
    def open_live(cls, manifest, folder: Path, uri: str | None, rows: int) -> FaissVectors:
        # Mapped files cost no private memory and load in milliseconds (an empty one cannot be).
        vectors = cls.load(folder / VECTORS_FILE, mmap=manifest.count > 0)
        if vectors.count() != rows:
            raise IndexCorrupt(folder.parent, f"{folder.name}: {vectors.count()} vectors but {rows} paragraphs")
        return vectors

    @property
    def graph(self):
        """The HNSW index inside the id map, or None for an exact one."""
        import faiss

        inner = faiss.downcast_index(self.index.index)
        return inner if isinstance(inner, faiss.IndexHNSW) else None

    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def view(self) -> np.ndarray:
        """All vectors in row order, without a copy: a view of FAISS's own (memory-mapped) storage."""
        import faiss

        graph = self.graph
        flat = faiss.downcast_index(graph.storage) if graph is not None else faiss.downcast_index(self.index.index)
        n = flat.ntotal
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def matrix(self) -> np.ndarray:
        """All vectors in row order (a copy)."""
        return self.view().copy()

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.index.reconstruct(int(i)) for i in ids])

    def add(self, ids: np.ndarray, vectors: np.ndarray, payload: Sequence[dict]) -> None:
        import faiss

        if len(ids):
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # building is a batch: every core
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
            self._ids = None

    def delete(self, ids: Sequence[int]) -> None:
        self.index.remove_ids(np.asarray(ids, dtype=np.int64))
        self._ids = None

    def persist(self, folder: Path) -> None:
        import faiss

        # Through our own file, not FAISS's: FAISS only prints an error of its fclose (where a full disk
        # often shows), and would leave a short file to be made live; Python's close raises it.
        with open(folder / VECTORS_FILE, "wb") as handle:
            faiss.write_index(self.index, faiss.PyCallbackIOWriter(handle.write))
            handle.flush()
            os.fsync(handle.fileno())

    def close(self) -> None:
        pass  # memory and maps go with the object

    def nearest(self, vector: np.ndarray, k: int, where: Where) -> list[tuple[int, float]]:
        import faiss

        faiss.omp_set_num_threads(1)  # one question: threads cost more than they give
        query = np.ascontiguousarray(vector[None, :], dtype=np.float32)
        mask = where.mask
        n, allowed = len(mask), where.allowed
        if allowed == 0:
            return []
        graph = self.graph
        if graph is not None and allowed < n // 2:
            # A graph walk that may visit only a few allowed nodes loses recall: a narrow filter (one
            # speaker) is searched exactly over the graph's own flat storage, whose ids are positions.
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(mask).astype(np.int64)))
            scores, positions = faiss.downcast_index(graph.storage).search(query, k, params=params)
            ids = self._id_order()
            return [(int(ids[p]), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0]
        if allowed == n:
            selector = None
        elif allowed < n // 2:
            selector = faiss.IDSelectorBatch(self._id_order()[mask])
        else:
            selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(self._id_order()[~mask]))
        if graph is not None:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def _id_order(self) -> np.ndarray:
        if self._ids is None:
            self._ids = self.ids()
        return self._ids
