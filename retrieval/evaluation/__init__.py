"""`whosaid eval`: answer quality and attribution on labelled sets, over a throw-away index."""
