"""A saved web page -> lines: the article alone (trafilatura leaves out navigation, related links, footers,
scripts and comments), with the headline, site name, author and date its metadata gives."""

from __future__ import annotations

from retrieval.errors import DecodeError
from retrieval.records import DocMeta

from ..decode import Decoded, decode
from .lines import assembled, date_field, field, quiet, title_field


def read(data: bytes) -> Decoded:
    # Our own decoding, not the library's guess: the same strict UTF-8 / GB18030 / Big5 choice as for
    # text files, and Japanese or Korean pages refused the same way.
    page = decode(data)
    quiet("trafilatura", "htmldate", "courlan", "justext")
    import trafilatura

    found = trafilatura.bare_extraction(page.text, with_metadata=True, include_comments=False, include_tables=True,
                                        include_images=False, include_links=False)
    if found is None or not (found.text or "").strip():
        raise DecodeError("a web page with no article text in it")
    meta = DocMeta(title=title_field(found.title), source=field(found.sitename), author=field(found.author),
                   date=date_field(found.date))
    encoding = f"html ({page.encoding})" if page.encoding != "utf-8" else "html"
    decoded = assembled(found.text.splitlines(), encoding, meta, [])
    return Decoded(decoded.text, encoding, page.guessed, page.replaced, decoded.meta, decoded.notes)
