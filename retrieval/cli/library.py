"""The commands that show and change which documents the index holds: documents, remove."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from retrieval.errors import WhosaidError
from retrieval.text.chars import shown

from .common import IndexOpt, ModelOpt, app, engine_for, fail


@app.command()
def documents(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    index: IndexOpt = None, model: ModelOpt = None,
) -> None:
    """List the indexed documents: name, title, where each came from, paragraphs and speakers."""
    engine = engine_for(index, model)
    try:
        infos = engine.documents()
    except WhosaidError as exc:
        fail(exc)
    if as_json:
        rows = [{"name": i.name, "title": i.title, "origin": i.origin, "paragraphs": i.paragraphs,
                 "speakers": list(i.speakers)} for i in infos]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for i in infos:
        title = f"  《{shown(i.title)}》" if i.title else ""
        typer.echo(f"{shown(i.name)}{title}  [{shown(i.origin or 'origin unknown')}, {i.paragraphs} paragraphs]")
        if i.speakers:
            typer.echo(f"    {'、'.join(shown(s) for s in i.speakers)}")


@app.command()
def remove(
    name: Annotated[str, typer.Argument(help="The document's name, as `whosaid documents` lists it")],
    index: IndexOpt = None, model: ModelOpt = None,
) -> None:
    """Remove one document from the index (an uploaded one is deleted; a folder's file is left alone
    and comes back at the next `whosaid index` of its folder)."""
    engine = engine_for(index, model)
    try:
        report = engine.remove_document(name)
    except WhosaidError as exc:
        fail(exc)
    for note in report.notes:
        typer.echo(f"whosaid: {shown(note)}", err=True)
    typer.echo(f"Removed {shown(name)}: {report.documents} documents, {report.paragraphs} paragraphs left.")
