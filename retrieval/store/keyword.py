"""The keyword side of a generation: every paragraph's tokens, and BM25 over them (bm25s)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# BM25's term-frequency saturation, the usual value.
BM25_K1 = 1.2
# Length normalisation, low: a long paragraph of one speaker's views should not lose to a short one
# that repeats a word; 0.3 ranked best on eval/questions.jsonl (0.75, the usual, ranked worse).
BM25_B = 0.3
_COUNTS = "counts.npy"   # term counts beside bm25s's scores, so that paragraphs can be appended


@dataclass(frozen=True)
class TokenTable:
    """Every paragraph's tokens, kept with the index so that an update segments only new text.

    Tokens are ids into `vocab`; row i's are ids[offsets[i]:offsets[i + 1]], and signatures[i] is the
    Tokenizer.signature its tokens were made under.
    """

    vocab: list[str]
    ids: np.ndarray
    offsets: np.ndarray
    signatures: np.ndarray

    @classmethod
    def from_lists(cls, token_lists: list[list[str]], signatures: list[int]) -> TokenTable:
        vocab: dict[str, int] = {}
        flat = [vocab.setdefault(t, len(vocab)) for tokens in token_lists for t in tokens]
        offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
        np.cumsum([len(tokens) for tokens in token_lists], out=offsets[1:])
        return cls(list(vocab), np.asarray(flat, dtype=np.uint32), offsets,
                   np.asarray(signatures, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def replaced(self, rows: dict[int, tuple[list[str], int]]) -> TokenTable:
        """This table with some rows' tokens and signatures replaced (position -> (tokens, signature))."""
        if not rows:
            return self
        vocab = {t: i for i, t in enumerate(self.vocab)}
        lengths, signatures = np.diff(self.offsets), self.signatures.copy()
        pieces, start = [], 0
        for position in sorted(rows):
            tokens, signature = rows[position]
            pieces += [self.ids[self.offsets[start]:self.offsets[position]],
                       np.asarray([vocab.setdefault(t, len(vocab)) for t in tokens], dtype=np.uint32)]
            lengths[position], signatures[position] = len(tokens), signature
            start = position + 1
        pieces.append(self.ids[self.offsets[start]:])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return TokenTable(list(vocab), np.concatenate(pieces).astype(np.uint32), offsets, signatures)

    def extended(self, token_lists: list[list[str]], signatures: list[int]) -> TokenTable:
        """This table with rows appended (new tokens go at the end of the vocabulary)."""
        vocab = {t: i for i, t in enumerate(self.vocab)}
        flat = [vocab.setdefault(t, len(vocab)) for tokens in token_lists for t in tokens]
        offsets = np.cumsum([len(tokens) for tokens in token_lists], dtype=np.int64) + self.offsets[-1]
        return TokenTable(list(vocab), np.concatenate([self.ids, np.asarray(flat, dtype=np.uint32)]),
                          np.concatenate([self.offsets, offsets]),
                          np.concatenate([self.signatures, np.asarray(signatures, dtype=np.int64)]))


    def row(self, i: int) -> list[str]:
        vocab = self.vocab
        return [vocab[t] for t in self.ids[self.offsets[i]:self.offsets[i + 1]].tolist()]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        for name in ("ids", "offsets", "signatures"):
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> TokenTable:
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False)
                  for name in ("ids", "offsets", "signatures")}
        return cls(vocab, **arrays)


