"""The Quotes view's table, filters, search and downloads, and the citations a journalist copies, on the
seed and the GBK report; and the page following an index that another engine rewrites."""

from __future__ import annotations

import csv
import io
import json

import gradio as gr
import pytest

from retrieval.labels import citation, passage_citation, quote_citation, quoted
from retrieval.records import DocMeta, Role
from retrieval.search.browse import QuoteRow
from ui import quotes
from ui.app import build_app, chat
from ui.listing import Follower, Listing
from ui.render import answer_messages, escape

from .conftest import FIXTURES, make_engine

SEED_TITLE = "市工会系统专题培训班学员代表交流学习体会——"


@pytest.fixture(scope="module")
def listing(engine) -> Listing:
    return Follower(engine).current()


def test_the_table_filters_by_speaker_document_own_words_and_search(listing):
    everyone = quotes.filter_rows(listing)
    assert len(everyone) == len(listing.quotes) > 20
    wang = quotes.filter_rows(listing, speaker="王文军")
    assert wang and {r.speaker for r in wang} == {"王文军"} and len(wang) < len(everyone)
    own = quotes.filter_rows(listing, speaker="王文军", own_words=True)
    assert own and {r.role for r in own} == {Role.QUOTE} and len(own) < len(wang)
    seed = quotes.filter_rows(listing, doc="000_805b274e1e5db619.txt")
    assert seed and {r.doc for r in seed} == {"000_805b274e1e5db619.txt"} and len(seed) < len(everyone)
    # every word must occur, in the words, the speaker, the title or the document's headline
    assert [r.text for r in quotes.filter_rows(listing, search="开门七件事 制度")] == [
        r.text for r in wang if "开门七件事" in r.text and "制度" in r.text] != []
    assert quotes.filter_rows(listing, search="总工会党组书记") == wang  # the speaker's title
    assert quotes.filter_rows(listing, search="ＡＢＣ不存在的词") == []


def test_table_rows_show_the_documents_headline_and_a_bilingual_role(listing):
    rows = quotes.filter_rows(listing, speaker="王文军", own_words=True)
    shown = quotes.table(rows, listing)
    assert shown[0] == ["王文军", "朝阳区总工会党组书记、主席", "原话 direct quote", rows[0].text, SEED_TITLE,
                        str(rows[0].paragraph)]
    assert quotes.speaker_choices(listing)[0][1] == quotes.ALL
    assert ("王文军（9）", "王文军") in quotes.speaker_choices(listing)
    assert (SEED_TITLE, "000_805b274e1e5db619.txt") in quotes.document_choices(listing)


def test_the_csv_opens_in_excel_and_holds_the_filtered_rows_with_their_citations(listing, tmp_path):
    got = quotes.show(listing, "王文军", quotes.ALL, False, "", tmp_path)
    data = got.csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark, for Excel"
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(records) == len(got.rows) == 9 and {r["speaker"] for r in records} == {"王文军"}
    assert records[0]["doc_title"] == SEED_TITLE and records[0]["citation"].startswith("“")
    assert "—— 王文军（朝阳区总工会党组书记、主席），《" in records[0]["citation"]
    assert b"\r\n" in data
    lines = got.jsonl.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == [r.text for r in got.rows]
    assert "王文军" in lines[0], "characters as they are, not \\u escapes"
    assert quotes.show(listing, "王文军", quotes.ALL, False, "", tmp_path).csv == got.csv, "same rows, same file"


def test_the_download_folder_keeps_only_the_newest_files(tmp_path):
    first = quotes.write_download(b"first", tmp_path, "q.csv")
    for i in range(quotes.KEEP_DOWNLOADS + 5):
        quotes.write_download(str(i).encode(), tmp_path, "q.csv")
        if i == quotes.KEEP_DOWNLOADS // 2:
            assert quotes.write_download(b"first", tmp_path, "q.csv") == first  # reused, so kept
    files = list(tmp_path.glob("*/*"))
    assert len(files) == quotes.KEEP_DOWNLOADS and first in files
    assert quotes.write_download(b"0", tmp_path, "q.csv").read_bytes() == b"0"


