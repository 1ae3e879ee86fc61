"""The manifest beside each generation: model, dimension, versions, documents and file checksums."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from retrieval.records import DocMeta

# Bumped whenever what a generation holds changes shape; an older index is refused with `--rebuild`.
FORMAT_VERSION = 4
# The origin of a document that was uploaded (stored in the index folder's documents/, not read from a folder).
UPLOAD = "upload"


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
    # Where it was read from (an older manifest has neither): the folder's absolute path, or UPLOAD for a
    # file added through add_files, kept in the index's own documents folder; and its path there.
    origin: str = ""
    path: str = ""
    # The file as it was when last read (sources.file_state): while it stays the same, an update takes
    # the document as recorded without reading or decoding the file again. "" = read it every time.
    state: str = ""

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
        """dataclasses.asdict without its deep copies (every field is flat but `documents` and `files`):
        ~10x quicker with 1e4 documents, and an append writes the manifest every time."""
        out = {name: getattr(self, name) for name in _MANIFEST_FIELDS}
        out["documents"] = [{name: getattr(e, name) for name in _ENTRY_FIELDS} for e in self.documents]
        out["files"] = {name: list(value) for name, value in self.files.items()}
        return out

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """The manifest a generation holds; TypeError or KeyError naming the field that is wrong."""
        documents = data["documents"]
        if not isinstance(documents, list) or not all(isinstance(doc, dict) for doc in documents):
            raise TypeError("'documents' is not a list of objects")
        docs = tuple(_typed(DocEntry, doc) for doc in documents)
        files = data.get("files", {})
        if not isinstance(files, dict) or not all(
                isinstance(v, list) and len(v) == 2 and _is(v[0], int) and _is(v[1], str) for v in files.values()):
            raise TypeError("'files' is not a table of [size, checksum]")
        return _typed(cls, {**data, "documents": docs})


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _typed(cls, data: dict):
    """cls(**data) once every int and str field holds one: a hand-edited manifest is refused here
    rather than failing later, far from the field that was wrong."""
    for f in dataclasses.fields(cls):
        kind = {"int": int, "str": str}.get(f.type)
        if kind is not None and f.name in data and not _is(data[f.name], kind):
            raise TypeError(f"{f.name!r} is {data[f.name]!r}, not {f.type}")
    return cls(**data)


_MANIFEST_FIELDS = [f.name for f in dataclasses.fields(Manifest)]
_ENTRY_FIELDS = [f.name for f in dataclasses.fields(DocEntry)]
