"""The Quotes view and copying, in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import FIXTURES, make_engine, serve
from .test_browser import ARGS, CHROMIUM, SEEN_COLOURS, SHOTS, ask, contrast, open_page

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ROWS = "#quotes-table .virtual-body [role=row]"  # Gradio 6 draws the table's rows as a virtual list of divs


@pytest.fixture(scope="module")
def chromium():
    """test_browser's browser, started the same way (its fixture cannot be imported under its own name
    without shadowing the tests' parameter)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def open_quotes(page) -> None:
    page.get_by_role("tab", name="言论 · Quotes").click()
    page.wait_for_selector("#quotes-table table", timeout=30_000)


def choose_speaker(page, name: str) -> None:
    before = page.locator("#quotes-note").inner_text()
    page.locator("#quotes-speaker input").click()
    page.locator("[data-testid=dropdown-option]", has_text=name).first.click()
    page.wait_for_function("before => document.querySelector('#quotes-note').innerText !== before", arg=before,
                           timeout=30_000)
    page.wait_for_timeout(500)
    speakers = page.locator(f"{ROWS} [role=gridcell]:first-child").all_inner_texts()
    assert speakers and {s.strip() for s in speakers} == {name}, speakers


def test_the_quotes_view_filters_by_speaker_opens_a_row_and_downloads_that_speakers_csv(chromium, server, engine):
    page, dialogs = open_page(chromium, server)
    open_quotes(page)
    choose_speaker(page, "王文军")
    assert "共 9 条" in page.locator("#quotes-note").inner_text()

    page.locator(ROWS, has_text="前不久").locator("[role=gridcell]").nth(3).click()
    page.wait_for_selector("#quotes-doc #whosaid-marked", timeout=30_000)
    # the whole document scrolls inside its own box (it overflowed it, drawn under the panel below), and
    # the row's paragraph is scrolled into that box's view
    assert page.evaluate("() => { const e = document.querySelector('#quotes-doc');"
                         " return e.scrollHeight <= e.clientHeight + 1 || getComputedStyle(e).overflowY === 'auto'; }")
    page.wait_for_timeout(500)
    doc, mark = page.locator("#quotes-doc").bounding_box(), page.locator("#quotes-doc #whosaid-marked").bounding_box()
    assert doc["y"] - 1 <= mark["y"] and mark["y"] + min(mark["height"], 40) <= doc["y"] + doc["height"] + 1
    cite = page.locator("#quotes-citation textarea").input_value()
    assert cite.startswith("“") and "—— 王文军（朝阳区总工会党组书记、主席），《" in cite and cite.endswith("段")

    with page.expect_download(timeout=30_000) as info:
        page.locator("#quotes-csv").click()
    data = info.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["text"] for r in records] == [r.text for r in engine.quotes(speaker="王文军")]
    with page.expect_download(timeout=30_000) as info:
        page.locator("#quotes-jsonl").click()
    assert len(info.value.path().read_text(encoding="utf-8").splitlines()) == len(records)
    assert not dialogs


