"""Chinese keyword search: jieba's search-mode segmentation scored by bm25s."""

from __future__ import annotations

import re
from collections.abc import Iterable
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
        for word in extra_words:
            word = fold(word)
            if len(word) >= 2 and " " not in word:
                self._jieba.add_word(word, freq=50000)

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


class KeywordIndex:
    """BM25 over the paragraphs, rows in the same order as the dense index's metadata."""

    def __init__(self, retriever, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.3)
        # An empty document still needs one token for bm25s; "" is its reserved empty token.
        retriever.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(retriever, len(token_lists))

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
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False, load_corpus=False)
        return cls(retriever, size)
