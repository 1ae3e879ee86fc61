"""`whosaid eval`: answer quality on a labelled question set, over a throw-away index."""
