"""The outbox of delivery on a real SQLite file: one row per (report, channel, recipient), claimed by one
process at a time, retried after a doubling wait, failed for good when retrying cannot help."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from briefing.archive.ledger import Key, Ledger
from briefing.delivery.channel import Recipient
from briefing.delivery.outbox import MAX_ATTEMPTS, Outbox
from briefing.store.db import Store

LEADERS = [Recipient("邮件", "zhang@example.gov.cn", "张三"), Recipient("办公室群")]


@pytest.fixture
def report(tmp_path: Path, sample_db: Path) -> tuple[Store, int]:
    store = Store(shutil.copy(sample_db, tmp_path / "briefing.db"))
    region = store.db.execute("SELECT code FROM regions WHERE name = '扎赉特旗'").fetchone()[0]
    claimed = Ledger(store).claim_next(Key("weekly", "2024-W02", region), "stem", "2024-01-15T01:00:00+00:00")
    yield store, claimed.id
    store.close()


def test_enqueued_twice_is_one_row_per_recipient(report):
    store, report_id = report
    outbox = Outbox(store)
    assert outbox.enqueue(report_id, LEADERS) == 2
    assert outbox.enqueue(report_id, LEADERS + [Recipient("邮件", "li@example.gov.cn")]) == 1
    rows = outbox.find()
    assert [(r.channel, r.recipient, r.state) for r in rows] == [
        ("邮件", "zhang@example.gov.cn", "queued"), ("办公室群", "", "queued"), ("邮件", "li@example.gov.cn", "queued")]
    with pytest.raises(sqlite3.IntegrityError):   # the key holds in the table itself, not only in enqueue
        store.db.execute("INSERT INTO deliveries (report, channel, recipient, next_at, created_at) "
                         "VALUES (?, '办公室群', '', 'x', 'x')", [report_id])


def test_a_row_is_claimed_by_one_process_until_its_lease_runs_out(report):
    store, report_id = report
    one, two = Outbox(store, lease_seconds=300), Outbox(store, lease_seconds=300)
    one.enqueue(report_id, LEADERS[:1], now="2024-01-15T01:00:00+00:00")
    [claimed] = one.claim_due(now="2024-01-15T01:00:00+00:00")
    assert claimed.state == "sending" and claimed.attempts == 1
    assert two.claim_due(now="2024-01-15T01:04:00+00:00") == []
    [taken] = two.claim_due(now="2024-01-15T01:05:00+00:00")     # the first one stopped: its lease ran out
    assert taken.id == claimed.id and taken.attempts == 2
    assert not one.sent(claimed, "late")                          # no longer its row
    assert two.sent(taken, "250 OK") and one.get(taken.id).receipt == "250 OK"
    assert one.claim_due(now="2024-01-16T00:00:00+00:00") == []   # sent: never again


def test_a_failed_send_waits_twice_as_long_each_time_then_fails_for_good(report):
    store, report_id = report
    outbox = Outbox(store)
    outbox.enqueue(report_id, LEADERS[1:], now="2024-01-15T01:00:00+00:00")
    waits, now = [], "2024-01-15T01:00:00+00:00"
    for _attempt in range(MAX_ATTEMPTS):
        [row] = outbox.claim_due(now=now)
        state = outbox.failed(row, "connection refused", now=now)
        row = outbox.get(row.id)
        if state == "failed":
            break
        assert outbox.claim_due(now=now) == []                    # not before its time
        waits.append(row.next_at)
        now = row.next_at
    assert row.state == "failed" and row.attempts == MAX_ATTEMPTS and row.error == "connection refused"
    assert [w[11:16] for w in waits[:4]] == ["01:01", "01:03", "01:07", "01:15"]   # 1, 2, 4, 8 minutes


def test_a_permanent_failure_is_final_at_once_and_retry_queues_it_again(report):
    store, report_id = report
    outbox = Outbox(store)
    outbox.enqueue(report_id, LEADERS)
    first, _second = outbox.claim_due()
    assert outbox.failed(first, "550 no such user", permanent=True) == "failed"
    assert outbox.retry(every_failed=True) == [first.id]
    again = outbox.get(first.id)
    assert again.state == "queued" and again.attempts == 1 and again.error == "550 no such user"
    [claimed] = outbox.claim_due()
    assert claimed.id == first.id and claimed.attempts == 2