class KeywordIndex:
    """BM25 over the paragraphs, rows in the same order as the dense index's metadata.

    Scored by bm25s at question time; built here, with numpy, into bm25s's own arrays, beside a matrix
    of term counts (same layout) so that paragraphs appended later cost what they add: a token's
    column only grows at its end, and every score is recomputed from the counts with the statistics
    of the whole corpus (idf and average length change with every paragraph), exactly as a full build.
    """

    def __init__(self, retriever, size: int, counts: np.ndarray | None = None) -> None:
        self._retriever = retriever
        self.size = size
        self._counts = counts          # term counts beside retriever.scores["data"]; None: not appendable

    @classmethod
    def build(cls, table: TokenTable) -> KeywordIndex:
        # An empty paragraph still needs one token for bm25s; "" is its reserved empty token.
        vocab = {token: i for i, token in enumerate(table.vocab)}
        empty = vocab.setdefault("", len(vocab))
        lengths = np.diff(table.offsets)
        tokens = np.asarray(table.ids, dtype=np.int64)
        docs = np.repeat(np.arange(len(table), dtype=np.int64), lengths)
        blank = np.flatnonzero(lengths == 0)
        tokens = np.concatenate([tokens, np.full(len(blank), empty, dtype=np.int64)])
        docs = np.concatenate([docs, blank])
        # Sorted by token, then paragraph: the column order of bm25s's matrix.
        pairs, counts = np.unique(tokens * max(len(table), 1) + docs, return_counts=True)
        columns = pairs // max(len(table), 1)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(columns, minlength=len(vocab)), out=indptr[1:])
        return cls._scored(vocab, indptr, (pairs % max(len(table), 1)).astype(np.int32),
                           counts.astype(np.uint32), len(table))

    def appended(self, token_lists: list[list[str]]) -> KeywordIndex | None:
        """This index with paragraphs added after its last row; None when it keeps no term counts
        (written before they were kept: the caller builds afresh)."""
        if self._counts is None:
            return None
        vocab = dict(self._retriever.vocab_dict)
        old = self._retriever.scores
        indptr, indices = np.asarray(old["indptr"], dtype=np.int64), np.asarray(old["indices"])
        new_tokens, new_docs = [], []
        for i, tokens in enumerate(token_lists):
            for token in tokens or [""]:
                new_tokens.append(vocab.setdefault(token, len(vocab)))
                new_docs.append(self.size + i)
        size = self.size + len(token_lists)
        pairs, counts = np.unique(np.asarray(new_tokens, dtype=np.int64) * size + np.asarray(new_docs, dtype=np.int64),
                                  return_counts=True)
        columns, docs = pairs // size, pairs % size
        grown = np.zeros(len(vocab) + 1, dtype=np.int64)
        grown[:len(indptr)] = indptr
        grown[len(indptr):] = indptr[-1]
        # New paragraphs have the highest row numbers: each goes at the end of its token's column.
        at = grown[columns + 1]
        added = np.bincount(columns, minlength=len(vocab))
        grown[1:] += np.cumsum(added)
        return self._scored(vocab, grown, np.insert(indices, at, docs.astype(indices.dtype)),
                            np.insert(np.asarray(self._counts), at, counts.astype(np.uint32)), size)

    @classmethod
    def _scored(cls, vocab: dict[str, int], indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray,
                size: int) -> KeywordIndex:
        """bm25s's "lucene" scores of a term-count matrix, with the corpus's own idf and average length."""
        import bm25s

        columns = np.repeat(np.arange(len(vocab), dtype=np.int64), np.diff(indptr))
        lengths = np.bincount(indices, weights=counts, minlength=size) if size else np.zeros(0)
        average = lengths.mean() if size else 1.0
        df = np.diff(indptr).astype(np.float64)
        idf = np.log(1 + (size - df + 0.5) / (df + 0.5)).astype(np.float32)
        tf = counts.astype(np.float32)
        norm = (BM25_K1 * ((1 - BM25_B) + BM25_B * lengths / average)).astype(np.float32)
        data = idf[columns] * (tf / (norm[indices] + tf))
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        retriever.scores = {"data": data.astype(np.float32), "indices": indices.astype(np.int32),
                            "indptr": indptr.astype(np.int32), "num_docs": size}
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None     # the "lucene" method has none
        return cls(retriever, size, counts)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no query word is known)."""
        known = [t for t in query_tokens if t in self._retriever.vocab_dict and t]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    @property
    def appendable(self) -> bool:
        return self._counts is not None

    def vocabulary(self) -> set[str]:
        return {t for t in self._retriever.vocab_dict if t}

    def idf(self, token: str) -> float:
        """How rare a word is across the paragraphs (0 for unknown words)."""
        token_id = self._retriever.vocab_dict.get(token)
        if token_id is None or not token:
            return 0.0
        indptr = self._retriever.scores["indptr"]
        df = int(indptr[token_id + 1] - indptr[token_id])
        return float(np.log(1 + (self.size - df + 0.5) / (df + 0.5))) if df else 0.0

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)
        if self._counts is not None:
            np.save(folder / _COUNTS, np.asarray(self._counts), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, size: int, mmap: bool = False) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=mmap, load_corpus=False)
        counts = None
        if (folder / _COUNTS).is_file():    # absent in generations written before counts were kept
            counts = np.load(folder / _COUNTS, mmap_mode="r" if mmap else None, allow_pickle=False)
            if len(counts) != len(retriever.scores["data"]):
                raise ValueError(f"{_COUNTS}: {len(counts)} counts for {len(retriever.scores['data'])} scores")
        return cls(retriever, size, counts)
