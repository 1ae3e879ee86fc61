"""A real browser: Debian's chromium driven by Playwright, as a first-time user would use the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, make_engine, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed and `make browser` could not install it "
                    "(see /tmp/whosaid-apt.log)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, url, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)  # not network idle: the event stream never idles
    return page, dialogs


def ask(page, question):
    before = page.locator("#chat .message-row, #chat [data-testid='bot']").count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#chat .message-row, #chat [data-testid='bot']\").length > n",
        arg=before, timeout=60_000)
    page.wait_for_timeout(1500)


def test_first_user_clicks_an_example_and_sees_the_delegate_with_the_quote_highlighted(browser, server, engine):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, dialogs = open_page(browser, server)
    page.screenshot(path=str(SHOTS / "01-desktop-start.png"), full_page=True)
    page.locator("button.example").first.click()
    page.wait_for_selector("#chat mark", timeout=60_000)
    first_speaker = engine.speakers()[0].speaker.name
    chat = page.locator("#chat").inner_text()
    assert "说这话的是" in chat and first_speaker in chat
    page.screenshot(path=str(SHOTS / "02-desktop-example.png"), full_page=True)

    ask(page, "王文军怎么看工会组织全覆盖？")
    marks = page.locator("#chat mark").all_inner_texts()
    assert any("全覆盖" in m for m in marks)
    assert "朝阳区总工会党组书记、主席" in page.locator("#chat").inner_text()
    page.screenshot(path=str(SHOTS / "03-desktop-answer.png"), full_page=True)
    assert not dialogs


def test_choosing_a_speaker_filters_the_chat_and_the_filter_can_be_cleared(browser, server):
    page, _ = open_page(browser, server)
    page.locator("#speakers label", has_text="周义兵").click()
    page.wait_for_function("() => document.querySelector('#filter-note').innerText.includes('周义兵')",
                           timeout=30_000)
    ask(page, "工会工作有什么体会？")
    titles = page.locator("#chat .message-row").last.inner_text()
    assert "周义兵" in titles and "赵莹" not in titles
    page.screenshot(path=str(SHOTS / "04-desktop-filter.png"), full_page=True)
    page.locator("#clear-filter").click()
    page.wait_for_function("() => document.querySelector('#filter-note').innerText.includes('全部')",
                           timeout=30_000)


def test_the_page_is_usable_at_phone_width(browser, server):
    page, _ = open_page(browser, server, width=390, height=844)
    ask(page, "谁谈到了青年教师？")
    assert "刚文哲" in page.locator("#chat").inner_text()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways at phone width ({width}px)"
    page.screenshot(path=str(SHOTS / "05-phone-answer.png"), full_page=True)


def test_html_inside_a_document_is_shown_as_text_and_runs_nothing(browser, tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hostile.txt").write_text(
        "李强（某某公司工会主席）：\n\n关于安全生产\n\n"
        "李强说，<script>alert('x')</script>工会要把安全生产放在首位，<img src=x onerror=alert(1)>"
        "<img src=\"http://203.0.113.9/track.png\"><svg onload=alert(2)></svg>[点这里](javascript:alert(3))，"
        "让每一位职工平安回家。\n", encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    url, app = serve(engine)
    try:
        page, dialogs = open_page(browser, url)
        ask(page, "李强怎么看安全生产？")
        chat = page.locator("#chat")
        assert "<script>alert('x')</script>" in chat.inner_text()
        assert "[点这里](javascript:alert(3))" in chat.inner_text()
        assert chat.locator("img[src*='203.0.113.9'], img[onerror], svg[onload], script, a[href^='javascript']").count() == 0
        page.wait_for_timeout(500)
        assert dialogs == []
        page.screenshot(path=str(SHOTS / "06-hostile-document.png"), full_page=True)
    finally:
        app.close()
