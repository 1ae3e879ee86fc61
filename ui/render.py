"""Answers as chat messages. Document text is always escaped: it is shown as text, never run.

Gradio's sanitizer keeps plain remote images and markdown links, so passage text is escaped here,
both as HTML and as markdown, before our own <mark> tags are put around the highlights.
"""

from __future__ import annotations

import html
import re

from retrieval.labels import ROLE_LABELS, TEXT, headline, language, marked, part_label, passage_citation, person
from retrieval.records import Answer, DocMeta, Kind, Paragraph, Passage, Role

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:/=])")


def escape(text: str) -> str:
    """Plain text that markdown and HTML both show literally."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN.sub(r"\\\1", escaped)


def marked_text(text: str, spans) -> str:
    return marked(text, spans, "<mark>", "</mark>", escape)


def _role(passage: Passage, lang: str) -> str:
    role = passage.role
    zh, en = ROLE_LABELS["zh"].get(role, role), ROLE_LABELS["en"].get(role, role)
    label = f"{en}" if lang == "en" else f"{zh} {en}"
    if role == Role.CITED and passage.cited:
        label += f" {passage.cited}"
    return label


def title_markdown(passage: Passage, lang: str) -> str:
    """The passage header as markdown: the name in bold to be found at a glance, the role kept on one line
    ("转述 paraphrase" broke over two at 1366 px)."""
    name = f"**{escape(passage.speaker)}**" if passage.speaker else "?"
    title = f"（{escape(passage.speaker_title)}）" if passage.speaker and passage.speaker_title else ""
    return f'{escape(f"{passage.rank}.")} {name}{title} · <span class="whosaid-role">{escape(_role(passage, lang))}</span>'


def passage_id(passage: Passage) -> str:
    """The message id of a passage: unique per paragraph, and naming the paragraph the source view opens
    (read back from the history, so an index rebuilt meanwhile cannot open another paragraph)."""
    return f"passage-{passage.id}:{passage.paragraph.number}:{passage.paragraph.doc}"


def paragraph_of(message_id: object) -> tuple[str, int] | None:
    """(document, paragraph number) from a passage's message id; None for any other message."""
    if not isinstance(message_id, str) or not message_id.startswith("passage-"):
        return None
    parts = message_id.split(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2]:
        return None
    return parts[2], int(parts[1])


def parts_line(passage: Passage, lang: str) -> str:
    """Whose words each part of a passage is, when more than one person speaks in it ("" otherwise)."""
    if len({u.speaker for u in passage.attributions}) < 2:
        return ""
    lead = "Who says what: " if lang == "en" else "各部分 · Who says what："
    return lead + " | ".join(part_label(passage.paragraph.text, u, lang) for u in passage.attributions)


_RELEVANCE = {"high": "高", "medium": "中", "low": "低"}
# The last line of each passage: clicking the passage (this line or its text) opens its document with the
# paragraph marked (app.open_source). "#whosaid-open" names no element, so the link itself goes nowhere.
SOURCE_LINK = {"zh": '<a href="#whosaid-open">在原文中查看 · Open in the document ↗</a>',
               "en": '<a href="#whosaid-open">Open in the document ↗</a>'}


def relevance(passage: Passage, top: float, answerable: bool) -> str:
    """A word a reader understands instead of the fused score (which has no unit and can pass 1): the
    best passage of an answerable question is high, one scoring at least half of it medium, the rest low."""
    if not answerable:
        return "low"
    if passage.rank == 1:
        return "high"
    return "medium" if top > 0 and passage.score >= top / 2 else "low"


def evidence_log(passage: Passage, lang: str, level: str) -> str:
    p = passage.paragraph
    where = f"{p.doc} ¶{p.number}" if lang == "en" else f"{p.doc} 第{p.number}段"
    title = f"《{passage.document.title}》 " if passage.document.title else ""
    if lang == "en":
        return f"{title}{where} · relevance {level}"
    return f"{title}{where} · 相关度 {_RELEVANCE[level]} · relevance {level}"


