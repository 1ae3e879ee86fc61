"""Word, PDF and web-page documents: the same story in each form is indexed and answered like the same text as
.txt, its title reaches the answers, and a damaged or hostile file of each kind costs one line."""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import shutil
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import jsonschema
import pytest

from retrieval import records as d
from retrieval.ingest.files import read_folder, read_text
from retrieval.ingest.formats.pdf import body_lines
from retrieval.store.manifest import DocEntry, Manifest
from retrieval.text.radicals import fold_radicals

from .conftest import FIXTURES, cli_env, make_engine, schema_path

STORY = FIXTURES / "story.txt"
STORY_PDF = FIXTURES / "story.pdf"   # printed from story.txt by fixtures/make_story_pdf.py
LINES = STORY.read_text(encoding="utf-8").splitlines()
TITLE = LINES[0]
QUESTIONS = {"微循环公交高峰时段发车间隔是多少？": "孙立平", "以前去地铁站要走多久？": "王秀兰"}
# Text around the article in the web page that must never be indexed.
AROUND = ("城市频道导航", "导航脚本统计代码", "地铁新线路明年开工建设规划公示", "本市公交票价调整听证会举行",
          "京ICP备", "页面底部脚本广告文字", "相关阅读")


def story_docx(path: Path, lines: list[str] = LINES) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    props = document.core_properties
    props.title, props.author, props.created = lines[0], "李明", dt.datetime(2024, 3, 5, 8, 0)
    document.save(path)
    return path


