"""How much one document may cost to read: bytes on disk, bytes unpacked, pages, characters of text."""

from __future__ import annotations

from retrieval.settings import DEFAULT_MAX_FILE_BYTES

# The default file limit; `whosaid` passes Settings.max_file_bytes (WHOSAID_MAX_FILE_MB, read by
# settings.resolve() so that a bad value is one line, not an import-time traceback). The limits below
# follow the default: they bound what one file may unpack to, not what a user chose to index.
MAX_FILE_BYTES = DEFAULT_MAX_FILE_BYTES
# A .docx is a zip: its parts may unpack to far more than the file (a zip bomb to thousands of times).
# Word's own XML runs five to ten bytes per character of text, so four times the file limit holds any
# real document, and the sizes are read from the zip's directory before anything is unpacked.
MAX_UNPACKED_BYTES = 4 * MAX_FILE_BYTES
MAX_ZIP_MEMBERS = 10_000
# Reading a PDF page costs tens of milliseconds; a report runs to hundreds of pages, not thousands.
MAX_PDF_PAGES = 2_000
# Text extracted from a Word, PDF or web page is held to what a text file at the size limit holds
# (a Chinese character is three bytes of UTF-8); the rest is left unread, with a note.
MAX_TEXT_CHARS = MAX_FILE_BYTES // 3
