"""whosaid's own exceptions; the CLI and the UI turn them into one-line messages."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """What a library's exception says, in one line: its own `message` when it keeps one (pymilvus
    wraps it in a repr otherwise), else its text, else its type."""
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def rebuild_hint(flags: str = "") -> str:
    """The way out of a damaged or foreign index, worded the same in every message."""
    return f"rebuild with `whosaid index{' ' + flags if flags else ''}`"


class WhosaidError(Exception):
    """Base class: the message is meant for the user, on one line."""


class NoDocuments(WhosaidError):
    """The folder holds nothing whosaid can index."""


class IndexMissing(WhosaidError):
    """No index exists where one was expected."""


class IndexMismatch(WhosaidError):
    """The index was built with another model or format."""


class IndexCorrupt(WhosaidError):
    """The index files are damaged or inconsistent; `whosaid index` rebuilds it from the documents.

    `damage` names the index and what is wrong with it, without the way out, so that the rebuild can
    say "... is damaged (...); rebuilding it" where a question says "...; rebuild with `whosaid index`".
    """

    def __init__(self, index: object, detail: str, hint: str = "") -> None:
        self.damage = f"the index in {index} is damaged ({detail})"
        super().__init__(f"{self.damage}; {hint or rebuild_hint()}")


class IndexUnwritable(WhosaidError):
    """The index folder cannot be written: the disk is full, it is read-only, or it is no folder."""


class IndexLocked(WhosaidError):
    """Another process is writing the index."""


class BadQuestion(WhosaidError):
    """The question cannot be answered as asked (empty, too long)."""


class ModelUnavailable(WhosaidError):
    """The requested embedding model cannot be loaded."""


class BackendUnavailable(WhosaidError):
    """The vector backend (Milvus) cannot be used: not installed, not reachable, or without our data."""


class BadSetting(WhosaidError):
    """A setting (flag or environment variable) has a value whosaid does not know."""


class DecodeError(WhosaidError):
    """The bytes are not text in any encoding we read."""


class BadUpload(WhosaidError):
    """Files sent to be added cannot be taken as a whole (none sent, too many); each refused file of an
    accepted request is reported on its own line instead (IndexReport.skipped)."""


class LastDocument(WhosaidError):
    """The document asked to be removed is the index's only one (an index holds at least one)."""
