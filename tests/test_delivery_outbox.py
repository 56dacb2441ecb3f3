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


# --- the config: channels, groups, and who a schedule's briefing goes to ----------------------------------------

CONFIG = '''public_url = "https://briefing.example.gov.cn"

[channels."邮件"]
kind = "email"
host = "smtp.example.gov.cn"
from = "office@example.gov.cn"

[channels."办公室群"]
kind = "wecom"
webhook_env = "BRIEFING_WECOM_OFFICE"

[recipients]
"领导" = ["邮件:zhang@example.gov.cn", "邮件:李四 <li@example.gov.cn>", "办公室群"]
"鄂温克族自治旗" = ["邮件:office@ewenki.example.gov.cn", "邮件:zhang@example.gov.cn"]

[[schedule]]
name = "周报"
template = "weekly"
deliver_to = ["领导"]
deliver_to_regions = true
notify_failure_to = ["办公室群"]
'''


def loaded(tmp_path: Path, text: str):
    from briefing import settings
    from briefing.archive import schedules

    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    found = settings.load(path, env={})
    return found, schedules.load(found.sections.get("schedule"), path)


def test_a_regions_briefing_goes_to_the_schedules_groups_and_the_group_named_like_it(tmp_path):
    from briefing.delivery import recipients

    found, [schedule] = loaded(tmp_path, CONFIG)
    assert recipients.of_briefing(schedule, "鄂温克族自治旗", found) == [
        Recipient("邮件", "zhang@example.gov.cn"), Recipient("邮件", "li@example.gov.cn", "李四"), Recipient("办公室群"),
        Recipient("邮件", "office@ewenki.example.gov.cn")]                 # zhang once, though in both groups
    assert recipients.of_briefing(schedule, "陈巴尔虎旗", found) == recipients.resolve(["领导"], found)
    assert recipients.of_failure(schedule, found) == [Recipient("办公室群")]


@pytest.mark.parametrize("change, line, said", [
    (('kind = "wecom"', 'kind = "wecon"'), 9, "unknown kind \"wecon\". Did you mean 'wecom'?"),
    (('"办公室群"]\n"鄂', '"办公群"]\n"鄂'), 13, "there is no channel \"办公群\". Did you mean '办公室群'?"),
    (('"邮件:office@ewenki.example.gov.cn"', '"邮件"'), 14, "the channel 邮件 needs an address after ':'"),
    (('[channels."邮件"]', '[channels.邮件]'), 3, "Invalid initial character for a key part"),
])
def test_a_wrong_channel_or_member_names_the_file_line_and_what_to_write(tmp_path, change, line, said):
    from briefing.errors import UsageError

    with pytest.raises(UsageError) as caught:
        loaded(tmp_path, CONFIG.replace(*change))
    assert f"briefing.toml, line {line}" in caught.value.message and said in caught.value.message


def test_a_schedules_unknown_group_is_refused_with_the_nearest_name(tmp_path):
    from briefing.delivery import recipients
    from briefing.errors import UsageError

    found, [schedule] = loaded(tmp_path, CONFIG.replace('deliver_to = ["领导"]', 'deliver_to = ["领导们"]'))
    with pytest.raises(UsageError) as caught:
        recipients.check([schedule], found)
    assert "[[schedule]] 周报: deliver_to" in caught.value.message and "Did you mean '领导'?" in caught.value.message
    with pytest.raises(UsageError):
        loaded(tmp_path, CONFIG.replace("deliver_to_regions = true", 'deliver_to_regions = "yes"'))


def test_a_drain_claims_each_row_as_it_sends_it(report, monkeypatch):
    """A slow channel does not eat the leases of the rows still to send: while the first is sent, the others are
    still queued (so their lease starts when their own send does, and no second process can take them mid-send)."""
    from briefing.delivery import deliver
    from briefing.settings import load

    store, report_id = report
    Outbox(store).enqueue(report_id, LEADERS + [Recipient("邮件", "li@example.gov.cn")],
                          now="2024-01-15T01:00:00+00:00")
    seen = []

    class Watching:
        name = "watching"

        def send(self, briefing, recipient):
            seen.append(sorted(r.state for r in Outbox(store).find()))
            return "ok"

    deliverer = deliver.Deliverer(store, load(None, env={}), [])
    monkeypatch.setattr(deliverer, "_channel", lambda name: Watching())
    monkeypatch.setattr(deliverer, "_briefing", lambda row: None)
    deliverer.drain(now="2024-01-15T01:00:00+00:00")
    assert seen == [["queued", "queued", "sending"], ["queued", "sending", "sent"], ["sending", "sent", "sent"]]
    assert {r.state for r in Outbox(store).find()} == {"sent"}


def test_a_failure_notice_goes_once_each_time_a_briefing_begins_failing(report, tmp_path):
    """As the on_failure hook: told when the briefing begins failing, not again while it keeps failing, and
    again if it begins failing anew (after waiting for figures, say)."""
    from dataclasses import replace

    from briefing.delivery.deliver import Deliverer

    store, report_id = report
    found, [schedule] = loaded(tmp_path, CONFIG)
    deliverer = Deliverer(store, found, [schedule])
    failing = replace(Ledger(store).get(report_id), failed_since="2024-01-15T01:00:00+00:00", error="模板出错")
    assert deliverer.failed(schedule, failing) == 1                   # the 办公室群 robot told
    assert deliverer.failed(schedule, replace(failing, attempts=2)) == 0
    assert deliverer.failed(schedule, replace(failing, failed_since="2024-01-22T01:00:00+00:00")) == 1
    notices = [r for r in Outbox(store).find() if r.kind != "briefing"]
    assert [(r.channel, r.state) for r in notices] == [("办公室群", "queued")] * 2


def test_a_briefing_is_read_once_for_all_its_recipients(report, monkeypatch):
    """Its .docx is opened to read its title and text once a drain, not once for each recipient."""
    from briefing.delivery import deliver
    from briefing.settings import load

    store, report_id = report
    Outbox(store).enqueue(report_id, LEADERS + [Recipient("邮件", "li@example.gov.cn")],
                          now="2024-01-15T01:00:00+00:00")
    built, sent = [], []
    monkeypatch.setattr(deliver.message, "build", lambda report, settings: built.append(report.id) or "the briefing")

    class Keeping:
        name = "keeping"

        def send(self, briefing, recipient):
            sent.append(briefing)
            return "ok"

    deliverer = deliver.Deliverer(store, load(None, env={}), [])
    monkeypatch.setattr(deliverer, "_channel", lambda name: Keeping())
    deliverer.drain(now="2024-01-15T01:00:00+00:00")
    assert built == [report_id] and sent == ["the briefing"] * 3
