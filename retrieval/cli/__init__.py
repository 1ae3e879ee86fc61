"""The `whosaid` command line: the edge where the engine's errors become one-line messages."""

from __future__ import annotations

import sys

import typer

from . import commands, library, measure, serving  # noqa: F401 - registers the commands on the app, in this order
from .common import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("whosaid: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
