"""Sign-off (审核/签发): the ledger of a briefing that waits for an approver before it is delivered, in the
``approvals`` table.

A briefing of a schedule with ``approval = true`` is made and archived as any other, and then *asked* for
sign-off instead of being queued for delivery (delivery/deliver.py records it inside the transaction that
marks it made). An approver then *approves* it (its deliveries are queued in the same transaction) or
*returns* it (sends it back) with the reason. Each is an event kept for good: who, when (ISO UTC) and the
comment; a briefing with no event needs no sign-off. Its state is its latest event's: pending, approved or
returned.

A decision is taken inside one write transaction (BEGIN IMMEDIATE): the state is read and the event written
with no other writer in between, so two approvers at once give one approval, and the second is told who
approved it and when. Only a pending briefing is decided on, and only the newest version of a briefing: an
approved one is not approved again nor sent back, a returned one is not approved (its correction is a new
version, made by a remake, which is asked for sign-off in its turn: ``follow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone, tzinfo

from ..errors import UsageError
from ..i18n import N_, _
from ..store.db import Store, local_text, utcnow
from .ledger import Ledger, Report

STATE_OF = {"asked": "pending", "approved": "approved", "returned": "returned"}    # the latest event -> state
STATES = {"pending": N_("awaiting sign-off"), "approved": N_("signed off"), "returned": N_("sent back")}
ACTIONS = {"asked": N_("asked for sign-off"), "approved": N_("signed off"), "returned": N_("sent back")}
_LATEST = "(SELECT action FROM approvals WHERE approvals.report = reports.id ORDER BY approvals.id DESC LIMIT 1)"
_NEWER = ("EXISTS (SELECT 1 FROM reports AS newer WHERE newer.template = reports.template AND newer.period = "
          "reports.period AND newer.region = reports.region AND newer.script = reports.script AND newer.version > "
          "reports.version AND newer.status = 'done')")
WAITING = f"reports.status = 'done' AND {_LATEST} = 'asked' AND NOT {_NEWER}"   # a condition for Ledger.find


@dataclass(frozen=True)
class Event:
    """One step of a briefing's sign-off: asked (by no one: its schedule asked), approved or returned."""
    action: str               # asked, approved, returned
    by: str | None
    at: str                   # ISO UTC, as the store writes moments
    comment: str | None
    id: int = 0
    report: int = 0

    def action_text(self) -> str:
        return _(ACTIONS[self.action])


def state_text(state: str | None) -> str:
    """A sign-off state in words (待审核, 已签发, 已退回); "" for a briefing that needs none."""
    return _(STATES[state]) if state else ""


