"""Who a label names: transcript turns (记者：/问：/答：/NAME：), press-conference hosts and spokespeople,
an outlet's reporter, and the title + name of a speaker header.

问 and 记者 are the interviewer (the article's reporter); 答 is the interviewee the headline or lead names
("——访某某院院长某某", "本报记者专访了…"); "主持人（title name）" names the host, whom a later bare
"主持人" means; "发言人吴静" and a later "吴静" are one person.
"""

from __future__ import annotations

import re

from retrieval.records import RawParagraph, SpeakerKind
from retrieval.text.chars import HAN_RANGE
from retrieval.text.names import SURNAMES, pick_name
from retrieval.text.recognizer import Token

from .people import NameTable, Person, is_full_name, title_before

_INTERVIEWER = {"问", "問", "Q", "记者", "記者", "本报记者", "本報記者", "主持人问", "记者问"}
_INTERVIEWEE = {"答", "A"}
_HOST = ("主持人", "主持")
_SPOKESPERSON = re.compile(r"^(?P<title>.*?(?:新闻发言人|发言人|新聞發言人|發言人))\s*(?P<name>.+)$")
_PAREN = re.compile(r"^(?P<outer>[^（(]*)[（(](?P<inner>[^）)]+)[）)](?P<after>.*)$")
_OUTLET = re.compile(r"^(?P<outlet>.{2,30}?)(?:记者|記者)$")
# "——访某某院院长某某", "本报记者专访了…", "对话…": an interview's subject, named in its headline or lead.
_INTERVIEW_CUE = re.compile(r"访问?|專訪|专访|采访|採訪|对话|對話|访谈|訪談")
# How far into a report the interviewee is looked for (headline, subtitle, lead).
LEAD_PARAGRAPHS = 5


# A label names someone: names, titles, organisations. A verb, a preposition or a particle in it makes it
# the start of a sentence ("用老同志某某的话说：“…”"), not a label.
_NOT_IN_LABELS = {"v", "p", "u", "d", "r", "c", "xc", "ad", "vd", "a", "TIME"}


def _label_like(label: str, tokens: list[Token], line: str) -> bool:
    start = line.find(label)
    if start < 0:
        return False
    inside = [t for t in tokens if t.start >= start and t.end <= start + len(label)]
    return bool(inside) and not any(t.tag in _NOT_IN_LABELS for t in inside)


class Labels:
    def __init__(self, table: NameTable, reporter: Person) -> None:
        self.table = table
        self.reporter = reporter
        self.host: Person | None = None
        self.recurring: set[str] = set()     # labels that open two turns or more
        self.interviewee: Person | None = None

    def find_interviewee(self, raws: list[RawParagraph], tokens: list[list[Token]]) -> None:
        for raw, words in zip(raws[:LEAD_PARAGRAPHS], tokens[:LEAD_PARAGRAPHS]):
            cue = _INTERVIEW_CUE.search(raw.text)
            if not cue:
                continue
            for n, token in enumerate(words):
                if token.tag == "PER" and is_full_name(token.text):
                    title = title_before(words, n, raw.text)
                    if title and cue.group() in title:
                        title = title[title.index(cue.group()) + len(cue.group()):].strip("了与和 ") or None
                    self.interviewee = self.table.add(token.text, title)
                    return

    def resolve(self, label: str, tokens: list[Token], line: str) -> Person | None:
        """The speaker a turn label names, or None when the label is not a speaker ("时间：", "地点：")."""
        label = label.strip(" \u3000")
        if label in _INTERVIEWER:
            return self.reporter
        if label in _INTERVIEWEE:
            return self.interviewee
        if label in _HOST:
            return self.host
        paren = _PAREN.match(label)
        if paren and paren.group("outer").strip() in _HOST:
            self.host = self._named(paren.group("inner"), tokens, line)
            if self.host is not None:
                self.table.alias(self.host, label)
            return self.host
        known = self.table.lookup(label)
        if known is not None:
            return known
        spokesperson = _SPOKESPERSON.match(label)
        if spokesperson and is_full_name(spokesperson.group("name").strip()):
            person = self.table.add(spokesperson.group("name").strip(), spokesperson.group("title").strip())
            self.table.alias(person, label)
            return person
        if paren and is_full_name(paren.group("outer").strip()):   # 孙某（某某公司工会副主席）
            person = self.table.add(paren.group("outer").strip(), paren.group("inner").strip())
            self.table.alias(person, label)
            return person
        if _OUTLET.match(label) and not any(ch in label for ch in "，。的"):
            return self.table.lookup(label) or self.table.add(label, None, SpeakerKind.PRESS)
        if label in self.recurring and re.fullmatch(f"[{HAN_RANGE}]{{2,3}}", label) and label[0] in SURNAMES \
                and is_full_name(label):
            return self.table.add(label)   # a bare name that labels several turns, whatever the model says
        if not _label_like(label, tokens, line):
            return None
        return self._named(label, tokens, line)

    def _named(self, text: str, tokens: list[Token], line: str) -> Person | None:
        """The person a short piece of a line names: the recogniser's name in it, or the whole piece when it is
        a name on its own."""
        start = line.find(text)
        if start >= 0:
            for n, token in enumerate(tokens):
                if token.tag == "PER" and start <= token.start and token.end <= start + len(text) \
                        and is_full_name(token.text):
                    title = text[:token.start - start].strip(" \u3000") or title_before(tokens, n, line)
                    return self.table.add(token.text, title or None)
        bare = text.strip(" \u3000")
        if re.fullmatch(f"[{HAN_RANGE}]{{2,3}}", bare) and is_full_name(bare) and self.table.lookup(bare):
            return self.table.lookup(bare)
        return None

    def person_in(self, descriptor: str, tokens: list[Token], line: str, section: str) -> Person | None:
        """The person a speaker header names: "title + name", "name（title）", "【“某某”服务队队长 钱某】"."""
        paren = _PAREN.match(descriptor)
        if paren and is_full_name(paren.group("outer").strip(" ，,、:：")):
            return self.table.add(paren.group("outer").strip(" ，,、:："), paren.group("inner").strip())
        named = self._named(descriptor, tokens, line)
        if named is not None:
            return named
        dotted = re.search(f"[{HAN_RANGE}]{{1,5}}·[{HAN_RANGE}]{{1,6}}$", descriptor)
        if dotted:
            return self.table.add(dotted.group(), descriptor[:dotted.start()].strip(" \u3000") or None)
        split = pick_name(descriptor, section)
        if split is None:
            return None
        name, title = split
        return self.table.add(name, title or None)
