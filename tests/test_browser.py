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


def open_page(browser, url, width=1366, height=900):
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
    # the speaker list comes after the chat on a phone; a link at the top reaches it
    page.evaluate("() => window.scrollTo(0, 0)")
    jump = page.locator("#jump-speakers a")
    assert jump.is_visible() and jump.bounding_box()["y"] < 300
    jump.click()
    page.wait_for_function("() => { const r = document.querySelector('#speakers').getBoundingClientRect();"
                           " return r.top >= -1 && r.top < window.innerHeight / 2; }", timeout=10_000)


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
        page.locator("#chat a[href='#whosaid-open']").first.click()  # and its document, opened
        page.wait_for_selector("#source-doc #whosaid-marked", timeout=30_000)
        source = page.locator("#source-doc")
        assert "<script>alert('x')</script>" in source.inner_text()
        assert source.locator("img, svg, script, a").count() == 0
        page.wait_for_timeout(500)
        assert dialogs == []
    finally:
        app.close()


# The colours a reader sees: the element's own colours, composited over the nearest opaque background
# behind it, through every ancestor's opacity (Gradio dims passage text with opacity).
SEEN_COLOURS = """els => els.slice(0, 6).map(el => {
  const rgba = s => { const v = s.match(/[\\d.]+/g).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  let base = null, opacity = 1;
  for (let n = el; n; n = n.parentElement) {
    const cs = getComputedStyle(n);
    opacity *= Number(cs.opacity);
    const bg = rgba(cs.backgroundColor);
    if (n !== el && !base && bg[3] === 1) base = bg;
  }
  base = base || rgba(getComputedStyle(document.documentElement).backgroundColor);
  if (base[3] < 1) base = document.body.classList.contains('dark') ? [0, 0, 0, 1] : [255, 255, 255, 1];
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  const cs = getComputedStyle(el);
  const own = over(rgba(cs.backgroundColor), base);
  const text = over(rgba(cs.color), own);
  const fade = c => c.map((v, i) => v * opacity + base[i] * (1 - opacity));
  return {text: fade(text), background: fade(own), words: el.innerText.slice(0, 20)};
})"""


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["dark", "light"])
@pytest.mark.parametrize("width", [1366, 390])
def test_highlighted_and_passage_text_is_readable_in_both_colour_schemes(browser, server, scheme, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#question textarea", timeout=60_000)
        # Gradio follows the browser's colour scheme by putting `dark` on the body once the page has loaded.
        page.wait_for_function(f"() => document.body.classList.contains('dark') === {str(scheme == 'dark').lower()}",
                               timeout=30_000)
        ask(page, "王文军怎么看工会组织全覆盖？")
        page.wait_for_selector("#chat mark", timeout=60_000)
        # the highlights, the passages, and each passage's document, paragraph and relevance
        for selector in ("#chat mark", "#chat .message-content p", "#chat .thought-group .duration"):
            seen = page.locator(selector).evaluate_all(SEEN_COLOURS)
            assert seen, selector
            for colours in seen:
                ratio = contrast(colours["text"], colours["background"])
                assert ratio >= 4.5, f"{scheme} {width}px {selector} {colours}: contrast {ratio:.2f}"
        device = "desktop" if width > 640 else "phone"
        page.screenshot(path=str(SHOTS / f"07-{device}-{scheme}-answer.png"), full_page=True)
    finally:
        context.close()


def test_the_users_own_markdown_and_html_show_as_text_and_an_empty_question_adds_no_bubble(browser, server):
    page, dialogs = open_page(browser, server)
    ask(page, "王文军说了什么？ <img src=x onerror=alert(1)> **粗体**")
    bubble = page.locator("#chat [data-testid='user']").last
    assert "<img src=x onerror=alert(1)> **粗体**" in bubble.inner_text()
    assert bubble.locator("img, strong").count() == 0
    users = page.locator("#chat [data-testid='user']").count()
    page.locator("#question textarea").fill("   ")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#chat').innerText.includes('请先输入一个问题')",
                           timeout=60_000)
    assert page.locator("#chat [data-testid='user']").count() == users, "no blank bubble"
    assert "Type a question" in page.locator("#chat").inner_text()
    assert not dialogs


