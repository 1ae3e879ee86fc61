"""Hybrid ranking over one loaded index: dense (FAISS) + BM25, speaker filter and boost, no-answer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import documents as d
from .aliases import AliasTable
from .index import Row, Snapshot
from .indexing import tokenizer_for
from .query import Analysis

# Paragraph kinds that are never an answer: a header line only names its speaker.
_NOT_ANSWERS = {d.SPEAKER_HEADER, d.BYLINE}


@dataclass(frozen=True)
class Weights:
    """Fusion: score = dense cosine + bm25 * (bm25 / best bm25 of the question) + boost.

    Tuned on eval/questions.jsonl with `whosaid eval --sweep`; see README for the figures.
    """

    bm25: float = 0.06
    boost: float = 0.03
    heading_penalty: float = 0.02
    pool: int = 100                     # candidates taken from each retriever on large indexes
    answer_dense: float = 0.80          # top dense cosine at or above this: answerable
    answer_bm25: float = 4.0            # or a raw BM25 score at or above this
    describe_margin: float = 0.015      # English description -> speaker: lead over the runner-up


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Ranked:
    hits: list[tuple[Row, float]]
    answerable: bool
    relaxed: bool = False


class Ranker:
    def __init__(self, snapshot: Snapshot, weights: Weights = DEFAULT_WEIGHTS, embedder=None) -> None:
        self.snapshot = snapshot
        self.weights = weights
        self.embedder = embedder
        self.aliases = AliasTable(snapshot.speakers)
        self.tokenizer = tokenizer_for(snapshot.speakers)
        self.reporters = {s.name for s in snapshot.speakers if s.reporter}
        rows = snapshot.rows
        self.answer_mask = np.array([r.paragraph.kind not in _NOT_ANSWERS for r in rows], dtype=bool)
        self.heading = np.array([r.paragraph.role == d.HEADING for r in rows], dtype=bool)
        self.speaker_of = np.array([r.paragraph.speaker or "" for r in rows], dtype=object)

    @cached_property
    def _matrix(self) -> np.ndarray:
        return self.snapshot.vector_matrix()

    def _mask_for(self, speakers: tuple[str, ...]) -> np.ndarray:
        return self.answer_mask & np.isin(self.speaker_of, list(speakers))

    @cached_property
    def _profiles(self) -> tuple[list[str], np.ndarray]:
        """Each speaker as the header describes them, embedded once, for English descriptions."""
        speakers = [s for s in self.snapshot.speakers if not s.reporter]
        texts = [f"{s.title or ''}{s.name}" for s in speakers]
        if not texts or self.embedder is None:
            return [], np.zeros((0, 1), dtype=np.float32)
        return [s.name for s in speakers], self.embedder.embed_batch(texts, "passage")

    def describe(self, vector: np.ndarray) -> str | None:
        """The one speaker an English description fits clearly better than any other, if any."""
        names, profiles = self._profiles
        if len(names) == 0:
            return None
        sims = profiles @ vector
        order = np.argsort(-sims)
        if len(order) == 1 or sims[order[0]] - sims[order[1]] >= self.weights.describe_margin:
            return names[order[0]]
        return None

    def scores(self, question: str, vector: np.ndarray, mask: np.ndarray,
               boost: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fused, dense and BM25 scores of every row (rows outside the mask get -inf)."""
        w = self.weights
        dense = self._matrix @ vector if len(self.snapshot.rows) else np.zeros(0, dtype=np.float32)
        bm25 = self.snapshot.keyword.scores(self.tokenizer(question))
        top_bm25 = float(bm25[mask].max()) if mask.any() else 0.0
        fused = dense + (w.bm25 * bm25 / top_bm25 if top_bm25 > 0 else 0.0)
        fused = fused - w.heading_penalty * self.heading
        if boost:
            fused = fused + w.boost * np.isin(self.speaker_of, list(boost))
        fused = np.where(mask, fused, -np.inf)
        return fused, dense, bm25

    def rank(self, question: str, vector: np.ndarray, analysis: Analysis, k: int,
             exclude: set[int]) -> Ranked:
        mask = self.answer_mask.copy()
        if exclude:
            mask &= ~np.isin([r.id for r in self.snapshot.rows], list(exclude))
        relaxed = False
        if analysis.filter_speakers:
            filtered = mask & self._mask_for(analysis.filter_speakers)
            if filtered.any():
                mask = filtered
            else:
                relaxed = True
        fused, dense, bm25 = self.scores(question, vector, mask, analysis.boost_speakers)
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [(self.snapshot.rows[i], float(fused[i])) for i in order if np.isfinite(fused[i])]
        if not hits:
            return Ranked([], False, relaxed)
        best = order[0]
        answerable = (
            bool(analysis.filter_speakers) and not relaxed and _asks_for_anything(question)
        ) or dense[mask].max() >= self.weights.answer_dense or bm25[best] >= self.weights.answer_bm25
        return Ranked(hits, bool(answerable), relaxed)


def _asks_for_anything(question: str) -> bool:
    """A question that names a speaker asks about them, unless it is only small talk."""
    return len(question.strip()) >= 4
