"""The "Quotes · 言论" view: every utterance as a table, filtered and searched, each row opening its passage
in its document, and the rows shown downloadable as CSV and JSON Lines.

The functions take a Listing (ui/listing.py) and return plain values, so they are tested without a browser;
QuotesView only wires them to Gradio components.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from retrieval.engine import Engine
from retrieval.errors import WhosaidError
from retrieval.labels import ROLE_LABELS, quote_citation
from retrieval.public import QUOTE_FIELDS, quote_json
from retrieval.records import Role
from retrieval.search.browse import QuoteRow

from .listing import Follower, Listing
from .render import document_html, escape

ALL = ""
OWN_WORDS = (Role.QUOTE, Role.TURN)   # a speaker's own words: in quotation marks, or a transcript's line
HEADERS = ["发言人 · Speaker", "职务 · Title", "方式 · Role", "原文 · Words", "文档 · Document", "段 · ¶"]
MAX_SHOWN = 1000                      # rows on screen; the downloads hold every row that matches
EXPORT_FIELDS = (*QUOTE_FIELDS, "doc_title", "doc_source", "doc_date", "citation")
# Excel runs a cell that starts with one of these as a formula (=HYPERLINK(...) from a hostile page).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def downloads_root() -> Path:
    """Where the Quotes view writes its downloads: inside Gradio's upload folder, so that Gradio hands out
    the file itself instead of copying it to a cache the page's server may not serve (the server sends its
    uploads to a folder of its own), and served because the server allows this folder by name."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / "whosaid-downloads"


def gone_note(name: str) -> str:
    """What a filter on a speaker the index no longer holds says (plain text)."""
    return (f"索引里已经没有“{name}”了（文档可能已更新），请重新选择发言人或清除筛选。"
            f" · {name} is no longer in the index (the documents changed); pick a speaker again or clear the filter.")


def role_text(role: Role) -> str:
    return f"{ROLE_LABELS['zh'].get(role, role)} {ROLE_LABELS['en'].get(role, role)}"


def speaker_choices(listing: Listing) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    for row in listing.quotes:
        counts[row.speaker] = counts.get(row.speaker, 0) + 1
    return [("全部发言人 · All speakers", ALL)] + [(f"{name}（{n}）", name) for name, n in counts.items()]


def document_choices(listing: Listing) -> list[tuple[str, str]]:
    return [("全部文档 · All documents", ALL)] + [(listing.title(doc), doc) for doc in listing.documents]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def filter_rows(listing: Listing, speaker: str | None = None, doc: str | None = None, own_words: bool = False,
                search: str = "") -> list[QuoteRow]:
    """The rows of this speaker and document, only their own words if asked, holding every search word."""
    words = _fold(search or "").split()
    out = []
    for row in listing.quotes:
        if (speaker and row.speaker != speaker) or (doc and row.doc != doc) or (own_words and row.role not in OWN_WORDS):
            continue
        if words:
            hay = _fold(" ".join(x or "" for x in (row.text, row.speaker, row.speaker_title, row.cited,
                                                   listing.title(row.doc))))
            if not all(w in hay for w in words):
                continue
        out.append(row)
    return out


def table(rows: list[QuoteRow], listing: Listing) -> list[list[str]]:
    """The rows as the table shows them (strings throughout, so a selected row compares equal)."""
    return [[r.speaker, r.speaker_title or "", role_text(r.role) + (f" {r.cited}" if r.cited else ""), r.text,
             listing.title(r.doc), str(r.paragraph)] for r in rows[:MAX_SHOWN]]


def export_records(rows: list[QuoteRow], listing: Listing) -> list[dict]:
    """The public quote form (as /api/quotes gives it) with the document's headline, outlet, date and the
    row's ready-to-paste citation."""
    out = []
    for r in rows:
        meta = listing.meta(r.doc)
        out.append({**quote_json(r), "doc_title": meta.title, "doc_source": meta.source, "doc_date": meta.date,
                    "citation": quote_citation(r, meta)})
    return out


