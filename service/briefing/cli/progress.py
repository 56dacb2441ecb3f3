"""Progress of long work (a backfill, a batch of retries or PDFs): a bar on standard error when that is a
terminal a person watches; nothing at all otherwise, so a log, a pipe, cron's mail or systemd's journal holds
only what the command says, never a bar's redrawing.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

import click


def on_terminal(stream=None) -> bool:
    """Whether a stream (standard error by default) is a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):    # closed, or a stand-in without isatty
        return False


@contextmanager
def progress(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A function to call with the number of items done since the last call; it draws a bar with the count and
    the time left on a terminal's standard error, and does nothing elsewhere (or for a single item)."""
    if length <= 1 or not on_terminal():
        yield lambda done=1: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, show_eta=True) as bar:
        yield bar.update
