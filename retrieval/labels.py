"""Answers as text for people: labels in Chinese or English, shared by the CLI and the UI."""

from __future__ import annotations

import re

from retrieval.records import Answer, Passage, Role
from retrieval.search.analysis import is_english
from retrieval.text.chars import shown

ROLE_LABELS = {
    "zh": {Role.QUOTE: "原话", Role.PARAPHRASE: "转述", Role.CITED: "引述", Role.NARRATION: "记者叙述",
           Role.HEADING: "标题", Role.TURN: "发言"},
    "en": {Role.QUOTE: "direct quote", Role.PARAPHRASE: "paraphrase", Role.CITED: "cites",
           Role.NARRATION: "reporter's narration", Role.HEADING: "heading", Role.TURN: "statement"},
}
TEXT = {
    "zh": {"said": "说这话的是", "who": "谈到这一点的有", "none": "文档中没有找到能回答这个问题的内容。",
           "para": "段", "filter": "只看", "cites": "引述", "parts": "各部分"},
    "en": {"said": "Said by", "who": "Speakers on this", "none": "Nothing in the documents answers this question.",
           "para": "paragraph", "filter": "only", "cites": "cites", "parts": "who says what"},
}


def language(question: str) -> str:
    return "en" if is_english(question) else "zh"


def person(name: str | None, title: str | None) -> str:
    if not name:
        return "?"
    return f"{name}（{title}）" if title else name


def role_label(passage: Passage, lang: str) -> str:
    label = ROLE_LABELS[lang].get(passage.role, passage.role)
    if passage.role == Role.CITED and passage.cited:
        label = f"{label} {passage.cited}"
    return label


def headline(answer: Answer, lang: str) -> str:
    """The one line that opens an answer: who said it, or who spoke on it."""
    t = TEXT[lang]
    if not answer.answerable or not answer.passages:
        return t["none"]
    if answer.who_question and answer.speakers:
        titles = {p.speaker: p.speaker_title for p in answer.passages}
        names = "、".join(person(s.speaker, titles.get(s.speaker)) for s in answer.speakers[:4])
        return f"{t['who']}: {names}" if lang == "en" else f"{t['who']}：{names}"
    top = answer.passages[0]
    sep = ": " if lang == "en" else "："
    if top.role == Role.CITED and top.cited:
        # The person asked about is quoted by somebody else: say so, never "said by" the one quoting.
        return f"{person(top.speaker, top.speaker_title)} {t['cites']} {top.cited}"
    return f"{t['said']}{sep}{person(top.speaker, top.speaker_title)}"


def marked(text: str, spans, start: str, end: str, escape=lambda piece: piece) -> str:
    """The text with `start`/`end` around each span; the text itself passes through `escape`."""
    out, last = [], 0
    for s, e in spans:
        out += [escape(text[last:s]), start, escape(text[s:e]), end]
        last = e
    out.append(escape(text[last:]))
    return "".join(out)


def plain_answer(answer: Answer, color: bool = False) -> str:
    lang = language(answer.query)
    lines = [headline(answer, lang)]
    if not answer.answerable:
        return lines[0]
    for note in answer.notes:
        lines.append(f"({note})")
    on, off = ("\x1b[1;33m", "\x1b[0m") if color else ("【", "】")
    for p in answer.passages:
        para = p.paragraph
        lines.append("")
        lines.append(f"[{p.rank}] {person(p.speaker, p.speaker_title)} · {role_label(p, lang)} · "
                     f"{shown(para.doc)} {TEXT[lang]['para']} {para.number} · {p.score:.3f}")
        if document_line(p.document):
            lines.append(f"    {shown(document_line(p.document))}")
        lines.append("    " + marked(para.text, p.highlights, on, off))
        if len({u.speaker for u in p.attributions}) > 1:
            lines.append(f"    {TEXT[lang]['parts']}: " + " | ".join(part_label(para.text, u, lang) for u in p.attributions))
    return "\n".join(lines)


