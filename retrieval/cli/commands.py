"""The commands people use every day: index, ask, speakers."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from retrieval.errors import WhosaidError
from retrieval.public import answer_json, error_json, quote_json, speaker_json, write_csv
from retrieval.text.chars import shown

from .common import (
    EXIT_ERROR,
    EXIT_SKIPPED,
    BackendOpt,
    Bar,
    IndexOpt,
    MilvusOpt,
    ModelOpt,
    app,
    engine_for,
    ensure_index,
    fail,
)
from .output import report_lines, skipped_line


@app.command()
def index(
    folder: Annotated[Path | None, typer.Argument(
        help="Folder of .txt/.md/.docx/.pdf/.html documents [default: seeds/]")] = None,
    index: IndexOpt = None, model: ModelOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start from scratch (e.g. to change model)")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Mirror this folder exactly: drop documents of other folders and uploads")] = False,
    backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Add or update a folder's documents in the index; other folders' and uploaded documents are kept."""
    engine = engine_for(index, model, folder, backend, milvus_uri)
    bar = Bar()
    try:
        report = engine.index(folder, progress=bar, rebuild=rebuild, replace=replace)
    except WhosaidError as exc:
        fail(exc)
    finally:
        bar.close()
    report_lines(report, folder or engine.settings.docs_dir)
    if report.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def _print_human(answer) -> None:
    from retrieval.labels import plain_answer

    typer.echo(plain_answer(answer, color=sys.stdout.isatty()))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='The question, or "-" to read one question per line from stdin')],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=50, help="How many passages")] = 5,
    speaker: Annotated[str | None, typer.Option("--speaker", help="Only this speaker (any form of the name)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question")] = False,
    index: IndexOpt = None, model: ModelOpt = None, backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Ask who said what; builds the index from seeds/ first when there is none."""
    engine = engine_for(index, model, None, backend, milvus_uri)
    built = ensure_index(engine)
    if built is not None:
        for skipped in built.skipped:
            typer.echo(skipped_line(skipped), err=True)
    # Bytes that are not UTF-8 reach the engine as lone surrogates, which it refuses line by line.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape") if question == "-" else None
    questions = (line.rstrip("\n") for line in stdin) if stdin is not None else iter([question])
    failed = False
    for q in questions:
        if question == "-" and not q.strip():
            continue
        try:
            answer = engine.ask(q, k=k, speaker=speaker)
        except WhosaidError as exc:
            failed = True
            if as_json:
                typer.echo(json.dumps(error_json(q, exc), ensure_ascii=False))
                continue
            typer.echo(f"whosaid: {shown(str(exc))}", err=True)
            continue
        if as_json:
            typer.echo(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            _print_human(answer)
    if failed:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def speakers(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    index: IndexOpt = None, model: ModelOpt = None,
) -> None:
    """List who speaks in the indexed documents: people, and the reporters' and meetings' own voices."""
    engine = engine_for(index, model)
    try:
        engine.ensure_index()
        infos = engine.speakers(people_only=False)
    except WhosaidError as exc:
        fail(exc)
    rows = [speaker_json(i) for i in infos]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        kind = "" if r["kind"] == "person" else f" ({r['kind']})"
        typer.echo(f"{r['speaker']}{kind}  {r['title'] or ''}  [{shown(r['doc'])}, {r['utterances']} utterances in "
                   f"{r['paragraphs']} paragraphs]")
        if r["section_title"]:
            typer.echo(f"    {r['section_title']}")


@app.command()
def quotes(
    speaker: Annotated[str | None, typer.Option("--speaker", help="Only this speaker (any form of the name)")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (its name as indexed)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines: one utterance per line")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row")] = False,
    index: IndexOpt = None, model: ModelOpt = None,
) -> None:
    """Every utterance: who said it (title), how (quote, paraphrase, cited, turn), the words and where."""
    if as_json and as_csv:
        fail("choose one of --json and --csv")
    engine = engine_for(index, model)
    try:
        engine.ensure_index()
        rows = [quote_json(q) for q in engine.quotes(speaker=speaker, doc=doc)]
    except WhosaidError as exc:
        fail(exc)
    if as_csv:
        write_csv(rows, sys.stdout)
        return
    for r in rows:
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
            continue
        cited = f" {r['cited']}" if r["cited"] else ""
        title = f"（{r['speaker_title']}）" if r["speaker_title"] else ""
        typer.echo(f"{r['speaker']}{title} · {r['role']}{cited} · {shown(r['doc'])} ¶{r['paragraph']}\n    {r['text']}")
