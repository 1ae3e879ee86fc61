"""Paragraphs -> structure (headline, byline, speaker headers, sections) -> who says each one.

Everything here comes from the document's own layout and from cue words of reported speech;
no person, title or organisation is known in advance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.records import Kind, Paragraph, RawParagraph, Role, Speaker
from retrieval.text.names import find_person, pick_name, speaker_refs, split_title

# Verbs of reported speech, longest first so that 说道 wins over 说.
CUES = tuple(sorted(
    "表示 认为 谈到 谈及 指出 强调 介绍 坦言 直言 提到 透露 建议 提出 称 说道 说 告诉 回忆 解释 补充 感慨 "
    "坦承 呼吁 希望 分析 总结 举例 举了 表态 承认 呼吁 觉得 看来 提醒 说明 讲 讲到 谈道 相信 介绍说".split(),
    key=len, reverse=True,
))
# A paragraph opening with one of these carries on the argument of the one before.
CONTINUATIONS = (
    "同时", "另外", "此外", "其次", "再次", "最后", "首先", "第一", "第二", "第三", "一是", "二是", "三是",
    "四是", "还有", "而且", "并且", "因此", "所以", "对此", "他还", "她还", "他说", "她说", "接着", "随后",
)
_BULLETS = "◆◇■□●○▲△★☆◎※▶►•·-—*#>"
_BYLINE = re.compile(r"记者|通讯员|本报讯|本报|撰文|/文|／文|/摄|／摄|摄影|来源[:：]|编辑[:：]|作者[:：]")
_SENTENCE_END = "。！？!?"
_QUOTE = re.compile(r"“([^”]*)”|「([^」]*)」|『([^』]*)』")
_PRONOUN = re.compile(r"(?<![其])[他她](?![们人])")
_TURN = re.compile(r"^([^：:，。！？\s]{1,16})[：:]\s*(.{12,})$")
# "引用老劳模李素丽的话：" / "正如某某所说" introduce somebody else's words.
_CITING = re.compile(r"(?:引用|援引|借用|引述|正如)(.{2,24}?)(?:的话|的名言|的说法|所说|所言|所强调|所指出)?[：:，,]?\s*$")
_REPORTER_TURN = ("记者", "主持人", "编者", "问", "本报")


@dataclass(frozen=True)
class _Header:
    index: int                        # position in the paragraph list
    speaker: Speaker


def _is_sentence(text: str) -> bool:
    return any(ch in text for ch in "。！？!?") or (len(text) > 40 and any(ch in text for ch in "，,；;"))


def _header_text(text: str) -> str | None:
    """The descriptor of a speaker-header line, or None if the line is not one."""
    body = text.strip()
    bracketed = re.fullmatch(r"[【\[]([^】\]]+)[】\]]", body)
    if bracketed:
        body = bracketed.group(1)
    elif body.endswith(("：", ":")):
        body = body[:-1]
    elif body[:1] in _BULLETS:
        pass
    else:
        return None
    body = body.strip(_BULLETS + " \u3000")
    if not (2 <= len(body) <= 60) or any(ch in body for ch in "。！？!?“”"):
        return None
    if _BYLINE.search(body):
        return None
    return body


def _candidate_headers(raws: list[RawParagraph]) -> list[int]:
    return [i for i, p in enumerate(raws) if _header_text(p.text) is not None]


def _section_text(raws: list[RawParagraph], start: int, stop: int) -> str:
    return "\n".join(p.text for p in raws[start:stop])


def _find_headers(raws: list[RawParagraph], doc: str) -> list[_Header]:
    candidates = _candidate_headers(raws)
    headers: list[_Header] = []
    for n, i in enumerate(candidates):
        stop = candidates[n + 1] if n + 1 < len(candidates) else len(raws)
        section = _section_text(raws, i + 1, stop)
        if not _is_sentence(section):
            continue
        descriptor = _header_text(raws[i].text) or ""
        split = pick_name(descriptor, section)
        if split is None:
            continue
        name, title = split
        section_title = None
        if i + 1 < stop and not _is_sentence(raws[i + 1].text) and len(raws[i + 1].text) <= 40:
            section_title = raws[i + 1].text
        organisation, position = split_title(title)
        headers.append(_Header(i, Speaker(
            name=name, title=title or None, position=position, organisation=organisation,
            section_title=section_title, doc=doc,
        )))
    return headers


def _reporter(raws: list[RawParagraph], doc: str, first_header: int) -> tuple[Speaker, int | None]:
    """The article's own voice: named from the byline when there is one."""
    for i, p in enumerate(raws[:first_header]):
        if len(p.text) <= 80 and _BYLINE.search(p.text) and not _is_sentence(p.text):
            line = p.text.strip(_BULLETS + " \u3000")
            writers = re.split(r"[/／]文", line)[0] if re.search(r"[/／]文", line) else line
            match = re.search(r"(本报记者|记者|通讯员|特约记者|见习记者)\s*(.+)", writers)
            if match:
                names = [n for n in re.split(r"[\s、，,]+", match.group(2)) if n]
                return Speaker(name="、".join(names), title=match.group(1), doc=doc, reporter=True), i
            return Speaker(name=line, title=None, doc=doc, reporter=True), i
    return Speaker(name="记者", title=None, doc=doc, reporter=True), None


