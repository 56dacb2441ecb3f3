"""One reconcile step: what every schedule owes as of a moment, claimed and made, one log line per decision.

The ledger, not the scheduler, decides: for each schedule and region the step lists the due moments in
its window (from its start, or when first seen, and no older than its horizon), the period each owes,
drops the periods already made, applies the catch-up policy, and claims each remaining (template,
period, region) in the ledger before making it. Two processes running the step at once make each
briefing once; a process killed midway leaves a claim that the next step takes over.

A briefing shows the data as known at the step's moment (the clock, or --now), recorded with its claim:
a briefing caught up after downtime has the figures entered meanwhile, not only those there at its due
time (nothing was sent at the due time, so nothing is contradicted), and a remake as of that moment gives
the same bytes. A claim taken over keeps its moment, so the briefing does not depend on who finished it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ..documents import templates
from ..documents.make import stem_of, template_dirs
from ..errors import BriefingError, Incomplete, LostClaim, NotFound, UsageError, Waiting
from ..figures.period_text import parse_period
from ..figures.periods import Period
from ..i18n import _
from ..settings import Settings
from ..store.catalog import Catalog
from ..store.db import Store, in_zone, iso_utc
from . import corrections, hooks
from . import schedules as schedules_mod
from .folders import Archive
from .ledger import Claim, Key, Ledger, Report
from .produce import Producer
from .schedules import REGION_WORDS, Schedule

log = logging.getLogger(__name__)


class Delivery(Protocol):
    """What the runner asks of delivery (delivery/deliver.py), which it may not import (it is the wing above)."""

    def made(self, schedule: Schedule, report: Report) -> int: ...

    def failed(self, schedule: Schedule, report: Report) -> int: ...

    def drain(self) -> object: ...


@dataclass
class Step:
    """What one reconcile step did."""

    made: list[str] = field(default_factory=list)       # archive paths of the .docx files written
    skipped: int = 0                                    # done already, or being made by another process
    waiting: int = 0                                    # its figures are not there yet
    failed: list[str] = field(default_factory=list)     # one line per failure
    corrected: list[str] = field(default_factory=list)  # corrected editions (更正版) made, not due but owed

    @property
    def due(self) -> int:
        """Every briefing due in the step ends as exactly one of made, skipped, waiting or failed."""
        return len(self.made) + self.skipped + self.waiting + len(self.failed)

    def summary(self) -> str:
        return (f"{self.due} due, {len(self.made)} made, {self.skipped} skipped, {self.waiting} waiting, "
                f"{len(self.failed)} failed" + (f", {len(self.corrected)} corrected" if self.corrected else ""))


def region_codes(names: tuple[str, ...], catalog: Catalog) -> list[str]:
    """Regions as codes, each once: names or codes, or the words of schedules.REGION_WORDS (top, all);
    NotFound for an unknown one."""
    codes: list[str] = []
    for name in names:
        found = REGION_WORDS[name](catalog) if name in REGION_WORDS else [catalog.region(name).code]
        codes += [c for c in found if c not in codes]
    return codes


def resolve_regions(schedule: Schedule, catalog: Catalog, source: str) -> list[str]:
    """A schedule's regions as codes; an unknown one is an error naming the config file and the schedule."""
    try:
        return region_codes(schedule.regions, catalog)
    except NotFound as exc:
        raise UsageError(_("{where}: {message}").format(where=f"{source}: [[schedule]] {schedule.name}: regions",
                                                        message=exc.message),
                         _("List them with `briefing regions`.")) from None


def schedule_template(schedule: Schedule, settings: Settings) -> templates.Template:
    """A schedule's template; an error names the config file and the schedule."""
    try:
        return templates.load(schedule.template, template_dirs(settings))
    except BriefingError as exc:
        raise UsageError(_("{where}: {message}").format(
            where=f"{settings.path or 'config'}: [[schedule]] {schedule.name}: template", message=exc.message),
            exc.hint) from None


