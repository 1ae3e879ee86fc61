"""Bounded work and memory per document (issue 13, items 2 and 3): long paragraphs become passages the model
can read, lines with no words are not paragraphs, and a file of thousands of tiny lines is packed."""

from __future__ import annotations

from retrieval.attribution.document import attribute
from retrieval.ingest.paragraphs import MAX_PASSAGE_CHARS, split_document, split_paragraphs

SENTENCE = "我们今年要把老旧小区的停车问题解决好，先摸清每个小区的车位缺口，再和周边单位商量错时共享。"


def _spans_hold_text(text: str, paragraphs) -> bool:
    return all("".join(text[s:e] for s, e in p.spans) == p.text for p in paragraphs)


def test_a_long_paragraph_becomes_bounded_passages_cut_where_sentences_end():
    text = "标题行\n" + SENTENCE * 40 + "\n最后一段说完了。\n"
    paragraphs = split_paragraphs("d", text)
    long = [p for p in paragraphs if p.text.startswith("我们")]
    assert len(long) >= 3
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in paragraphs)
    assert "".join(p.text for p in long) == SENTENCE * 40
    assert all(p.text.endswith("。") for p in long)              # never mid-sentence when a sentence ends
    assert [p.number for p in paragraphs] == list(range(len(paragraphs)))
    assert _spans_hold_text(text, paragraphs)


def test_a_line_with_no_place_to_cut_is_cut_at_the_limit_and_spans_follow_rejoined_lines():
    text = "工" * (MAX_PASSAGE_CHARS * 2 + 7) + "\n"
    assert [len(p.text) for p in split_paragraphs("d", text)] == [MAX_PASSAGE_CHARS, MAX_PASSAGE_CHARS, 7]
    # a paragraph rejoined from lines a page break cut, then cut into passages: spans still point at it
    broken = "".join(SENTENCE[:30] + "\n" + SENTENCE[30:] for _ in range(20)) + "\n"
    paragraphs = split_paragraphs("d", broken)
    assert len(paragraphs) >= 2 and _spans_hold_text(broken, paragraphs)


def test_a_passage_cut_inside_a_quotation_is_still_the_speakers_words():
    text = ("本报讯（记者 赵晓东）昨天，区交通委召开新闻通气会。\n区交通委副主任孙立平介绍，“" + SENTENCE * 30
            + "”他说，明年还会继续推进。\n居民王秀兰说：“停车终于不难了。”\n")
    raws = split_paragraphs("d", text)
    quoted = [r for r in raws if "停车问题" in r.text]
    assert len(quoted) >= 3 and quoted[1].opens_in == "“"
    paragraphs, _ = attribute(raws, "d")
    for raw in quoted:
        said = paragraphs[raw.number].utterances
        assert {u.speaker for u in said} == {"孙立平"}
        # every character of the quotation, in every passage, is the speaker's
        covered = sum(u.end - u.start for u in said)
        assert covered >= len(raw.text) - len("区交通委副主任孙立平介绍，“")
    assert paragraphs[-1].speaker == "王秀兰"


def test_lines_with_no_words_are_not_paragraphs():
    text = "a\n1\n——\n* * *\nQ:\n好。\nab\n7月\n"
    assert [p.text for p in split_paragraphs("d", text)] == ["Q:", "好。", "ab", "7月"]


def test_thousands_of_tiny_lines_are_packed_into_passages_with_a_note():
    text = "ab\n" * 20_000
    paragraphs, note = split_document("d", text)
    assert note and "20,000 lines" in note
    assert len(paragraphs) <= len(text) // 100        # bounded per character, not one row per line
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in paragraphs)
    assert _spans_hold_text(text, paragraphs)
    # an ordinary list of names keeps its lines
    names = "出席：\n" + "".join(f"代表{i}号\n" for i in range(200))
    paragraphs, note = split_document("d", names)
    assert note is None and len(paragraphs) == 201


def test_quote_stack_reads_spans_as_the_whole():
    """The cutter reads a paragraph span by span and attribution reads it whole: one stack, one answer."""
    from retrieval.text.quotemarks import QuoteStack

    text = "他说：“我们『先把「路」修好』，再谈“别的”。”然后“未完"
    whole = QuoteStack()
    closed = whole.read(text)
    assert [text[s:e] for s, e in closed] == ["“我们『先把「路」修好』，再谈“别的”。”"]
    assert whole.open_marks == "“" and text[whole.first_open:] == "“未完"
    pieces, stack = [], QuoteStack()
    for start in range(0, len(text), 3):
        pieces += stack.read(text, start, min(len(text), start + 3))
    assert pieces == closed and stack.open_marks == whole.open_marks
    # an outer closing mark closes the inner quotation left open; a stray closing mark is ignored
    assert QuoteStack().read("”甲“乙『丙”") == [(2, 7)]
    deep = QuoteStack()
    deep.read("“" * 9)
    assert len(deep.open_marks) == 4  # deeper opens are stray marks
