"""The documents panel: add files to the index from the page, watch them indexed, list and remove them.

Plain functions do the work (tested on a real engine); documents_panel() lays them out in the Blocks and
hands the page's speaker filter and examples the index as it is after each change.

Gradio writes each uploaded file into the server's upload folder (ui/uploads.UploadSpool); the panel
reads it, within the size limit, and deletes it at once: the engine keeps its own copy in the index's
documents/ folder.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from retrieval.engine import Engine
from retrieval.errors import WhosaidError
from retrieval.ingest.files import SUFFIXES
from retrieval.records import IndexReport

from .render import escape

STAGES = {"Reading": "读取 · Reading", "Embedding": "向量化 · Embedding", "Segmenting": "分析发言 · Finding speakers"}
BREAK = "  \n"   # markdown's line break: one status line under another
POLL_S = 0.5   # how often the status line says how far indexing has got


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def limits_note(engine: Engine) -> str:
    s = engine.settings
    return (f"可添加 {' '.join(SUFFIXES)}；每次最多 {s.max_upload_files} 个文件，每个不超过 {_mb(s.max_file_bytes)}。"
            f" · Add {', '.join(SUFFIXES)} files: up to {s.max_upload_files} at a time, "
            f"{_mb(s.max_file_bytes)} each.")


def read_uploads(paths: list[str], max_bytes: int) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, bytes) of each uploaded file within `max_bytes`, and a line for each one that is not:
    a file's size is looked at before it is read, and no more than the limit is ever read."""
    files, refused = [], []
    for path in paths:
        name = Path(path).name
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                data = handle.read(max_bytes + 1) if size <= max_bytes else b""
        except OSError as exc:
            refused.append(f"{escape(name)}: cannot be read ({escape(exc.strerror or str(exc))})")
            continue
        if size > max_bytes or len(data) > max_bytes:
            refused.append(f"{escape(name)}: {_mb(max(size, len(data)))} is larger than the {_mb(max_bytes)} limit")
            continue
        files.append((name, data))
    return files, refused


def discard(paths: list[str]) -> None:
    """Delete Gradio's copies of the uploaded files (and the folder Gradio made for each, once empty)."""
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))


def report_lines(report: IndexReport) -> str:
    lines = []
    if report.added:
        lines.append(f"✓ 已添加 · Added: {escape('、'.join(report.added))}")
    lines += [f"⚠ 未添加 · Refused — {escape(s.path)}: {escape(s.reason)}" for s in report.skipped]
    lines += [f"ℹ {escape(n)}" for n in report.notes]
    if report.written:
        lines.append(f"索引现有 {report.documents} 篇文档、{report.paragraphs} 段。 · "
                     f"The index now holds {report.documents} documents, {report.paragraphs} paragraphs.")
    return BREAK.join(lines)


def add_uploaded(engine: Engine, paths: list[str] | None, poll: float = POLL_S) -> Iterator[str]:
    """Status lines while the uploaded files are added: how far indexing has got, then what was added
    and each refused file's reason. Gradio's copies are deleted once read."""
    paths = [str(p) for p in paths or () if p]
    if not paths:
        yield "请选择要添加的文件。 · Choose files to add."
        return
    limit = engine.settings.max_upload_files
    try:
        if len(paths) > limit:
            yield (f"⚠ 一次最多 {limit} 个文件（本次 {len(paths)} 个）。 · {len(paths)} files at once; "
                   f"the limit is {limit}.")
            return
        files, refused = read_uploads(paths, engine.settings.max_file_bytes)
    finally:
        discard(paths)
    refused = [f"⚠ 未添加 · Refused — {line}" for line in refused]
    if not files:
        yield BREAK.join(refused)
        return
    yield from _indexing(engine, files, refused, poll)


def _indexing(engine: Engine, files: list[tuple[str, bytes]], refused: list[str], poll: float) -> Iterator[str]:
    latest: list[tuple[str, int, int]] = []
    outcome: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        latest[:] = [(stage, done, total)]

    def work() -> None:
        try:
            outcome["report"] = engine.add_files(files, progress)
        except WhosaidError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown as a line, never as a page that stops answering
            outcome["error"] = f"indexing failed: {type(exc).__name__}: {exc}"

    thread = threading.Thread(target=work, name="whosaid-upload", daemon=True)
    thread.start()
    names = "、".join(name for name, _ in files)
    while thread.is_alive():
        thread.join(poll)
        if thread.is_alive():
            stage, done, total = latest[0] if latest else ("Reading", 0, len(files))
            yield (f"… 正在索引 · Indexing {escape(names)} — {STAGES.get(stage, escape(stage))} {done}/{total}")
    if "error" in outcome:
        yield BREAK.join([f"⚠ {escape(outcome['error'])}", *refused])
        return
    text = report_lines(outcome["report"])
    yield BREAK.join([*refused, text] if refused else [text])