class Runner:
    def __init__(self, store: Store, settings: Settings, schedules: list[Schedule]):
        self.store, self.settings, self.schedules = store, settings, schedules
        self.ledger = Ledger(store, settings.lease_seconds)
        self.archive = Archive(settings.archive_dir)
        self.producer = Producer(store, settings, self.ledger, self.archive)
        self.source = str(settings.path or "config")
        self.tz = ZoneInfo(settings.timezone)
        # the wing above that sends briefings (delivery.deliver.Deliverer), given by the command that runs the
        # step: its made() runs inside the transaction that marks a briefing done, failed() when one begins
        # failing, drain() after each step
        self.delivery: Delivery | None = None

    def at(self, moment: datetime | str | None) -> str:
        """A moment for a log line: in the configured time zone, to the minute, with its offset."""
        if moment is None:
            return "-"
        return in_zone(moment, self.tz).isoformat(timespec="minutes")

    def plan(self, catalog: Catalog, chosen: list[Schedule] | None = None
             ) -> list[tuple[Schedule, templates.Template, list[str]]]:
        """Each schedule with its template and region codes, all checked to exist before anything is claimed."""
        planned = [(s, self.template(s), resolve_regions(s, catalog, self.source)) for s in self.schedules]
        return [entry for entry in planned if chosen is None or entry[0] in chosen]

    def check(self) -> None:
        """Every schedule's template and regions exist."""
        self.plan(Catalog.load(self.store.db))

    def template(self, schedule: Schedule) -> templates.Template:
        return schedule_template(schedule, self.settings)

    def run_due(self, now: datetime, only: str | None = None) -> Step:
        """One reconcile step as of `now` (aware); `only` limits it to one schedule by name."""
        chosen = [s for s in self.schedules if only is None or s.name == only]
        if only is not None and not chosen:
            raise UsageError(_("there is no schedule '{name}'").format(name=only),
                             _("Schedules: {names}.").format(names=", ".join(s.name for s in self.schedules)
                                                             or _("none")))
        step = Step()
        catalog = Catalog.load(self.store.db)
        for schedule, template, regions in self.plan(catalog, chosen):
            self._schedule(schedule, template, regions, catalog, now, step)
        log.info("run as of %s: %s", self.at(now), step.summary())
        if self.delivery is not None:
            self.delivery.drain()
        return step

    def _schedule(self, schedule: Schedule, template: templates.Template, regions: list[str], catalog: Catalog,
                  now: datetime, step: Step) -> None:
        since = schedule.window_start(now, self.ledger.first_seen(schedule.name))
        due = schedules_mod.dues(schedule, template.period, since, now)
        for region in regions:
            done = self.ledger.done_periods(template.key, region, schedule.script)
            for moment, period in schedules_mod.owed(due, done, schedule.catch_up):
                key = Key(template.key, period.key, region, schedule.script)
                self._one(schedule, template, key, catalog.regions[region].name, (moment, now), period, step)
        if schedule.corrections != "never":
            self._corrections(schedule, template, catalog, since, now, step)

    def _corrections(self, schedule: Schedule, template: templates.Template, catalog: Catalog, since: datetime,
                     now: datetime, step: Step) -> None:
        """The schedule's briefings (within its horizon) whose period's figures changed after they were made:
        a line each (ask), or their corrected editions (auto)."""
        mine = self.ledger.find("schedule = ? AND due_at >= ?", [schedule.name, iso_utc(since)])
        newest = corrections.latest_versions(mine + self.ledger.find("remake_of IN (SELECT id FROM reports WHERE "
                                                                     "schedule = ?)", [schedule.name]))
        for report_id, count in corrections.out_of_date(self.store.db, catalog, newest, iso_utc(now)).items():
            report = next(r for r in newest if r.id == report_id)
            what = f"{schedule.name}: {report.template} {report.period} {report.region_name}"
            if schedule.corrections == "ask":
                log.info("out of date %s: %d figure(s) changed since it was made; `briefing archive remake %d "
                         "--current` makes the corrected edition", what, count, report.id)
                continue
            try:
                made = self.producer.make_version(report.key, report.stem, iso_utc(now), template, schedule.formats,
                                                  remake_of=report.id, corrects=report.id)
            except BriefingError as exc:   # kept in the ledger as a failed version, which is then the newest:
                # it is not tried again by itself (`archive list` shows it; `archive remake --current` retries)
                step.failed.append(f"{what}: the corrected edition: {exc.message}")
                log.error("failed %s: the corrected edition: %s", what, exc.message.replace("\n", " "))
                failed = self.ledger.find("remake_of = ? AND corrects = ? AND status = 'failed'", [report.id, report.id])
                if failed:
                    self._notify(schedule, failed[-1])
                continue
            step.corrected.append(made.files[0].path)
            log.info("corrected %s: %d figure(s) changed; version %d (report #%d)", what, count, made.version, made.id)

    def _one(self, schedule: Schedule, template: templates.Template, key: Key, region_name: str,
             moments: tuple[datetime, datetime], period: Period, step: Step) -> None:
        """Claim and make one briefing; `moments` is (when it was due, the step's moment: its data's)."""
        due, now = moments
        what = f"{schedule.name}: {key.template} {key.period} {region_name}"
        log.info("due %s (due %s)", what, self.at(due))
        claim = self.ledger.claim(key, stem_of(period, region_name, template, key.script), iso_utc(now),
                                  schedule.name, iso_utc(due), now=iso_utc(now), recipients=schedule.recipients)
        if not claim.ours:
            step.skipped += 1
            log.info("skipped %s: %s", what, self._refusal(claim))
            return
        report = claim.report
        log.info("%s %s (report #%d, attempt %d)", claim.outcome, what, report.id, report.attempts)
        deadline = due + timedelta(hours=schedule.hold_hours)
        try:
            queue = (lambda: self.delivery.made(schedule, report)) if self.delivery is not None else None
            files, ms = self.producer.make(report, template, schedule.formats, hold=now < deadline, then=queue)
        except LostClaim as exc:
            step.skipped += 1
            log.warning("skipped %s: %s", what, exc)
            return
        except Waiting as exc:
            step.waiting += 1
            until = iso_utc(deadline) if isinstance(exc, Incomplete) else None    # then made with what there is
            again = self.ledger.wait(report, exc.message, until=until, now=iso_utc(now))
            log.info("waiting %s: %s (looked at again after %s)", what, exc.message, self.at(again))
            return
        except (BriefingError, OSError) as exc:
            self._failed(schedule, what, report, str(exc), step, now)
            return
        except Exception as exc:  # a bug in one briefing must not stop the others; keep the traceback
            log.debug("traceback of %s", what, exc_info=True)
            self._failed(schedule, what, report, _("internal error: {kind}: {error}").format(
                kind=exc.__class__.__name__, error=exc), step, now)
            return
        step.made.append(files[0].path)
        log.info("generated %s: %s (%.0f ms)", what, self.archive.path(files[0].path), ms)

    def _failed(self, schedule: Schedule, what: str, report: Report, reason: str, step: Step, now: datetime) -> None:
        """Record a failure; when the briefing was not failing before, run the schedule's hook."""
        retry_at = self.ledger.fail(report, reason, now=iso_utc(now))
        step.failed.append(f"{what}: {reason}")
        log.error("failed %s: %s (tried again after %s)", what, reason.replace("\n", " "), self.at(retry_at))
        if report.failed_since is None:        # as claimed: it begins failing now
            self._notify(schedule, self.ledger.get(report.id))

    def _notify(self, schedule: Schedule, report: Report) -> None:
        if self.delivery is not None:
            self.delivery.failed(schedule, report)
        if not schedule.on_failure:
            return
        failure = hooks.Failure(schedule.name, report.template, report.period, report.region_name, report.region,
                                report.id, report.attempts, report.error or "", report.retry_at, report.failed_since,
                                report.due_at)
        hooks.run(schedule.on_failure, failure, self.tz)

    def failing(self, now: datetime, only: str | None = None) -> list[Report]:
        """The briefings the schedules owe (due within their window) that failed and are not made: those a run
        leaves failing, to be tried again."""
        out = []
        for schedule in self.schedules:
            if only is None or schedule.name == only:
                since = schedule.window_start(now, self.ledger.first_seen(schedule.name))
                out += self.ledger.failing(schedule.name, iso_utc(since))
        return out

    def retry(self, report: Report, now: datetime) -> Step:
        """Make a failed (or waiting) briefing of a schedule now, its wait cleared: claimed and made as a
        run would, as of `now`."""
        schedule = next((s for s in self.schedules if s.name == report.schedule), None)
        if schedule is None:
            raise UsageError(_("briefing #{id} was not made by a schedule of {config}").format(
                id=report.id, config=self.source) + (f" ({report.schedule})" if report.schedule else ""),
                _("Make it again with `briefing archive remake {id} --current`.").format(id=report.id))
        if not self.ledger.try_now(report):
            raise UsageError(_("briefing #{id} is not failed or waiting, so there is nothing to retry").format(
                id=report.id), _("`briefing archive remake ID` makes a made briefing again."))
        template = self.template(schedule)
        period = parse_period(report.period, template.period)
        due = datetime.fromisoformat(report.due_at) if report.due_at else now
        step = Step()
        self._one(schedule, template, report.key, report.region_name, (due, now), period, step)
        return step

    def _refusal(self, claim: Claim) -> str:
        report = claim.report
        error = " ".join((report.error or "").split())
        if claim.outcome == "done":
            return f"already done (report #{report.id})"
        if claim.outcome == "waiting" and report.status == "waiting":
            return f"waiting for its figures ({error}); looked at again after {self.at(report.retry_at)}"
        if claim.outcome == "waiting":
            return f"failed before ({error}); tried again after {self.at(report.retry_at)}"
        return f"being made by {report.claimed_by} (claim held until {self.at(report.lease_until)})"
