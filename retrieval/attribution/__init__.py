"""Paragraphs -> who says what: speakers of the document and the role of each paragraph."""
