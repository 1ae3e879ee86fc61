"""Answers as text for people: labels in Chinese or English, shared by the CLI and the UI."""

from __future__ import annotations

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
