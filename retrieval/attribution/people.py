"""The document's name table: every person it names in full, with their title, and the short forms that
refer back to them (付主任, 发言人吴静 -> 吴静, 她), in the manner of BBC Citron.

The earliest longest full form is canonical; a short form that fits two people is ambiguous and resolves
to nobody, so that a sentence is left unattributed rather than given to the wrong person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.records import SpeakerKind
from retrieval.text.chars import HAN_RANGE
from retrieval.text.fold import to_simplified
from retrieval.text.names import POSITION_WORD, surname
from retrieval.text.recognizer import Token

# The longest form looked up inside a clause: a title and a name (a dotted name can be long).
MAX_FORM = 24
# How many recent subjects a 他/她 can point to: the last three, the nearest preferred (Citron looks at two;
# a third helps when a paragraph names two people before a pronoun of the first one's gender).
PRONOUN_WINDOW = 3
_NAME = re.compile(f"^[{HAN_RANGE}]{{2,4}}$|^[{HAN_RANGE}]{{1,8}}·[{HAN_RANGE}]{{1,8}}$")
# Tags of the words a title is made of, right before a name: organisations, places, nouns.
_TITLE_TAGS = {"ORG", "LOC", "n", "nz", "nw", "vn", "an", "m", "q", "f", "s"}
# Words the model tags otherwise that are part of a title all the same (副总 + 经理, 常务 + 副主任).
_TITLE_WORDS = {"副总", "副", "常务", "执行", "首席", "总"}
_TITLE_JOINERS = set("、“”「」‘’·（）() 　")
# Ways of addressing anyone by surname (岳师傅, 谢医生): short forms of every person, not titles.
ADDRESS_TERMS = ("师傅", "老师", "医生", "大夫", "教授", "律师", "先生", "女士", "阿姨", "大姐", "大爷", "奶奶", "老人",
                 "同学", "师父")
_GENDER_AFTER = {"女士": "f", "先生": "m", "阿姨": "f", "大妈": "f", "奶奶": "f", "大爷": "m", "大姐": "f", "大哥": "m"}


@dataclass
class Person:
    """A person (or a voice: reporter, meeting, an outlet's reporter) as the document names them."""

    name: str
    title: str | None = None
    kind: SpeakerKind = SpeakerKind.PERSON
    forms: set[str] = field(default_factory=set)
    gender: str | None = None
    order: int = 0

    def __hash__(self) -> int:
        return id(self)


def key(form: str) -> str:
    """Forms are compared in simplified characters, so a traditional 醫生 form finds a 医生 title."""
    return to_simplified(form)


# A personal name never ends in a place's or an organisation's last character (the recogniser sometimes
# takes 青枫区 for a name).
_NOT_NAME_END = set("区县市省镇乡村街路局委办厅处所部站厂司馆")


# 付总 (总经理, 总裁, 总监), 付局 (局长), 付董 (董事长): a surname and the first character of a position.
_SHORT_POSITIONS = {"总": ("总经理", "总裁", "总监", "总编", "总工程师"), "局": ("局长",), "董": ("董事长",),
                    "处": ("处长",), "科": ("科长",), "所": ("所长",), "院": ("院长",), "校": ("校长",),
                    "部": ("部长",), "行": ("行长",), "工": ("工程师",)}
# 老俞, 小戚: a surname with 老 or 小 is a familiar form of a person, not a name.
_FAMILIAR = ("老", "小")


def is_full_name(text: str) -> bool:
    folded = key(text)
    return (bool(_NAME.match(text)) and not POSITION_WORD.search(folded) and not folded.endswith(ADDRESS_TERMS)
            and folded[-1] not in _NOT_NAME_END and not (len(folded) == 2 and folded.startswith(_FAMILIAR)))


class NameTable:
    def __init__(self) -> None:
        self.people: list[Person] = []
        self._forms: dict[str, Person | None] = {}    # None: the form fits two people
        # The lengths of the forms that start with each character, longest first: find() looks up only
        # those, so scanning a clause costs one lookup per character, not one per possible length.
        self._sizes: dict[str, tuple[int, ...]] = {}
        self.recent: list[Person] = []                # persons who spoke, the most recent last
        self.mentioned: list[Person] = []             # persons who spoke or were a sentence's subject

    # -- building ----------------------------------------------------------------------------------
    def add(self, name: str, title: str | None = None, kind: SpeakerKind = SpeakerKind.PERSON) -> Person:
        """The person of that full name, made if new; a title seen later fills one not known yet."""
        name = name.strip()
        known = self._forms.get(key(name))
        if known is not None and known.name == name:
            if title and title != known.title:
                # The first title stays the one shown (a header's, or the first mention's); the others
                # still make short forms (法官尉迟某 later called 尉迟庭长).
                first = known.title
                known.title = title
                self._register_title_forms(known)
                known.title = first or title
            return known
        person = Person(name, title or None, kind, order=len(self.people))
        self.people.append(person)
        self._register(person, name)
        if kind is SpeakerKind.PERSON and "·" not in name and len(name) >= 2:
            for familiar in _FAMILIAR:                   # 老俞, 小戚
                self._register(person, familiar + surname(name))
        if title:
            self._register(person, title + name)
            self._register_title_forms(person)
        if "·" in name:
            self._register(person, name.split("·", 1)[0])
        return person

    def alias(self, person: Person, form: str) -> None:
        """Another way the document names this person (a turn label, 发言人吴静)."""
        self._register(person, form)

    def _register_title_forms(self, person: Person) -> None:
        if person.kind != SpeakerKind.PERSON or not person.title or "·" in person.name:
            return
        family = surname(person.name)
        title = key(person.title)
        for short, longs in _SHORT_POSITIONS.items():
            if any(long in title for long in longs):
                self._register(person, family + short)   # 颜工 (工程师), 冉总 (总经理), 付局 (局长)
        for match in POSITION_WORD.finditer(title):
            word = match.group()
            self._register(person, family + word.removeprefix("副"))
            if word.startswith("副") or title[max(0, match.start() - 1):match.start()] == "副":
                self._register(person, family + "副" + word.removeprefix("副"))

    def _register(self, person: Person, form: str) -> None:
        if len(form) < 2:
            return
        person.forms.add(form)
        form = key(form)
        sizes = self._sizes.get(form[0], ())
        if len(form) not in sizes and len(form) <= MAX_FORM:
            self._sizes[form[0]] = tuple(sorted(sizes + (len(form),), reverse=True))
        held = self._forms.get(form, person)
        self._forms[form] = person if held is person else (held if held is not None and key(held.name) == form else None)

    # -- finding -----------------------------------------------------------------------------------
    def lookup(self, form: str) -> Person | None:
        return self._forms.get(key(form))

    def find(self, folded: str, start: int, end: int) -> tuple[int, Person] | None:
        """The first known form in folded[start:end] (text in simplified characters, same offsets), longest
        at its position: (position, person)."""
        sizes = self._sizes
        for i in range(start, end):
            for size in sizes.get(folded[i], ()):
                if size <= end - i:
                    person = self._forms.get(folded[i:i + size])
                    if person is not None:
                        return i, person
        return None

    def from_tokens(self, tokens: list[Token], text: str, start: int, end: int) -> tuple[int, Person] | None:
        """The first person the recogniser names in text[start:end]: a full name (added with the title
        written before it) or a title form such as 付主任 that fits one known person."""
        for n, token in enumerate(tokens):
            if token.start < start or token.end > end:
                continue
            # A surname-led name the model took for an organisation counts right before a speech verb only.
            if token.tag != "PER" and not (token.tag == "PER?" and token.end == end):
                continue
            known = self.lookup(token.text) or self._part_of_name(token.text) or self.by_title_form(token.text)
            if known is not None:
                if known.name == token.text:
                    self.add(token.text, title_before(tokens, n, text))   # a longer title, if this one is
                return token.start, known
            if is_full_name(token.text):
                person = self.add(token.text, title_before(tokens, n, text))
                self._note_gender(person, text, token.end)
                return token.start, person
        return None

    def by_title_form(self, form: str) -> Person | None:
        """付主任 / 岳师傅: the one known person of that surname whose title holds that position (any
        person, for a term of address)."""
        form = key(form)
        address = next((t for t in ADDRESS_TERMS if form.endswith(t) and len(form) > len(t)), None)
        if address:
            family, positions = form[:-len(address)], ()
        elif len(form) == 2 and form.startswith(_FAMILIAR):
            family, positions = form[1], ()
        elif len(form) in (2, 3) and form[-1] in _SHORT_POSITIONS and not POSITION_WORD.search(form):
            family, positions = form[:-1], _SHORT_POSITIONS[form[-1]]
        else:
            match = POSITION_WORD.search(form)
            if not match or match.start() == 0:
                return None
            family, positions = form[:match.start()].removesuffix("副"), (match.group().removeprefix("副"),)
        fits = [p for p in self.people if p.kind == SpeakerKind.PERSON and key(surname(p.name)) == family
                and (not positions or any(word in key(p.title or "") for word in positions))]
        return fits[0] if len(fits) == 1 else None

    def _part_of_name(self, form: str) -> Person | None:
        """A recogniser's name that is only a known person's surname (司马) or given name (某琪)."""
        form = key(form)
        fits = [p for p in self.people if p.kind == SpeakerKind.PERSON and len(key(p.name)) > len(form)
                and (key(surname(p.name)) == form or (len(form) >= 2 and key(p.name).endswith(form)))]
        return fits[0] if len(fits) == 1 else None

    def _note_gender(self, person: Person, text: str, end: int) -> None:
        for word, gender in _GENDER_AFTER.items():
            if text.startswith(word, end):
                person.gender = gender

    # -- speakers and pronouns ---------------------------------------------------------------------
    def spoke(self, person: Person) -> None:
        """A person spoke: the first candidate for 他/她 and for 他还/她还."""
        if person.kind != SpeakerKind.PERSON:
            return
        for queue in (self.recent, self.mentioned):
            if person in queue:
                queue.remove(person)
            queue.append(person)

    def mention(self, person: Person) -> None:
        """A person is the subject of a sentence without speaking: a candidate for a bare 他/她."""
        if person.kind != SpeakerKind.PERSON:
            return
        if person in self.mentioned:
            self.mentioned.remove(person)
        self.mentioned.append(person)

    def pronoun(self, gender: str, continuing: bool = False, section: Person | None = None) -> Person | None:
        """他/她: the most recent subject (the last speaker for 他还/她也, which continue), unless something
        speaks against it (a gender known from an earlier pronoun or 女士/先生, or a given name that reads as
        a woman's for 他); then the nearest one nothing speaks against. The person chosen learns the gender
        unless the choice skipped over somebody it could not rule out."""
        window = list(reversed((self.recent if continuing else self.mentioned)[-PRONOUN_WINDOW:]))
        if not window:
            return None
        if section is not None and section in window and _fit(section, gender) < 4:
            return section   # under a speaker's header, 他/她 is that speaker unless known otherwise
        fitting = [p for p in window if _fit(p, gender) <= 2]
        chosen = fitting[0] if fitting else window[0]
        if chosen is window[0] or len(fitting) == 1:
            chosen.gender = chosen.gender or gender
        return chosen


# Characters far more common in women's given names than in men's; a hint, never a rule.
_FEMININE = set("娟静丽芳娜婷秀英霞燕玲芬兰琴珊雯倩敏慧淑梅莉萍红艳凤洁琳莹颖婉媛妍姗蓉薇岚璐瑶怡欣悦露晶嫣妹姐"
                "麗靜婉嫻蓮鳳瑩豔")


_MASCULINE = set("军强伟刚勇国建龙峰涛斌鹏杰宏磊辉浩志东兵彪虎雄武俊波亮健超坤海山明德福贵生林平忠义仁"
                 "軍強偉剛國建龍峰濤斌鵬傑宏磊輝浩東雄")


def _fit(person: Person, gender: str) -> int:
    """0: known to be of that gender; 1: hinted by the name; 2: not known; 3: hinted otherwise; 4: known otherwise."""
    if person.gender is not None:
        return 0 if person.gender == gender else 4
    hint = name_gender(person.name)
    if hint is None:
        return 2
    return 1 if hint == gender else 3


def name_gender(name: str) -> str | None:
    given = name[len(surname(name)):]
    female, male = any(ch in _FEMININE for ch in given), any(ch in _MASCULINE for ch in given)
    return "f" if female and not male else "m" if male and not female else None


def title_before(tokens: list[Token], n: int, text: str) -> str | None:
    """The title written right before the n-th token: organisations and nouns back to a verb or a 的."""
    start = tokens[n].start
    i = n - 1
    while i >= 0:
        token = tokens[i]
        if token.tag in _TITLE_TAGS or token.text in _TITLE_WORDS or (
                token.tag == "w" and set(token.text) <= _TITLE_JOINERS):
            if tokens[n].start - token.start > MAX_FORM * 2:
                break
            start = token.start
            i -= 1
            continue
        break
    title = text[start:tokens[n].start].strip(" 　、")
    for opening, closing in (("（", "）"), ("(", ")")):
        if title.count(opening) > title.count(closing):   # "主持人（某办副主任 某某）": the title is inside
            title = title[title.rindex(opening) + 1:].strip(" 　")
    if title.count("“") != title.count("”"):   # a quotation mark belonging to the text around, not the title
        title = title.strip("“”")
    return title or None