def test_html_in_a_document_shows_as_text_in_the_quotes_view(chromium, tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hostile.txt").write_text(
        "<img src=x onerror=alert(1)>标题\n\n李强（某某公司工会主席）：\n\n"
        "李强说，<script>alert('x')</script>工会要把安全生产放在首位，<img src=x onerror=alert(2)>"
        "[点这里](javascript:alert(3))，让每一位职工平安回家。\n", encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    url, app = serve(engine)
    try:
        page, dialogs = open_page(chromium, url)
        open_quotes(page)
        choose_speaker(page, "李强")
        view = page.locator("#quotes-view")
        assert "<script>alert('x')</script>" in view.inner_text()
        page.locator(ROWS).first.locator("[role=gridcell]").nth(3).click()
        page.wait_for_selector("#quotes-doc #whosaid-marked", timeout=30_000)
        assert "<img src=x onerror=alert(2)>" in page.locator("#quotes-citation textarea").input_value()
        assert view.locator("img[onerror], img[src='x'], script, a[href^='javascript']").count() == 0
        page.wait_for_timeout(500)
        assert dialogs == []
    finally:
        app.close()


def test_an_open_page_shows_the_speakers_of_an_index_another_process_rewrote(chromium, tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    story = (FIXTURES / "story.txt").read_text(encoding="utf-8")
    (docs / "story.txt").write_text(story, encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    url, app = serve(engine)
    try:
        page, dialogs = open_page(chromium, url)
        page.locator("#speakers label", has_text="孙立平").click()
        (docs / "story.txt").write_text(story.replace("孙立平", "付明远"), encoding="utf-8")
        make_engine(tmp_path / "ix", docs, embedder).index(docs)  # another writer, as `whosaid index` is
        page.wait_for_function("() => document.querySelector('#speakers').innerText.includes('付明远')",
                               timeout=60_000)
        assert "孙立平" not in page.locator("#speakers").inner_text()
        # the vanished speaker's filter is cleared, and says so
        page.wait_for_function("() => document.querySelector('#filter-note').innerText.includes('全部')",
                               timeout=15_000)
        assert "付明远" in page.locator("#chat").inner_text() or "Fu Mingyuan" in page.locator("#chat").inner_text()
        open_quotes(page)
        choose_speaker(page, "付明远")
        assert not dialogs
    finally:
        app.close()


def test_copy_message_gives_readable_text_with_the_speaker_and_the_citation(chromium, server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#question textarea", timeout=60_000)
        ask(page, "王文军怎么看工会组织全覆盖？")
        page.wait_for_selector("#chat mark", timeout=60_000)
        page.locator("#chat button[aria-label='Copy message']").last.click()  # the answer's, not the question's
        page.wait_for_timeout(500)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert "王文军（朝阳区总工会党组书记、主席）" in copied and "全覆盖" in copied
        assert "<mark>" not in copied and "<span" not in copied and "\\" not in copied and "&lt;" not in copied
        assert "—— 王文军（朝阳区总工会党组书记、主席），《市工会系统专题培训班学员代表交流学习体会——》，第" in copied
        # a click on a passage's citation copies it alone
        page.locator("#chat .whosaid-cite").first.click()
        page.wait_for_selector("#chat .whosaid-cite.copied", timeout=10_000)
        alone = page.evaluate("() => navigator.clipboard.readText()")
        assert alone == page.locator("#chat .whosaid-cite").first.inner_text()
        assert alone.startswith("“") and " —— 王文军（" in alone and alone.endswith("段") and "\\" not in alone
    finally:
        context.close()


def test_on_plain_http_without_the_clipboard_api_copy_message_is_cleaned_too(chromium, server):
    """A page served over http on a LAN is no secure context: Gradio copies through a hidden textarea."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script("delete Navigator.prototype.clipboard;"
                            "document.addEventListener('copy', e => { window.__copied = e.clipboardData"
                            ".getData('text/plain'); });")
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#question textarea", timeout=60_000)
        assert page.evaluate("() => !('clipboard' in navigator)")
        ask(page, "王文军怎么看工会组织全覆盖？")
        page.wait_for_selector("#chat mark", timeout=60_000)
        page.locator("#chat button[aria-label='Copy message']").last.click()
        page.wait_for_function("() => window.__copied !== undefined", timeout=10_000)
        copied = page.evaluate("() => window.__copied")
        assert "王文军（朝阳区总工会党组书记、主席）" in copied and "<mark>" not in copied and "\\" not in copied
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_the_quotes_view_is_readable_in_both_colour_schemes_and_at_phone_width(chromium, server, scheme, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.wait_for_function(f"() => document.body.classList.contains('dark') === {str(scheme == 'dark').lower()}",
                               timeout=30_000)
        open_quotes(page)
        choose_speaker(page, "赵莹")
        page.locator(ROWS).first.locator("[role=gridcell]").nth(3).click()
        page.wait_for_selector("#quotes-doc #whosaid-marked", timeout=30_000)
        for selector in (f"{ROWS} [role=gridcell] span.text", "#quotes-table th .header", "#quotes-note p", "#quotes-doc p",
                         "#quotes-doc mark", "#quotes-citation textarea"):
            seen = page.locator(selector).evaluate_all(SEEN_COLOURS)
            assert seen, selector
            for colours in seen:
                ratio = contrast(colours["text"], colours["background"])
                assert ratio >= 4.5, f"{scheme} {width}px {selector} {colours}: contrast {ratio:.2f}"
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width + 10, f"the page scrolls sideways ({scroll}px)"
        device = "desktop" if width > 640 else "phone"
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"08-quotes-{device}-{scheme}.png"), full_page=True)
    finally:
        context.close()
