"""What the commands print: the public JSON of an answer (the published schema) and the index report."""

from __future__ import annotations

import typer


def report_lines(report, folder) -> None:
    for note in report.notes:
        typer.echo(f"whosaid: {note}", err=True)
    for skipped in report.skipped:
        typer.echo(f"whosaid: skipped {skipped.path}: {skipped.reason}", err=True)
    if not report.written:
        typer.echo(f"Index up to date: {report.documents} documents, {report.paragraphs} paragraphs.")
        return
    parts = [f"{len(report.added)} added", f"{len(report.changed)} changed", f"{len(report.removed)} removed",
             f"{report.unchanged} unchanged"]
    typer.echo(f"Indexed {folder}: {report.documents} documents, {report.paragraphs} paragraphs "
               f"({', '.join(parts)}; {report.embedded} paragraphs embedded).")


def answer_json(answer) -> dict:
    """The public JSON form of an answer (see shared/schemas/ask.schema.json): keys are only ever added."""
    out = {
        "query": answer.query,
        "speaker_filter": answer.speaker_filter,
        "answerable": answer.answerable,
        "passages": [
            {
                "rank": p.rank, "text": p.paragraph.text, "speaker": p.paragraph.speaker,
                "speaker_title": p.paragraph.speaker_title, "role": p.paragraph.role, "doc": p.paragraph.doc,
                "paragraph": p.paragraph.number, "score": p.score,
                "highlights": [list(h) for h in p.highlights], "id": p.id, "kind": p.paragraph.kind,
                "cited": p.paragraph.cited,
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
    return {"query": question, "speaker_filter": None, "answerable": False, "passages": [], "error": str(exc)}