def citation_line(passage: Passage) -> str:
    """The passage's citation on a line of its own, escaped as all document text is; a click copies it
    (ui/copying.py), and Copy message keeps it."""
    return f'\n\n引用 · Cite：<span class="whosaid-cite" title="点击复制 · Click to copy">{escape(passage_citation(passage))}</span>'


def answer_messages(answer: Answer, examples: list[str]) -> list[dict]:
    """One line naming who said it, then one evidence entry per passage, then follow-up chips."""
    lang = language(answer.query)
    if not answer.passages and answer.notes:
        return [{"role": "assistant", "content": escape(" ".join(answer.notes))}]
    if not answer.answerable or not answer.passages:
        tries = "、".join(f"“{escape(e)}”" for e in examples[:2])
        text = TEXT[lang]["none"] + (f" Try: {tries}" if lang == "en" else f"可以试试：{tries}")
        return [{"role": "assistant", "content": text}]
    lead = escape(headline(answer, lang))
    for note in answer.notes:
        lead += f"\n\n_{escape(note)}_"
    messages = [{"role": "assistant", "content": lead}]
    top = answer.passages[0].score
    opener = SOURCE_LINK["en" if lang == "en" else "zh"]
    for passage in answer.passages:
        parts = parts_line(passage, lang)
        messages.append({
            "role": "assistant",
            "content": marked_text(passage.paragraph.text, passage.highlights)
                       + (f"\n\n_{escape(parts)}_" if parts else "") + citation_line(passage) + f"\n\n{opener}",
            # The title is rendered as markdown, the log as plain text.
            "metadata": {"title": title_markdown(passage, lang),
                         "log": evidence_log(passage, lang, relevance(passage, top, answer.answerable)),
                         "id": passage_id(passage)},
        })
    speaker = answer.speaker_filter or answer.passages[0].speaker
    if lang == "en":
        options = [{"value": "What else did they say?", "label": "More from this speaker"},
                   {"value": "What did other delegates say on this?", "label": "Other delegates on this topic"}]
    else:
        options = [{"value": "他还说了什么？", "label": f"更多 {speaker or ''} 的发言 · More from this speaker"},
                   {"value": "其他代表怎么看这个问题？", "label": "其他代表怎么说 · Other delegates on this topic"}]
    # The chips hang on the last passage: a message of their own ("Follow up:") scrolled out of sight on a
    # phone while the chips stayed; the page labels the chips itself (app.CSS, `.options::before`).
    messages[-1]["options"] = options
    return messages


def document_html(paragraphs: list[Paragraph], marked: int | None, meta: DocMeta | None = None) -> str:
    """A whole document as escaped paragraphs, the chosen one marked and scrolled to, under its headline,
    outlet, author and date when the document gives them (`meta`, from Engine.document_meta)."""
    parts = []
    if meta is not None and meta.title:
        parts.append(f'<h3 class="whosaid-doc-title">{html.escape(meta.title)}</h3>')
    byline = " · ".join(x for x in (meta.source, meta.author, meta.date) if x) if meta is not None else ""
    if byline:
        parts.append(f"<p><small>{html.escape(byline)}</small></p>")
    for p in paragraphs:
        body = html.escape(p.text)
        who = html.escape(person(p.speaker, p.speaker_title)) if p.kind == Kind.BODY else ""
        if p.number == marked:
            parts.append(f'<p id="whosaid-marked" class="whosaid-marked"><mark>{body}</mark><br><small>{who}</small></p>')
        elif p.kind == Kind.BODY:
            parts.append(f"<p>{body}<br><small>{who}</small></p>")
        else:
            parts.append(f"<p><b>{body}</b></p>")
    return '<div class="whosaid-doc">' + "".join(parts) + "</div>"
