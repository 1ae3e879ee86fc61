"""The manifest beside each generation: model, dimension, versions, documents and file checksums."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from retrieval.records import DocMeta

# Bumped whenever what a generation holds changes shape; an older index is refused with `--rebuild`.
FORMAT_VERSION = 4


@dataclass(frozen=True)
class DocEntry:
    name: str
    hash: str
    encoding: str
    paragraphs: int
    # What the document says about itself (records.DocMeta); an older manifest has none of these.
    title: str | None = None
    source: str | None = None
    author: str | None = None
    date: str | None = None

    @property
    def meta(self) -> DocMeta:
        return DocMeta(self.title, self.source, self.author, self.date)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model_id: str
    dim: int
    count: int
    next_id: int
    faiss_version: str
    engine_version: str
    built_at: str
    documents: tuple[DocEntry, ...]
    files: dict[str, list] = dataclasses.field(default_factory=dict)  # path -> [size, sha256]
    backend: str = ""                   # the vector backend (vectors.factory) the generation was written to
    milvus_uri: str = ""                # milvus: the URI it was built on ("" = Milvus Lite in this folder)
    collection: str = ""                # milvus: the collection

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        docs = tuple(DocEntry(**doc) for doc in data["documents"])
        return cls(**{**data, "documents": docs})
