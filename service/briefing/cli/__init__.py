"""The ``briefing`` command line (click), one module per group of commands; ``base`` holds the group,
its error handling and the helpers every command shares."""

from . import archive, data, documents, schedule  # noqa: F401  (each registers its commands)
from .base import cli


def main() -> None:
    cli(prog_name="briefing")


__all__ = ["cli", "main"]
