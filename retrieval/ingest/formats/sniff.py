"""Which kind of document a file's bytes hold: a Word .docx (a zip), a PDF, a web page, or plain text."""

from __future__ import annotations

import re

from retrieval.errors import DecodeError

LABELS = {"docx": "a Word document", "pdf": "a PDF", "html": "a web page"}
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Word 97-2003 .doc, .xls, .ppt
# A web page starts with its doctype or <html>, after at most a BOM, an XML declaration and comments;
# a file named .html may start with any tag. A markdown file that opens with <div> stays markdown.
_PAGE = re.compile(rb"\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                   re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"\s*(?:<!--.*?-->\s*)*<[a-z!]", re.IGNORECASE | re.DOTALL)
_NAMED = {".docx": "a Word .docx document (a zip archive)", ".pdf": "a PDF (no %PDF- header)"}


def kind_of(data: bytes, suffix: str) -> str | None:
    """"docx", "pdf" or "html" by content; None for anything else, which is read as text.

    A file named .docx or .pdf that is neither is refused by name: its bytes are not worth guessing at.
    """
    if data.startswith(_ZIP):
        return "docx"   # the reader checks that the zip holds word/document.xml
    if b"%PDF-" in data[:1024]:   # the header may follow a little junk, as readers accept
        return "pdf"
    if data.startswith(_OLE):
        raise DecodeError("an old binary Office file (.doc): save it as .docx to index it")
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    if _PAGE.match(head) or (suffix in (".html", ".htm") and _TAG.match(head)):
        return "html"
    if suffix in _NAMED:
        raise DecodeError(f"not {_NAMED[suffix]}")
    return None
