"""The public JSON forms of answers, speakers and quotes: `whosaid ask --json` and the HTTP API emit the
same objects (the answer's is published as shared/schemas/ask.schema.json; keys are only ever added)."""

from __future__ import annotations

import re


def answer_json(answer) -> dict:
    """The public JSON form of an answer (see shared/schemas/ask.schema.json): keys are only ever added."""
    out = {
        "query": answer.query,
        "speaker_filter": answer.speaker_filter,
        "answerable": answer.answerable,
        "passages": [
            {
                "rank": p.rank, "text": p.paragraph.text, "speaker": p.speaker,
                "speaker_title": p.speaker_title, "role": p.role, "doc": p.paragraph.doc,
                "paragraph": p.paragraph.number, "score": p.score,
                "highlights": [list(h) for h in p.highlights], "id": p.id, "kind": p.paragraph.kind,
                "cited": p.cited,
                # the document's own headline, outlet, author and date (null when it does not give them)
                "doc_title": p.document.title, "doc_source": p.document.source,
                "doc_author": p.document.author, "doc_date": p.document.date,
                "attributions": [{"start": u.start, "end": u.end, "speaker": u.speaker,
                                  "speaker_title": u.speaker_title, "role": u.role, "cited": u.cited}
                                 for u in p.attributions],
            }
            for p in answer.passages
        ],
    }
    if answer.who_question:
        out["speakers"] = [{"speaker": s.speaker, "score": s.score, "passage_rank": s.passage_rank}
                           for s in answer.speakers]
    if answer.notes:
        out["notes"] = list(answer.notes)
    return out


def error_json(question: str, exc: Exception) -> dict:
    # a question that was not UTF-8 is echoed with U+FFFD where its bad bytes were
    shown = re.sub("[\ud800-\udfff]", "\ufffd", question)
    return {"query": shown, "speaker_filter": None, "answerable": False, "passages": [], "error": str(exc)}


def speaker_json(info) -> dict:
    s = info.speaker
    return {"speaker": s.name, "title": s.title, "position": s.position, "organisation": s.organisation,
            "section_title": s.section_title, "doc": s.doc, "paragraphs": info.paragraphs,
            "kind": s.kind, "aliases": list(s.forms), "utterances": info.utterances}


QUOTE_FIELDS = ("speaker", "speaker_title", "role", "cited", "text", "doc", "paragraph", "start", "end", "id")


def quote_json(row) -> dict:
    return {field: getattr(row, field) for field in QUOTE_FIELDS}


def write_csv(rows: list[dict], stream) -> None:
    import csv

    writer = csv.DictWriter(stream, fieldnames=QUOTE_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
