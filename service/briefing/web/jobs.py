"""Briefings being made for people of the web pages: one at a time, in a thread of their own, so the page can
show how it goes (job.html refreshes itself) and the result appears in the archive."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from ..errors import BriefingError, Missing
from ..i18n import _

log = logging.getLogger(__name__)
KEEP = 200          # the latest jobs remembered


@dataclass
class Job:
    id: str
    login: str
    started: float
    state: str = "queued"             # queued, running, done, failed
    report_id: int | None = None
    error: str | None = None
    hint: str | None = None
    ms: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def waited(self) -> int:
        return int(time.monotonic() - self.started)


class Jobs:
    def __init__(self, open_store: Callable, settings):
        self.open_store, self.settings = open_store, settings
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-make")

    def start(self, login: str, make: Callable, *args) -> str:
        job = Job(secrets.token_urlsafe(12), login, time.monotonic())
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                del self._jobs[old]
        self._pool.submit(self._run, job, make, args)
        return job.id

    def _run(self, job: Job, make: Callable, args: tuple) -> None:
        job.state = "running"
        try:
            with self.open_store() as store:
                made = make(store, self.settings, *args)
            job.report_id, job.ms, job.state = made.report.id, made.ms, "done"
        except BriefingError as exc:
            job.error, job.hint, job.state = exc.message, exc.hint, "failed"
        except Exception as exc:  # a bug: said on the page, kept in the log with its traceback
            log.exception("making a briefing for %s failed", job.login)
            job.error, job.state = _("internal error: {kind}").format(kind=exc.__class__.__name__), "failed"

    def get(self, job_id: str, login: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.login != login:
            raise Missing(_("there is no such briefing being made"), _("Make it again on the page."))
        return job

    def stop(self) -> None:
        self._pool.shutdown(wait=True)
