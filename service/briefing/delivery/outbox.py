"""The outbox: one row per (report, channel, recipient, kind) in the ``deliveries`` table, the key that makes
each briefing reach each reader once, however often it is enqueued.

A row is queued until its time (``next_at``); a process claims the rows that are due inside one write
transaction (BEGIN IMMEDIATE), each with an UPDATE … WHERE state … that only one process can win, as the
ledger claims a briefing: the row is then ``sending``, held by that process until its lease runs out (a
process killed while sending leaves a row another takes over when the lease has run out). A send ends the
row ``sent`` with its receipt, or puts it back in the queue after a doubling wait (the ledger's backoff,
capped), or ends it ``failed`` when the failure is permanent or the attempts have run out.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Iterable

from ..archive.ledger import HOST, backoff, later
from ..i18n import N_, _
from ..store.db import Store, utcnow
from .channel import Recipient

RETRY_FIRST_S = 60            # a failed send is tried again after 1 minute, then 2, 4 … up to an hour
RETRY_MAX_S = 3600
MAX_ATTEMPTS = 8              # then it is failed for good (`briefing deliveries retry` starts it again)
STATES = {"queued": N_("queued"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed")}
_DUE = "((state = 'queued' AND next_at <= ?) OR (state = 'sending' AND lease_until <= ?))"


@dataclass(frozen=True)
class Delivery:
    id: int
    report: int
    channel: str
    recipient: str
    name: str
    kind: str                  # briefing, or a notice told to notify_failure_to: failed@SINCE (the briefing
                               # began failing then), failed:ID (delivery ID failed for good)
    notice: str | None
    state: str
    attempts: int
    next_at: str
    holder: str | None
    lease_until: str | None
    error: str | None
    created_at: str
    sent_at: str | None
    receipt: str | None

    @property
    def to(self) -> Recipient:
        return Recipient(self.channel, self.recipient, self.name)

    def state_text(self) -> str:
        return _(STATES[self.state])


class Outbox:
    """The deliveries table of one store, as seen by one sending process."""

    def __init__(self, store: Store, lease_seconds: int = 300):
        self.store = store
        self.lease_seconds = lease_seconds
        self.holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def enqueue(self, report: int, recipients: Iterable[Recipient], notice: str | None = None,
                kind: str = "briefing", now: str | None = None) -> int:
        """Queue a report (or, with its text, a notice about it of a kind: failed@SINCE, failed:ID) for each recipient,
        once: a row already there is left as it is. Inside the caller's write transaction when there is one.
        Returns how many rows are new."""
        now = now or utcnow()
        added = 0
        with self.store.write() as db:
            for r in recipients:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO deliveries (report, channel, recipient, name, kind, notice, next_at, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [report, r.channel, r.address, r.name, kind, notice, now, now])
                added += cursor.rowcount
        return added

    def claim_due(self, now: str | None = None, limit: int = 100) -> list[Delivery]:
        """The rows due to be sent (queued and their time has come, or sending under a lease that has run
        out), each claimed for this process: no other process gets the same row until the lease runs out."""
        now = now or utcnow()
        claimed = []
        with self.store.write() as db:
            ids = [row[0] for row in db.execute(f"SELECT id FROM deliveries WHERE {_DUE} ORDER BY next_at, id "
                                                f"LIMIT {int(limit)}", [now, now])]
            for delivery_id in ids:
                cursor = db.execute(
                    f"UPDATE deliveries SET state = 'sending', holder = ?, lease_until = ?, attempts = attempts + 1 "
                    f"WHERE id = ? AND {_DUE}", [self.holder, later(self.lease_seconds, now), delivery_id, now, now])
                if cursor.rowcount == 1:
                    claimed.append(delivery_id)
        return [self.get(i) for i in claimed]

    def sent(self, delivery: Delivery, receipt: str) -> bool:
        """Mark a claimed row sent; False if this process no longer held it."""
        with self.store.write() as db:
            cursor = db.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, receipt = ?, error = NULL, "
                                "lease_until = NULL WHERE id = ? AND holder = ? AND state = 'sending'",
                                [utcnow(), receipt, delivery.id, self.holder])
        return cursor.rowcount == 1

    def failed(self, delivery: Delivery, error: str, permanent: bool = False, now: str | None = None) -> str:
        """Record a failed send: queued again after a doubling wait, or failed for good (permanent, or its
        attempts run out). Returns the row's new state."""
        final = permanent or delivery.attempts >= MAX_ATTEMPTS
        state = "failed" if final else "queued"
        next_at = later(backoff(RETRY_FIRST_S, RETRY_MAX_S, delivery.attempts), now)
        with self.store.write() as db:
            db.execute("UPDATE deliveries SET state = ?, error = ?, next_at = ?, lease_until = NULL "
                       "WHERE id = ? AND holder = ? AND state = 'sending'",
                       [state, error, next_at, delivery.id, self.holder])
        return state

    def retry(self, ids: Iterable[int] = (), every_failed: bool = False, now: str | None = None) -> list[int]:
        """Queue failed (or waiting) rows to be sent at once; the ids queued. Their attempts go on counting: one
        whose attempts had run out fails for good again if this try fails."""
        now = now or utcnow()
        wanted = list(ids)
        where = "state IN ('failed', 'queued')" + (" AND id = ?" if wanted else " AND state = 'failed'")
        done = []
        with self.store.write() as db:
            for delivery_id in wanted or [None]:
                if not wanted and not every_failed:
                    break
                params = [delivery_id] if wanted else []
                rows = [r[0] for r in db.execute(f"SELECT id FROM deliveries WHERE {where}", params)]
                for row_id in rows:
                    db.execute("UPDATE deliveries SET state = 'queued', next_at = ? WHERE id = ?",
                               [now, row_id])
                done += rows
        return done

    def get(self, delivery_id: int) -> Delivery | None:
        found = self.find("id = ?", [delivery_id])
        return found[0] if found else None

    def find(self, where: str = "1", params: list | None = None, latest: int | None = None) -> list[Delivery]:
        """Rows matching a condition, in the order they were queued; with ``latest``, that many, the latest first."""
        order = "id" if latest is None else f"id DESC LIMIT {int(latest)}"
        cursor = self.store.db.execute(f"SELECT * FROM deliveries WHERE {where} ORDER BY {order}", params or [])
        names = [d[0] for d in cursor.description]
        return [Delivery(**dict(zip(names, row))) for row in cursor.fetchall()]
