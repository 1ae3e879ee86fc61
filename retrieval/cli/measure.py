"""The commands that measure: eval (answer quality on a labelled set) and bench (speed, size, memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from retrieval.errors import WhosaidError
from retrieval.text.chars import shown
from retrieval.vectors import factory

from .common import BackendOpt, ModelOpt, app, fail


@app.command("eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled questions, JSON lines (see eval/questions.jsonl)")],
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help="Documents or folders [default: seeds/ and tests/fixtures/]")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List the questions that missed")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 10,
    attribution: Annotated[list[Path] | None, typer.Option(
        "--attribution", help="Gold folders of attributed documents [default: the sets under eval/attribution/]")] = None,
    model: ModelOpt = None, backend: BackendOpt = None,
) -> None:
    """Retrieval (recall@1/@3, MRR, speaker accuracy, no-answer) per category, and attribution (speech
    sentences given to the right person, speaker lists' precision and recall) per layout."""
    from retrieval.evaluation import attribution as attributed
    from retrieval.evaluation.questions import format_table, load_questions, score
    from retrieval.evaluation.scratch import scratch_engine

    folders = attribution or sorted(p for p in Path("eval/attribution").glob("*") if (p / "gold.jsonl").is_file())
    try:
        questions = load_questions(file)
        with scratch_engine(corpus or [Path("seeds"), Path("tests/fixtures")], model,
                            backend=backend.value if backend else None) as engine:
            answers = [engine.ask(q.question, k=k) for q in questions]
        sets = {folder.name: attributed.evaluate(folder) for folder in folders}
    except WhosaidError as exc:
        fail(exc)
    report = score(questions, answers)
    if as_json:
        out = report if misses else {**report, "misses": len(report["misses"])}
        out["attribution"] = {name: r if misses else {**r, "wrong": len(r["wrong"])} for name, r in sets.items()}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo(format_table(report))
    if misses:
        for m in report["misses"]:
            typer.echo(f"  miss #{m['id']} [{m['category']}] {m['question']}  rank={m['rank']} "
                       f"top={m['top_speaker']} want={m['speaker']} answerable={m['answerable']}")
    for name, r in sets.items():
        typer.echo("")
        typer.echo(attributed.format_table(r, f"attribution:{name}"))
        if misses:
            for w in r["wrong"]:
                typer.echo(f"  wrong [{shown(w['doc'])}] want={w['want']} got={w['got']}: {w['sentence']}")


@app.command()
def bench(
    paragraphs: Annotated[list[int] | None, typer.Option(
        "-n", "--paragraphs", min=10, help="Corpus size (1e3; 1e4 and 1e5 on request); with --add-one-only, "
        "may be given more than once")] = None,
    real: Annotated[int, typer.Option("--real", min=10, help="Embed this many for real; sample vectors beyond")] = 2000,
    questions: Annotated[int, typer.Option("--questions", min=5)] = 200,
    http: Annotated[bool, typer.Option("--http/--no-http", help="Also time the running UI's HTTP API")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    add_one_only: Annotated[bool, typer.Option(
        "--add-one-only", help="Only time adding one document at each --paragraphs size (its embedding apart)")] = False,
    model: ModelOpt = None, backend: BackendOpt = None,
) -> None:
    """Benchmark indexing, queries (in-process and over HTTP), cold start, size and memory."""
    from retrieval.bench.result import as_json as bench_json
    from retrieval.bench.result import table
    from retrieval.bench.run import run

    sizes = paragraphs or [1000]
    log = lambda m: typer.echo(f"whosaid bench: {m}", err=True)  # noqa: E731
    if add_one_only:
        _add_one(sizes, real, as_json, model, backend, log)
        return
    if len(sizes) > 1:
        fail(WhosaidError("--paragraphs is given once, except with --add-one-only"))
    try:
        result = run(sizes[0], real=real, questions=questions, http=http, model=model,
                     log=log,
                     backend=backend.value if backend else factory.DEFAULT)
    except WhosaidError as exc:
        fail(exc)
    typer.echo(bench_json(result) if as_json else table(result))


def _add_one(sizes: list[int], real: int, as_json: bool, model, backend, log) -> None:
    import dataclasses

    from retrieval.bench.addone import add_one, add_one_table

    try:
        results = [add_one(n, real=real, model=model, log=log, backend=backend.value if backend else factory.DEFAULT)
                   for n in sizes]
    except WhosaidError as exc:
        fail(exc)
    typer.echo(json.dumps([dataclasses.asdict(r) for r in results], indent=2) if as_json else add_one_table(results))
