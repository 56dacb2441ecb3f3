"""Telling someone that a briefing failed: the ``on_failure`` command of its schedule.

The command is a list of words (argv), written in the config as one string split the way a shell splits
words (shlex) or as a TOML list; it is run directly, never through a shell, and the facts of the failure
reach it only as environment variables (BRIEFING_SCHEDULE, BRIEFING_PERIOD, BRIEFING_REGION,
BRIEFING_ERROR, BRIEFING_ATTEMPT …, see ``environment``), so nothing in the data can become a command.

It runs once when a briefing begins failing, not again while the retries keep failing (the ledger's
``failed_since`` tells the two apart). It gets HOOK_TIMEOUT_S seconds; then it is stopped with its whole
process group. A command that cannot start, exits with another status than 0 or is stopped is logged as an
error with what it wrote, and the run goes on: a broken notification never breaks a briefing.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..store.db import in_zone

log = logging.getLogger(__name__)

HOOK_TIMEOUT_S = 30
SHOWN_OUTPUT = 600           # characters of the command's output kept in the log line (its end)


@dataclass(frozen=True)
class Failure:
    """What failed, as the hook is told."""

    schedule: str
    template: str
    period: str
    region: str                 # the name
    region_code: str
    report: int
    attempt: int
    error: str
    retry_at: str | None        # ISO UTC, as the ledger holds them
    failing_since: str | None
    due_at: str | None


def environment(failure: Failure, tz: ZoneInfo) -> dict[str, str]:
    """The variables the hook is given: moments in the configured time zone, with their offset."""
    def local(moment: str | None) -> str:
        return in_zone(moment, tz).isoformat() if moment else ""

    return {"BRIEFING_EVENT": "failed", "BRIEFING_SCHEDULE": failure.schedule, "BRIEFING_TEMPLATE": failure.template,
            "BRIEFING_PERIOD": failure.period, "BRIEFING_REGION": failure.region,
            "BRIEFING_REGION_CODE": failure.region_code, "BRIEFING_REPORT": str(failure.report),
            "BRIEFING_ATTEMPT": str(failure.attempt), "BRIEFING_ERROR": failure.error,
            "BRIEFING_RETRY_AT": local(failure.retry_at), "BRIEFING_FAILING_SINCE": local(failure.failing_since),
            "BRIEFING_DUE_AT": local(failure.due_at), "BRIEFING_HOST": socket.gethostname()}


def run(argv: tuple[str, ...], failure: Failure, tz: ZoneInfo, timeout: float = HOOK_TIMEOUT_S) -> bool:
    """Run the hook for a failure; True if it ran and exited 0. Never raises for the hook's own trouble."""
    what = f"on_failure of {failure.schedule} for report #{failure.report}"
    try:
        proc = subprocess.Popen(argv, env={**os.environ, **environment(failure, tz)}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except (OSError, ValueError) as exc:
        log.error("%s could not start %s: %s", what, argv[0], exc)
        return False
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)    # the command and whatever it started
        output, _ = proc.communicate()
        log.error("%s was stopped after %g s without finishing%s", what, timeout, _said(output))
        return False
    if proc.returncode != 0:
        log.error("%s exited with status %d%s", what, proc.returncode, _said(output))
        return False
    log.info("%s ran (%s)", what, argv[0])
    return True


def _said(output: bytes) -> str:
    text = " ".join(output.decode("utf-8", errors="replace").split())
    return f"; it wrote: {text[-SHOWN_OUTPUT:]}" if text else ""