def document_choices(engine: Engine) -> list[tuple[str, str]]:
    out = []
    for d in engine.documents():
        out.append((f"{d.title} ({d.name})" if d.title and d.title != d.name else d.name, d.name))
    return out


def documents_markdown(engine: Engine) -> str:
    """The document list: title, where it came from, paragraphs and speakers."""
    lines = []
    for d in engine.documents():
        origin = "上传 · upload" if d.origin == "upload" else (d.origin or "—")
        who = "、".join(d.speakers) if d.speakers else "—"
        title = escape(d.title or d.name)
        name = f" · {escape(d.name)}" if d.title and d.title != d.name else ""
        lines.append(f"- **{title}**{name}  \n  来源 · origin: {escape(origin)} · {d.paragraphs}段 paragraphs"
                     f" · 发言人 · speakers: {escape(who)}")
    return "\n".join(lines) or "索引中没有文档。 · No documents are indexed."


def remove(engine: Engine, name: str | None) -> str:
    """Remove one document; the line saying what happened."""
    if not name:
        return "请先选择要移除的文档。 · Choose a document to remove."
    try:
        report = engine.remove_document(name)
    except WhosaidError as exc:
        return f"⚠ {escape(str(exc))}"
    return (f"✓ 已移除 · Removed {escape(name)}。索引现有 {report.documents} 篇文档。 · "
            f"The index now holds {report.documents} documents.")


CANCELLED = "\x00"   # what the browser sends when the user did not confirm a removal
# Run in the browser before a removal reaches the server: nothing is removed unless the user confirms.
CONFIRM_REMOVE = ("(name, current) => [!name || window.confirm('移除文档 · Remove the document “' + name + '”?')"
                  " ? name : '\\u0000', current]")


def documents_panel(engine: Engine, speaker, chatbot, speaker_choices: Callable, examples_of: Callable) -> None:
    """The panel, placed where it is called inside build_app's Blocks. After each change the speaker
    filter gets the index's speakers (keeping the one chosen, if still there) and the chat its examples."""
    import gradio as gr

    def follow(current):
        infos = engine.speakers()
        choices = speaker_choices(infos)
        keep = current if any(value == current for _, value in choices) else choices[0][1]
        examples = examples_of(infos)
        return (gr.Radio(choices=choices, value=keep),
                gr.Chatbot(examples=[{"text": q} for q in examples], placeholder="例如 · e.g. " + escape(examples[0])),
                documents_markdown(engine), gr.Dropdown(choices=document_choices(engine), value=None))

    with gr.Accordion("文档 · Documents", open=False, elem_id="documents"):
        gr.Markdown(limits_note(engine), elem_id="documents-limits")
        files = gr.File(file_count="multiple", file_types=list(SUFFIXES), type="filepath",
                        label="添加文档 · Add documents", elem_id="documents-upload", height=150)
        status = gr.Markdown("", elem_id="documents-status")
        listing = gr.Markdown(documents_markdown(engine), elem_id="documents-list")
        with gr.Row(equal_height=False):
            pick = gr.Dropdown(choices=document_choices(engine), value=None, label="移除文档 · Remove a document",
                               elem_id="documents-pick", scale=3, min_width=200)
            drop = gr.Button("移除 · Remove", variant="stop", scale=0, min_width=170, elem_id="documents-remove")

    def added(paths, current):
        skip = (gr.skip(),) * 5
        for line in add_uploaded(engine, paths):
            yield (line, *skip)
        yield (gr.skip(), None, *follow(current))

    def removed(name, current):
        if name == CANCELLED:
            return (gr.skip(),) * 5
        return (remove(engine, name), *follow(current))

    after = [speaker, chatbot, listing, pick]
    files.upload(added, [files, speaker], [status, files, *after], api_visibility="undocumented",
                 show_progress="minimal", concurrency_limit=1)
    drop.click(removed, [pick, speaker], [status, *after], js=CONFIRM_REMOVE, api_visibility="undocumented",
               concurrency_limit=1)
