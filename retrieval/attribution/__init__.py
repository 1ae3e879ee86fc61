"""Paragraphs -> utterances: who says each span of every paragraph, in every layout of Chinese reporting."""
