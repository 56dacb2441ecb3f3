"""Sign-off (审核/签发) gates delivery: a schedule with approval = true makes and archives its briefings, but
nothing is sent until an approver signs one off; one sent back is never sent and its schedule's
notify_failure_to is told who sent it back and why; its correction (a remake) is asked for sign-off again.
Real SQLite files, the real runner, real servers on 127.0.0.1 (tests/channel_servers.py), the sample and an
office generated here that shares no name with it (tests/other_office.py); the command line in Chinese (the
default) and English."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from channel_servers import http_server  # noqa: F401 (fixture)
from click.testing import CliRunner
from other_office import BANNERS, TOP, write_office
from test_delivery_cli import posted, webhook, write_config

from briefing import i18n, settings
from briefing.archive import schedules
from briefing.archive.folders import Archive
from briefing.archive.produce import Producer
from briefing.archive.remake import Remaker
from briefing.archive.runner import Runner
from briefing.cli import cli
from briefing.delivery.deliver import Deliverer
from briefing.errors import StoreError, UsageError
from briefing.store.db import Store

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 1, 22, 10, 0, tzinfo=TZ)      # 2024-W03 of the sample is due (start 2024-01-15)


class Site:
    """A config, its database, a runner with its deliverer attached, as run-due has them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.settings = settings.load(folder / "briefing.toml", env={})
        self.schedules = schedules.load(self.settings.sections.get("schedule"), folder / "briefing.toml")
        self.store = Store(folder / "briefing.db")
        self.deliverer = Deliverer(self.store, self.settings, self.schedules)
        self.runner = Runner(self.store, self.settings, self.schedules)
        self.runner.delivery = self.deliverer

    def made(self, now: datetime = NOW) -> list[int]:
        """Run the schedules as of now (made, then what is due sent); the ids of the briefings made."""
        before = {r.id for r in self.runner.ledger.find()}
        self.runner.run_due(now)
        return [r.id for r in self.runner.ledger.find("status = 'done'") if r.id not in before]


@pytest.fixture
def sample_site(tmp_path: Path, sample_db: Path, http_server):  # noqa: F811 (the fixture)
    shutil.copy(sample_db, tmp_path / "briefing.db")
    write_config(tmp_path, {"系统": webhook(http_server, "/hook"), "值班": webhook(http_server, "/notify")},
                 {"领导": ["系统"]}, start="2024-01-15", deliver_to=["领导"], notify_failure_to=["值班"],
                 approval=True)
    site = Site(tmp_path)
    yield site, http_server
    site.store.close()


def test_a_briefing_waits_for_sign_off_and_is_sent_once_when_signed_off(sample_site):
    site, server = sample_site
    [report] = site.made()
    site.runner.run_due(NOW)                                  # again: nothing made, nothing sent
    assert posted(server, "/hook") == [] and site.deliverer.outbox.find() == []
    signoff = site.deliverer.approvals
    assert signoff.state(report) == "pending" and [r.id for r in signoff.waiting()] == [report]
    assert site.deliverer.approve(report, "张三", "数字已核对", now="2024-01-22T03:00:00+00:00") == 1
    assert signoff.state(report) == "approved" and signoff.waiting() == []
    site.deliverer.drain()
    site.deliverer.drain()
    [body] = posted(server, "/hook")
    assert body["report_id"] == report and body["region"] == "扎赉特旗"
    assert [(e.action, e.by, e.comment) for e in signoff.history(report)] == [
        ("asked", None, None), ("approved", "张三", "数字已核对")]
    with pytest.raises(UsageError) as twice:
        site.deliverer.approve(report, "李四")
    assert f"briefing #{report} was signed off by 张三 on 2024-01-22 11:00" == twice.value.message
    with pytest.raises(UsageError) as back:
        site.deliverer.send_back(report, "李四", "晚了")
    assert "signed off by 张三" in back.value.message and "not sent back" in back.value.hint
    assert len(site.deliverer.outbox.find()) == 1 and len(signoff.history(report)) == 2


