"""deploy/: the systemd units (checked by systemd-analyze where present, else read) and the example config."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from briefing.archive.schedules import load
from briefing.cli import cli, load_all
from briefing.settings import load as load_settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
INSTALLED = "/opt/briefing/.venv/bin/briefing"
FAILED = "briefing-failed@.service"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str   # keys are case-sensitive in systemd
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_example_configs_commented_delivery_is_a_valid_config_once_uncommented(tmp_path, sample_db):
    """What a person uncomments in deploy/briefing.example.toml to deliver (the deliver_to lines, the channels,
    the groups) is read and checked without a complaint: every channel kind, group and member exists."""
    lines = (DEPLOY / "briefing.example.toml").read_text(encoding="utf-8").splitlines()
    key = re.compile(r'^# (\[[^ ]|[a-z_]+ = |"[^"]+" = )')
    uncommented = "\n".join(line[2:] if key.match(line) else line for line in lines)
    assert uncommented.count("deliver_to = ") == 1 and '[channels."邮件"]' in uncommented
    (tmp_path / "data").mkdir()
    shutil.copy(sample_db, tmp_path / "data" / "briefing.db")
    (tmp_path / "briefing.toml").write_text(uncommented + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "briefing.toml"), "schedules",
                                      "--now", "2024-01-20T10:00+08:00"])
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "briefing.toml", env={})
    assert {"邮件", "办公室群", "共享盘"} <= set(settings.sections["channels"])


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
    for name in ("briefing.service", "briefing-run-due.service", "briefing-run-due.timer", FAILED):
        (tmp_path / name).write_text((DEPLOY / name).read_text(encoding="utf-8").replace(INSTALLED, str(here)),
                                     encoding="utf-8")
    (tmp_path / "briefing-failed@briefing.service.service").symlink_to(tmp_path / FAILED)   # the instance OnFailure=
    for name in ("briefing.service", "briefing-run-due.timer", "briefing-failed@briefing.service.service"):
        result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                                cwd=tmp_path, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Unknown" not in result.stderr and "ignoring" not in result.stderr.lower(), result.stderr
    calendar = unit("briefing-run-due.timer")["Timer"]["OnCalendar"]
    result = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Next elapse" in result.stdout


def test_example_config_reads_and_lists_its_schedules(tmp_path, monkeypatch, sample_db):
    """Copied beside a database as the README does (cp deploy/briefing.example.toml briefing.toml), and used from
    another folder: its data/briefing.db is the one beside it."""
    settings = load_settings(DEPLOY / "briefing.example.toml", env={})
    schedules = load(settings.sections["schedule"], settings.path)
    assert [s.template for s in schedules] == ["weekly", "weekly", "summary"]
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(sample_db, tmp_path / "data" / "briefing.db")
    shutil.copy(DEPLOY / "briefing.example.toml", tmp_path / "briefing.toml")
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = CliRunner().invoke(cli, ["--config", "../briefing.toml", "schedules",
                                      "--now", "2024-01-20T10:00+08:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "周报: template weekly, every Monday at 08:00 (Asia/Shanghai)" in result.output
    assert "next: Mon 2024-01-22 08:00 → 2024-W03 (in 1 day 22 hours)" in result.output
    assert "週報（繁體）: template weekly, every Monday at 08:30 (Asia/Shanghai)" in result.output
    assert "next: Mon 2024-01-22 08:30 → 2024-W03" in result.output
    assert "月度综述: template summary, on the 1st of every month at 08:00 (Asia/Shanghai)" in result.output
    assert "next: Thu 2024-02-01 08:00 → 2024-01-31" in result.output


# --- docs/deploy.md read against deploy/ -------------------------------------------------------------------

DOC = DEPLOY.parent / "docs" / "deploy.md"
SERVICES = ("briefing.service", "briefing-run-due.service")


def doc_commands() -> list[list[str]]:
    """Each command line of the doc's ```bash blocks, split as the shell splits it."""
    blocks = re.findall(r"^```bash\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.strip()]


def doc_line(*words: str) -> list[str]:
    """The one documented command holding all these words."""
    [found] = [c for c in doc_commands() if all(w in c for w in words)]
    return found


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_documented_user_folders_venv_and_config_are_the_units_own():
    useradd = doc_line("useradd")
    user, home = useradd[-1], option(useradd, "--home-dir")
    created = {c[-1]: c for c in doc_commands() if c[1:3] == ["install", "-d"]}
    assert option(created[home], "-o") == user                          # the data folder is the user's
    venv = doc_line("venv")[-1]
    config = option(doc_line("tee"), "tee")
    assert Path(config).parent.as_posix() in created                   # /etc/briefing is made, not assumed
    for name in SERVICES:
        service = unit(name)["Service"]
        assert service["User"] == service["Group"] == user
        assert service["WorkingDirectory"] == service["ReadWritePaths"] == home
        assert service["Environment"] == f"BRIEFING_CONFIG={config}"
        assert service["ExecStart"].split()[0] == f"{venv}/bin/briefing"
    installs = [c for c in doc_commands() if "pip" in c and "install" in c]
    assert installs and all(c[1:4] == [f"{venv}/bin/python", "-m", "pip"] for c in installs)


def test_every_file_of_deploy_is_in_the_doc_and_every_file_it_copies_is_there():
    text = DOC.read_text(encoding="utf-8")
    named = {Path(word).name for command in doc_commands() for word in command if "/deploy/" in word}
    assert named and all((DEPLOY / name).is_file() for name in named), named
    assert sorted(p.name for p in DEPLOY.iterdir() if f"deploy/{p.name}" not in text) == []


def test_the_installed_config_names_the_data_folder_and_its_steps_run(tmp_path, monkeypatch):
    """The documented sed, then init, ingest and schedules as written, in a copy of the layout under tmp_path
    (with the sample's catalog, which the example's schedules name)."""
    sed = doc_line("sed")
    sed = sed[:sed.index("|")]                                   # sed EXPRESSION FILE | sudo tee …
    assert sed[-1] == "/opt/briefing/deploy/briefing.example.toml"
    made = subprocess.run([*sed[:-1], str(DEPLOY / "briefing.example.toml")], capture_output=True, text=True,
                          check=True).stdout
    home = unit("briefing.service")["Service"]["ReadWritePaths"]
    config = tmp_path / "etc" / "briefing.toml"
    config.parent.mkdir()
    config.write_text(made.replace(home, str(tmp_path / "var")), encoding="utf-8")
    settings = load_settings(config, env={})
    assert {settings.db, settings.archive_dir} == {str(tmp_path / "var" / "briefing.db"),
                                                    str(tmp_path / "var" / "archive")}   # all under ReadWritePaths
    assert "/var/lib/briefing/briefing.db" in made and "/var/lib/briefing/archive" in made
    (tmp_path / "var" / "inbox").mkdir(parents=True)
    for name in ("regions.csv", "indicators.csv"):
        shutil.copy(DEPLOY.parent / "data" / "sample" / name, tmp_path / "var" / "inbox" / name)
    monkeypatch.chdir(tmp_path)
    for command in [c for c in doc_commands() if c[0] == "sudo" and c[1:3] == ["-u", "briefing"]]:
        args = [w.replace(home, str(tmp_path / "var")).replace(str(Path(option(command, "--config"))), str(config))
                for w in command[command.index(INSTALLED) + 1:]]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, f"{' '.join(command)}\n{result.output}"
    assert (tmp_path / "var" / "briefing.db").is_file() and not (tmp_path / "data").exists()


def test_the_commands_of_the_units_and_the_doc_are_briefing_commands():
    ran = [unit(name)["Service"]["ExecStart"].split()[1] for name in SERVICES]
    ran += [next(w for w in c[c.index(INSTALLED) + 1:] if not w.startswith("-") and w != option(c, "--config"))
            for c in doc_commands() if INSTALLED in c]
    assert set(ran) >= {"serve", "run-due", "init", "ingest", "schedules"}
    assert [name for name in ran if name not in load_all()] == []


def test_each_service_tells_of_its_failure():
    for name in SERVICES:
        assert unit(name)["Unit"]["OnFailure"] == "briefing-failed@%n.service"
    notice = unit(FAILED)["Service"]
    assert notice["Type"] == "oneshot"
    program = notice["ExecStart"].lstrip("-").split()[0]
    assert program.startswith("/usr/bin/") and "%i" in notice["ExecStart"]
    assert shutil.which(Path(program).name) is None or Path(program).is_file()   # where systemd is, it is there


def test_the_fonts_the_styles_name_are_told_and_drawn():
    from briefing.documents.styles import ON_DEMAND, STYLES

    named = {s.font for s in (*STYLES, *ON_DEMAND)}
    text = DOC.read_text(encoding="utf-8")
    packages = doc_line("apt-get", "install")
    rows = [line for line in text.splitlines() if line.startswith("| ") and any(f"| {f} |" in line for f in named)]
    assert {f for f in named if any(f"| {f} |" in row for row in rows)} == named
    assert all(p in packages for row in rows for p in re.findall(r"`(fonts-[a-z-]+)`", row))
    assert {"libreoffice-writer-nogui", "fonts-wqy-zenhei"} <= set(packages)      # as .ci/run installs them
    aliases = {a.findtext("family") for a in ElementTree.parse(DEPLOY / "briefing-fonts.conf").getroot()}
    assert aliases == named


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig is not installed")
def test_with_the_fontconfig_file_each_font_named_is_drawn_by_a_chinese_font(tmp_path):
    from briefing.documents.styles import ON_DEMAND, STYLES

    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig><include>/etc/fonts/fonts.conf</include>'
                    f'<include>{DEPLOY / "briefing-fonts.conf"}</include></fontconfig>\n', encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    for font in sorted({s.font for s in (*STYLES, *ON_DEMAND)}):
        langs = subprocess.run(["fc-match", "-f", "%{lang}", font], capture_output=True, text=True, env=env,
                               timeout=60).stdout
        assert "zh-cn" in langs.split("|"), f"{font} is drawn by a font without Chinese: {langs[:80]}"
