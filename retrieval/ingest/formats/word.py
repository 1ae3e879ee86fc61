"""Word .docx -> lines: the body's paragraphs and tables' cell paragraphs in document order, headings as
their own lines, and the title, author and date of the core properties.

A .docx is a zip: its directory is read first, and a file that would unpack to more than a document
ever needs (a zip bomb) is refused before one byte is inflated.
"""

from __future__ import annotations

import io
import zipfile

from retrieval.errors import DecodeError
from retrieval.records import DocMeta

from ..decode import Decoded
from ..limits import MAX_UNPACKED_BYTES, MAX_ZIP_MEMBERS
from .lines import assembled, date_field, field, title_field

# Tables inside tables inside tables: real documents nest two or three deep.
MAX_TABLE_DEPTH = 8


def check_zip(data: bytes) -> None:
    """Refuse a zip that is not a Word document, or whose parts declare more than MAX_UNPACKED_BYTES.

    zipfile never inflates a member past the size its directory declares (a lie fails the CRC check), so
    the declared sizes bound what python-docx can unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise DecodeError(f"a damaged zip archive, not a readable Word document ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise DecodeError(f"a zip archive of {len(members):,} files, more than a Word document holds")
    if not any(m.filename == "word/document.xml" for m in members):
        raise DecodeError("a zip archive without word/document.xml, not a Word .docx document")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DecodeError(f"would unpack to {unpacked / 1e6:,.0f} MB, more than the {MAX_UNPACKED_BYTES // 10**6} MB "
                          "a Word document of the size limit needs (a zip bomb?)")


def read(data: bytes) -> Decoded:
    check_zip(data)
    import docx

    document = docx.Document(io.BytesIO(data))
    lines, heading = [], None
    for paragraph in _paragraphs(document, 0):
        text = paragraph.text
        lines.append(text)
        style = paragraph.style.name if paragraph.style is not None else ""
        if heading is None and text.strip() and style.startswith(("Title", "Heading")):
            heading = text.strip()
    props = document.core_properties
    meta = DocMeta(title=title_field(props.title) or field(heading), author=field(props.author),
                   date=date_field(props.created))
    return assembled(lines, "docx", meta, [])


def _paragraphs(container, depth: int):
    """Paragraphs in reading order, a table's cells row by row (a merged cell once)."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block
            continue
        if depth >= MAX_TABLE_DEPTH:
            continue
        seen = set()  # the cells' XML elements, held so that each keeps its identity
        for row in block.rows:
            for cell in row.cells:
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                yield from _paragraphs(cell, depth + 1)
