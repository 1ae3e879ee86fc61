"""A real browser adds a document from the page's documents panel, asks about its speaker at once, sees
them in the speaker list and their utterances in the Quotes view and its CSV without a restart, and removes the document again (issue 15 item 3)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from tests.conftest import SEED, make_engine
from tests.test_browser import SHOTS, ask, browser  # noqa: F401 - `browser` is a fixture used here
from tests.test_browser_quotes import ROWS, open_quotes
from tests.test_documents import NEW_REPORT, NEW_SPEAKER
from ui.app import Limits
from ui.server import serve_in_background

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def served(tmp_path, embedder):
    """The page over a private index of the seed (these tests add and remove documents)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    url, running = serve_in_background(engine, Limits(concurrency=2, queue_size=8))
    yield url, engine, running
    running.close()


def open_documents(browser, url, width=1366, height=900, scheme="light"):  # noqa: F811 - the fixture's value
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": height})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_function(f"() => document.body.classList.contains('dark') === {str(scheme == 'dark').lower()}",
                           timeout=30_000)
    page.locator("#documents button").first.click()   # the accordion opens
    page.wait_for_selector("#documents-upload input[type=file]", state="attached", timeout=30_000)
    return context, page, dialogs


def upload(page, files) -> str:
    page.locator("#documents-upload input[type=file]").set_input_files(files)
    page.wait_for_function("() => { const s = document.querySelector('#documents-status').innerText.trim();"
                           " return /Added|Refused|⚠/.test(s) && !s.startsWith('…'); }", timeout=180_000)
    return page.locator("#documents-status").inner_text()


def test_a_document_uploaded_from_the_page_answers_at_once_and_its_speaker_is_listed(browser, served, tmp_path):  # noqa: F811
    url, engine, running = served
    report = tmp_path / "parking.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    bad = tmp_path / "setup.docx"
    bad.write_bytes(NEW_REPORT.encode())      # a text file named .docx: refused by its content
    context, page, dialogs = open_documents(browser, url)
    try:
        assert NEW_SPEAKER not in page.locator("#speakers").inner_text()
        status = upload(page, [str(report), str(bad)])
        assert "parking.txt" in status and "setup.docx" in status and "Word" in status
        page.wait_for_function(f"() => document.querySelector('#speakers').innerText.includes('{NEW_SPEAKER}')",
                               timeout=30_000)
        listing = page.locator("#documents-list").inner_text()
        assert "parking.txt" in listing and NEW_SPEAKER in listing and "upload" in listing
        assert not any(running.spool.folder.rglob("*.*")), "Gradio's copies were deleted once read"

        ask(page, f"{NEW_SPEAKER}怎么看停车难？")
        page.wait_for_selector("#chat mark", timeout=60_000)
        answer = page.locator("#chat").inner_text()
        assert NEW_SPEAKER in answer and "共享车位" in answer

        # the speakers panel filters by the new speaker, and the page's examples name them
        page.locator("#speakers label", has_text=NEW_SPEAKER).click()
        page.wait_for_function(f"() => document.querySelector('#filter-note').innerText.includes('{NEW_SPEAKER}')",
                               timeout=30_000)

        # the Quotes view lists their utterances, and its CSV download holds them
        open_quotes(page)
        before = page.locator("#quotes-note").inner_text()
        for _ in range(60):  # the view follows the new generation when it is opened or at a timer tick
            page.locator("#quotes-speaker input").click()
            option = page.locator("[data-testid=dropdown-option]", has_text=NEW_SPEAKER)
            if option.count():
                option.first.click()
                break
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
        page.wait_for_function("before => document.querySelector('#quotes-note').innerText !== before",
                               arg=before, timeout=30_000)
        page.wait_for_timeout(500)
        shown = page.locator(f"{ROWS} [role=gridcell]:first-child").all_inner_texts()
        assert shown and {s.strip() for s in shown} == {NEW_SPEAKER}, shown
        with page.expect_download(timeout=30_000) as info:
            page.locator("#quotes-csv").click()
        records = list(csv.DictReader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
        assert records and [r["text"] for r in records] == [q.text for q in engine.quotes(speaker=NEW_SPEAKER)]
        assert any("共享车位" in r["text"] for r in records)
        page.get_by_role("tab", name="对话 · Chat").click()

        page.locator("#documents-pick input").click()
        page.locator("[role=option]", has_text="parking.txt").first.click()
        page.locator("#documents-remove").click()
        page.wait_for_function("() => document.querySelector('#documents-status').innerText.includes('Removed')",
                               timeout=120_000)
        assert dialogs and "parking.txt" in dialogs[0]           # asked before removing
        page.wait_for_function(f"() => !document.querySelector('#speakers').innerText.includes('{NEW_SPEAKER}')",
                               timeout=30_000)
        assert "parking.txt" not in page.locator("#documents-list").inner_text()
        assert "parking.txt" not in {d.name for d in engine.documents()}
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots_of_the_documents_panel(browser, served, tmp_path, width, scheme):  # noqa: F811
    url, _engine, _running = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "停车治理座谈会.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    bad = tmp_path / "setup.pdf"
    bad.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 8)
    context, page, _ = open_documents(browser, url, width=width, height=900 if width > 400 else 844, scheme=scheme)
    try:
        upload(page, [str(report), str(bad)])
        page.wait_for_function(f"() => document.querySelector('#speakers').innerText.includes('{NEW_SPEAKER}')",
                               timeout=30_000)
        panel = page.locator("#documents")
        panel.scroll_into_view_if_needed()
        box = panel.bounding_box()
        assert box and box["width"] <= width and page.evaluate("document.documentElement.scrollWidth") <= width
        panel.screenshot(path=str(SHOTS / f"10-documents-{width}-{scheme}.png"))
    finally:
        context.close()
