"""Attribution against a gold table: is each speech sentence given to the right person, and is each
document's list of speakers right (no one missing, no one only mentioned)?

A gold folder holds the documents, `gold.jsonl` (one row per speech sentence: doc, layout, sentence,
speaker, kind, role, cited) and `documents.jsonl` (one row per document: layout, encoding, speakers,
mentioned_only). The reporter and a meeting's voice are "@reporter" and "@meeting" there.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from retrieval.attribution.document import attribute
from retrieval.errors import WhosaidError
from retrieval.ingest.files import read_text
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.records import Paragraph, Speaker, SpeakerKind

# A sentence is given to the utterance that covers most of it, when that covers at least this share.
MIN_COVER = 0.5
_VOICES = {SpeakerKind.REPORTER: "@reporter", SpeakerKind.MEETING: "@meeting"}


@dataclass(frozen=True)
class Predicted:
    speaker: str | None        # as the gold table names it ("@reporter" for the reporter's own words)
    role: str | None


def _label(name: str, kinds: dict[str, SpeakerKind]) -> str:
    return _VOICES.get(kinds.get(name, SpeakerKind.PERSON), name)


def predict(paragraphs: list[Paragraph], speakers: list[Speaker], sentence: str) -> Predicted | None:
    """Who the attribution gives a sentence to (None: the sentence is not in the document)."""
    kinds = {s.name: s.kind for s in speakers}
    for p in paragraphs:
        start = p.text.find(sentence)
        if start < 0:
            continue
        end = start + len(sentence)
        best, cover = None, 0
        for u in p.utterances:
            overlap = min(end, u.end) - max(start, u.start)
            if overlap > cover:
                best, cover = u, overlap
        if best is None or cover < MIN_COVER * len(sentence):
            return Predicted(None, None)
        return Predicted(_label(best.speaker, kinds), str(best.role))
    return None


def _speaker_set(paragraphs: list[Paragraph], speakers: list[Speaker]) -> set[str]:
    """Who the attribution says speaks: everyone with an utterance (the reporter is listed as the
    document's voice even when silent; a silent one does not count here)."""
    speaking = {u.speaker for p in paragraphs for u in p.utterances}
    return {_VOICES.get(s.kind, s.name) for s in speakers if s.name in speaking}


def evaluate(folder: Path) -> dict:
    """Figures per layout and overall, and the sentences attributed wrongly."""
    folder = Path(folder)
    try:
        gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
        docs = [json.loads(line) for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    except (OSError, ValueError) as exc:
        raise WhosaidError(f"{folder}: not an attribution gold folder ({exc})") from None
    attributed = {}
    for row in docs:
        path = folder / row["doc"]
        decoded = read_text(path)
        attributed[row["doc"]] = attribute(split_paragraphs(row["doc"], decoded.text), row["doc"])
    per_layout: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    wrong = []
    for row in gold:
        paragraphs, speakers = attributed[row["doc"]]
        got = predict(paragraphs, speakers, row["sentence"])
        counts = per_layout[row["layout"]]
        counts["sentences"] += 1
        right = got is not None and got.speaker == row["speaker"]
        counts["right"] += right
        counts["role_right"] += bool(got is not None and got.role == row["role"])
        if not right:
            wrong.append({"doc": row["doc"], "sentence": row["sentence"], "want": row["speaker"],
                          "got": got.speaker if got else "(sentence not found)"})
    for row in docs:
        paragraphs, speakers = attributed[row["doc"]]
        want = {s["name"] for s in row["speakers"]}
        got = _speaker_set(paragraphs, speakers)
        counts = per_layout[row["layout"]]
        counts["listed"] += len(got)
        counts["listed_right"] += len(got & want)
        counts["wanted"] += len(want)
        counts["mentioned_listed"] += len(got & set(row.get("mentioned_only", [])))
    return {"layouts": {k: _figures(v) for k, v in sorted(per_layout.items())},
            "overall": _figures(_sum(per_layout.values())), "wrong": wrong}


def _sum(counts) -> dict:
    total: dict[str, int] = defaultdict(int)
    for c in counts:
        for key, value in c.items():
            total[key] += value
    return total


def _figures(c: dict) -> dict:
    return {
        "sentences": c["sentences"],
        "accuracy": c["right"] / c["sentences"] if c["sentences"] else None,
        "role_accuracy": c["role_right"] / c["sentences"] if c["sentences"] else None,
        "speaker_precision": c["listed_right"] / c["listed"] if c["listed"] else None,
        "speaker_recall": c["listed_right"] / c["wanted"] if c["wanted"] else None,
        "mentioned_listed": c["mentioned_listed"],
    }


def format_table(report: dict, title: str) -> str:
    head = f"{title:<18}{'n':>6}{'accuracy':>10}{'role':>8}{'spk-P':>8}{'spk-R':>8}{'mentioned':>11}"
    lines = [head]
    for name, f in [*report["layouts"].items(), ("OVERALL", report["overall"])]:
        cells = [f"{f['sentences']:>6d}"]
        for key, width in (("accuracy", 10), ("role_accuracy", 8), ("speaker_precision", 8), ("speaker_recall", 8)):
            value = f[key]
            cells.append(f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}")
        cells.append(f"{f['mentioned_listed']:>11d}")
        lines.append(f"{name:<18}" + "".join(cells))
    return "\n".join(lines)
