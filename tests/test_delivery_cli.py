"""Delivery with real processes, a real database and real servers on 127.0.0.1: `briefing run-due` sends each
briefing it makes to its schedule's recipients once, however often it runs, when two run at once, or when one
is killed between making and sending (tests/fault_points.py); a channel that is down is tried again until it is
back, one that refuses for good ends failed with its error shown and the schedule's notify_failure_to told.
Both on the sample and on an office generated here that shares no name with it (tests/other_office.py)."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from channel_servers import Mailbox, free_port, http_server, smtp_server  # noqa: F401 (fixtures)
from other_office import BANNERS, TOP, write_office
from test_run_due import TZ, Lines, add_figures, latest_week

from briefing.figures.period_text import parse_period

FAULT_POINTS = Path(__file__).with_name("fault_points.py")
NOW = "2024-01-22T10:00+08:00"      # 2024-W02 and 2024-W03 of the sample are due (start 2024-01-08)


def write_config(site: Path, channels: dict[str, dict], groups: dict[str, list[str]], regions=("扎赉特旗",),
                 start: str = "2024-01-08", top: dict | None = None, **schedule) -> Path:
    """A config: db and archive in the site (and the settings of top), the channels, the groups, and one weekly
    schedule."""
    lines = ['db = "briefing.db"', 'archive_dir = "archive"', 'public_url = "https://briefing.example.gov.cn"',
             *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in (top or {}).items()), ""]
    for name, table in channels.items():
        lines += [f"[channels.{json.dumps(name, ensure_ascii=False)}]",
                  *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()), ""]
    lines += ["[recipients]", *(f"{json.dumps(g, ensure_ascii=False)} = {json.dumps(m, ensure_ascii=False)}"
                                for g, m in groups.items()), ""]
    lines += ["[[schedule]]", 'name = "周报"', 'template = "weekly"', 'when = "weekly"', f"start = {start}",
              f"regions = {json.dumps(list(regions), ensure_ascii=False)}",
              *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in schedule.items())]
    path = site / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def briefing(site: Path, *args: str, point: str | None = None) -> subprocess.CompletedProcess:
    head = [sys.executable, str(FAULT_POINTS), point] if point else [sys.executable, "-m", "briefing"]
    return subprocess.run([*head, "--config", "briefing.toml", "--lang", "en", *args], cwd=site,
                          capture_output=True, text=True, timeout=120)


def listed(site: Path, *args: str) -> list[dict]:
    result = briefing(site, "deliveries", "-f", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def hooks(request):
    """channel_servers' HTTP server on 127.0.0.1, recording what it is sent."""
    return request.getfixturevalue("http_server")


@pytest.fixture
def smtp(request):
    """channel_servers' SMTP server on 127.0.0.1: (controller, mailbox)."""
    return request.getfixturevalue("smtp_server")


@pytest.fixture
def site(tmp_path: Path, sample_db: Path) -> Path:
    shutil.copy(sample_db, tmp_path / "briefing.db")
    return tmp_path


def webhook(server, path: str) -> dict:
    return {"kind": "webhook", "url": server.url + path, "allow_local": True}


def posted(server, path: str) -> list[dict]:
    return [r.json() for r in server.requests if r.path == path]


def archived(site: Path, report: dict) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (site / "archive").rglob("*.docx") if report["period"] in p.name}


def test_each_briefing_reaches_each_recipient_once_however_often_run_due_runs(site, hooks):
    write_config(site, {"系统": webhook(hooks, "/hook")}, {"领导": ["系统"]}, deliver_to=["领导"])
    first = briefing(site, "run-due", "--now", NOW)
    assert first.returncode == 0, first.stderr
    assert briefing(site, "run-due", "--now", NOW).returncode == 0
    bodies = posted(hooks, "/hook")
    assert sorted(b["period_text"] for b in bodies) == ["2024年第2周（1月8日—1月14日）", "2024年第3周（1月15日—1月21日）"]
    for body in bodies:       # the file sent is the archived file, byte for byte; the link is under public_url
        [file] = body["files"]
        [path] = (site / "archive").rglob(file["name"])
        assert base64.b64decode(file["content"]) == path.read_bytes()
        assert body["region"] == "扎赉特旗" and body["headline"] and body["link"].startswith(
            "https://briefing.example.gov.cn/2024/weekly/")
    rows = listed(site)
    assert [(r["channel"], r["state"], r["attempts"]) for r in rows] == [("系统", "sent", 1)] * 2
    again = briefing(site, "deliver", str(rows[0]["report"]))    # on demand: already sent, so not again
    assert again.returncode == 0 and "sent" in again.stdout and len(posted(hooks, "/hook")) == 2


