"""Delivering: what the runner calls (a briefing made, a briefing failing) and the step that sends what the
outbox holds due, through each configured channel (make_channel), one row at a time, each claimed first.

A briefing's rows are queued inside the transaction that marks it made (``made``, run by the ledger), so a
process killed between making and sending leaves them to the next drain. A briefing that begins failing, and a
delivery that ends failed, queue a short notice to the schedule's notify_failure_to, once each.

A schedule with ``approval = true`` has its briefings asked for sign-off there instead (archive/approvals.py):
their rows are queued when an approver approves (``approve``, in the transaction that records it); one sent
back (``send_back``) is never queued, and its schedule's notify_failure_to is told who sent it back and why."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Mapping
from zoneinfo import ZoneInfo

from ..archive.approvals import STATES as APPROVAL_STATES
from ..archive.approvals import Approvals
from ..archive.ledger import Ledger, Report
from ..archive.schedules import Schedule
from ..errors import BriefingError, UsageError
from ..i18n import _
from ..settings import Settings
from ..store.db import Store, local_text, utcnow
from . import message, recipients
from .channel import Briefing, Channel, DeliveryFailed, make_channel
from .outbox import Delivery, Outbox

log = logging.getLogger(__name__)


@dataclass
class Sent:
    """What one drain did: a line per row sent, queued again, or failed."""
    sent: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Deliverer:
    def __init__(self, store: Store, settings: Settings, schedules: list[Schedule],
                 environ: Mapping[str, str] | None = None):
        self.store, self.settings = store, settings
        self.schedules = {s.name: s for s in schedules}
        self.environ = os.environ if environ is None else environ
        self.outbox = Outbox(store)
        self.ledger = Ledger(store)
        self.approvals = Approvals(store, ZoneInfo(settings.timezone))
        self._channels: dict[str, Channel] = {}
        self._made: dict[int, Briefing] = {}    # each briefing as read for sending, by report (one deliverer's life)

    def check(self) -> None:
        """Every schedule's deliver_to and notify_failure_to resolves."""
        recipients.check(self.schedules.values(), self.settings)

    # --- what the runner calls --------------------------------------------------------------------------------

    def made(self, schedule: Schedule, report: Report) -> int:
        """Queue a briefing just made for its schedule's recipients (inside the transaction that marks it done);
        when its schedule asks for sign-off, ask it instead, and queue nothing (0)."""
        if schedule.approval:
            self.approvals.ask(report.id)
            return 0
        return self.outbox.enqueue(report.id, recipients.of_briefing(schedule, report.region_name, self.settings))

    def failed(self, schedule: Schedule, report: Report) -> int:
        """Queue the notice that a briefing began failing, to the schedule's notify_failure_to: once for each time
        it begins failing (its failed_since), as the schedule's on_failure hook is run."""
        text = _("The briefing could not be made (attempt {attempts}): {error}").format(
            attempts=report.attempts, error=report.error or "")
        return self.outbox.enqueue(report.id, recipients.of_failure(schedule, self.settings), text,
                                   kind=f"failed@{report.failed_since}")

    # --- sign-off (审核/签发) ----------------------------------------------------------------------------------

    def approve(self, report_id: int, by: str, comment: str | None = None, now: str | None = None) -> int:
        """Sign off a briefing waiting for it, and queue it for its schedule's recipients, in one transaction;
        how many deliveries were queued (sent by the next drain: `briefing deliver`, run-due, serve)."""
        now = now or utcnow()
        with self.store.write():
            _event, report = self.approvals.decide(report_id, "approved", by, comment, now)
            chosen = recipients.of_briefing(self._schedule(report), report.region_name, self.settings)
            return self.outbox.enqueue(report.id, chosen, now=now)

    def send_back(self, report_id: int, by: str, comment: str, now: str | None = None) -> int:
        """Send a briefing waiting for sign-off back (退回) with the reason: it is never delivered, and its
        schedule's notify_failure_to is told who sent it back and why (the notices queued, in the same
        transaction)."""
        if not (comment or "").strip():
            raise UsageError(_("give the reason for sending briefing #{id} back").format(id=report_id),
                             _('Write it with -m, e.g. -m "第二部分的数字有误".'))
        now = now or utcnow()
        with self.store.write():
            event, report = self.approvals.decide(report_id, "returned", by, comment, now)
            schedule = self.schedules.get(self.approvals.schedule_of(report) or "")
            if schedule is None:
                return 0
            text = _("Sent back by {by} on {at}: {comment}. It is not delivered; a new version of it (`briefing "
                     "archive remake {id} --current`) is asked for sign-off again.").format(
                         by=event.by, at=local_text(event.at, self.approvals.tz), comment=event.comment, id=report.id)
            return self.outbox.enqueue(report.id, recipients.of_failure(schedule, self.settings), text,
                                       kind=f"returned:{event.id}", now=now)

    def _schedule(self, report: Report) -> Schedule:
        """The schedule of the config a briefing (or the briefing it is a new version of) was made by."""
        name = self.approvals.schedule_of(report)
        if name not in self.schedules:
            raise UsageError(_("briefing #{id} was made by the schedule {name}, which is no longer in {config}, so "
                               "there is no one to deliver it to").format(
                                   id=report.id, name=name or "-", config=self.settings.path or "config"),
                             _("Put the schedule back, or send it with `briefing deliver {id} --to GROUP`.").format(
                                 id=report.id))
        return self.schedules[name]

    def check_signed_off(self, report: Report) -> None:
        """Refuse to deliver a briefing waiting for sign-off or sent back (one that needs none, or is signed off,
        passes): what `briefing deliver` asks before it queues one by hand."""
        state = self.approvals.state(report.id)
        if state in ("pending", "returned"):
            raise UsageError(_("briefing #{id} is not signed off ({state}), so it is not delivered").format(
                id=report.id, state=_(APPROVAL_STATES[state])),
                _("Sign it off first: `briefing approve {id}`.").format(id=report.id) if state == "pending" else
                _("It was sent back: make a new version (`briefing archive remake {id} --current`) and sign that "
                  "one off.").format(id=report.id))

    # --- sending ------------------------------------------------------------------------------------------------

    def drain(self, now: str | None = None) -> Sent:
        """Send every row due (claimed first, so no other process sends it), until none is due."""
        done = Sent()
        while batch := self.outbox.claim_due(now, limit=1):   # one at a time: a claim's lease starts as it is sent
            for row in batch:
                self._one(row, done, now)
        return done

    def _one(self, row: Delivery, done: Sent, now: str | None) -> None:
        what = f"#{row.id} (report #{row.report} → {row.channel}{':' + row.recipient if row.recipient else ''})"
        try:
            receipt = self._channel(row.channel).send(self._briefing(row), row.to)
        except DeliveryFailed as exc:
            self._failed(row, what, str(exc), exc.permanent, done, now)
        except BriefingError as exc:          # the channel's config, or the archived briefing, is wrong
            self._failed(row, what, exc.message, True, done, now)
        except OSError as exc:
            self._failed(row, what, str(exc) or exc.__class__.__name__, False, done, now)
        except Exception as exc:  # a bug in one channel must not stop the others; keep the traceback
            log.debug("traceback of %s", what, exc_info=True)
            self._failed(row, what, _("internal error: {kind}: {error}").format(kind=exc.__class__.__name__,
                                                                                 error=exc), False, done, now)
        else:
            if self.outbox.sent(row, receipt):
                done.sent.append(what)
                log.info("sent %s: %s", what, receipt)

    def _failed(self, row: Delivery, what: str, error: str, permanent: bool, done: Sent, now: str | None) -> None:
        state = self.outbox.failed(row, error, permanent, now)
        if state == "queued":
            done.again.append(f"{what}: {error}")
            log.warning("not sent %s (attempt %d): %s; tried again later", what, row.attempts, error)
            return
        done.failed.append(f"{what}: {error}")
        log.error("failed %s after %d attempt(s): %s", what, row.attempts, error)
        report = self.ledger.get(row.report)
        schedule = self.schedules.get(report.schedule or "") if report else None
        if row.kind == "briefing" and schedule is not None:
            text = _("Sending it to {channel} {recipient} failed: {error}").format(
                channel=row.channel, recipient=row.recipient, error=error)
            self.outbox.enqueue(row.report, recipients.of_failure(schedule, self.settings), text,
                                kind=f"failed:{row.id}")

    def _channel(self, name: str) -> Channel:
        if name not in self._channels:
            tables = self.settings.sections.get("channels", {})
            if name not in tables:
                raise BriefingError(_("there is no channel {name} in {config} any more").format(
                    name=name, config=self.settings.path or "config"))
            self._channels[name] = make_channel(name, tables[name], self.environ)
        return self._channels[name]

    def _briefing(self, row: Delivery) -> Briefing:
        report = self.ledger.get(row.report)
        if row.kind != "briefing":
            return message.notice(report, row.notice or "", self.settings)
        if report.id not in self._made:     # read once for all its recipients (its .docx is opened to read it)
            self._made[report.id] = message.build(report, self.settings)
        return self._made[report.id]