def test_clear_and_undo_take_back_what_the_follow_ups_remember(browser, server):
    page, _ = open_page(browser, server)
    ask(page, "王文军怎么看工会组织全覆盖？")
    page.locator("#chat button[aria-label='Clear']").click()
    page.wait_for_function("() => !document.querySelector('#chat [data-testid=\"user\"]')", timeout=30_000)
    ask(page, "他还说了什么？")
    assert "请先说明问的是谁" in page.locator("#chat").inner_text(), "Clear forgot 王文军"

    ask(page, "王文军怎么看工会组织全覆盖？")
    ask(page, "赵莹怎么看国企工会工作？")
    page.locator("#chat button[aria-label='Undo']").last.click()
    page.wait_for_function("() => !document.querySelector('#chat').innerText.includes('赵莹怎么看')",
                           timeout=30_000)
    ask(page, "他还说了什么？")
    answer = page.locator("#chat .message-row").last.inner_text()
    assert answer.startswith("说这话的是：王文军") and "赵莹" not in answer, f"Undo went back to 王文军: {answer}"


# Where things are on screen, measured without scrolling: a rectangle per element, and the chat's own
# scroll box (what of the chat is in sight).
RECT = "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
# The line boxes of each element's text: rectangles of its text nodes, grouped by their vertical middle.
LINES = """els => els.map(el => {
  const middles = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      const middle = (r.top + r.bottom) / 2;
      if (r.width > 0 && !middles.some(m => Math.abs(m - middle) < r.height / 2)) middles.push(middle);
    }
  }
  return {lines: middles.length, text: el.innerText};
})"""


def inside(inner, outer, slack=1.0) -> bool:
    return (inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack
            and inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack)


def in_sight(page, selector):
    """The element's rectangle, the chat box's visible rectangle and the viewport's."""
    return (page.locator(selector).evaluate(RECT), page.locator("#chat .bubble-wrap").evaluate(RECT),
            {"top": 0, "left": 0, "bottom": page.viewport_size["height"], "right": page.viewport_size["width"]})


@pytest.mark.parametrize("width", [1366, 390])
def test_after_each_answer_its_headline_and_the_follow_up_chips_are_in_sight(browser, server, width):
    page, _ = open_page(browser, server, width=width, height=900 if width > 640 else 844)
    for question, name in (("王文军怎么看工会组织全覆盖？", "王文军"), ("周义兵怎么看建会？", "周义兵")):
        ask(page, question)
        page.wait_for_function(f"() => [...document.querySelectorAll('#chat .options button')]"
                               f".some(b => b.innerText.includes('{name}'))", timeout=60_000)
        page.wait_for_timeout(1500)  # the chat places the newest answer while its passages render
        chips = page.locator("#chat .options button")
        assert chips.count() == 2
        label, box, screen = in_sight(page, "#chat .options")
        assert "继续追问" in page.locator("#chat .options").evaluate(
            "e => getComputedStyle(e, '::before').content"), "the chips are labelled"
        for i in range(2):
            chip = chips.nth(i).evaluate(RECT)
            assert inside(chip, box) and inside(chip, screen), f"{width}px: chip {i} out of sight {chip} {box}"
        # the newest answer's headline: the first assistant message after the last question
        headline = page.locator("#chat .message-row.user-row").last.locator(
            "xpath=following-sibling::div[contains(@class, 'bot-row')][1]//*[@data-testid='bot']").first
        assert headline.inner_text().startswith("说这话的是：" + name)
        top = headline.evaluate(RECT)
        first_line = {**top, "bottom": top["top"] + 24}
        assert inside(first_line, box) and inside(first_line, screen), f"{width}px: headline scrolled away {top}"
        assert first_line["bottom"] <= label["top"], "the chips do not cover the headline"
    device = "desktop" if width > 640 else "phone"
    page.screenshot(path=str(SHOTS / f"08-{device}-second-answer.png"))