def test_a_cell_excel_would_run_as_a_formula_is_neutralised_in_the_csv_only():
    row = QuoteRow("李强", None, Role.QUOTE, None, "=HYPERLINK(\"http://203.0.113.9\")", "a.txt", 1, 0, 30, 1)
    listing = Listing("g", (), (row,), {"a.txt": DocMeta(title="-标题")})
    records = quotes.export_records([row], listing)
    parsed = next(csv.DictReader(io.StringIO(quotes.csv_bytes(records).decode("utf-8-sig"))))
    assert parsed["text"] == "'=HYPERLINK(\"http://203.0.113.9\")" and parsed["doc_title"] == "'-标题"
    assert json.loads(quotes.jsonl_bytes(records))["text"] == row.text


def test_a_picked_row_opens_its_paragraph_marked_in_its_document_even_after_sorting(engine, listing):
    rows = quotes.filter_rows(listing, speaker="赵莹")
    shown = quotes.table(rows, listing)
    # the browser sorted the table: position 0 now shows the last row; its values decide
    assert quotes.pick_row(rows, listing, [0, 3], shown[-1]) == rows[-1]
    assert quotes.pick_row(rows, listing, [1, 0], None) == rows[1]
    assert quotes.pick_row(rows, listing, [99, 0], None) is None
    cite, page = quotes.open_row(engine, listing, rows[-1])
    assert 'id="whosaid-marked"' in page and f'<h3 class="whosaid-doc-title">{SEED_TITLE}</h3>' in page
    marked = page.split('id="whosaid-marked"')[1].split("</p>")[0]
    assert rows[-1].text[:10] in marked
    assert cite.endswith(f"第{rows[-1].paragraph}段") and "赵莹" in cite


def test_a_speaker_or_document_no_longer_indexed_gets_a_bilingual_note(engine, listing, tmp_path):
    got = quotes.show(listing, "王不在", quotes.ALL, False, "", tmp_path)
    assert "王不在" in got.note and "索引里已经没有" in got.note and "no longer in the index" in got.note
    assert got.table == [] and got.csv is None
    assert "no longer in the index" in quotes.show(listing, quotes.ALL, "gone.txt", False, "", tmp_path).note
    messages, _, _ = chat(engine, "工会工作有什么体会？", [], "王不在", None, [])
    assert "索引里已经没有" in messages[0]["content"] and "no speaker called" not in messages[0]["content"]


def test_quoted_words_lose_the_documents_own_marks_and_nest_inner_ones():
    assert quoted("“前不久，开会了。”") == "“前不久，开会了。”"
    assert quoted("“以前要走二十分钟。”王秀兰说。") == "“以前要走二十分钟。”"
    assert quoted("“路修好了，”他说，“车也通了。”") == "“路修好了，……车也通了。”"
    assert quoted("做好“开门七件事”，推动创新。") == "“做好‘开门七件事’，推动创新。”"
    assert quoted("第一行\n第二行") == "“第一行 第二行”"


def test_a_citation_names_the_speaker_title_document_outlet_date_and_paragraph():
    meta = DocMeta(title="社区微循环公交线路月底开通", source="滨海日报", date="2024-03-05")
    assert citation("“线路月底开通。”", "付明远", "区交通委副主任", Role.QUOTE, None, "a.txt", 4, meta) == (
        "“线路月底开通。” —— 付明远（区交通委副主任），《社区微循环公交线路月底开通》，滨海日报/2024-03-05，第4段")
    # a paraphrase or somebody quoted by the speaker says so; a document without a headline gives its name
    assert citation("他说线路月底开通", "付明远", None, Role.PARAPHRASE, None, "a.txt", 2, DocMeta()) == (
        "“他说线路月底开通”（转述） —— 付明远，a.txt，第2段")
    assert "（引述李四）" in citation("x", "张三", None, Role.CITED, "李四", "a.txt", 1, DocMeta())


