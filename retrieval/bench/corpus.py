"""A generated corpus for the benchmark: real sentences of the given documents re-mixed into reports
of the usual shape (headline, byline, speaker headers, sections) with generated names, and an embedder
that samples vectors around real ones beyond the size that can be embedded in a benchmark's time."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import numpy as np

from retrieval.attribution.document import attribute
from retrieval.embedders import Embedder
from retrieval.ingest.files import list_files, read_text
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.records import Kind
from retrieval.text.sentences import sentences

# Generic name parts, none from any indexed document: the point is only that names recur.
_SURNAMES = "李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "建国华明丽军志强伟芳娜敏静秀英杰涛磊洋勇艳超鹏辉婷宇浩凯晨阳欣怡佳雪梅兰松柏海波峰岩林森晓燕春秋冬玲红霞光亮"


def _pool(sources: list[Path]) -> tuple[list[str], list[str]]:
    """Real sentences and real titles from the documents given."""
    pool, titles = [], []
    for folder in sources:
        for path in list_files(folder) if folder.is_dir() else [folder]:
            text = read_text(path).text
            paragraphs, speakers = attribute(split_paragraphs(path.name, text), path.name)
            titles += [s.title for s in speakers if s.title and s.is_person]
            for p in paragraphs:
                if p.kind == Kind.BODY:
                    pool += [p.text[s:e] for s, e in sentences(p.text) if len(p.text[s:e]) > 8]
    if not pool:
        raise ValueError("no sentences to build a corpus from")
    return pool, titles or ["某某公司工会主席"]


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def generate_corpus(folder: Path, paragraphs: int, sources: list[Path], seed: int = 7) -> int:
    """Write reports holding about `paragraphs` paragraphs (headlines, headers and titles included);
    returns how many documents."""
    rng = random.Random(seed)
    pool, titles = _pool(sources)
    folder.mkdir(parents=True, exist_ok=True)
    written, n = 0, 0
    while written < paragraphs:
        lines = [rng.choice(pool)[:20].rstrip("，。"), f"本报记者 {_name(rng)} {_name(rng)}", rng.choice(pool)]
        for _ in range(4):
            name = _name(rng)
            lines += [f"{rng.choice(titles)}{name}：", rng.choice(pool)[:16].rstrip("，。！？")]
            for i in range(rng.randint(3, 6)):
                body = "".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
                lines.append((f"{name}说，" if i == 0 else rng.choice(["", "他表示，", "她认为，"])) + body)
        (folder / f"report_{n:06d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
        n += 1
    return n


class SampledEmbedder:
    """Real embeddings for the first `real` texts; later texts get a real pool vector plus small noise.

    Only for search-side figures at sizes that cannot be embedded in a benchmark's time.
    """

    def __init__(self, inner: Embedder, real: int) -> None:
        self.inner, self.real = inner, real
        self.model_id, self.dim = inner.model_id, inner.dim
        self._pool: list[np.ndarray] = []

    def embed_batch(self, texts: list[str], kind):
        if kind == "query" or len(self._pool) < self.real:
            vectors = self.inner.embed_batch(texts, kind)
            if kind == "passage":
                self._pool += list(vectors)
            return vectors
        out = []
        for text in texts:
            h = zlib.crc32(text.encode("utf-8"))
            base = self._pool[h % len(self._pool)]
            noise = np.random.default_rng(h).normal(0, 0.02, base.shape).astype(np.float32)
            v = base + noise
            out.append(v / np.linalg.norm(v))
        return np.stack(out)
