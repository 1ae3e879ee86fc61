"""The layout of a report, paragraph by paragraph: headline, byline, speaker headers and their section
titles, the reporter's closing section, transcript turns ("LABEL：words"), and body text.

Only the shape of the lines is read here (punctuation, brackets, length, a name in a header); who says
what inside the body is the business of the other modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.records import RawParagraph
from retrieval.text.chars import CLAUSE_MARKS, SENTENCE_ENDS

BULLETS = "◆◇■□●○▲△★☆◎※▶►•·-—*#>"
# A line this short without sentence punctuation is a heading, not prose.
HEADING_MAX_CHARS = 40
# A speaker header's descriptor (title + name) is at most this long; longer lines are prose.
HEADER_MAX_CHARS = 60
# A transcript label ("某某晚报记者", "主持人（某某办副主任 林某）") is at most this long.
LABEL_MAX_CHARS = 40
# How far into a report a byline may stand (headline, subtitle, dateline come first).
BYLINE_WITHIN = 6
BYLINE_MAX_CHARS = 80
BYLINE = re.compile(r"记者|記者|通讯员|通訊員|本报讯|本報訊|本报|本報|撰文|/文|／文|/摄|／摄|摄影|攝影|来源[:：]|來源[:：]|"
                    r"编辑[:：]|編輯[:：]|作者[:：]")
# The reporter's own closing (or opening) comment: 记者手记, 编后, 编者按 ...
CLOSING = re.compile(r"^[\s" + re.escape(BULLETS) + r"【\[]*(?:记者手记|記者手記|编后语?|編後語?|记者观察|記者觀察|短评|短評|"
                     r"后记|後記|编者按|編者按|记者感言|采访手记|採訪手記)[】\]]?[:：]?\s*$")
_BYLINE_ROLE = re.compile(r"实习生|實習生|通讯员|通訊員|特约记者|见习记者|实习记者|摄影|攝影|摄|攝|文|图|圖|报道|報道")
TURN = re.compile(r"^[\s" + re.escape(BULLETS) + r"]*(?P<label>[^：:，。！？!?“”「」]{1,40}?)\s*[：:]\s*(?P<rest>\S.*)$", re.S)


@dataclass(frozen=True)
class Line:
    """What the layout says of one paragraph."""

    kind: str                  # headline | byline | header | section_title | closing | turn | remark | body
    label: str = ""            # header descriptor, or turn label
    content_start: int = 0     # where a turn's words start


def is_sentence(text: str) -> bool:
    """Prose, as against a heading: sentence punctuation, or clauses in a long line, or a clause that
    introduces a list ("会议要求，重点抓好以下三个方面：" - a header never holds a comma)."""
    return any(ch in text for ch in SENTENCE_ENDS) or (
        len(text) > HEADING_MAX_CHARS and any(ch in text for ch in CLAUSE_MARKS)) or (
        text.rstrip().endswith(("：", ":")) and any(ch in text for ch in CLAUSE_MARKS))


def header_descriptor(text: str) -> str | None:
    """The title + name of a speaker-header line (【…】, "…：" alone, "◆ …"), or None."""
    body = text.strip()
    if body.startswith(("——", "--")):   # a subtitle ("——访某某"), not a bullet
        return None
    bracketed = re.fullmatch(r"[" + re.escape(BULLETS) + r"\s]*[【\[]([^】\]]+)[】\]][:：]?", body)
    if bracketed:
        body = bracketed.group(1)
    elif body.endswith(("：", ":")):
        body = body[:-1]
    elif body[:1] not in BULLETS:
        return None
    body = body.strip(BULLETS + " \u3000")
    if not (2 <= len(body) <= HEADER_MAX_CHARS) or any(ch in body for ch in SENTENCE_ENDS + "，,；;"):
        return None
    if BYLINE.search(body) or CLOSING.match(body):
        return None
    return body


def turn(text: str) -> tuple[str, int] | None:
    """(label, where the words start) of a line "LABEL：words", or None."""
    match = TURN.match(text)
    if not match:
        return None
    label = match.group("label").strip()
    if not label or len(label) > LABEL_MAX_CHARS:
        return None
    return label, match.start("rest")


def byline_at(raws: list[RawParagraph]) -> int | None:
    for i, p in enumerate(raws[:BYLINE_WITHIN]):
        if len(p.text) <= BYLINE_MAX_CHARS and BYLINE.search(p.text) and not is_sentence(p.text):
            return i
    return None


def reporter_name(line: str) -> tuple[str, str | None]:
    """(names, title) from a byline: "□本报记者 边某 周某/文" -> ("边某、周某", "本报记者")."""
    line = line.strip(BULLETS + " \u3000")
    writers = re.split(r"[/／]文", line)[0] if re.search(r"[/／]文", line) else line
    match = re.search(r"(本报记者|本報記者|记者|記者|通讯员|通訊員|特约记者|见习记者)\s*(.+)", writers)
    if match:
        names = [n for n in re.split(r"[\s、，,]+", match.group(2)) if n and not BYLINE.search(n)
                 and not _BYLINE_ROLE.fullmatch(n)]
        if names:
            return "、".join(names), match.group(1)
    return "记者", None
