"""The ``briefing`` command line (click), one module per group of commands; ``base`` holds the group,
its error handling and the helpers every command shares.

The top of the house: may import every wing. Commands stay thin; what they do lives in the wings.
"""

from . import archive, backfill, data, documents, form, runs, schedule, store  # noqa: F401  (each registers its commands)
from .base import cli


def main() -> None:
    cli(prog_name="briefing")


__all__ = ["cli", "main"]
