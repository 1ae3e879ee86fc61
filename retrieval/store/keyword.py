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
    """BM25 over the paragraphs, rows in the same order as the dense index's metadata."""

    def __init__(self, retriever, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, table: TokenTable) -> KeywordIndex:
        import bm25s
        from bm25s.tokenization import Tokenized

        # An empty paragraph still needs one token for bm25s; "" is its reserved empty token.
        vocab = {token: i for i, token in enumerate(table.vocab)}
        empty = vocab.setdefault("", len(vocab))
        ids, offsets = table.ids.tolist(), table.offsets.tolist()
        rows = [ids[offsets[i]:offsets[i + 1]] or [empty] for i in range(len(table))]
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        retriever.index(Tokenized(ids=rows, vocab=vocab), show_progress=False)
        return cls(retriever, len(table))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no query word is known)."""
        known = [t for t in query_tokens if t in self._retriever.vocab_dict and t]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

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

    @classmethod
    def load(cls, folder: Path, size: int, mmap: bool = False) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=mmap, load_corpus=False)
        return cls(retriever, size)