def test_passage_headers_take_two_lines_at_desktop_width_and_are_readable_on_a_phone(browser, server):
    page, _ = open_page(browser, server)
    ask(page, "王文军怎么看工会组织全覆盖？")
    page.wait_for_selector("#chat .thought-group .title", timeout=60_000)
    headers = page.locator("#chat .thought-group .title").evaluate_all(LINES)
    assert len(headers) == 3
    for header in headers:
        assert header["lines"] <= 2, f"1366px: header over {header['lines']} lines: {header['text']}"
    roles = page.locator("#chat .whosaid-role").evaluate_all("els => els.map(e => e.getClientRects().length)")
    assert roles and all(n == 1 for n in roles), "a role such as 转述 paraphrase breaks over two lines"

    phone, _ = open_page(browser, server, width=390, height=844)
    ask(phone, "王文军怎么看工会组织全覆盖？")
    phone.wait_for_selector("#chat .thought-group .title", timeout=60_000)
    line = phone.locator("#chat .thought-group .title .md").first
    size = float(line.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    box = line.evaluate(RECT)
    assert size >= 14 and box["right"] - box["left"] >= 250, f"390px: name line {size}px in {box}"
    text = line.inner_text()
    assert "王文军" in text and "朝阳区总工会党组书记、主席" in text and "转述" in text


@pytest.mark.parametrize("width", [1366, 390])
def test_a_passage_opens_its_document_with_the_marked_paragraph_in_view(browser, server, width):
    page, dialogs = open_page(browser, server, width=width, height=900 if width > 640 else 844)
    ask(page, "王文军怎么看工会组织全覆盖？")
    page.wait_for_selector("#chat .thought-group .content", timeout=60_000)
    passage = page.locator("#chat .thought-group .content").nth(1)
    words = passage.locator("mark").first.inner_text()[:12]
    if width > 640:
        passage.locator("a[href='#whosaid-open']").click()   # the passage's own link
    else:
        passage.locator("p").first.click()                   # a tap on the passage's words
    page.wait_for_selector("#source-panel #whosaid-marked", timeout=30_000)
    page.wait_for_function("""() => {
        const m = document.querySelector('#whosaid-marked').getBoundingClientRect();
        const head = document.querySelector('#source-panel > .row').getBoundingClientRect();
        return m.top >= head.bottom - 1 && m.top + 40 <= window.innerHeight;
    }""", timeout=10_000)
    marked = page.locator("#whosaid-marked")
    assert words in marked.inner_text(), "the paragraph of the passage clicked, not another"
    assert inside(page.locator("#source-panel").evaluate(RECT),
                  {"top": 0, "left": 0, "bottom": page.viewport_size["height"], "right": page.viewport_size["width"]})
    assert page.locator("#source-doc p").count() > 10, "the whole document, not the paragraph alone"
    device = "desktop" if width > 640 else "phone"
    page.screenshot(path=str(SHOTS / f"09-{device}-source.png"))
    page.locator("#source-close").click()
    page.wait_for_selector("#source-panel", state="hidden", timeout=10_000)
    assert not dialogs


def test_the_source_opens_again_at_its_mark_closes_with_escape_and_not_when_copying_a_quote(browser, server):
    page, _ = open_page(browser, server)
    ask(page, "王文军怎么看工会组织全覆盖？")
    page.wait_for_selector("#chat .thought-group .content", timeout=60_000)
    link = page.locator("#chat a[href='#whosaid-open']").first
    mark_in_view = """() => { const m = document.querySelector('#whosaid-marked');
        return m && m.getBoundingClientRect().top > 40 && m.getBoundingClientRect().top + 40 <= window.innerHeight; }"""
    for _ in range(2):  # the same passage twice: the second opening scrolls to the mark again
        link.click()
        page.wait_for_function(mark_in_view, timeout=10_000)
        page.keyboard.press("Escape")
        page.wait_for_selector("#source-panel", state="hidden", timeout=10_000)
    # selecting words of a passage to copy them opens nothing
    words = page.locator("#chat .thought-group .content mark").first.evaluate(RECT)
    page.mouse.move(words["left"] + 4, words["top"] + 8)
    page.mouse.down()
    page.mouse.move(words["left"] + 120, words["top"] + 8, steps=5)
    page.mouse.up()
    assert page.evaluate("() => String(window.getSelection()).length") > 0
    page.wait_for_timeout(1500)
    assert not page.locator("#source-panel").is_visible()
