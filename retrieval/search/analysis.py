"""What a question asks: which speaker it names and how, whether it asks "who", whether it follows up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text.aliases import AliasTable, Mention, match_form
from retrieval.text.chars import HAN

_WHO = re.compile(
    r"(?:谁|哪位|哪一位|哪名)(?:代表|工会主席|主席|负责人|领导|嘉宾|专家|同志)?"
    r"|(?:哪个|哪些|什么)(?:代表|人|工会主席|负责人|领导|嘉宾|专家|同志)"
    r"|\bwho\b|\bwhom\b|\bwhich (?:delegate|person|speaker|representative|one|chair|union|official|of)",
    re.IGNORECASE,
)
# Words that make a named person the topic rather than the speaker: "what was said about X".
_ABOUT_BEFORE = re.compile(r"(关于|有关|对于|提到|提及|谈到|说起|评价|\babout\b|\bmention(?:ed|s)?\b|\bregarding\b)\s*$")
_FOLLOW_MORE = re.compile(
    r"^(他|她|ta|他们)?(还|又)(说|讲|谈|提)|还有(什么|呢|吗)|^(more|what else|anything else|and what else|"
    r"what more|tell me more)",
    re.IGNORECASE,
)
_FOLLOW_SWITCH = re.compile(r"^(那|那么)?(?P<who>.{1,20}?)(呢|怎么说|怎么看)[？?]?$|^(and|what about|how about)\s+(?P<en>.+?)[?？]?$",
                            re.IGNORECASE)
_FOLLOW_OTHERS = re.compile(r"^(那么?)?(其他|别的|其余)(代表|人|发言人|嘉宾)|\bother (delegates|speakers|people)\b|"
                            r"\bwhat about (the )?others\b|\bwho else\b", re.IGNORECASE)
_ABOUT_WINDOW = 16  # "mentioned" / "regarding" (9) and a space, with room for the \b before them
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Analysis:
    question: str
    mentions: tuple[Mention, ...]
    filter_speakers: tuple[str, ...]     # restrict retrieval to these (one clear "what did X say")
    boost_speakers: tuple[str, ...]      # prefer these (ambiguous, or the speaker is the topic)
    who: bool
    english: bool
    topic: str = ""                      # the question without the speaker's name: what is asked about
    cited: str | None = None             # a person only quoted by others, asked about as a speaker

    @property
    def speaker_filter(self) -> str | None:
        return self.filter_speakers[0] if len(self.filter_speakers) == 1 else None


def is_english(question: str) -> bool:
    return len(_LATIN_WORD.findall(question)) >= 2 and len(HAN.findall(question)) <= 2


def _about_before(folded: str, at: int) -> bool:
    """Whether "about" (关于, regarding...) ends just before `at`. Only a window is searched, one
    character wider than the longest such word and its space, so that a question naming many people
    costs time in proportion to its length, not its square."""
    return _ABOUT_BEFORE.search(folded[max(0, at - _ABOUT_WINDOW):at]) is not None


def _cut(text: str, cuts: list[tuple[int, int]]) -> str:
    """`text` with each span replaced by one space; overlapping spans are one cut."""
    pieces, at = [], 0
    for start, end in sorted(cuts):
        if start >= at:
            pieces.append(text[at:start])
            pieces.append(" ")
        at = max(at, end)
    pieces.append(text[at:])
    return "".join(pieces)


def analyse(question: str, aliases: AliasTable, cited_names: tuple[str, ...] = ()) -> Analysis:
    """`cited_names`: people the documents quote through a speaker, longest first."""
    mentions = tuple(aliases.find(question))
    who = bool(_WHO.search(question))
    folded = match_form(question)
    cited = None
    if not mentions and not who:
        cited = next((name for name in cited_names if len(name) >= 2 and match_form(name) in folded
                      and not _about_before(folded, folded.index(match_form(name)))), None)
    as_speaker: set[str] = set()
    as_topic: set[str] = set()
    for mention in mentions:
        topic = _about_before(folded, mention.start)
        (as_topic if topic or who else as_speaker).update(mention.speakers)
    filter_speakers: tuple[str, ...] = ()
    boost: set[str] = set()
    if len(as_speaker) == 1:
        filter_speakers = tuple(as_speaker)
    else:
        boost |= as_speaker
    # The name has done its work as a filter; left in, it would pull every paragraph that repeats it.
    cuts = [(m.start, m.end) for m in mentions if set(m.speakers) & as_speaker]
    if who:
        # "哪位代表" names what the answer is, not what it is about.
        cuts += [(m.start(), m.end()) for m in _WHO.finditer(folded)]
    if cited:
        at = folded.index(match_form(cited))
        cuts.append((at, at + len(match_form(cited))))
    topic = _cut(folded, cuts)
    return Analysis(
        question=question, mentions=mentions, filter_speakers=filter_speakers,
        boost_speakers=tuple(sorted(boost - set(filter_speakers))), who=who, english=is_english(question),
        topic=topic.strip() or folded, cited=cited,
    )


@dataclass(frozen=True)
class FollowUp:
    kind: str               # "more": same speaker, new passages; "switch": same topic, other speaker
    speaker_text: str = ""  # for "switch": the words that name the new speaker


def follow_up(question: str) -> FollowUp | None:
    """Recognise "他还说了什么？" / "What else did she say?", "那张三呢？" / "And Zhang San?", and
    "其他代表怎么看？" / "What did other delegates say?"."""
    text = question.strip()
    if _FOLLOW_MORE.search(text) or re.search(r"what else did (he|she|they) say", text, re.IGNORECASE):
        return FollowUp("more")
    if _FOLLOW_OTHERS.search(text):
        return FollowUp("others")
    match = _FOLLOW_SWITCH.match(text)
    if match:
        who = (match.group("who") or match.group("en") or "").strip()
        if who:
            return FollowUp("switch", who)
    return None
