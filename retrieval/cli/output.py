"""What the commands print: the index report, and skipped files, one line each."""

from __future__ import annotations

import typer

from retrieval.text.chars import shown


def skipped_line(skipped) -> str:
    """One line per file passed over; a name holding a newline or an escape sequence cannot forge or colour
    lines, because every name printed goes through shown()."""
    return f"whosaid: skipped {shown(skipped.path)}: {shown(skipped.reason)}"


def report_lines(report, folder) -> None:
    for note in report.notes:
        typer.echo(f"whosaid: {shown(note)}", err=True)
    for skipped in report.skipped:
        typer.echo(skipped_line(skipped), err=True)
    if not report.written:
        typer.echo(f"Index up to date: {report.documents} documents, {report.paragraphs} paragraphs.")
        return
    parts = [f"{len(report.added)} added", f"{len(report.changed)} changed", f"{len(report.removed)} removed",
             f"{report.unchanged} unchanged"]
    typer.echo(f"Indexed {shown(str(folder))}: {report.documents} documents, {report.paragraphs} paragraphs "
               f"({', '.join(parts)}; {report.embedded} paragraphs embedded).")
