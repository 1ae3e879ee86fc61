"""Follow-up questions without an LLM: what the previous answer was about, and what comes next."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from retrieval.records import Answer
from retrieval.search.analysis import follow_up


@dataclass(frozen=True)
class Memory:
    """What a chat remembers between two questions."""

    topic: str = ""                     # the last question that was not itself a follow-up
    speaker: str | None = None          # whose words the last answer gave
    shown: tuple[int, ...] = ()         # passages already shown for this topic and speaker


@dataclass(frozen=True)
class Turn:
    answer: Answer
    memory: Memory
    kind: str                           # "ask", "more", "switch", "others" or "clarify"


def respond(engine, question: str, memory: Memory, speaker: str | None = None, k: int = 5) -> Turn:
    """Answer a question in the light of the previous one.

    "他还说了什么？" continues with the same speaker and skips what was shown; "那张三呢？" keeps the topic
    and switches the speaker; "其他代表怎么看？" asks who else spoke on the topic. A follow-up with nothing
    before it asks who is meant; a name typed in the question wins over the speaker filter, with a note.
    """
    wanted = follow_up(question)
    if wanted and wanted.kind in ("more", "others") and not memory.topic and not speaker:
        return Turn(Answer(query=question, passages=(), answerable=False, notes=(_who_is_meant(engine),)),
                    memory, "clarify")
    if wanted and memory.topic:
        if wanted.kind == "more" and memory.speaker:
            answer = engine.ask(memory.topic, k=k, speaker=memory.speaker, exclude=memory.shown)
            if answer.speaker_filter is None:  # the filter had to be relaxed: nothing of theirs is left
                note = f"{memory.speaker} 的发言已经全部列出。 · That is everything {memory.speaker} said."
                answer = Answer(query=question, passages=(), answerable=False, notes=(note,))
                return Turn(answer, memory, "more")
            answer = dataclasses.replace(answer, query=question)
            shown = memory.shown + tuple(p.id for p in answer.passages)
            return Turn(answer, dataclasses.replace(memory, shown=shown), "more")
        if wanted.kind == "others" and memory.speaker:
            answer = engine.ask(memory.topic, k=k, exclude_speakers=[memory.speaker])
            answer = dataclasses.replace(answer, query=question)
            return Turn(answer, _remember(memory.topic, answer), "others")
        if wanted.kind == "switch":
            named = engine.resolve_speaker(wanted.speaker_text)
            if len(named) == 1:
                answer = engine.ask(memory.topic, k=k, speaker=named[0])
                answer = dataclasses.replace(answer, query=question)
                return Turn(answer, _remember(memory.topic, answer), "switch")
    if speaker:
        return _ask_with_filter(engine, question, speaker, k)
    answer = engine.ask(question, k=k)
    return Turn(answer, _remember(question, answer), "ask")


def _ask_with_filter(engine, question: str, speaker: str, k: int) -> Turn:
    """The filter applies unless the question names somebody else: then a journalist means the typed name."""
    chosen = engine.resolve_speaker(speaker)
    if not chosen:  # the engine says which name it does not know
        answer = engine.ask(question, k=k, speaker=speaker)
        return Turn(answer, _remember(question, answer), "ask")
    unfiltered = engine.ask(question, k=k)
    typed = unfiltered.speaker_filter
    if typed and typed not in chosen:
        note = (f"筛选为{speaker}，问题问的是{typed}：按问题回答 · The filter is {speaker}, the question asks "
                f"about {typed}: answering for {typed}.")
        answer = dataclasses.replace(unfiltered, notes=(note, *unfiltered.notes))
        return Turn(answer, _remember(question, answer), "ask")
    answer = unfiltered if typed else engine.ask(question, k=k, speaker=speaker)
    return Turn(answer, _remember(question, answer), "ask")


def _who_is_meant(engine) -> str:
    names = "、".join(i.speaker.name for i in engine.speakers()[:3])
    return (f"请先说明问的是谁，例如：{names}。 · Who do you mean? Name a person first, for example "
            f"{names.replace('、', ', ')}.")


def _remember(topic: str, answer: Answer) -> Memory:
    speaker = answer.speaker_filter
    if speaker is None and answer.passages and not answer.who_question:
        speaker = answer.passages[0].speaker
    if speaker is None and answer.speakers:
        speaker = answer.speakers[0].speaker
    return Memory(topic=topic, speaker=speaker, shown=tuple(p.id for p in answer.passages))