def test_sent_back_it_is_never_sent_the_notice_says_who_and_why_and_its_remake_is_asked_again(sample_site):
    site, server = sample_site
    [report] = site.made()
    with pytest.raises(UsageError) as no_reason:
        site.deliverer.send_back(report, "李四", "  ")
    assert "reason" in no_reason.value.message and site.deliverer.approvals.state(report) == "pending"
    assert site.deliverer.send_back(report, "李四", "第二部分的数字有误") == 1
    site.deliverer.drain()
    assert posted(server, "/hook") == []
    [notice] = posted(server, "/notify")
    assert "李四" in notice["text"] and "第二部分的数字有误" in notice["text"] and notice["files"] == []
    with pytest.raises(UsageError) as approved_late:
        site.deliverer.approve(report, "张三")
    assert "sent back by 李四" in approved_late.value.message and "第二部分的数字有误" in approved_late.value.message
    remade = Remaker(Producer(site.store, site.settings, site.runner.ledger, Archive(site.settings.archive_dir)))
    new = remade.remake(report, current=True, now=NOW).report        # the figures corrected, made again
    signoff = site.deliverer.approvals
    assert signoff.state(new.id) == "pending" and [r.id for r in signoff.waiting()] == [new.id]
    assert site.deliverer.approve(new.id, "张三") == 1               # to the original's schedule's recipients
    site.deliverer.drain()
    assert [b["report_id"] for b in posted(server, "/hook")] == [new.id]
    assert signoff.state(report) == "returned"


def test_an_older_version_is_not_signed_off_once_a_newer_one_is_made(sample_site):
    site, server = sample_site
    [report] = site.made()
    remade = Remaker(Producer(site.store, site.settings, site.runner.ledger, Archive(site.settings.archive_dir)))
    new = remade.remake(report, current=True, now=NOW).report
    with pytest.raises(UsageError) as older:
        site.deliverer.approve(report, "张三")
    assert f"newer version, #{new.id}" in older.value.message
    assert [r.id for r in site.deliverer.approvals.waiting()] == [new.id]


def test_unknown_or_unasked_briefings_are_refused_clearly(sample_site, tmp_path):
    site, _server = sample_site
    with pytest.raises(UsageError) as unknown:
        site.deliverer.approve(999, "张三")
    assert "no briefing #999" in unknown.value.message
    free = Deliverer(site.store, site.settings, [])          # a briefing of a schedule that asks for no sign-off
    [report] = site.made()
    with site.store.write() as db:
        db.execute("DELETE FROM approvals")
    with pytest.raises(UsageError) as unasked:
        free.approve(report, "张三")
    assert "needs no sign-off" in unasked.value.message and site.deliverer.approvals.state(report) is None


def test_two_approvers_at_once_give_one_approval(sample_site):
    """The named point: the first approver has read that the briefing is pending, inside its transaction; the
    second cannot even begin to decide until the first has committed, and is then told who signed it off."""
    site, _server = sample_site
    [report] = site.made()
    other = Store(site.folder / "briefing.db", busy_timeout_ms=100)
    second = Deliverer(other, site.settings, site.schedules)
    first = site.deliverer
    real = first.approvals._latest
    met = []

    def latest_then_the_second_approver(db, report_id):
        found = real(db, report_id)
        if not met:
            met.append(found.action)
            with pytest.raises(StoreError):               # the first holds the write lock while it decides
                second.approve(report_id, "李四")
        return found

    first.approvals._latest = latest_then_the_second_approver
    try:
        assert first.approve(report, "张三") == 1
        with pytest.raises(UsageError) as late:
            second.approve(report, "李四")
    finally:
        other.close()
    assert met == ["asked"] and "signed off by 张三" in late.value.message
    assert [e.action for e in first.approvals.history(report)] == ["asked", "approved"]
    assert len(first.outbox.find()) == 1


