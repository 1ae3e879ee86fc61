"""Ranked rows -> passages: the sentences that answer, and whose words they are.

A passage's speaker is the speaker of the utterance under its highlight, so "said by" and the yellow
text always agree; with a speaker (or a cited person) asked for, only their words are highlighted.
"""

from __future__ import annotations

from collections.abc import Iterable

from retrieval.records import Passage, Role, Speaker, SpeakerScore, Utterance
from retrieval.store.rows import Row

from .highlight import highlight


def answering(utterances: tuple[Utterance, ...], spans) -> Utterance | None:
    """The utterance that covers most of the highlighted text (None: the highlight is narration)."""
    best, cover = None, 0
    for u in utterances:
        overlap = sum(max(0, min(e, u.end) - max(s, u.start)) for s, e in spans)
        if overlap > cover:
            best, cover = u, overlap
    return best


def make_passage(rank: int, row: Row, score: float, words: list[str], ranker, speakers: tuple[str, ...] = (),
                 cited: str | None = None, reporters: dict[str, Speaker] | None = None,
                 who: bool = False) -> Passage:
    """`speakers`/`cited`: highlight only their words; `who`: prefer anybody's words to the narration
    around them when those answer too ("谁提到了X" asks who said it)."""
    paragraph = row.paragraph
    wanted = [u for u in paragraph.utterances
              if (speakers and u.speaker in speakers) or (cited and u.cited == cited)]
    within = [(u.start, u.end) for u in wanted] or None
    idf = ranker.snapshot.keyword.idf
    spans = highlight(paragraph.text, words, ranker.text_tokens, idf, within=within)
    if who and not within and paragraph.utterances:
        said = highlight(paragraph.text, words, ranker.text_tokens, idf,
                         within=[(u.start, u.end) for u in paragraph.utterances])
        if _shares(paragraph.text, said, words, ranker.text_tokens, idf):
            spans = said
    said = answering(tuple(wanted) or paragraph.utterances, spans)
    if said is None:
        reporter = (reporters or {}).get(paragraph.doc)
        name = reporter.name if reporter else paragraph.speaker
        title = reporter.title if reporter else paragraph.speaker_title
        role = Role.NARRATION if paragraph.utterances or paragraph.role in (Role.NARRATION, Role.HEADING) \
            else paragraph.role
        return Passage(rank=rank, id=row.id, paragraph=paragraph, score=round(float(score), 4), highlights=spans,
                       speaker=name, speaker_title=title, role=role, cited=None)
    return Passage(rank=rank, id=row.id, paragraph=paragraph, score=round(float(score), 4), highlights=spans,
                   speaker=said.speaker, speaker_title=said.speaker_title, role=said.role, cited=said.cited)


def _shares(text: str, spans, words: list[str], tokenize, weight) -> bool:
    """Whether the spans hold one of the question's own (weighted) words."""
    wanted = {w for w in words if weight(w) > 0}
    return any(wanted & set(tokenize(text[s:e])) for s, e in spans)


def group_by_speaker(passages: Iterable[Passage], voices: set[str], words: list[str] | None = None,
                     tokenize=None, weight=None) -> tuple[SpeakerScore, ...]:
    """Each person once, best first, with the rank of their best passage: only people whose own words
    answer - not the reporter, not a person merely mentioned, and (given the question's words) only when
    their highlighted words hold one of the question's own words."""
    best: dict[str, SpeakerScore] = {}
    wanted = {w for w in words or () if weight is None or weight(w) > 0}
    for passage in passages:
        name = passage.speaker
        if not name or passage.role is Role.NARRATION or name in voices or name in best:
            continue
        if wanted and tokenize is not None:
            said = set()
            for s, e in passage.highlights:
                said |= set(tokenize(passage.paragraph.text[s:e]))
            if not said & wanted:
                continue
        best[name] = SpeakerScore(name, passage.score, passage.rank)
    return tuple(best.values())
