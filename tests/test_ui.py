"""The chat page, started for real and driven through gradio_client as a script or a colleague would."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from retrieval.conversation import Memory
from ui.app import chat, example_questions
from ui.render import escape, marked_text

from .conftest import make_engine

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture
def client(server):
    return gradio_client.Client(server, verbose=False)


def ask(client, question, speaker=""):
    messages, _sources = client.predict(question, speaker, api_name="/chat")
    return messages


def evidence(messages):
    return [m for m in messages if m.get("metadata", {}).get("title")]


def test_an_answer_names_the_speaker_then_shows_highlighted_evidence(client):
    messages = ask(client, "王文军怎么看工会组织全覆盖？")
    assert messages[0]["content"].startswith("说这话的是") and "王文军" in messages[0]["content"]
    entries = evidence(messages)
    assert "朝阳区总工会党组书记、主席" in entries[0]["metadata"]["title"]
    assert "<mark>" in entries[0]["content"] and "全覆盖" in entries[0]["content"].split("<mark>")[1]
    assert messages[-1]["options"], "follow-up chips"


def test_english_questions_get_english_labels(client):
    messages = ask(client, "What did Zhou Yibing say about setting up a union?")
    assert messages[0]["content"].startswith("Said by") and "周义兵" in messages[0]["content"]
    assert "¶" in evidence(messages)[0]["metadata"]["log"]


def test_the_speaker_filter_restricts_the_answer(client):
    messages = ask(client, "工会工作有什么体会？", speaker="周义兵")
    titles = [m["metadata"]["title"] for m in evidence(messages)]
    assert titles and all("周义兵" in t for t in titles)


def test_follow_ups_keep_the_speaker_or_the_topic(client):
    first = evidence(ask(client, "王文军怎么看工会组织全覆盖？"))
    more = evidence(ask(client, "他还说了什么？"))
    shown = {m["metadata"]["id"] for m in first}
    assert more and not shown & {m["metadata"]["id"] for m in more}
    assert all("王文军" in m["metadata"]["title"] for m in more)
    switched = evidence(ask(client, "那赵莹呢？"))
    assert switched and all("赵莹" in m["metadata"]["title"] for m in switched)


def test_nothing_relevant_gets_one_sentence_and_examples_that_work(client, engine):
    messages = ask(client, "今天北京天气怎么样？")
    assert len(messages) == 1 and "没有找到" in messages[0]["content"]
    assert messages[0]["content"].count("“") == 2
    for example in example_questions(engine.speakers())[:2]:
        assert engine.ask(example).answerable


def test_an_over_long_question_is_refused_in_the_handler(client):
    messages = ask(client, "工会" * 1500)
    assert len(messages) == 1 and "2000" in messages[0]["content"]


def test_html_in_a_question_is_answered_not_run(client):
    messages = ask(client, "<script>alert(1)</script><img src=x onerror=alert(2)>")
    text = " ".join(m["content"] for m in messages)
    assert "<script" not in text and "<img" not in text


def test_passage_text_is_escaped_for_html_and_markdown():
    hostile = '<script>alert(1)</script> <img src="http://evil.example/x.png"> [点我](javascript:alert(1)) <svg onload=alert(3)>'
    shown = marked_text(hostile, [(0, 8)])
    for raw in ("<script", "<img", "<svg", "](", "[点我]"):
        assert raw not in shown
    assert "&lt;script&gt;" in escape("<script>")


def test_documents_holding_html_are_shown_as_text(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hostile.md").write_text(
        "张三（某公司工会主席）：\n\n关于安全\n\n张三说，<img src=x onerror=alert(1)>工会要保护职工安全，"
        "<script>alert(2)</script>[链接](javascript:alert(3))不能马虎。\n", encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    messages, _memory, _sources = chat(engine, "张三怎么看职工安全？", [], "", Memory(), ["x", "y"])
    body = " ".join(m["content"] for m in messages)
    assert "安全" in body and "<img" not in body and "<script" not in body and "](" not in body


@pytest.mark.parametrize("path", [
    "gradio_api/file=/etc/passwd", "gradio_api/file=../seeds/000_805b274e1e5db619.txt",
    "gradio_api/file=..%2F..%2Fetc%2Fpasswd", "gradio_api/file=.whosaid/CURRENT", "gradio_api/file=.env",
    "monitoring",
])
def test_private_files_are_not_served(server, path):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server + path, timeout=10)
    assert refused.value.code in (400, 403, 404, 405)


def test_the_source_view_shows_the_whole_document_with_the_passage_marked(client, engine):
    _messages, sources = client.predict("谁提到了暖心驿站？", "", api_name="/chat")
    choices = sources["choices"] if isinstance(sources, dict) else sources
    assert choices, "the passages of the answer are offered in the source view"
    value = choices[0][1] if isinstance(choices[0], (list, tuple)) else choices[0]
    page = client.predict(value, api_name="/source")
    assert page.count("<p") == len(engine.document("second_report_gbk.txt"))
    assert 'id="whosaid-marked"' in page and "暖心驿站" in page.split('id="whosaid-marked"')[1].split("</p>")[0]


def test_a_login_is_required_when_one_is_configured(engine, monkeypatch):
    from .conftest import serve

    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    url, app = serve(engine)
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client refuses in several ways; any refusal will do
            gradio_client.Client(url, verbose=False).predict("周义兵说了什么？", "", api_name="/chat")
        authed = gradio_client.Client(url, auth=("editor", "s3cret-pass"), verbose=False)
        messages, _ = authed.predict("周义兵说了什么？", "", api_name="/chat")
        assert "周义兵" in messages[0]["content"]
    finally:
        app.close()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_in_the_api(server):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    st = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    done = subprocess.run(
        [st, "run", server + "gradio_api/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "25", "--seed", "1"],
        capture_output=True, text=True, timeout=600,
    )
    summary = done.stdout[-3000:]
    assert "Server error" not in done.stdout, summary
    assert "passed" in summary and " 0 passed" not in summary, summary


def test_a_name_typed_in_the_question_wins_over_the_filter_and_says_so(client):
    messages = ask(client, "王文军怎么看工会组织全覆盖？", speaker="周义兵")
    assert "筛选为周义兵，问题问的是王文军：按问题回答" in messages[0]["content"]
    titles = [m["metadata"]["title"] for m in evidence(messages)]
    assert titles and all("王文军" in t for t in titles)


def test_a_follow_up_with_nobody_discussed_asks_who_is_meant(client, engine):
    messages = ask(client, "他还说了什么？")
    assert len(messages) == 1 and not evidence(messages)
    text = messages[0]["content"]
    assert "请先说明问的是谁" in text and "Who do you mean" in text
    assert all(i.speaker.name in text for i in engine.speakers()[:3])


def test_an_empty_question_gets_a_hint_in_both_languages(client):
    messages = ask(client, "   ")
    assert len(messages) == 1 and "请先输入一个问题" in messages[0]["content"]
    assert "Type a question" in messages[0]["content"]


def test_the_user_bubble_shows_markdown_and_html_as_text_and_a_blank_question_adds_none():
    import gradio as gr

    from ui.chatbox import ChatBox, unescape

    with gr.Blocks():
        box = ChatBox(fn=lambda message, history: "ok")
    typed = "**粗体** <img src=x onerror=alert(1)> [链接](javascript:alert(2)) \\ &amp;"
    history = box._append_message_to_history(typed, [], "user")
    shown = history[0]["content"]
    shown = shown[0]["text"] if isinstance(shown, list) else shown
    assert "<img" not in shown and "**" not in shown and "](" not in shown
    assert unescape(shown) == typed
    as_sent_back = [{"role": "user", "content": [{"type": "text", "text": shown}]}]  # the chatbot's own form
    assert box._pop_last_user_message(as_sent_back)[1] == typed, "Undo puts back what was typed"
    assert box._append_message_to_history("  ", history, "user") == history


def test_a_pasted_long_question_is_not_cut_by_the_textbox(engine):
    import gradio as gr

    from ui.app import build_app

    app = build_app(engine)
    boxes = [b for b in app.blocks.values() if isinstance(b, gr.Textbox) and b.elem_id == "question"]
    assert boxes and boxes[0].max_length is None, "the browser would cut a pasted question silently"


def test_passages_show_a_relevance_not_a_raw_score(client):
    import re

    logs = [m["metadata"]["log"] for m in evidence(ask(client, "王文军怎么看工会组织全覆盖？"))]
    assert logs and all(re.search(r"相关度 [高中低] · relevance (high|medium|low)", log) for log in logs)
    assert "high" in logs[0] and not any(re.search(r"\d\.\d", log) for log in logs)


def test_memory_follows_the_turns_left_on_screen():
    from ui.chatbox import turn_memory

    first, second = Memory(topic="a", speaker="王文军"), Memory(topic="b", speaker="赵莹")
    turns = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "x"},
             {"role": "user", "content": "b"}, {"role": "assistant", "content": "y"}]
    assert turn_memory(turns, (first, second)) == ((first, second), second)
    assert turn_memory(turns[:2], (first, second)) == ((first,), first), "after Undo"
    assert turn_memory([], (first, second)) == ((), Memory()), "after Clear"


def test_serve_prints_its_own_hints_not_gradios(engine):
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WHOSAID_INDEX": str(engine.settings.index_dir), "WHOSAID_DOCS": str(engine.settings.docs_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "retrieval", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)  # the page is up
    finally:
        proc.terminate()
        printed = proc.communicate(timeout=60)[0]
    assert "share=True" not in printed and "GRADIO_SERVER_PORT" not in printed and "launch()" not in printed
    assert "--share" in printed and "PORT=" in printed and "Traceback" not in printed, printed


def test_a_clicked_passage_opens_its_own_paragraph_and_nothing_else_opens_anything(engine):
    import html

    from ui.app import open_source
    from ui.render import answer_messages, paragraph_of

    answer = engine.ask("谁提到了暖心驿站？")
    history = [{"role": "user", "content": "谁提到了暖心驿站？"}] + answer_messages(answer, ["x", "y"])
    passage = answer.passages[0].paragraph
    page = open_source(engine, history, 2)  # the question, the headline, then the first passage
    marked = page.split('id="whosaid-marked"')[1].split("</p>")[0]
    assert "暖心驿站" in marked and html.escape(passage.text) in marked
    assert page.count("<p") == len(engine.document(passage.doc)), "the whole document"
    for index in (0, 1, 99, -1, "2", None):  # the question, the headline, out of range, not an index
        assert open_source(engine, history, index) is None
    assert paragraph_of("passage-1:3:a:b.txt") == ("a:b.txt", 3)
    for bad in ("passage-1:x:a.txt", "passage-1:3:", "other-1:3:a.txt", None, 7):
        assert paragraph_of(bad) is None


def test_the_follow_up_chips_hang_on_the_last_passage(client):
    messages = ask(client, "王文军怎么看工会组织全覆盖？")
    assert messages[-1].get("metadata", {}).get("title"), "no separate 'Follow up' message to scroll away"
    assert [o["label"] for o in messages[-1]["options"]][0].startswith("更多 王文军")
    assert all("Open in the document" in m["content"] for m in evidence(messages))
