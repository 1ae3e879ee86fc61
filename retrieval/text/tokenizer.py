"""Chinese words for keyword search: jieba's search mode on folded text, plus character bigrams."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from retrieval.text.chars import HAN_RANGE, HAN_RUN
from retrieval.text.fold import fold

# Function words and question words: they carry no topic, and questions are full of them.
_STOP = set(
    "的 了 是 在 和 与 及 也 都 就 而 并 把 被 对 将 为 以 于 之 其 这 那 有 个 们 吗 呢 吧 啊 着 过 "
    "什么 怎么 怎么样 怎样 如何 哪些 哪个 哪位 哪 谁 说 说了 谈 谈到 讲 看 怎么看 看法 观点 认为 表示 提到 "
    "主要 想法 发言 讲话 内容 意见 态度 立场 说法 谈了 讲了 "
    "what who which whom how did does do say said says about the a an of on in to is was were and for".split()
)
_TOKEN = re.compile(f"[\\w{HAN_RANGE}]+")


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, int], int]:
    """jieba's default dictionary (word -> frequency, with prefixes) and its total, as loaded."""
    import jieba

    jieba.setLogLevel(60)
    base = jieba.Tokenizer()
    base.check_initialized()
    return base.FREQ, base.total


def dictionary_words(extra_words: Iterable[str]) -> list[str]:
    """The words a Tokenizer adds to jieba's dictionary for these extra words."""
    return sorted({w for w in map(fold, extra_words) if len(w) >= 2 and " " not in w})


class Tokenizer:
    """jieba in search mode on folded text, with extra words (speaker aliases) in its dictionary."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        import jieba

        # A copy of the dictionary loaded once per process (~0.1 s, ~15 MB) instead of jieba's own load
        # (~1 s on two cores) at every update: add_word below changes the copy only.
        freq, base_total = _dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total, self._jieba.initialized = dict(freq), base_total, True
        self.words = dictionary_words(extra_words)
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
            if word not in _STOP and HAN_RUN.fullmatch(word + word):
                run += word
                continue
            tokens += [run[i:i + 2] for i in range(len(run) - 1)]
            run = ""
        return tokens
