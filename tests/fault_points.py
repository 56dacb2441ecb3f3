"""The real `briefing` command line, killing itself with SIGKILL at a named point of its work.

    python tests/fault_points.py POINT ARGS...        (ARGS as for `briefing`)

The point is reached in the first briefing the process claims anew; a claim it takes over from a stopped
process is finished as usual, so each run finishes what the run before it left. The points:

    claimed       right after the claim is committed (Ledger.claim has returned)
    mid-write     inside the real write_atomically of the .docx: half of the bytes written to the file it
                  opened (its temporary file), then the kill
    before-done   the files written, before the report is marked done (Ledger.finish not yet run)
    made          the report marked done, its deliveries queued with it (Ledger.finish has returned), nothing
                  sent yet

No product code knows about this: the named functions are wrapped here before the command line runs.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from briefing.archive import folders
from briefing.archive.ledger import Ledger
from briefing.cli import main

POINTS = ("claimed", "mid-write", "before-done", "made")

point = ""
fresh = False         # whether the briefing being made was claimed anew by this process (not taken over)


def die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


real_claim = Ledger.claim
real_finish = Ledger.finish
real_write_atomically = folders.write_atomically


def claim(self, *args, **kwargs):
    global fresh
    result = real_claim(self, *args, **kwargs)
    fresh = result.outcome == "claimed"
    if fresh and point == "claimed":
        die()
    return result


def write_atomically(path: Path, data: bytes) -> Path:
    if fresh and point == "mid-write" and path.suffix == ".docx":
        os.fdopen = half_then_die(data)       # the file the real function opens to write the data into
    return real_write_atomically(path, data)


def half_then_die(data: bytes):
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args, **kwargs):
        with real_fdopen(fd, *args, **kwargs) as f:
            f.write(data[: len(data) // 2])
            f.flush()
            os.fsync(f.fileno())
            die()
    return fdopen


def finish(self, *args, **kwargs):
    if fresh and point == "before-done":
        die()
    result = real_finish(self, *args, **kwargs)
    if fresh and point == "made" and result:
        die()
    return result


if __name__ == "__main__":
    point = sys.argv[1]
    if point not in POINTS:
        sys.exit(f"fault_points.py: unknown point {point!r}; use one of {', '.join(POINTS)}")
    Ledger.claim, Ledger.finish, folders.write_atomically = claim, finish, write_atomically
    sys.argv = ["briefing", *sys.argv[2:]]
    main()
