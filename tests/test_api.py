"""The JSON API beside the chat page (issue 16, item 1), driven over HTTP against a real server: the same
objects as `whosaid ask --json` (validated against the published schema), one-line JSON errors, no 5xx for
bad input, the page's login, and the chat page still served beside it."""

from __future__ import annotations

import csv
import io
import json

import httpx
import jsonschema
import pytest

from tests.conftest import schema_path

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))
QUESTION = "王文军怎么看工会组织全覆盖？"


@pytest.fixture(scope="module")
def api(engine):
    from ui.app import Limits
    from ui.server import serve_in_background

    url, running = serve_in_background(engine, Limits(concurrency=2, queue_size=8))
    with httpx.Client(base_url=url, timeout=60) as client:
        yield client
    running.close()


def test_ask_answers_with_the_published_schema_and_the_cli_object(api, engine):
    from retrieval.public import answer_json

    reply = api.post("/api/ask", json={"question": QUESTION, "k": 2})
    assert reply.status_code == 200
    body = reply.json()
    jsonschema.validate(body, SCHEMA)
    assert body == answer_json(engine.ask(QUESTION, k=2))
    assert body["passages"][0]["speaker"] == "王文军" and len(body["passages"]) == 2
    filtered = api.post("/api/ask", json={"question": "他怎么看基层工会？", "speaker": "王文军"}).json()
    assert filtered["speaker_filter"] == "王文军"
    assert {p["speaker"] for p in filtered["passages"]} == {"王文军"}


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"question": ""}, 400, "empty"),
    ({"question": "？？？"}, 400, "no words"),
    ({"question": "x" * 2001}, 422, "question"),
    ({"question": QUESTION, "k": 0}, 422, "k"),
    ({"question": QUESTION, "k": "many"}, 422, "k"),
    ({"k": 3}, 422, "question"),
    ([QUESTION], 422, "body"),
    ({"question": QUESTION, "speaker": "没有这个人"}, 400, "没有这个人"),
])
def test_bad_requests_get_a_4xx_with_a_one_line_reason(api, body, status, says):
    reply = api.post("/api/ask", json=body)
    assert reply.status_code == status, reply.text
    reason = reply.json()["error"]
    assert says in reason and "\n" not in reason


def test_a_body_that_is_not_json_or_too_big_is_refused_not_crashed(api):
    assert api.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    assert api.post("/api/ask", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 422
    big = api.post("/api/ask", content=b"x" * 2_000_000, headers={"content-type": "application/json"})
    assert big.status_code == 413


def test_speakers_documents_and_quotes_as_json_and_csv(api, engine):
    speakers = api.get("/api/speakers").json()
    assert {s["speaker"] for s in speakers} == {i.speaker.name for i in engine.speakers()}
    documents = api.get("/api/documents").json()
    assert documents and all(d["paragraphs"] > 0 for d in documents)
    quotes = api.get("/api/quotes", params={"speaker": "王文军"}).json()
    assert quotes and {q["speaker"] for q in quotes} == {"王文军"}
    table = api.get("/api/quotes", params={"speaker": "王文军", "format": "csv"})
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [r["text"] for r in rows] == [q["text"] for q in quotes]
    assert api.get("/api/quotes", params={"doc": "no-such.txt"}).status_code == 404
    assert api.get("/api/quotes", params={"format": "xml"}).status_code == 422


def test_the_page_and_the_openapi_description_are_served_beside_the_api(api):
    assert api.get("/").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/speakers", "/api/quotes", "/api/documents"} <= set(paths)
    assert api.get("/docs").status_code == 200


def test_the_api_asks_for_the_pages_login_when_one_is_set(engine, monkeypatch):
    from ui.app import Limits
    from ui.server import serve_in_background

    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    url, running = serve_in_background(engine, Limits(concurrency=1, queue_size=4))
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            refused = client.post("/api/ask", json={"question": QUESTION})
            assert refused.status_code == 401 and "log in" in refused.json()["error"]
            assert client.get("/api/speakers", auth=("editor", "wrong")).status_code == 401
            ok = client.post("/api/ask", json={"question": QUESTION}, auth=("editor", "s3cret-pass"))
            assert ok.status_code == 200 and ok.json()["passages"]
    finally:
        running.close()


def test_stopping_the_server_with_a_page_open_logs_no_traceback(engine):
    """An open tab holds Gradio's heartbeat stream; the stop cancels it after the graceful wait, and that
    used to be logged as "Exception in ASGI application" with a traceback (Ctrl+C on `whosaid serve`)."""
    import logging
    import threading
    import time

    from tests.conftest import serve

    url, running = serve(engine)
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger("uvicorn.error").addHandler(handler)
    opened = threading.Event()

    def tab():
        try:
            with httpx.stream("GET", url.rstrip("/") + "/gradio_api/heartbeat/tab-1", timeout=60) as stream:
                opened.set()
                for _ in stream.iter_bytes():
                    pass
        except httpx.HTTPError:
            pass  # the server went away: what a tab sees

    threading.Thread(target=tab, daemon=True).start()
    try:
        assert opened.wait(30)
        time.sleep(0.5)
    finally:
        running.close()
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert "Traceback" not in logged.getvalue() and "Exception in ASGI" not in logged.getvalue()
