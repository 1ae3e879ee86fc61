"""Retrieval evaluation on a labelled question set: recall@k, MRR, speaker accuracy, no-answer."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import WhosaidError
from retrieval.records import Answer


@dataclass(frozen=True)
class Question:
    id: int
    category: str
    question: str
    answers: tuple[tuple[str, int], ...]    # (document name, paragraph number); empty: nothing answers
    speaker: str | None


def load_questions(path: Path) -> list[Question]:
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(
                id=int(row.get("id", n)), category=str(row["category"]), question=str(row["question"]),
                answers=tuple((str(doc), int(num)) for doc, num in row.get("answers", [])),
                speaker=row.get("speaker"),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise WhosaidError(f"{path}:{n}: not a question row ({exc})") from None
    return questions


def _metrics(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["gold"]]
    unanswerable = [r for r in rows if not r["gold"]]
    with_speaker = [r for r in answerable if r["speaker"]]
    out: dict[str, float | int | None] = {"questions": len(rows)}
    if answerable:
        out["recall@1"] = sum(r["rank"] == 1 for r in answerable) / len(answerable)
        out["recall@3"] = sum(r["rank"] is not None and r["rank"] <= 3 for r in answerable) / len(answerable)
        out["mrr"] = sum(1 / r["rank"] for r in answerable if r["rank"]) / len(answerable)
        out["wrongly_flagged"] = sum(not r["answerable"] for r in answerable) / len(answerable)
    if with_speaker:
        out["speaker@1"] = sum(r["top_speaker"] == r["speaker"] for r in with_speaker) / len(with_speaker)
    flagged = [r for r in rows if not r["answerable"]]
    if unanswerable:
        out["no_answer_recall"] = sum(not r["answerable"] for r in unanswerable) / len(unanswerable)
    if flagged:
        out["no_answer_precision"] = sum(not r["gold"] for r in flagged) / len(flagged)
    return out


def score(questions: list[Question], answers: list[Answer]) -> dict:
    """Figures overall and per category, and the misses to look at."""
    rows = []
    for q, a in zip(questions, answers):
        gold = set(q.answers)
        rank = next((p.rank for p in a.passages if (p.paragraph.doc, p.paragraph.number) in gold), None)
        if a.who_question and a.speakers:
            top_speaker = a.speakers[0].speaker
        else:
            top_speaker = a.passages[0].speaker if a.passages else None
        rows.append({"id": q.id, "category": q.category, "question": q.question, "gold": bool(gold),
                     "rank": rank, "speaker": q.speaker, "top_speaker": top_speaker,
                     "answerable": a.answerable})
    by_category = defaultdict(list)
    for r in rows:
        by_category[r["category"]].append(r)
    misses = [r for r in rows if (r["gold"] and (r["rank"] != 1 or not r["answerable"]
                                                  or (r["speaker"] and r["top_speaker"] != r["speaker"])))
              or (not r["gold"] and r["answerable"])]
    return {
        "overall": _metrics(rows),
        "categories": {c: _metrics(rs) for c, rs in sorted(by_category.items())},
        "misses": misses,
    }


def format_table(report: dict) -> str:
    cols = ["questions", "recall@1", "recall@3", "mrr", "speaker@1", "no_answer_precision", "no_answer_recall",
            "wrongly_flagged"]
    head = f"{'category':<18}" + "".join(f"{c:>11}" for c in ["n", "R@1", "R@3", "MRR", "spk@1", "NA-prec",
                                                               "NA-rec", "wrong-NA"])
    lines = [head]
    items = list(report["categories"].items()) + [("OVERALL", report["overall"])]
    for name, m in items:
        cells = []
        for c in cols:
            v = m.get(c)
            cells.append(f"{'-':>11}" if v is None else (f"{v:>11d}" if isinstance(v, int) else f"{v:>11.3f}"))
        lines.append(f"{name:<18}" + "".join(cells))
    return "\n".join(lines)
