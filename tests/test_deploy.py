"""deploy/: the systemd units (checked by systemd-analyze where present, else read) and the example config."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.archive.schedules import load
from briefing.cli import cli
from briefing.settings import load as load_settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
INSTALLED = "/opt/briefing/.venv/bin/briefing"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str   # keys are case-sensitive in systemd
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_serve_unit_restarts_on_failure_and_runs_serve():
    service = unit("briefing.service")["Service"]
    assert service["ExecStart"] == f"{INSTALLED} serve"
    assert service["Restart"] == "on-failure"
    assert "BRIEFING_CONFIG=" in service["Environment"]
    assert unit("briefing.service")["Install"]["WantedBy"] == "multi-user.target"


def test_timer_pair_runs_run_due_persistently():
    timer = unit("briefing-run-due.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "briefing-run-due.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = unit("briefing-run-due.service")["Service"]
    assert service["Type"] == "oneshot" and service["ExecStart"] == f"{INSTALLED} run-due"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as installed: the ExecStart path points at this environment's briefing."""
    here = Path(sys.executable).with_name("briefing")
    for name in ("briefing.service", "briefing-run-due.service", "briefing-run-due.timer"):
        (tmp_path / name).write_text((DEPLOY / name).read_text(encoding="utf-8").replace(INSTALLED, str(here)),
                                     encoding="utf-8")
    for name in ("briefing.service", "briefing-run-due.timer"):
        result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                                cwd=tmp_path, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Unknown" not in result.stderr and "ignoring" not in result.stderr.lower(), result.stderr
    calendar = unit("briefing-run-due.timer")["Timer"]["OnCalendar"]
    result = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Next elapse" in result.stdout


def test_example_config_reads_and_lists_its_schedules(tmp_path, monkeypatch, sample_db):
    settings = load_settings(DEPLOY / "briefing.example.toml", env={})
    schedules = load(settings.sections["schedule"], settings.path)
    assert [s.template for s in schedules] == ["weekly", "weekly", "summary"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    shutil.copy(sample_db, tmp_path / "data" / "briefing.db")
    result = CliRunner().invoke(cli, ["--config", str(DEPLOY / "briefing.example.toml"), "schedules",
                                      "--now", "2024-01-20T10:00+08:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "周报: template weekly, every Monday at 08:00 (Asia/Shanghai)" in result.output
    assert "next: Mon 2024-01-22 08:00 → 2024-W03 (in 1 day 22 hours)" in result.output
    assert "週報（繁體）: template weekly, every Monday at 08:30 (Asia/Shanghai)" in result.output
    assert "next: Mon 2024-01-22 08:30 → 2024-W03" in result.output
    assert "月度综述: template summary, on the 1st of every month at 08:00 (Asia/Shanghai)" in result.output
    assert "next: Thu 2024-02-01 08:00 → 2024-01-31" in result.output
