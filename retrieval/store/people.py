"""The speakers of a generation as stored: speakers.json, aliases.json (each speaker's aliases, in
speakers.json's order) and words.json (the dictionary words the keyword tokenizer adds for them).

A build serialises them whole. An append extends the previous generation's files byte for byte with
the new speakers' entries: with 1e5 paragraphs the files hold ~40k speakers and ~400k aliases, and
reading them back into objects only to write them out again cost more than the rest of an append.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from retrieval.records import Speaker
from retrieval.text.aliases import Alias
from retrieval.text.tokenizer import dictionary_words

SPEAKERS = "speakers.json"
ALIASES = "aliases.json"
WORDS = "words.json"

_SPEAKER_FIELDS = [f.name for f in dataclasses.fields(Speaker)]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _speaker_json(speaker: Speaker) -> dict:
    """dataclasses.asdict of a Speaker (flat fields), without its deep copies: ~10x faster at 1e4 speakers."""
    return {name: getattr(speaker, name) for name in _SPEAKER_FIELDS}


def tokenizer_words(speakers: list[Speaker], aliases: list[list[Alias]]) -> list[str]:
    """The words Tokenizer(AliasTable(speakers, aliases).words) adds to its dictionary."""
    return dictionary_words({a.text for s, forms in zip(speakers, aliases) if s.is_person for a in forms})


def stored_words(folder: Path | None) -> list[str] | None:
    """The tokenizer words a generation stored (None when it has none: one written before they were)."""
    if folder is None:
        return None
    try:
        words = json.loads((folder / WORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return words if isinstance(words, list) and all(isinstance(w, str) for w in words) else None


def _extended(previous: bytes, items: list) -> bytes:
    """A JSON list (as written by _json) with items added at its end, without parsing it."""
    if not previous.startswith(b"[") or not previous.endswith(b"]"):
        raise ValueError("not a JSON list")
    if not items:
        return previous
    added = _json(items)[1:]
    return previous[:-1] + (added if previous == b"[]" else b"," + added)


@dataclass(frozen=True)
class PeopleFiles:
    """The three files' bytes, ready to write."""

    speakers: bytes
    aliases: bytes
    words: bytes

    @classmethod
    def of(cls, speakers: list[Speaker], aliases: list[list[Alias]], words: list[str]) -> PeopleFiles:
        return cls(_json([_speaker_json(s) for s in speakers]),
                   _json([[[a.text, a.kind] for a in forms] for forms in aliases]), _json(words))

    @classmethod
    def appended(cls, folder: Path, speakers: list[Speaker], aliases: list[list[Alias]],
                 words: list[str]) -> PeopleFiles:
        """The files of the generation in `folder` with these speakers, their aliases and these new
        words added at the end; OSError or ValueError when they cannot be read as lists."""
        old_words = (folder / WORDS).read_bytes()
        return cls(_extended((folder / SPEAKERS).read_bytes(), [_speaker_json(s) for s in speakers]),
                   _extended((folder / ALIASES).read_bytes(), [[[a.text, a.kind] for a in forms] for forms in aliases]),
                   _extended(old_words, words))

    def save(self, folder: Path, write) -> None:
        """Write the files into `folder` with `write(path, data)` (the store's fsynced write)."""
        write(folder / SPEAKERS, self.speakers)
        write(folder / ALIASES, self.aliases)
        write(folder / WORDS, self.words)