def test_a_wrong_approval_value_names_the_file_line_and_key(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text('[[schedule]]\nname = "周报"\ntemplate = "weekly"\napproval = "yes"\n', encoding="utf-8")
    found = settings.load(path, env={})
    with pytest.raises(UsageError) as caught:
        schedules.load(found.sections.get("schedule"), path)
    assert "briefing.toml, line 4" in caught.value.message and "approval" in caught.value.message
    assert "approval = true" in caught.value.hint


def test_an_office_that_is_not_the_sample_delivers_each_banner_only_once_signed_off(tmp_path):
    from briefing.ingest import ingest_files

    with Store(tmp_path / "briefing.db") as store:
        ingest_files(store, write_office(tmp_path / "office"), TZ)
    share = tmp_path / "share"
    share.mkdir()
    write_config(tmp_path, {"市盘": {"kind": "folder", "path": str(share)}}, {}, regions=BANNERS,
                 start="2024-03-18", deliver_to=["市盘"], approval=True)
    site = Site(tmp_path)
    made = site.made(datetime(2024, 3, 25, 10, 0, tzinfo=TZ))
    assert len(made) == len(BANNERS) and list(share.iterdir()) == []
    waiting = site.deliverer.approvals.waiting()
    assert sorted(r.region_name for r in waiting) == sorted(BANNERS) and TOP not in {r.region_name for r in waiting}
    site.deliverer.approve(made[0], "王五")
    site.deliverer.send_back(made[1], "王五", "待核实")
    site.deliverer.drain()
    [sent] = share.iterdir()
    [first] = [r for r in waiting if r.id == made[0]]
    assert first.region_name in sent.name and [r.id for r in site.deliverer.approvals.waiting()] == [made[2]]
    site.store.close()


# --- the command line ------------------------------------------------------------------------------------------

def invoke(site: Path, *args: str, lang: str | None = None):
    head = ["--config", str(site / "briefing.toml")] + (["--lang", lang] if lang else [])
    return CliRunner().invoke(cli, [*head, *args], prog_name="briefing")


@pytest.fixture
def chinese(monkeypatch):
    """The default language: none asked for (conftest gives every test English)."""
    monkeypatch.delenv("BRIEFING_LANG", raising=False)
    monkeypatch.setattr(i18n, "_active", None)


def test_the_commands_in_chinese(sample_site, chinese):
    site, server = sample_site
    [report] = site.made()
    listed = invoke(site.folder, "approvals")
    assert listed.exit_code == 0 and "扎赉特旗" in listed.output and "2024-W03" in listed.output
    assert "待审核" in invoke(site.folder, "archive", "list").output
    blocked = invoke(site.folder, "deliver", str(report))
    assert blocked.exit_code == 2 and "待审核" in blocked.output and posted(server, "/hook") == []
    no_reason = invoke(site.folder, "send-back", str(report))
    assert no_reason.exit_code == 2 and "请说明退回简报" in no_reason.output and "-m" in no_reason.output
    approved = invoke(site.folder, "approve", str(report), "-m", "数字已核对", "--by", "张三")
    assert approved.exit_code == 0, approved.output
    assert "已由 张三 签发" in approved.output and "1 项发送已排队" in approved.output
    shown = invoke(site.folder, "archive", "show", str(report))
    assert "已签发" in shown.output and "张三 已签发：数字已核对" in shown.output and "提请审核" in shown.output
    again = invoke(site.folder, "approve", str(report), "--by", "李四")
    assert again.exit_code == 2 and f"简报 #{report} 已于 " in again.output and "由 张三 签发" in again.output
    sent = invoke(site.folder, "deliver", str(report))
    assert sent.exit_code == 0 and len(posted(server, "/hook")) == 1
    assert json.loads(invoke(site.folder, "approvals", "-f", "json").output) == []


def test_the_commands_in_english(sample_site):
    site, server = sample_site
    [report] = site.made()
    rows = json.loads(invoke(site.folder, "approvals", "-f", "json", lang="en").output)
    assert [(r["ID"], r["region"], r["schedule"]) for r in rows] == [(report, "扎赉特旗", "周报")]
    back = invoke(site.folder, "send-back", str(report), "-m", "数字有误", "--by", "李四", lang="en")
    assert back.exit_code == 0 and f"Briefing #{report} sent back by 李四" in back.output
    assert "1 notice queued" in back.output
    shown = invoke(site.folder, "archive", "show", str(report), lang="en")
    assert "sent back" in shown.output and "by 李四: 数字有误" in shown.output
    refused = invoke(site.folder, "approve", str(report), lang="en")
    assert refused.exit_code == 2 and "sent back by 李四" in refused.output and "remake" in refused.output
    assert "sent back" in invoke(site.folder, "archive", "list", lang="en").output