def document_line(meta) -> str:
    """《headline》 · outlet · author · date, as far as the document gives them ("" when it gives none)."""
    parts = [f"《{meta.title}》" if meta.title else "", meta.source or "", meta.author or "", meta.date or ""]
    return " · ".join(p for p in parts if p)


def part_label(text: str, utterance, lang: str, width: int = 16) -> str:
    """One utterance of a passage in a few words: whose, how, and how it starts."""
    words = text[utterance.start:utterance.end]
    words = words if len(words) <= width else words[:width] + "…"
    role = ROLE_LABELS[lang].get(utterance.role, utterance.role)
    if utterance.cited:
        role = f"{role} {utterance.cited}"
    return f"{utterance.speaker}（{role}）{words}"


# -- citations: a quotation a journalist can paste -----------------------------------------------------
_OUTER = {"“": "”", "「": "」", "『": "』", '"': '"'}


def quoted(words: str) -> str:
    """The words inside Chinese quotation marks, once. When the words open with the document's own marks
    (“A，”他说，“B。”), only what the marks hold is quoted, joined by an ellipsis; marks inside the words
    become single ones (‘…’), as a quotation within a quotation is written."""
    words = shown(" ".join(words.split()))
    close = _OUTER.get(words[:1])
    if close:
        parts = re.findall(re.escape(words[0]) + "(.*?)" + re.escape(close), words)
        words = "……".join(p.strip() for p in parts if p.strip()) or words
    return "“" + words.replace("“", "‘").replace("”", "’") + "”"


def citation(words: str, speaker: str | None, speaker_title: str | None, role: Role, cited: str | None,
             doc: str, number: int, meta) -> str:
    """“…” —— 付明远（区交通委副主任），《标题》，来源/日期，第N段.

    Only a direct quote or a transcript's own line stands bare in quotation marks; a paraphrase or a
    quotation of somebody else says so, so that nobody is quoted with words they did not say. The
    paragraph is numbered as the page numbers it (第N段 beside each passage), so the two can be checked.
    """
    mark = {Role.PARAPHRASE: "（转述）", Role.CITED: f"（引述{cited}）" if cited else "（引述）"}.get(role, "")
    where = [f"《{shown(meta.title)}》" if meta.title else shown(doc),
             "/".join(shown(x) for x in (meta.source, meta.date) if x), f"第{number}段"]
    return f"{quoted(words)}{mark} —— {person(speaker, speaker_title)}，" + "，".join(w for w in where if w)


def passage_words(passage: Passage) -> str:
    """The words a passage's citation quotes: its speaker's utterances under the highlights (all of their
    utterances in the paragraph when none is highlighted, the paragraph when nobody speaks in it)."""
    text, own = passage.paragraph.text, [u for u in passage.attributions if u.speaker == passage.speaker]
    lit = [u for u in own if any(s < u.end and u.start < e for s, e in passage.highlights)] or own
    # a passage labelled a direct quote cites the quoted words, not the paraphrase around them
    lit = [u for u in lit if u.role == passage.role] or lit
    spans: list[list[int]] = []
    for u in sorted(lit, key=lambda u: u.start):
        if spans and not text[spans[-1][1]:u.start].strip():  # adjacent: one passage of words, no ellipsis
            spans[-1][1] = max(spans[-1][1], u.end)
        else:
            spans.append([u.start, u.end])
    return "……".join(text[s:e].strip() for s, e in spans) if spans else text


def passage_citation(passage: Passage) -> str:
    p = passage.paragraph
    return citation(passage_words(passage), passage.speaker, passage.speaker_title, passage.role, passage.cited,
                    p.doc, p.number, passage.document)


def quote_citation(row, meta) -> str:
    """The citation of one row of the who-said-what table (a QuoteRow) in a document with this DocMeta."""
    return citation(row.text, row.speaker, row.speaker_title, row.role, row.cited, row.doc, row.paragraph, meta)
