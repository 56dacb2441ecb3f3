"""``briefing serve``: one long-running process, APScheduler 3.11 waking it up.

APScheduler only decides when to look: at each schedule's own times (so a Monday 08:00 briefing is made
at 08:00, not at the next tick), at start (catching up after downtime), and every ``tick_seconds``
(retries, claims left by a stopped process). Each wake-up runs one reconcile step (runner.py), which
works out from the ledger and the calendar what is owed. APScheduler's fire times and misfire handling
decide nothing (it passes no period, and by default drops a job more than a second late). Steps run one
at a time; SIGTERM or Ctrl-C lets the step in progress finish, then the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ..errors import BriefingError
from ..settings import Settings
from ..store.db import Store
from .runner import Runner
from .schedules import Schedule

log = logging.getLogger(__name__)


class Service:
    def __init__(self, settings: Settings, schedules: list[Schedule], attach: Callable[[Runner], None] | None = None):
        self.settings, self.schedules = settings, schedules
        self.attach = attach       # gives each step's runner the delivery of what it makes (cli/delivery.py)
        self.lock = threading.Lock()
        self.scheduler = None

    def step(self, why: str) -> None:
        """One reconcile step as of the clock; errors are logged, never end the service."""
        with self.lock:
            log.info("woke up: %s", why)
            try:
                with Store(self.settings.db, busy_timeout_ms=self.settings.busy_timeout_ms, create=False) as store:
                    runner = Runner(store, self.settings, self.schedules)
                    if self.attach is not None:
                        self.attach(runner)
                    runner.run_due(datetime.now(timezone.utc))
            except BriefingError as exc:
                log.error("run failed: %s", exc)
            except Exception:  # keep serving; the next wake-up tries again
                log.exception("run failed with an internal error")

    def start(self, block: bool = True) -> None:
        """Run the schedules: in this thread until a signal stops it (block), or in a thread of the scheduler's
        beside a web server that handles the signals and calls stop()."""
        kind = BlockingScheduler if block else BackgroundScheduler
        self.scheduler = kind(timezone=ZoneInfo(self.settings.timezone),
                              job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        for schedule in self.schedules:
            self.scheduler.add_job(self.step, schedule.trigger(), args=[f"schedule {schedule.name}"],
                                   id=f"schedule:{schedule.name}", name=schedule.name)
        self.scheduler.add_job(self.step, IntervalTrigger(seconds=self.settings.tick_seconds), args=["tick"],
                               id="tick", next_run_time=datetime.now(timezone.utc))
        if block:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._stop)
        log.info("serving %d schedule(s) from %s; database %s, archive %s", len(self.schedules),
                 self.settings.path, self.settings.db, self.settings.archive_dir)
        self.scheduler.start()   # blocking: returns when stopped
        if block:
            log.info("stopped")

    def stop(self) -> None:
        """Stop a scheduler started beside a web server; the step in progress finishes first."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def _stop(self, signum: int, frame) -> None:
        log.info("stopping (%s); the step in progress finishes first", signal.Signals(signum).name)
        self.scheduler.shutdown(wait=False)