def test_killed_after_making_before_sending_it_is_sent_once_after_restart(site, hooks):
    write_config(site, {"系统": webhook(hooks, "/hook")}, {}, deliver_to=["系统"], start="2024-01-15")
    killed = briefing(site, "run-due", "--now", NOW, point="made")
    assert killed.returncode == -9
    assert hooks.requests == []
    [row] = listed(site)
    assert row["state"] == "queued"             # queued with the briefing, in the transaction that made it
    assert briefing(site, "run-due", "--now", NOW).returncode == 0
    assert briefing(site, "run-due", "--now", NOW).returncode == 0
    assert [b["period_text"][:8] for b in posted(hooks, "/hook")] == ["2024年第3周"]
    assert [(r["state"], r["attempts"]) for r in listed(site)] == [("sent", 1)]


def test_two_run_due_processes_send_one_email(site, smtp):
    controller, mailbox = smtp
    mail = {"kind": "email", "host": "127.0.0.1", "port": controller.port, "security": "none",
            "from": "兴安盟帮扶办 <office@example.gov.cn>"}
    write_config(site, {"邮件": mail}, {"领导": ["邮件:张三 <zhang@example.gov.cn>"]}, deliver_to=["领导"],
                 start="2024-01-15")
    command = [sys.executable, "-m", "briefing", "--config", "briefing.toml", "run-due", "--now", NOW]
    both = [subprocess.Popen(command, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(timeout=120) for p in both] == [0, 0]
    [envelope] = mailbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    [attachment] = list(message.iter_attachments())
    [docx] = (site / "archive").rglob("*.docx")
    assert attachment.get_filename() == docx.name and attachment.get_content() == docx.read_bytes()
    assert "2024年第3周" in message["Subject"] and envelope.rcpt_tos == ["zhang@example.gov.cn"]


def test_a_mail_server_down_twice_gets_the_briefing_on_the_third_attempt_exactly_once(site):
    port = free_port()
    write_config(site, {"邮件": {"kind": "email", "host": "127.0.0.1", "port": port, "security": "none",
                                 "from": "office@example.gov.cn"}}, {}, deliver_to=["邮件:li@example.gov.cn"],
                 start="2024-01-15")
    assert briefing(site, "run-due", "--now", NOW).returncode == 0        # made; the send is tried again later
    [row] = listed(site)
    assert (row["state"], row["attempts"]) == ("queued", 1) and "cannot reach the mail server" in row["error"]
    second = briefing(site, "deliveries", "retry", str(row["ID"]))
    assert second.returncode == 1 and "not sent yet" in second.stderr
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        third = briefing(site, "deliveries", "retry", str(row["ID"]))
        assert third.returncode == 0, third.stderr
        assert briefing(site, "run-due", "--now", NOW).returncode == 0
        assert "No delivery has failed" in briefing(site, "deliveries", "retry", "--failed").stdout
    finally:
        controller.stop()
    assert len(mailbox.envelopes) == 1
    [row] = listed(site)
    assert (row["state"], row["attempts"], row["error"]) == ("sent", 3, "")


def test_a_permanent_refusal_ends_failed_shown_by_deliveries_failed_and_told_once(site, hooks):
    hooks.answer = lambda r: (400, {"error": "bad token"}) if r.path == "/hook" else (200, {})
    write_config(site, {"系统": webhook(hooks, "/hook"), "值班": webhook(hooks, "/notify")}, {},
                 deliver_to=["系统"], notify_failure_to=["值班"], start="2024-01-15")
    assert briefing(site, "run-due", "--now", NOW).returncode == 0
    assert briefing(site, "run-due", "--now", NOW).returncode == 0
    assert len(posted(hooks, "/hook")) == 1                           # not retried: 400 is final
    [failed] = listed(site, "--failed")
    assert failed["channel"] == "系统" and failed["state"] == "failed" and "answered HTTP 400" in failed["error"]
    [notice] = posted(hooks, "/notify")
    assert "answered HTTP 400" in notice["text"] and notice["files"] == []
    table = briefing(site, "deliveries", "--failed")
    assert "failed" in table.stdout and "HTTP 400" in table.stdout
    chinese = subprocess.run([sys.executable, "-m", "briefing", "--config", "briefing.toml", "--lang", "zh",
                              "deliveries", "--failed"],
                             cwd=site, capture_output=True, text=True, timeout=60)
    assert "失败" in chinese.stdout and "状态" in chinese.stdout


def test_a_failing_briefing_is_told_to_notify_failure_to_once(site, hooks):
    write_config(site, {"值班": webhook(hooks, "/notify")}, {}, notify_failure_to=["值班"],
                 start="2024-01-15", top={"template_dirs": "mine"})
    folder = site / "mine" / "weekly"
    shutil.copytree(Path(__file__).resolve().parents[1] / "service" / "briefing" / "templates" / "weekly", folder)
    body = next(folder.glob("*.j2"))
    body.write_text(body.read_text(encoding="utf-8") + "\n{{ 没有这个变量.x }}\n", encoding="utf-8")
    assert briefing(site, "run-due", "--now", NOW).returncode == 1
    assert briefing(site, "run-due", "--now", "2024-01-22T12:00+08:00").returncode == 1
    [notice] = posted(hooks, "/notify")
    assert notice["title"].startswith("Briefing not delivered") and "could not be made" in notice["text"]


def test_an_office_that_is_not_the_sample_sends_each_banner_its_own_briefing(tmp_path):
    site = tmp_path
    assert briefing_init(site).returncode == 0
    shares = {b: site / "share" / b for b in BANNERS[:2]}
    for folder in [*shares.values(), site / "share" / TOP]:
        folder.mkdir(parents=True)
    channels = {f"{name}盘": {"kind": "folder", "path": str(folder)} for name, folder in shares.items()}
    channels["市盘"] = {"kind": "folder", "path": str(site / "share" / TOP)}
    groups = {b: [f"{b}盘"] for b in shares}
    write_config(site, channels, groups, regions=BANNERS, start="2024-03-11", deliver_to=["市盘"],
                 deliver_to_regions=True)
    result = briefing(site, "run-due", "--now", "2024-03-25T10:00+08:00")
    assert result.returncode == 0, result.stderr
    made = {p.name: p.read_bytes() for p in (site / "archive").rglob("*.docx")}
    assert len(made) == 2 * len(BANNERS)                                   # W11 and W12 of each banner
    assert {p.name: p.read_bytes() for p in (site / "share" / TOP).iterdir()} == made
    for banner, folder in shares.items():
        assert sorted(p.name for p in folder.iterdir()) == sorted(n for n in made if banner in n)
    assert {r["state"] for r in listed(site)} == {"sent"}


def briefing_init(site: Path) -> subprocess.CompletedProcess:
    files = write_office(site / "office")
    subprocess.run([sys.executable, "-m", "briefing", "--db", str(site / "briefing.db"), "init"], check=True,
                   capture_output=True, timeout=60)
    return subprocess.run([sys.executable, "-m", "briefing", "--db", str(site / "briefing.db"), "ingest",
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def test_a_schedule_naming_an_unknown_group_stops_run_due_before_anything_is_made(site):
    write_config(site, {"共享盘": {"kind": "folder", "path": "share"}}, {"领导": ["共享盘"]}, deliver_to=["领导们"])
    result = briefing(site, "run-due", "--now", NOW)
    assert result.returncode != 0 and not (site / "archive").exists()
    assert "[[schedule]] 周报: deliver_to" in result.stderr and "Did you mean '领导'?" in result.stderr


def test_serve_sends_what_it_makes(site):
    (site / "share").mkdir()
    write_config(site, {"共享盘": {"kind": "folder", "path": "share"}}, {}, start="2024-01-01", catch_up="latest",
                 deliver_to=["共享盘"], top={"tick_seconds": 3600})
    owed = parse_period(latest_week(datetime.now(TZ)))     # whichever of these the run at start owes has figures
    add_figures(site, owed.key, owed.next().key, entered=datetime.now(TZ) - timedelta(minutes=5))
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "--config", "briefing.toml", "serve", "--no-web"],
                            cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = Lines(proc.stderr)
    try:
        sent = log.until(" sent #")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    err = log.until_the_end()
    assert sent and "共享盘" in sent, err
    [made] = (site / "archive").rglob("*.docx")
    assert [p.read_bytes() for p in (site / "share").iterdir()] == [made.read_bytes()]
