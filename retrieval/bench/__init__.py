"""`whosaid bench`: speed, size and memory on a generated corpus (an edge: it also starts the chat page)."""