class Approvals:
    """The sign-off of the briefings of one store. ``tz``: the zone a message names a moment in."""

    def __init__(self, store: Store, tz: tzinfo = timezone.utc):
        self.store, self.tz = store, tz
        self.ledger = Ledger(store)

    # --- writing ----------------------------------------------------------------------------------------------

    def ask(self, report_id: int, at: str | None = None) -> Event | None:
        """Ask sign-off for a briefing just made: inside the caller's write transaction when there is one (the one
        that marks it made). None (and nothing written) if it was asked before."""
        with self.store.write() as db:
            if self._latest(db, report_id) is not None:
                return None
            return self._add(db, report_id, "asked", None, at or utcnow(), None)

    def submit(self, report_id: int, schedule: str, by: str, at: str | None = None) -> Event:
        """Submit a briefing made on demand for sign-off under a schedule that asks for it (送审): it becomes that
        schedule's briefing (delivered to its recipients once approved; the schedule does not make it again) and
        waits, in one transaction. Refused for a briefing that belongs to a schedule or was asked already."""
        with self.store.write() as db:
            report = self._decidable(report_id)
            if report.schedule is not None or self._latest(db, report_id) is not None:
                raise UsageError(_("briefing #{id} was submitted for sign-off already").format(id=report_id),
                                 _("`briefing approvals` lists the briefings waiting for sign-off."))
            db.execute("UPDATE reports SET schedule = ? WHERE id = ?", [schedule, report_id])
            return self._add(db, report_id, "asked", by, at or utcnow(), None)

    def follow(self, report: Report) -> Event | None:
        """Ask sign-off for a new version (a remake, a corrected edition) when the briefing it remakes needed
        sign-off: the correction of a briefing sent back is signed off in its turn."""
        if report.remake_of is None or self.state(report.remake_of) is None:
            return None
        return self.ask(report.id)

    def decide(self, report_id: int, action: str, by: str, comment: str | None = None,
               at: str | None = None) -> tuple[Event, Report]:
        """Approve (``approved``) or send back (``returned``) a briefing waiting for sign-off, in one write
        transaction (the caller's, when it has one: then what it queues is part of the decision). Refused, with
        who decided and when, unless the briefing is the newest version of a briefing and pending."""
        if not (by or "").strip():
            raise UsageError(_("say who signs briefing #{id} off").format(id=report_id),
                             _("Give the approver's name with --by NAME."))
        with self.store.write() as db:
            report = self._decidable(report_id)
            latest = self._latest(db, report_id)
            if latest is None:
                raise UsageError(_("briefing #{id} needs no sign-off: its schedule does not ask for one "
                                   "(approval = true)").format(id=report_id),
                                 _("`briefing approvals` lists the briefings waiting for sign-off."))
            if latest.action != "asked":
                raise self._refusal(latest, action)
            event = self._add(db, report_id, action, by.strip(), at or utcnow(), (comment or "").strip() or None)
        return event, report

    def _decidable(self, report_id: int) -> Report:
        """The briefing to decide on: made, and no newer version of it made since."""
        report = self.ledger.get(report_id)
        if report is None:
            raise UsageError(_("there is no briefing #{id} in the ledger").format(id=report_id),
                             _("`briefing approvals` lists the briefings waiting for sign-off."))
        if report.status != "done":
            raise UsageError(_("briefing #{id} is not a made briefing (it is {status}), so it cannot be signed "
                               "off").format(id=report_id, status=_(report.status)),
                             _("`briefing archive show {id}` tells what became of it.").format(id=report_id))
        (newest,) = self.store.db.execute(
            "SELECT id FROM reports WHERE template = ? AND period = ? AND region = ? AND script = ? "
            "AND status = 'done' ORDER BY version DESC LIMIT 1",
            [report.template, report.period, report.region, report.script]).fetchone()
        if newest != report_id:
            raise UsageError(_("briefing #{id} has a newer version, #{newer}: sign that one off").format(
                id=report_id, newer=newest), _("`briefing approvals` lists the briefings waiting for sign-off."))
        return report

    def _refusal(self, latest: Event, action: str) -> UsageError:
        """Why a briefing already decided on is not decided on again: who decided, when, and what to do instead."""
        at = local_text(latest.at, self.tz)
        if latest.action == "approved":
            said = _("briefing #{id} was signed off by {by} on {at}").format(id=latest.report, by=latest.by, at=at)
            hint = (_("It is signed off once; `briefing deliveries` shows where it was sent.") if action == "approved"
                    else _("A briefing signed off is delivered and is not sent back; to correct it, make a new "
                           "version (`briefing archive remake {id} --current`) and sign that one off.").format(
                               id=latest.report))
            return UsageError(said, hint)
        said = _("briefing #{id} was sent back by {by} on {at}: {comment}").format(
            id=latest.report, by=latest.by, at=at, comment=latest.comment or "")
        return UsageError(said, _("Correct it and make a new version (`briefing archive remake {id} --current`): the "
                                  "new version is asked for sign-off.").format(id=latest.report))

    def _add(self, db, report_id: int, action: str, by: str | None, at: str, comment: str | None) -> Event:
        cursor = db.execute("INSERT INTO approvals (report, action, by, at, comment) VALUES (?, ?, ?, ?, ?)",
                            [report_id, action, by, at, comment])
        return Event(action, by, at, comment, cursor.lastrowid, report_id)

    # --- reading ----------------------------------------------------------------------------------------------

    def _latest(self, db, report_id: int) -> Event | None:
        """A briefing's latest event (read inside the decision's transaction: the point two approvers meet)."""
        row = db.execute("SELECT action, by, at, comment, id, report FROM approvals WHERE report = ? "
                         "ORDER BY id DESC LIMIT 1", [report_id]).fetchone()
        return Event(*row) if row else None

    def state(self, report_id: int) -> str | None:
        """pending, approved or returned; None for a briefing that needs no sign-off."""
        latest = self._latest(self.store.db, report_id)
        return STATE_OF[latest.action] if latest else None

    def states(self, report_ids: list[int]) -> dict[int, str]:
        """The state of each briefing that has one, by id (one query, for a listing)."""
        if not report_ids:
            return {}
        rows = self.store.db.execute(
            f"SELECT report, action FROM approvals WHERE id IN (SELECT MAX(id) FROM approvals WHERE report IN "
            f"({','.join('?' * len(report_ids))}) GROUP BY report)", list(report_ids))
        return {report: STATE_OF[action] for report, action in rows}

    def history(self, report_id: int) -> list[Event]:
        """A briefing's events, oldest first."""
        rows = self.store.db.execute("SELECT action, by, at, comment, id, report FROM approvals WHERE report = ? "
                                     "ORDER BY id", [report_id])
        return [Event(*row) for row in rows]

    def waiting(self) -> list[Report]:
        """The briefings waiting for sign-off (the newest version of each), the one asked longest ago first."""
        reports = self.ledger.find(WAITING)
        asked = dict(self.store.db.execute(
            "SELECT report, MAX(at) FROM approvals WHERE action = 'asked' GROUP BY report").fetchall())
        return sorted(reports, key=lambda r: (asked.get(r.id, ""), r.id))

    def schedule_of(self, report: Report) -> str | None:
        """The schedule a briefing belongs to: its own, or for a new version (a remake), the one of the briefing
        it remakes, and so on back."""
        seen = set()
        while report is not None and report.schedule is None and report.remake_of and report.id not in seen:
            seen.add(report.id)
            report = self.ledger.get(report.remake_of)
        return report.schedule if report is not None else None
