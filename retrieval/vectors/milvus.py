"""Milvus as the vector backend: the same MilvusClient API for Milvus Lite (a local file) and a cluster.

One collection per whosaid index holds each paragraph's vector and payload under whosaid's stable ids.
Filters go to Milvus as filter expressions; every string in them is quoted here, so that a speaker
name holding a quote or a backslash stays one string and cannot change the filter.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.errors import BackendUnavailable, IndexCorrupt, IndexLocked, first_line, rebuild_hint

from .base import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, Publish, Where

LITE_FILE = "milvus.db"
_BATCH = 1000
# Milvus VARCHAR limits are in bytes; the payload is for filtering and display, the local generation
# keeps every paragraph whole.
_LIMITS = {"speaker": 512, "role": 32, "kind": 32, "doc": 1024, "text": 65535}


def quote(value: str) -> str:
    """A Milvus string literal for any text: backslash, quotes and line breaks escaped."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def expression(where: Where) -> str:
    """The filter of `where` as a Milvus boolean expression ("" when everything is allowed)."""
    def strings(values) -> str:
        return "[" + ", ".join(quote(v) for v in values) + "]"

    parts = []
    if where.not_kinds:
        parts.append(f"kind not in {strings(where.not_kinds)}")
    if where.ids is not None:
        parts.append("id in [" + ", ".join(str(int(i)) for i in where.ids) + "]")
    if where.not_speakers:
        parts.append(f"speaker not in {strings(where.not_speakers)}")
    if where.not_ids:
        parts.append("id not in [" + ", ".join(str(int(i)) for i in where.not_ids) + "]")
    return " and ".join(parts)


_REBUILD = rebuild_hint("--rebuild --backend milvus")


def default_uri(index_dir: Path) -> str:
    return str(Path(index_dir).resolve() / LITE_FILE)


def target(uri: str | None, manifest, index_dir: Path) -> str:
    """Where the collection is: the URI asked for, else the one the index was built on, else Milvus Lite
    in the index folder."""
    return uri or (manifest.milvus_uri if manifest else "") or default_uri(index_dir)


def collection_name(index_dir: Path) -> str:
    """A name of its own for each index folder, so that many indexes can share one cluster."""
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode("utf-8")).hexdigest()[:12]
    return f"whosaid_{digest}"


def _clip(value: str | None, limit: int) -> str:
    data = (value or "").encode("utf-8")
    return value or "" if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _client(uri: str):
    import logging

    # Their warnings and tracebacks are for their developers; ours is the one line below.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise BackendUnavailable(f"the Milvus backend needs pymilvus: pip install 'whosaid[milvus]' ({exc})") from None
    try:
        return MilvusClient(uri)
    except Exception as exc:  # noqa: BLE001 - connection failures come in many types; all mean the same here
        text = first_line(exc)
        if "://" not in uri and ("lock" in text.lower() or "open local milvus failed" in text.lower()):
            raise IndexLocked(f"Milvus Lite file {uri} cannot be opened: Milvus Lite lets one process use it at a "
                              "time (is a `whosaid serve` running?); stop that process, or put the index on a "
                              "Milvus server with --milvus-uri") from None
        raise BackendUnavailable(f"cannot reach Milvus at {uri}: {text}") from None


