"""The small frozen records that flow between the engine's modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a paragraph is in the layout of its report, in the order a report usually presents them."""

    HEADLINE = "headline"
    BYLINE = "byline"
    SPEAKER_HEADER = "speaker_header"
    SECTION_TITLE = "section_title"
    BODY = "body"


class Role(StrEnum):
    """How a paragraph relates to the person it is attributed to."""

    QUOTE = "quote"            # holds the speaker's own words in quotation marks
    PARAPHRASE = "paraphrase"  # "X said/thinks ..." without quotation marks
    CITED = "cited"            # the speaker quotes somebody else
    NARRATION = "narration"    # the reporter's own text
    HEADING = "heading"        # headline, speaker header or section title
    TURN = "turn"              # a transcript line "NAME：words" (minutes, interviews)


SPEECH_ROLES = (Role.QUOTE, Role.PARAPHRASE, Role.CITED, Role.TURN)


class SpeakerKind(StrEnum):
    """Who a speaker is to the document: a person, or one of the voices that are not a person."""

    PERSON = "person"
    REPORTER = "reporter"      # the article's own voice: the byline's reporter, an interviewer
    PRESS = "press"            # an outlet's reporter asking at a press conference ("滨海晚报记者")
    MEETING = "meeting"        # a meeting speaking as a body in its minutes ("会议认为")


@dataclass(frozen=True)
class Speaker:
    """A person (or voice) who speaks in a document, as the document itself names them."""

    name: str                         # the full name, as the document first gives it
    title: str | None = None          # the whole descriptor as written, e.g. org + position
    position: str | None = None       # the position part alone
    organisation: str | None = None
    section_title: str | None = None
    doc: str = ""
    kind: SpeakerKind = SpeakerKind.PERSON
    forms: tuple[str, ...] = ()       # other ways the document names them: 付主任, 发言人吴静

    @property
    def is_person(self) -> bool:
        return self.kind is SpeakerKind.PERSON

    @classmethod
    def from_json(cls, data: dict) -> Speaker:
        return cls(**{**data, "kind": SpeakerKind(data.get("kind", "person")), "forms": tuple(data.get("forms", ()))})


@dataclass(frozen=True)
class Utterance:
    """A span of a paragraph that one speaker says, and how: the unit of attribution."""

    start: int                        # character offsets into the paragraph's text
    end: int
    speaker: str
    role: Role                        # quote, paraphrase, cited or turn
    speaker_title: str | None = None
    cited: str | None = None          # the person a CITED utterance quotes
    cue: str = ""                     # what decided it: the speech verb, "label", "continues", ...


@dataclass(frozen=True)
class RawParagraph:
    """A paragraph after layout repair, before attribution."""

    doc: str
    number: int                       # 0-based position among the document's paragraphs
    text: str
    spans: tuple[tuple[int, int], ...]  # offsets into the decoded file text, one per joined piece
    # A passage cut from a paragraph too long for the model may begin inside a quotation: the opening
    # marks still open there ("“"), which attribution reads as if the passage began with them.
    opens_in: str = ""

    @property
    def repaired(self) -> bool:
        return len(self.spans) > 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph with its structural kind and its attribution."""

    doc: str
    number: int
    text: str
    spans: tuple[tuple[int, int], ...]
    kind: Kind
    role: Role
    speaker: str | None = None
    speaker_title: str | None = None
    cited: str | None = None          # the person a CITED paragraph quotes
    utterances: tuple[Utterance, ...] = ()   # who says which span; the paragraph's own speaker is the longest's


@dataclass(frozen=True)
class DocMeta:
    """What a document says about itself: its headline, outlet, author and date (None when it does not say).

    Taken from a file's metadata (Word core properties, PDF info, a web page's meta tags) or, for plain
    text, from its first heading line; `date` is ISO (2024-03-05) when it could be read as a date.
    """

    title: str | None = None
    source: str | None = None         # the outlet or site that published it
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as a list of documents shows it."""

    name: str                         # unique in the index; what `whosaid remove` and the API take
    title: str | None
    origin: str                       # the folder it was read from, "upload", or "" (indexed before origins were kept)
    paragraphs: int
    speakers: tuple[str, ...]         # the people who speak in it, in order of appearance


@dataclass(frozen=True)
class Skipped:
    """A file ingest could not use, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """One ranked answer passage."""

    rank: int
    id: int
    paragraph: Paragraph
    score: float
    highlights: tuple[tuple[int, int], ...] = ()
    # Whose words answer: the utterance under the highlight (the reporter's narration when none is).
    speaker: str | None = None
    speaker_title: str | None = None
    role: Role = Role.NARRATION
    cited: str | None = None
    document: DocMeta = DocMeta()     # the headline, outlet, author and date of the passage's document

    @property
    def attributions(self) -> tuple[Utterance, ...]:
        return self.paragraph.utterances


@dataclass(frozen=True)
class SpeakerScore:
    speaker: str
    score: float
    passage_rank: int


@dataclass(frozen=True)
class Answer:
    """What the engine returns for one question."""

    query: str
    passages: tuple[Passage, ...]
    speaker_filter: str | None = None
    cited_filter: str | None = None   # "what did X say" where X is only quoted by others
    answerable: bool = True
    who_question: bool = False
    speakers: tuple[SpeakerScore, ...] = ()
    notes: tuple[str, ...] = field(default=())


# progress(stage, done, total): "Reading" documents, "Embedding" and "Segmenting" paragraphs (the last two
# run at the same time, from two threads).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IndexReport:
    documents: int
    paragraphs: int
    embedded: int                 # paragraphs whose vectors were computed in this run
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    skipped: tuple[Skipped, ...] = field(default=())
    written: bool = True
    notes: tuple[str, ...] = ()
