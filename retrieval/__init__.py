"""whosaid: who said what in Chinese documents."""

__version__ = "0.1.0"