def _quote_owner(text: str, start: int, end: int, refs: tuple[str, ...]) -> tuple[str, str | None]:
    """Whose words a quotation are: ("self", None) for the speaker, ("other", person) for a citation."""
    left = text[max(text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1:start]
    citing = _CITING.search(left)
    if citing:
        return "other", find_person(citing.group(1)) or citing.group(1)
    cue_at = _last_cue(left)
    if cue_at is not None:
        subject = left[:cue_at]
        subject = subject[max(subject.rfind(ch) for ch in "，,；;") + 1:] or subject
        if _mentions_speaker(subject, refs):
            return "self", None
        person = find_person(subject)
        return ("other", person) if person else ("self", None)
    stops = [p for p in (text.find(ch, end) for ch in _SENTENCE_END) if p != -1]
    right = text[end:min(stops, default=len(text))]
    cue = _cue_in(right)
    if cue is not None:
        subject = right[:right.find(cue)]
        if not _mentions_speaker(subject, refs):
            person = find_person(subject)
            if person:
                return "other", person
    return "self", None


def _last_cue(text: str) -> int | None:
    found = [(text.rfind(cue), -len(cue)) for cue in CUES if cue in text]
    return max(found)[0] if found else None


def _cue_in(text: str) -> str | None:
    for cue in CUES:
        if cue in text:
            return cue
    return None


def _mentions_speaker(text: str, refs: tuple[str, ...]) -> bool:
    return any(r in text for r in refs) or bool(_PRONOUN.search(text))


def _says(text: str, refs: tuple[str, ...]) -> bool:
    """True when the speaker (by name, title or pronoun) is the subject of a speech verb."""
    names = "|".join(re.escape(r) for r in refs)
    subject = f"(?:{names}|(?<!其)[他她](?![们人]))" if names else r"(?:(?<!其)[他她](?![们人]))"
    cues = "|".join(CUES)
    return re.search(f"{subject}[^，。！？；：“”,]{{0,10}}?(?:{cues})", text) is not None


def _role(text: str, refs: tuple[str, ...], previous: str | None) -> tuple[str, str | None]:
    own, cited = False, None
    for match in _QUOTE.finditer(text):
        inner = next(g for g in match.groups() if g is not None)
        if len(inner) < 12 or not any(ch in inner for ch in "，。！？；,"):
            continue  # a term in quotation marks, not speech
        owner, person = _quote_owner(text, match.start(), match.end(), refs)
        if owner == "self":
            own = True
        elif cited is None:
            cited = person
    if own:
        return Role.QUOTE, None
    if cited:
        return Role.CITED, cited
    if _says(text, refs):
        return Role.PARAPHRASE, None
    if previous in (Role.QUOTE, Role.PARAPHRASE) and text.startswith(CONTINUATIONS):
        return Role.PARAPHRASE, None
    return Role.NARRATION, None


def attribute(raws: list[RawParagraph], doc: str) -> tuple[list[Paragraph], list[Speaker]]:
    """Classify every paragraph and attribute it; returns the paragraphs and the speakers."""
    headers = _find_headers(raws, doc)
    first_header = headers[0].index if headers else len(raws)
    reporter, byline_at = _reporter(raws, doc, first_header)
    header_at = {h.index: h.speaker for h in headers}

    out: list[Paragraph] = []
    current = reporter
    refs: tuple[str, ...] = ()
    previous_role: str | None = None
    seen_body = False
    turn_speakers: dict[str, Speaker] = {}
    for i, p in enumerate(raws):
        text = p.text
        if i in header_at:
            current = header_at[i]
            refs = speaker_refs(current)
            previous_role = None
            out.append(_para(p, Kind.SPEAKER_HEADER, Role.HEADING, current))
            continue
        if i == byline_at:
            out.append(_para(p, Kind.BYLINE, Role.NARRATION, reporter))
            continue
        if not _is_sentence(text):
            kind = Kind.HEADLINE if not seen_body and current is reporter else Kind.SECTION_TITLE
            out.append(_para(p, kind, Role.HEADING, current))
            continue
        seen_body = True
        turn = _TURN.match(text)
        if turn and current is reporter and not headers:
            label = turn.group(1)
            if label.startswith(_REPORTER_TURN):
                out.append(_para(p, Kind.BODY, Role.NARRATION, reporter))
            else:
                speaker = turn_speakers.setdefault(label, Speaker(name=label, doc=doc))
                out.append(_para(p, Kind.BODY, Role.TURN, speaker))
            continue
        role, cited = _role(text, refs, previous_role)
        if current is reporter and role != Role.NARRATION and not refs:
            # Reporter's narration that reports someone else's speech stays narration of the article.
            role, cited = Role.NARRATION, None
        previous_role = role
        out.append(_para(p, Kind.BODY, role, current, cited))
    speakers = [h.speaker for h in headers] + list(turn_speakers.values())
    return out, speakers


def _para(p: RawParagraph, kind: str, role: str, speaker: Speaker, cited: str | None = None) -> Paragraph:
    return Paragraph(
        doc=p.doc, number=p.number, text=p.text, spans=p.spans, kind=kind, role=role,
        speaker=speaker.name, speaker_title=speaker.title, cited=cited,
    )