class MilvusVectors:
    """The vector backend on a Milvus collection."""

    name = "milvus"
    local = False
    sends_all_rows = False     # the collection keeps its rows: an update sends only the ones it lacks

    def __init__(self, client, uri: str, collection: str, dim: int) -> None:
        self.client, self.uri, self.collection, self.dim = client, uri, collection, dim

    @classmethod
    def open(cls, uri: str, collection: str, dim: int, create: bool = False, drop: bool = False) -> MilvusVectors:
        client = _client(uri)
        try:
            exists = client.has_collection(collection)
            if exists and drop:
                client.drop_collection(collection)
                exists = False
            if not exists:
                if not create:
                    raise BackendUnavailable(f"Milvus at {uri} has no collection {collection}; "
                                             f"{_REBUILD}")
                cls._create(client, collection, dim)
            else:
                client.load_collection(collection)
        except BackendUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise BackendUnavailable(f"Milvus at {uri}, collection {collection}: {first_line(exc)}") from None
        return cls(client, uri, collection, dim)

    @classmethod
    def publish(cls, folder: Path, uri: str | None, manifest, previous, ids: np.ndarray, vectors: np.ndarray,
                payloads: Sequence[dict], kept: set[int], live: set[int], write: Publish) -> None:
        """New rows go in before the new generation goes live and old rows leave after, so that the live
        generation always finds its own rows; ids past the live ones are cleared first (leftovers of an
        update that was interrupted)."""
        if previous is not None and isinstance(previous.vectors, cls):
            milvus = previous.vectors
            manifest = dataclasses.replace(manifest, milvus_uri=uri or previous.manifest.milvus_uri,
                                           collection=previous.manifest.collection)
            milvus.delete_from(previous.manifest.next_id)
        else:
            manifest = dataclasses.replace(manifest, milvus_uri=uri or "", collection=collection_name(folder))
            milvus = cls.open(target(uri, manifest, folder), manifest.collection, manifest.dim, create=True, drop=True)
        try:
            milvus.add(ids, vectors, payloads)
            write(manifest, milvus)
            milvus.delete(sorted(live - kept))
            if milvus.count(below=manifest.next_id) != len(kept):  # rows an interrupted update failed to remove
                milvus.delete(sorted(set(milvus.ids_below(manifest.next_id)) - kept))
            milvus.persist(folder)
        finally:
            if previous is None or milvus is not previous.vectors:
                milvus.close()

    @classmethod
    def open_live(cls, manifest, folder: Path, uri: str | None, rows: int) -> MilvusVectors:
        # `folder` is the generation; a Milvus Lite file lives in the index folder above it.
        vectors = cls.open(target(uri, manifest, folder.parent), manifest.collection, manifest.dim)
        held = vectors.count(below=manifest.next_id)
        if held < rows:
            raise IndexCorrupt(folder.parent, f"Milvus collection {manifest.collection} holds {held} of {rows} "
                               "paragraphs", _REBUILD)
        return vectors

    @staticmethod
    def _create(client, collection: str, dim: int) -> None:
        from pymilvus import DataType

        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        for name in ("speaker", "role", "kind", "doc", "text"):
            schema.add_field(name, DataType.VARCHAR, max_length=_LIMITS[name])
        schema.add_field("paragraph", DataType.INT64)
        index = client.prepare_index_params()
        # Milvus builds HNSW segment by segment; exact search while the collection is small.
        index.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                        params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
        client.create_collection(collection, schema=schema, index_params=index)

    def count(self, below: int | None = None) -> int:
        """Rows in the collection (with ids under `below` only: those a generation can refer to)."""
        condition = "id >= 0" if below is None else f"id < {int(below)}"
        rows = self.client.query(self.collection, filter=condition, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def ids_below(self, below: int) -> list[int]:
        iterator = self.client.query_iterator(self.collection, batch_size=_BATCH, filter=f"id < {int(below)}",
                                              output_fields=["id"])
        found = []
        while batch := iterator.next():
            found += [int(row["id"]) for row in batch]
        iterator.close()
        return found

    def nearest(self, vector: np.ndarray, k: int, where: Where) -> list[tuple[int, float]]:
        if where.allowed == 0 or where.ids == ():
            return []
        hits = self.client.search(
            self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()], limit=k,
            filter=expression(where), anns_field="vector",
            search_params={"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, k)}},
        )
        return [(int(hit["id"]), float(hit["distance"])) for hit in hits[0]]

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = {}
        for start in range(0, len(ids), _BATCH):
            batch = [int(i) for i in ids[start:start + _BATCH]]
            for row in self.client.get(self.collection, ids=batch, output_fields=["vector"]):
                found[int(row["id"])] = row["vector"]
        missing = [int(i) for i in ids if int(i) not in found]
        if missing:
            raise IndexCorrupt(self.uri, f"Milvus collection {self.collection} lacks paragraphs {missing[:5]}",
                               _REBUILD)
        return np.asarray([found[int(i)] for i in ids], dtype=np.float32)

    def add(self, ids: np.ndarray, vectors: np.ndarray, payloads: Sequence[dict]) -> None:
        for start in range(0, len(ids), _BATCH):
            rows = [{"id": int(i), "vector": np.asarray(v, dtype=np.float32).tolist(),
                     **{key: _clip(value, _LIMITS[key]) if key in _LIMITS else value for key, value in p.items()}}
                    for i, v, p in zip(ids[start:start + _BATCH], vectors[start:start + _BATCH],
                                       payloads[start:start + _BATCH])]
            self.client.upsert(self.collection, rows)

    def delete(self, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), _BATCH):
            self.client.delete(self.collection, ids=[int(i) for i in ids[start:start + _BATCH]])

    def delete_from(self, first_id: int) -> None:
        """Remove rows an interrupted update added past the live generation's ids."""
        self.client.delete(self.collection, filter=f"id >= {int(first_id)}")

    def persist(self, folder: Path) -> None:
        self.client.flush(self.collection)

    def close(self) -> None:
        """Let go of the collection; a Milvus Lite file is then free for another process."""
        self.client.close()
        if "://" not in self.uri:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)


