"""The ledger: one row per briefing made (or being made), in the ``reports`` table.

A briefing is claimed before it is made: inside ``BEGIN IMMEDIATE``, the (template, period, region,
script, version) key is inserted, and the table's unique key lets only one process have it. The claim
names its holder (host, process, a token per run) and a lease; a claim whose holder has died on this
machine is taken over at once, one from another machine when its lease has run out. When the files are
written the claim is marked done with their checksums and what they were made from (the data batch and
moment, the template version, the software version). A failure is recorded and retried later, with a
growing wait. Nothing is deleted: a remake adds a version, and pruning marks rows, keeping their history.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from ..documents.masthead import Recipients
from ..files import pid_alive
from ..store.db import Store, utcnow
from ..store.issues import issue_of

RETRY_FIRST_S = 60          # a failed briefing is tried again after 1 minute, then 2, 4 … up to 6 hours
RETRY_MAX_S = 6 * 3600
WAIT_FIRST_S = 3600         # a briefing waiting for its figures is looked at again after 1 hour, 2, 4 … up to a day
WAIT_MAX_S = 24 * 3600
HOST = socket.gethostname()


@dataclass(frozen=True)
class Key:
    template: str
    period: str
    region: str
    script: str = "simplified"


@dataclass(frozen=True)
class File:
    format: str
    path: str          # relative to the archive's root, with / between folders
    sha256: str
    size: int


@dataclass
class Report:
    id: int
    template: str
    period: str
    region: str
    script: str
    version: int
    status: str
    schedule: str | None
    due_at: str | None
    as_of: str
    stem: str
    remake_of: int | None
    claimed_by: str | None
    host: str | None
    pid: int | None
    lease_until: str | None
    attempts: int
    retry_at: str | None
    error: str | None
    data_batch: int | None
    template_version: str | None
    software: str | None
    created_at: str
    done_at: str | None
    pruned_at: str | None
    covered: str | None = None         # JSON: the names of the parts (banners) whose figures it holds
    missing: str | None = None         # JSON: the names of the parts that had not reported when it was made
    corrects: int | None = None        # a corrected edition (更正版) of this report
    issue: int | None = None           # 第N期: its number among its template's briefings of its region (issues.py)
    recipients: str | None = None      # JSON: 报、送、发 as its schedule named them ([[line, [names]], …])
    started_at: str | None = None      # when its latest attempt began (the clock)
    duration_ms: int | None = None     # how long that attempt took, once it ended (made, failed or waiting)
    failed_since: str | None = None    # when it began failing; None while it is not failing
    region_name: str = ""
    files: list[File] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return Key(self.template, self.period, self.region, self.script)

    def holder_stopped(self) -> bool:
        """The claim's process was on this machine and is gone."""
        return self.host == HOST and self.pid is not None and not pid_alive(self.pid)

    def file(self, fmt: str) -> File | None:
        return next((f for f in self.files if f.format == fmt), None)

    def distribution(self) -> Recipients | None:
        """Who its schedule named (报、送、发), or None when it named no one."""
        return tuple((line, tuple(names)) for line, names in json.loads(self.recipients)) if self.recipients else None


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to claim a key: claimed (new), taken over (from a stopped or expired
    holder), retry (after a failure), look again (after waiting for figures), or one of the refusals:
    done, busy, waiting (its time to be tried again has not come)."""

    outcome: str
    report: Report

    @property
    def ours(self) -> bool:
        return self.outcome in ("claimed", "taken over", "retry", "look again")


def _backoff(first_s: float, most_s: float, report: Report) -> float:
    """A wait that doubles with each attempt of the report, from the first up to the most."""
    return backoff(first_s, most_s, report.attempts)


def backoff(first_s: float, most_s: float, attempts: int) -> float:
    """A wait that doubles with each attempt, from the first up to the most (briefings, deliveries)."""
    return min(first_s * 2 ** max(attempts - 1, 0), most_s)


def later(seconds: float, now: str | None = None) -> str:
    start = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
    return (start + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()


_SELECT = ("SELECT reports.*, regions.name AS region_name FROM reports "
           "LEFT JOIN regions ON regions.code = reports.region ")
# a failed report whose briefing no later version has made (a condition on the reports table, for find)
STILL_FAILING = ("reports.status = 'failed' AND NOT EXISTS (SELECT 1 FROM reports AS made WHERE made.template = "
                 "reports.template AND made.period = reports.period AND made.region = reports.region AND "
                 "made.script = reports.script AND made.version > reports.version "
                 "AND made.status IN ('done', 'pruned'))")
_BY_KEY = "reports.template, reports.period, regions.sort, reports.region, reports.script, reports.version"


class Ledger:
    """The reports table of one store, as seen by one holder (this process, this run)."""

    def __init__(self, store: Store, lease_seconds: int = 600):
        self.store = store
        self.lease_seconds = lease_seconds
        self.holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._began: dict[int, float] = {}    # report id -> monotonic time its attempt began in this process

    # --- claiming -------------------------------------------------------------------------------------

    def claim(self, key: Key, stem: str, as_of: str, schedule: str | None, due_at: str | None,
              now: str | None = None, recipients: Recipients = ()) -> Claim:
        """Claim version 1 of a key (a scheduled briefing), unless it is done or held by a live process.
        ``now`` is the reconcile step's moment (the clock by default): waits and leases count from it;
        ``recipients`` are its schedule's (报、送、发), kept with it."""
        now = now or utcnow()
        named = json.dumps(recipients, ensure_ascii=False) if recipients else None
        with self.store.write() as db:
            row = db.execute("SELECT id FROM reports WHERE template = ? AND period = ? AND region = ? AND script = ? "
                             "AND version = 1", [key.template, key.period, key.region, key.script]).fetchone()
            if row is None:
                return Claim("claimed", self._insert(key, 1, stem, as_of, schedule, due_at, None, now, named))
            report = self.get(row[0])
            outcome = self._refusal(report, now)
            if outcome is not None:
                return Claim(outcome, report)
            outcome = {"failed": "retry", "waiting": "look again"}.get(report.status, "taken over")
            if outcome != "taken over":
                # tried again, it is made as of now: numbered anew (while it failed or waited it held no number;
                # counted before it is claimed again, so never its own old one) and named as its schedule is now
                db.execute("UPDATE reports SET issue = ?, recipients = ? WHERE id = ?",
                           [issue_of(db, key.template, key.region, key.period), named, report.id])
            # tried again, it shows the data as known now; taken over, it is finished as it was begun
            self._take(report, now, as_of if outcome != "taken over" else report.as_of)
            return Claim(outcome, self.get(report.id))

    def claim_next(self, key: Key, stem: str, as_of: str, remake_of: int | None = None,
                   corrects: int | None = None) -> Report:
        """The next version of a briefing (a remake, a corrected edition, or one asked for), claimed for this
        holder; version 1 if there is none yet."""
        with self.store.write() as db:
            (last,) = db.execute("SELECT COALESCE(MAX(version), 0) FROM reports WHERE template = ? AND period = ? "
                                 "AND region = ? AND script = ?",
                                 [key.template, key.period, key.region, key.script]).fetchone()
            named = db.execute("SELECT recipients FROM reports WHERE id = ?", [remake_of]).fetchone() if remake_of else None
            report = self._insert(key, last + 1, stem, as_of, None, None, remake_of, recipients=named and named[0])
            if corrects is not None:
                db.execute("UPDATE reports SET corrects = ? WHERE id = ?", [corrects, report.id])
                report.corrects = corrects
            return report

    def _refusal(self, report: Report, now: str) -> str | None:
        """Why the claim cannot be had now, or None."""
        if report.status in ("done", "pruned"):
            return "done"
        if report.status in ("failed", "waiting"):
            return "waiting" if report.retry_at and report.retry_at > now else None
        if report.holder_stopped() or (report.lease_until or "") <= now:
            return None
        return "busy"

    def _insert(self, key: Key, version: int, stem: str, as_of: str, schedule: str | None, due_at: str | None,
                remake_of: int | None, now: str | None = None, recipients: str | None = None) -> Report:
        """A new claimed row, numbered (第N期) inside the caller's write transaction: the number its period has,
        else the next (issues.py)."""
        now = now or utcnow()
        db = self.store.db
        cursor = db.execute(
            "INSERT INTO reports (template, period, region, script, version, status, schedule, due_at, as_of, stem, "
            "remake_of, claimed_by, host, pid, lease_until, attempts, created_at, issue, recipients, started_at) "
            "VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            [key.template, key.period, key.region, key.script, version, schedule, due_at, as_of, stem, remake_of,
             self.holder, HOST, os.getpid(), later(self.lease_seconds, now), now,
             issue_of(db, key.template, key.region, key.period), recipients, utcnow()])
        self._began[cursor.lastrowid] = time.monotonic()
        return self.get(cursor.lastrowid)

    def _take(self, report: Report, now: str, as_of: str) -> None:
        self.store.db.execute(
            "UPDATE reports SET status = 'claimed', claimed_by = ?, host = ?, pid = ?, lease_until = ?, "
            "attempts = attempts + 1, retry_at = NULL, as_of = ?, started_at = ?, duration_ms = NULL WHERE id = ?",
            [self.holder, HOST, os.getpid(), later(self.lease_seconds, now), as_of, utcnow(), report.id])
        self._began[report.id] = time.monotonic()

    def _took_ms(self, report: Report) -> int | None:
        """How long the attempt this process began on a report has taken, in ms (None if it began elsewhere)."""
        began = self._began.pop(report.id, None)
        return None if began is None else round((time.monotonic() - began) * 1000)

    # --- finishing ------------------------------------------------------------------------------------

    def finish(self, report: Report, files: list[File], made_from: dict[str, object],
               then: Callable[[], None] | None = None) -> bool:
        """Mark a claim done with its files and what it was made from; False if the claim was lost
        (taken over after its lease ran out). `then` runs inside the same transaction (the index)."""
        with self.store.write() as db:
            cursor = db.execute(
                "UPDATE reports SET status = 'done', done_at = ?, error = NULL, lease_until = NULL, retry_at = NULL, "
                "data_batch = ?, template_version = ?, software = ?, covered = ?, missing = ?, duration_ms = ?, "
                "failed_since = NULL WHERE id = ? AND claimed_by = ? AND status = 'claimed'",
                [utcnow(), made_from["data_batch"], made_from["template_version"], made_from["software"],
                 made_from.get("covered"), made_from.get("missing"), self._took_ms(report), report.id, self.holder])
            if cursor.rowcount != 1:
                return False
            db.execute("DELETE FROM report_files WHERE report = ?", [report.id])
            for f in files:
                db.execute("INSERT INTO report_files (report, format, path, sha256, size) VALUES (?, ?, ?, ?, ?)",
                           [report.id, f.format, f.path, f.sha256, f.size])
            if then is not None:
                then()
        return True

    def fail(self, report: Report, error: str, now: str | None = None) -> str:
        """Record a failure; the claim is released and tried again later (counted from ``now``). Returns when.
        Its first failure (since it was last made or waiting) marks when it began failing."""
        retry_at = later(_backoff(RETRY_FIRST_S, RETRY_MAX_S, report), now)
        return self._release(report, "failed", error, retry_at, failing=now or utcnow())

    def wait(self, report: Report, reason: str, until: str | None = None, now: str | None = None) -> str:
        """Release a claim to wait for figures (not a failure): looked at again after a growing wait counted
        from ``now``, or at ``until`` when that comes first (a deadline). Returns when."""
        retry_at = later(_backoff(WAIT_FIRST_S, WAIT_MAX_S, report), now)
        return self._release(report, "waiting", reason, min(retry_at, until) if until else retry_at)

    def _release(self, report: Report, status: str, reason: str, retry_at: str, failing: str | None = None) -> str:
        """Release a claim with a reason and a time to try again; ``failing`` (the moment) keeps or starts its
        failing, None ends it."""
        with self.store.write() as db:
            db.execute("UPDATE reports SET status = ?, error = ?, retry_at = ?, lease_until = NULL, duration_ms = ?, "
                       "failed_since = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(failed_since, ?) END "
                       "WHERE id = ? AND claimed_by = ?",
                       [status, reason, retry_at, self._took_ms(report), failing, failing, report.id, self.holder])
        return retry_at

    def try_now(self, report: Report) -> bool:
        """Clear the wait of a failed or waiting report, so the next claim of it is granted at once (a retry
        asked for by a person); False if it is neither failed nor waiting."""
        with self.store.write() as db:
            cursor = db.execute("UPDATE reports SET retry_at = NULL WHERE id = ? AND status IN ('failed', 'waiting')",
                                [report.id])
        return cursor.rowcount == 1

    def mark_pruned(self, reports: list[Report], then: Callable[[], None] | None = None) -> None:
        with self.store.write() as db:
            for report in reports:
                db.execute("UPDATE reports SET status = 'pruned', pruned_at = ? WHERE id = ?", [utcnow(), report.id])
            if then is not None:
                then()

    def save_template(self, version: str, template: str, files: dict[str, str]) -> None:
        """Keep a template's sources by version, so a briefing can be remade with the template it was made with."""
        with self.store.write() as db:
            db.execute("INSERT OR IGNORE INTO template_versions (version, template, files, first_used) "
                       "VALUES (?, ?, ?, ?)", [version, template, json.dumps(files, ensure_ascii=False), utcnow()])

    def template_files(self, version: str) -> dict[str, str] | None:
        row = self.store.db.execute("SELECT files FROM template_versions WHERE version = ?", [version]).fetchone()
        return json.loads(row[0]) if row else None

    def first_seen(self, schedule: str) -> datetime:
        """When the ledger first saw a schedule (recorded now if never)."""
        row = self.store.db.execute("SELECT first_seen FROM schedules_seen WHERE name = ?", [schedule]).fetchone()
        if row is None:
            with self.store.write() as db:
                db.execute("INSERT OR IGNORE INTO schedules_seen VALUES (?, ?)", [schedule, utcnow()])
            row = self.store.db.execute("SELECT first_seen FROM schedules_seen WHERE name = ?", [schedule]).fetchone()
        return datetime.fromisoformat(row[0])

    # --- reading --------------------------------------------------------------------------------------

    def get(self, report_id: int) -> Report | None:
        found = self.find("reports.id = ?", [report_id])
        return found[0] if found else None

    def failing(self, schedule: str, since: str) -> list[Report]:
        """A schedule's briefings due since a moment (ISO UTC) that failed and have not been made since, by a
        later version either: those its runs are still trying."""
        return self.find(f"reports.schedule = ? AND reports.due_at >= ? AND {STILL_FAILING}", [schedule, since])

    def done_periods(self, template: str, region: str, script: str) -> set[str]:
        """The periods of a template and region that have a briefing (done, or made and since pruned)."""
        return {row[0] for row in self.store.db.execute(
            "SELECT DISTINCT period FROM reports WHERE template = ? AND region = ? AND script = ? "
            "AND status IN ('done', 'pruned')", [template, region, script])}

    def find(self, where: str = "1", params: list | None = None, latest: int | None = None) -> list[Report]:
        """Reports matching a condition on the reports table, in the order of template, period, region and
        version, each with its files; with ``latest``, the most recently begun that many, the latest first."""
        params = params or []
        order = (_BY_KEY if latest is None else
                 f"COALESCE(reports.started_at, reports.created_at) DESC, reports.id DESC LIMIT {int(latest)}")
        cursor = self.store.db.execute(_SELECT + f"WHERE {where} ORDER BY {order}", params)
        names = [d[0] for d in cursor.description]
        reports = [Report(**dict(zip(names, row))) for row in cursor.fetchall()]
        by_id = {r.id: r for r in reports}
        chosen = "SELECT reports.id FROM reports LEFT JOIN regions ON regions.code = reports.region " \
                 f"WHERE {where} ORDER BY {order}"
        for report_id, *rest in self.store.db.execute(
                f"SELECT report, format, path, sha256, size FROM report_files WHERE report IN ({chosen}) "
                "ORDER BY report, format", params):
            by_id[report_id].files.append(File(*rest))
        return reports
