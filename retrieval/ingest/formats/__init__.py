"""Word documents, PDFs and web pages -> decoded text, recognised by what their bytes hold, not by their names.

Each reader emits the document's paragraphs as lines: that text is what the index stores, what offsets
point into and what the source view shows, so highlights stay consistent by construction.
"""

from __future__ import annotations

from retrieval.errors import DecodeError, first_line

from ..decode import Decoded
from .sniff import LABELS, kind_of


def extract(data: bytes, suffix: str) -> Decoded | None:
    """The text of a Word document, a PDF or a web page; None when the bytes are none of these (plain text).

    A damaged or hostile file raises DecodeError with one reason; whatever a library raises on bad input
    is turned into that one reason too, so that one file never stops a folder from being indexed.
    """
    kind = kind_of(data, suffix)
    if kind is None:
        return None
    # The libraries load only for the documents that need them (lxml, pypdf, trafilatura's date parsers).
    if kind == "docx":
        from .word import read
    elif kind == "pdf":
        from .pdf import read
    else:
        from .webpage import read
    try:
        return read(data)
    except DecodeError:
        raise
    except RecursionError:
        raise DecodeError(f"{LABELS[kind]} nested too deeply to read") from None
    except Exception as exc:  # a hostile file reaches any corner of a parser; each error is this file's alone
        raise DecodeError(f"cannot be read as {LABELS[kind]}: {first_line(exc)}") from None