def _cell(value):
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def csv_bytes(records: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark: Excel opens a CSV without one in the computer's ANSI code page (GBK,
    cp1252) and shows Chinese as mojibake; with it, Excel, LibreOffice and Numbers all read UTF-8.
    CRLF rows, as RFC 4180 and Excel write them; cells Excel would run as formulas start with '."""
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in r.items()} for r in records)
    return stream.getvalue().encode("utf-8-sig")


def jsonl_bytes(records: list[dict]) -> bytes:
    """One JSON object a line, the characters as they are (no \\u escapes), the text exactly as indexed."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


KEEP_DOWNLOADS = 64                   # files kept in the view's folder; Gradio serves its own copies


def write_download(data: bytes, folder: Path, name: str) -> Path:
    """The file under a folder named for its content: the same rows give the same file, written once.
    The oldest go once there are more than KEEP_DOWNLOADS, so a long-running page does not fill the disk."""
    path = folder / hashlib.sha256(data).hexdigest()[:16] / name
    if path.exists():
        os.utime(path)  # in use again: the newest, not the next to go
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files = sorted(folder.glob("*/*"), key=lambda p: p.stat().st_mtime)
        for old in files[:max(0, len(files) - KEEP_DOWNLOADS)]:
            old.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                old.parent.rmdir()
    return path


def count_note(total: int) -> str:
    more = (f"（显示前 {MAX_SHOWN} 条，下载包含全部 · the first {MAX_SHOWN} are shown, the downloads hold all）"
            if total > MAX_SHOWN else "")
    return f"共 {total} 条 · {total} utterances{more}。点一行查看原文 · Pick a row to see it in its document."


def pick_row(rows: list[QuoteRow], listing: Listing, index, row_value) -> QuoteRow | None:
    """The row the user picked: found by its values, which stay right when the table was sorted in the
    browser, else by its position."""
    if row_value is not None:
        values = [str(v) for v in row_value]
        for row, shown in zip(rows, table(rows, listing)):
            if shown == values:
                return row
    position = index[0] if isinstance(index, (list, tuple)) and index else index
    return rows[position] if isinstance(position, int) and 0 <= position < min(len(rows), MAX_SHOWN) else None


def open_row(engine: Engine, listing: Listing, row: QuoteRow | None) -> tuple[str, str]:
    """The picked row's citation, and its document with the row's paragraph marked."""
    if row is None:
        return "", "<p>点一行查看原文 · Pick a row to see it in its document.</p>"
    try:
        page = document_html(engine.document(row.doc), row.paragraph, listing.meta(row.doc))
    except WhosaidError as exc:  # the document left the index since the table was drawn
        return "", f"<p>{escape(str(exc))}</p>"
    return quote_citation(row, listing.meta(row.doc)), page


@dataclass(frozen=True)
class Shown:
    """What one setting of the filters shows: the note, the table, its rows and the two downloads."""

    note: str
    table: list[list[str]]
    rows: list[QuoteRow]
    csv: Path | None
    jsonl: Path | None


def show(listing: Listing, speaker: str | None, doc: str | None, own_words: bool, search: str,
         folder: Path) -> Shown:
    if speaker and not any(r.speaker == speaker for r in listing.quotes):
        return Shown(escape(gone_note(speaker)), [], [], None, None)
    if doc and doc not in listing.documents:
        note = "索引里已经没有这个文档了，请重新选择。 · That document is no longer in the index; pick another."
        return Shown(note, [], [], None, None)
    rows = filter_rows(listing, speaker, doc, own_words, search)
    records = export_records(rows, listing)
    return Shown(count_note(len(rows)), table(rows, listing), rows,
                 write_download(csv_bytes(records), folder, "whosaid-quotes.csv"),
                 write_download(jsonl_bytes(records), folder, "whosaid-quotes.jsonl"))


class QuotesView:
    """The tab's components and their events. `refresh` redraws the filters and the table for a Listing of
    a new generation (the page's timer calls it), keeping the user's filters where they still apply."""

    def __init__(self, engine: Engine, follower: Follower) -> None:
        self.engine, self.follower = engine, follower
        root = downloads_root()
        root.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="quotes-", dir=root))

    def build(self) -> None:
        import gradio as gr

        listing = self.follower.current()
        first = show(listing, ALL, ALL, False, "", self.folder)
        with gr.Row(elem_id="quotes-filters"):
            self.speaker = gr.Dropdown(speaker_choices(listing), value=ALL, label="发言人 · Speaker",
                                       elem_id="quotes-speaker", min_width=180)
            self.doc = gr.Dropdown(document_choices(listing), value=ALL, label="文档 · Document",
                                   elem_id="quotes-doc-filter", min_width=180)
            self.search = gr.Textbox(label="搜索 · Search", placeholder="词语 · words", elem_id="quotes-search",
                                     min_width=180)
            self.own = gr.Checkbox(label="只看原话 · Direct quotes only", elem_id="quotes-own", min_width=180)
        self.note = gr.Markdown(first.note, elem_id="quotes-note")
        self.table = gr.Dataframe(first.table, headers=HEADERS, datatype="str", interactive=False, wrap=True,
                                  max_height=480, column_widths=["10%", "14%", "10%", "42%", "17%", "7%"],
                                  pinned_columns=1, elem_id="quotes-table")
        self.rows = gr.State(first.rows)
        with gr.Row(elem_id="quotes-downloads"):
            self.csv = gr.DownloadButton("下载 CSV（Excel）· Download CSV", value=first.csv, size="sm",
                                         elem_id="quotes-csv", min_width=160)
            self.jsonl = gr.DownloadButton("下载 JSON Lines · Download JSONL", value=first.jsonl, size="sm",
                                           elem_id="quotes-jsonl", min_width=160)
        self.citation = gr.Textbox(label="引用（可复制）· Citation to copy", buttons=["copy"], interactive=False,
                                   lines=2, elem_id="quotes-citation",
                                   placeholder="点一行，这里给出可以粘贴的引用 · Pick a row for a citation to paste")
        self.document = gr.HTML(open_row(self.engine, listing, None)[1], elem_id="quotes-doc")
        filters = [self.speaker, self.doc, self.own, self.search]
        for event in (self.speaker.change, self.doc.change, self.own.change, self.search.change):
            event(self.update, filters, self.outputs, api_visibility="undocumented", trigger_mode="always_last")

        def pick(rows, evt: gr.SelectData):
            listing = self.follower.current()
            return open_row(self.engine, listing, pick_row(rows, listing, evt.index, evt.row_value))

        # Gradio passes the selection to a parameter annotated SelectData; with postponed annotations the
        # string "gr.SelectData" cannot be resolved here (gradio is imported in this function only).
        pick.__annotations__["evt"] = gr.SelectData

        self.table.select(pick, self.rows, [self.citation, self.document], api_visibility="undocumented").then(
            None, None, None, js="() => document.querySelector('#quotes-doc #whosaid-marked')"
                                 "?.scrollIntoView({block: 'center'})")

    @property
    def outputs(self) -> list:
        return [self.note, self.table, self.rows, self.csv, self.jsonl]

    def update(self, speaker: str | None, doc: str | None, own: bool, search: str) -> tuple:
        got = show(self.follower.current(), speaker, doc, bool(own), search or "", self.folder)
        return got.note, got.table, got.rows, got.csv, got.jsonl

    def refresh(self, listing: Listing, speaker: str | None, doc: str | None, own: bool, search: str) -> list:
        """Updates for [speaker filter, document filter, *outputs] after the index changed."""
        import gradio as gr

        note = ""
        if speaker and not any(r.speaker == speaker for r in listing.quotes):
            note, speaker = gone_note(speaker) + "\n\n", ALL
        doc = doc if doc in listing.documents else ALL
        got = show(listing, speaker, doc, bool(own), search or "", self.folder)
        return [gr.Dropdown(choices=speaker_choices(listing), value=speaker),
                gr.Dropdown(choices=document_choices(listing), value=doc),
                escape(note) + got.note, got.table, got.rows, got.csv, got.jsonl]
