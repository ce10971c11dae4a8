"""Command line: parse → call the library → render → exit 0 (clean) / 1 (errors) / 2 (usage).

One module per part of the campaign; `common` holds the group, the shared options and checks."""

from pipeline.cli import ballots, followup, intake, mail, returns  # noqa: F401  (registers)
from pipeline.cli.common import main

__all__ = ["main"]