def test_each_passage_offers_its_citation_escaped_as_all_document_text_is(engine):
    answer = engine.ask("王文军怎么看工会组织全覆盖？", k=3)
    top = answer.passages[0]
    cite = passage_citation(top)
    assert cite.startswith("“") and "全覆盖" in cite and "<mark>" not in cite
    assert f"—— 王文军（朝阳区总工会党组书记、主席），《{SEED_TITLE}》，第{top.paragraph.number}段" in cite
    messages = answer_messages(answer, [])
    cite_html = f'<span class="whosaid-cite" title="点击复制 · Click to copy">{escape(cite)}</span>'
    assert cite_html in messages[1]["content"]  # after the words, before the link that opens the document
    assert quote_citation(quotes.filter_rows(Follower(engine).current(), speaker="王文军")[0],
                          DocMeta(title=SEED_TITLE)).endswith("第6段")


def test_a_direct_quote_cites_the_quoted_words_and_adjacent_utterances_need_no_ellipsis(engine):
    import dataclasses

    from retrieval.records import Utterance

    top = engine.ask("王文军怎么看工会组织全覆盖？", k=1).passages[0]
    text = "他说，要推进规范化。“要做好七件事。”他还说，“要精准服务。”"
    utterances = (Utterance(0, 10, "王文军", Role.PARAPHRASE), Utterance(10, 19, "王文军", Role.QUOTE),
                  Utterance(19, 31, "王文军", Role.QUOTE))
    paragraph = dataclasses.replace(top.paragraph, text=text, utterances=utterances)
    quote = dataclasses.replace(top, paragraph=paragraph, role=Role.QUOTE, highlights=((0, 31),))
    assert passage_citation(quote).startswith("“要做好七件事。……要精准服务。” —— 王文军")
    paraphrase = dataclasses.replace(quote, role=Role.PARAPHRASE, highlights=((0, 5),))
    assert passage_citation(paraphrase).startswith("“他说，要推进规范化。”（转述） —— 王文军")


def _story(folder, name: str) -> None:
    folder.mkdir(exist_ok=True)
    text = (FIXTURES / "story.txt").read_text(encoding="utf-8").replace("孙立平", name)
    (folder / "story.txt").write_text(text, encoding="utf-8")


def _handler(app, name: str):
    return next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == name)


def test_the_page_follows_an_index_another_engine_rewrites(tmp_path, embedder):
    docs = tmp_path / "docs"
    _story(docs, "孙立平")
    page_engine = make_engine(tmp_path / "ix", docs, embedder)
    page_engine.index(docs)
    app = build_app(page_engine)
    follow = _handler(app, "follow")
    seen = page_engine.store.current_generation()
    assert all(x == gr.skip() for x in follow(seen, "孙立平", "孙立平", "", False, "")), "nothing to do"

    _story(docs, "付明远")  # another process (here another Engine) writes the next generation
    writer = make_engine(tmp_path / "ix", docs, embedder)
    writer.index(docs)
    out = follow(seen, "孙立平", "孙立平", "", False, "")
    generation, radio, chatbot, q_speaker, q_doc, note, table, *_ = out
    assert generation == page_engine.store.current_generation() != seen
    names = [value for _, value in radio.choices]
    assert "付明远" in names and "孙立平" not in names and radio.value == ""
    assert any("付明远" in e["text"] or "Fu Mingyuan" in e["text"] for e in chatbot.examples)
    assert ("付明远（2）", "付明远") in q_speaker.choices and q_speaker.value == ""
    assert "孙立平" in note and "no longer in the index" in note
    assert any(row[0] == "付明远" for row in table)
    # a page that still sends the old speaker gets the friendly note, in both languages
    messages, *_ = chat(page_engine, "交通委怎么说？", [], "孙立平", None, [])
    assert "索引里已经没有“孙立平”" in messages[0]["content"] and "no speaker called" not in messages[0]["content"]
    messages, *_ = chat(page_engine, "交通委怎么说？", [], "付明远", None, [])
    assert "付明远" in messages[0]["content"]