def story_html(path: Path) -> Path:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in LINES[2:])
    path.write_text(f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{TITLE}_滨海晚报</title>
<meta property="og:title" content="{TITLE}"><meta property="og:site_name" content="滨海晚报">
<meta name="author" content="李明"><meta property="article:published_time" content="2024-03-05T08:00:00+08:00">
<script>var tracker = "导航脚本统计代码";</script></head><body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/city">城市频道导航</a></li><li><a href="/sport">体育</a></li></ul></nav>
<article><h1>{TITLE}</h1><p class="byline">{LINES[1]}</p>{body}</article>
<aside class="related"><h3>相关阅读</h3><ul><li><a href="/a">地铁新线路明年开工建设规划公示</a></li>
<li><a href="/b">本市公交票价调整听证会举行</a></li></ul></aside>
<footer><p>版权所有 滨海晚报社 京ICP备00000000号 联系电话：010-00000000</p></footer>
<script>document.write("页面底部脚本广告文字");</script></body></html>""", encoding="utf-8")
    return path


MAKERS = {
    "story.txt": lambda p: Path(shutil.copy(STORY, p)),
    "story.docx": story_docx,
    "story.pdf": lambda p: Path(shutil.copy(STORY_PDF, p)),
    "story.html": story_html,
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory, embedder):
    """Each form of the story indexed in a folder of its own; the top passage of each question."""
    out = {}
    for name, make in MAKERS.items():
        folder = tmp_path_factory.mktemp(name.replace(".", "-"))
        make(folder / name)
        engine = make_engine(tmp_path_factory.mktemp("index"), folder, embedder)
        report = engine.index(folder)
        assert (report.documents, report.skipped) == (1, ()), report
        out[name] = {q: engine.ask(q, k=1).passages[0] for q in QUESTIONS}
        out[name]["document"] = engine.document(name)
    return out


@pytest.mark.parametrize("name", ["story.docx", "story.pdf", "story.html"])
def test_each_form_of_the_story_answers_as_the_text_file_does(answers, name):
    for question, speaker in QUESTIONS.items():
        plain, other = answers["story.txt"][question], answers[name][question]
        assert other.speaker == plain.speaker == speaker
        assert (other.paragraph.text, other.role, other.highlights) == (plain.paragraph.text, plain.role,
                                                                         plain.highlights)
        assert other.document.title == TITLE


def test_the_web_page_is_indexed_without_its_navigation_scripts_related_links_or_footer(answers):
    indexed = "\n".join(p.text for p in answers["story.html"]["document"])
    assert "区交通委副主任孙立平介绍" in indexed
    assert [words for words in AROUND if words in indexed] == []


def test_the_web_page_gives_its_headline_outlet_author_and_date(tmp_path):
    meta = read_text(story_html(tmp_path / "story.html")).meta
    assert (meta.title, meta.source, meta.date) == (TITLE, "滨海晚报", "2024-03-05")
    assert "李明" in meta.author


def test_the_pdf_text_is_the_story_without_header_or_page_numbers_and_with_radicals_folded():
    from pypdf import PdfReader

    layer = "".join(page.extract_text() for page in PdfReader(STORY_PDF).pages)
    assert "\u2f08" in layer and "滨海晚报" in layer and "- 2 -" in layer   # what the fixture's text layer holds
    decoded = read_text(STORY_PDF)
    assert decoded.text == STORY.read_text(encoding="utf-8").strip()    # lines rejoined into the same paragraphs
    assert decoded.meta.title == TITLE


def test_radicals_and_compatibility_ideographs_fold_to_ordinary_characters_one_for_one():
    assert fold_radicals("⼈⺠⻓⻔⻋⻘⼤\uf900") == "人民长门车青大豈"
    assert fold_radicals("王秀兰说：“好。”①") == "王秀兰说：“好。”①"   # nothing else changes


def test_page_furniture_is_recognised_at_the_edges_of_pages_only():
    body = [LINES[2:4], LINES[4:6], LINES[6:8], [LINES[1], LINES[0]]]
    body[1].insert(1, "3")          # a line of digits inside a page is text (a list's number, a figure)
    body[2].insert(1, "第2页 共4页")
    pages = [[f"滨海晚报 2024年3月{n}日", *lines, f"第{n}页 共4页"] for n, lines in enumerate(body, 1)]
    pages[1].append("- 2 -")
    pages[2].insert(0, "17")
    assert body_lines(pages) == [line for lines in body for line in lines]


def test_word_tables_and_headings_are_read_in_document_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("座谈会纪要", level=1)
    document.add_paragraph("会上，三位代表先后发言。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "张伟"
    table.cell(0, 1).text = "张伟说，今年要把职工食堂办好。"
    document.add_paragraph("会议最后作了总结。")
    document.save(tmp_path / "minutes.docx")
    decoded = read_text(tmp_path / "minutes.docx")
    assert decoded.text.splitlines() == ["座谈会纪要", "会上，三位代表先后发言。", "张伟", "张伟说，今年要把职工食堂办好。",
                                         "会议最后作了总结。"]
    assert decoded.meta.title == "座谈会纪要"    # no title property: the first heading


def test_documents_are_recognised_by_their_bytes_not_their_names(tmp_path):
    shutil.copy(STORY_PDF, tmp_path / "really-a-pdf.txt")
    story_docx(tmp_path / "really-a-docx.md")
    assert read_text(tmp_path / "really-a-pdf.txt").encoding == "pdf"
    assert read_text(tmp_path / "really-a-docx.md").encoding == "docx"
    assert read_text(STORY).meta.title == TITLE                          # a text file: its first short line


def test_extracted_text_is_held_to_the_limit_with_a_note(tmp_path, monkeypatch):
    from pypdf import PdfReader, PdfWriter

    from retrieval.ingest.formats import lines, pdf

    writer = PdfWriter()
    for _ in range(4):
        for page in PdfReader(STORY_PDF).pages:
            writer.add_page(page)
    writer.write(tmp_path / "long.pdf")
    monkeypatch.setattr(pdf, "MAX_PDF_PAGES", 3)
    decoded = read_text(tmp_path / "long.pdf")
    assert decoded.notes and "only the first 3 read" in decoded.notes[0]
    monkeypatch.setattr(lines, "MAX_TEXT_CHARS", 200)
    decoded = read_text(story_docx(tmp_path / "story.docx"))
    assert len(decoded.text) <= 200 and "characters not read" in decoded.notes[-1]


def test_an_old_manifest_without_titles_still_loads():
    entry = {"name": "a.txt", "hash": "0" * 32, "encoding": "utf-8", "paragraphs": 3}
    manifest = Manifest.from_json({"format_version": 4, "model_id": "m", "dim": 2, "count": 3, "next_id": 3,
                                   "faiss_version": "1", "engine_version": "0", "built_at": "", "documents": [entry]})
    assert manifest.documents == (DocEntry("a.txt", "0" * 32, "utf-8", 3),)
    assert manifest.documents[0].meta == d.DocMeta()


def whosaid(*args, index_dir):
    return subprocess.run([sys.executable, "-m", "retrieval", *args], capture_output=True, text=True,
                          env=cli_env(index_dir), timeout=600)


def test_titles_appear_in_ask_json_and_in_the_human_answer(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    story_docx(docs / "story.docx")
    story_html(docs / "story.html")   # the page's text lacks the byline: not a duplicate of the Word file
    index_dir = tmp_path / "index"
    done = whosaid("index", str(docs), index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    done = whosaid("ask", "以前去地铁站要走多久？", "--json", "-k", "4", index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    jsonschema.validate(answer, json.loads(schema_path().read_text(encoding="utf-8")))
    by_doc = {p["doc"]: p for p in answer["passages"]}
    word, page = by_doc["story.docx"], by_doc["story.html"]
    assert (word["doc_title"], word["doc_author"], word["doc_date"], word["doc_source"]) == (
        TITLE, "李明", "2024-03-05", None)
    assert (page["doc_title"], page["doc_source"], page["doc_date"]) == (TITLE, "滨海晚报", "2024-03-05")
    done = whosaid("ask", "以前去地铁站要走多久？", "-k", "1", index_dir=index_dir)
    assert f"《{TITLE}》" in done.stdout


def test_the_source_view_and_the_evidence_show_the_headline(answers):
    from ui.render import document_html, evidence_log

    passage = answers["story.html"]["以前去地铁站要走多久？"]
    page = document_html(answers["story.html"]["document"], passage.paragraph.number, passage.document)
    assert page.index(f'<h3 class="whosaid-doc-title">{TITLE}</h3>') < page.index("whosaid-marked")
    assert "滨海晚报 · " in page
    assert f"《{TITLE}》" in evidence_log(passage, "zh", "high")


def zip_bomb(path: Path, megabytes: int = 120) -> Path:
    """A zip named .docx whose word/document.xml inflates to `megabytes` of zeros (about 0.1% of that on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return path


def blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.write(path)
    return path


def test_a_zip_bomb_named_docx_is_refused_from_its_directory_without_inflating(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        items = list(read_folder(tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert items == [d.Skipped("bomb.docx", items[0].reason)]
    assert "would unpack to 126 MB" in items[0].reason and "zip bomb" in items[0].reason
    assert peak < 20_000_000


def test_damaged_and_hostile_documents_each_cost_one_line_and_the_rest_is_indexed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(STORY, docs / "story.txt")
    whole = story_docx(tmp_path / "whole.docx").read_bytes()
    (docs / "truncated.docx").write_bytes(whole[: len(whole) // 2])
    zip_bomb(docs / "bomb.docx")
    blank_pdf(docs / "scan.pdf")
    (docs / "garbage.pdf").write_bytes(random.Random(15).randbytes(50_000))
    (docs / "cut.pdf").write_bytes(STORY_PDF.read_bytes()[:4000])
    (docs / "empty.html").write_text("<!doctype html><html><body><script>document.write('首页')</script></body></html>",
                                     encoding="utf-8")
    done = whosaid("index", str(docs), index_dir=tmp_path / "index")
    assert done.returncode == 3, done.stderr       # EXIT_SKIPPED: indexed, with files passed over
    assert "1 documents" in done.stdout
    lines = done.stderr.strip().splitlines()
    bad = ("truncated.docx", "bomb.docx", "scan.pdf", "garbage.pdf", "cut.pdf", "empty.html")
    assert sorted(line.split(":")[1].split()[-1] for line in lines) == sorted(bad), lines
    reasons = {name: line for name in bad for line in lines if f" {name}:" in line}
    assert "OCR it first" in reasons["scan.pdf"]
    assert "zip bomb" in reasons["bomb.docx"]
    assert "not a PDF" in reasons["garbage.pdf"]
    assert "Traceback" not in done.stderr


def test_a_title_changed_without_the_text_is_rewritten_and_its_vectors_reused(tmp_path, embedder):
    import docx

    docs = tmp_path / "docs"
    docs.mkdir()
    path = story_docx(docs / "story.docx")
    engine = make_engine(tmp_path / "index", docs, embedder)
    engine.index(docs)
    document = docx.Document(path)
    document.core_properties.title = "微循环公交月底开通（修订）"
    document.save(path)
    report = engine.index(docs)
    assert (report.changed, report.unchanged, report.embedded, report.written) == (("story.docx",), 0, 0, True)
    assert engine.ask("以前去地铁站要走多久？", k=1).passages[0].document.title == "微循环公交月底开通（修订）"
    assert engine.index(docs).written is False     # and then it is up to date
