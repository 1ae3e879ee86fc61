"""Files -> decoded text -> paragraphs with offsets into the file."""
