"""Chinese keyword search: jieba's search-mode segmentation scored by bm25s."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .textnorm import fold

# Function words and question words: they carry no topic, and questions are full of them.
_STOP = set(
    "的 了 是 在 和 与 及 也 都 就 而 并 把 被 对 将 为 以 于 之 其 这 那 有 个 们 吗 呢 吧 啊 着 过 "
    "什么 怎么 怎么样 怎样 如何 哪些 哪个 哪位 哪 谁 说 说了 谈 谈到 讲 看 怎么看 看法 观点 认为 表示 提到 "
    "主要 想法 发言 讲话 内容 意见 态度 立场 说法 谈了 讲了 "
    "what who which whom how did does do say said says about the a an of on in to is was were and for".split()
)
_TOKEN = re.compile(r"[\w\u3400-\u9fff]+")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


class Tokenizer:
    """jieba in search mode on folded text, with extra words (speaker aliases) in its dictionary."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(60)
        self._jieba = jieba.Tokenizer()
        self._jieba.check_initialized()
        base_total = self._jieba.total
        self.words = sorted({w for w in map(fold, extra_words) if len(w) >= 2 and " " not in w})
        for word in self.words:
            self._jieba.add_word(word, freq=50000)
        # add_word raises the dictionary's total, which shifts every route's probability a little;
        # kept fixed, a text's segmentation depends only on the added words it contains, so cached
        # tokens of an unchanged paragraph stay valid when other documents bring new speakers.
        self._jieba.total = base_total
        self._automaton = None

    def signature(self, text: str) -> int:
        """A hash of the added words that occur in a text: equal signatures, equal segmentation."""
        if not self.words:
            return 0
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word in self.words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._automaton = automaton
        found = sorted({word for _, word in self._automaton.iter(fold(text))})
        if not found:
            return 0
        digest = hashlib.blake2b("\x00".join(found).encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "little", signed=True) or 1

    def __call__(self, text: str) -> list[str]:
        """jieba words plus the character bigrams of every run of Chinese content words.

        Bigrams make matching survive segmentation that differs between a question and a paragraph
        ("暖心驿站" alone vs "十六个“暖心驿站”"), as Lucene's CJK analyzer does.
        """
        folded = fold(text)
        tokens = []
        for token in self._jieba.cut_for_search(folded):
            token = token.strip()
            if token and token not in _STOP and _TOKEN.fullmatch(token):
                tokens.append(token)
        # Runs of Chinese between question words and function words; "说了什么" leaves none.
        run = ""
        for word in [*self._jieba.cut(folded), " "]:
            if word not in _STOP and _HAN_RUN.fullmatch(word + word):
                run += word
                continue
            tokens += [run[i:i + 2] for i in range(len(run) - 1)]
            run = ""
        return tokens


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
        retriever = bm25s.BM25(k1=1.2, b=0.3)
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
