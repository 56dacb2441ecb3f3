"""A config file means the same wherever the command is run: its relative paths are from its own folder. A
command that expects a database and finds none says so and makes none (only init and demo make one). With an
office generated here (other_office.py) and with the sample's database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from other_office import TOP, write_office

from briefing import settings
from briefing.cli import cli

CONFIG = 'db = "data/office.db"\noutput_dir = "out"\narchive_dir = "archive"\ntemplate_dirs = "tpl"\n'
TEMPLATE = '# {{ 标题 }}\n\n{{ 本期 }}，{{ 地区 }}{% for f in 领域("就业") %}{{ f.简称 }}{{ f.本期 }}{% endfor %}。\n'


def briefing(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def office(tmp_path: Path, monkeypatch) -> Path:
    """An office folder holding its config, its own template and its files; the command runs from elsewhere."""
    site = tmp_path / "office"
    write_office(site / "files")
    (site / "tpl" / "own").mkdir(parents=True)
    (site / "tpl" / "own" / "template.toml").write_text('name = "就业快报"\nperiod = "week"\n', encoding="utf-8")
    (site / "tpl" / "own" / "briefing.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (site / "briefing.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for name in ("BRIEFING_DB", "BRIEFING_CONFIG", "BRIEFING_OUTPUT_DIR", "BRIEFING_TEMPLATE_DIRS"):
        monkeypatch.delenv(name, raising=False)
    return site


@pytest.mark.parametrize("given", ["absolute", "relative", "variable"])
def test_a_config_used_from_another_folder_reads_and_writes_beside_itself(office, monkeypatch, given):
    config = {"absolute": str(office / "briefing.toml"), "relative": "../office/briefing.toml"}.get(given)
    if config is None:
        monkeypatch.setenv("BRIEFING_CONFIG", "../office/briefing.toml")
    opts = ["--config", config] if config else []
    made = briefing(*opts, "init")
    assert made.exit_code == 0 and (office / "data" / "office.db").is_file(), made.output
    files = sorted(str(p) for p in (office / "files").iterdir())
    assert briefing(*opts, "ingest", *files).exit_code == 0
    result = briefing(*opts, "generate", "-p", "2024-W12", "-t", "own")
    assert result.exit_code == 0, result.output
    written = Path(result.output.strip())
    assert written.resolve() == (office / "out" / f"2024-W12_{TOP}_就业快报.docx").resolve() and written.is_file()
    assert list(Path.cwd().iterdir()) == []                     # nothing was made in the folder it ran from


def test_the_sample_database_beside_a_config_is_used_from_anywhere(office, sample_db):
    (office / "data").mkdir()
    shutil.copy(sample_db, office / "data" / "office.db")
    config = str(office / "briefing.toml")
    result = briefing("--config", config, "generate", "--period", "2024-W02", "-r", "扎赉特旗", "--as-of", "2024-01-17")
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()) == office / "out" / "2024-W02_扎赉特旗_周报.docx"
    listed = briefing("--config", config, "templates")
    assert str(office / "tpl" / "own") in listed.output and "article" in listed.output   # the sample's own, too


def test_paths_from_a_variable_or_the_command_line_are_from_the_current_folder(office):
    read = settings.load(office / "briefing.toml", env={"BRIEFING_ARCHIVE_DIR": "here/archive"},
                         overrides={"db": "mine.db"})
    assert (read.db, read.archive_dir) == ("mine.db", "here/archive")
    assert (read.output_dir, read.template_dirs) == (str(office / "out"), str(office / "tpl"))
    absolute = office / "absolute.toml"
    absolute.write_text('db = "/srv/x.db"\ntemplate_dirs = "a:/b;c"\nreference_docx = ""\n', encoding="utf-8")
    read = settings.load(absolute, env={})
    assert (read.db, read.template_dirs, read.reference_docx) == ("/srv/x.db", f"{office}/a:/b:{office}/c", "")


def test_ingest_into_a_missing_database_says_so_and_makes_none(office):
    files = sorted(str(p) for p in (office / "files").iterdir())
    result = briefing("ingest", *files)                        # no config here: the default data/briefing.db
    assert result.exit_code == 1
    assert "no database at data/briefing.db" in result.output and "briefing init" in result.output
    assert "--db" in result.output and list(Path.cwd().iterdir()) == []
    result = briefing("--config", str(office / "briefing.toml"), "ingest", *files)
    assert result.exit_code == 1 and f"no database at {office / 'data' / 'office.db'}" in result.output
    assert not (office / "data").exists()


def test_ingest_of_the_sample_into_a_missing_database_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    result = briefing("--db", "typo/briefing.db", "ingest", str(sample / "regions.csv"))
    assert result.exit_code == 1 and "no database at typo/briefing.db" in result.output
    assert list(tmp_path.iterdir()) == []
    assert briefing("--db", "typo/briefing.db", "init").exit_code == 0
    assert briefing("--db", "typo/briefing.db", "ingest", str(sample / "regions.csv")).exit_code == 0


@pytest.mark.parametrize("command", [["serve"], ["run-due"]])
def test_the_service_with_a_config_whose_database_is_missing_says_so_and_makes_none(office, command):
    """A service started before init, or with a mistyped path, stops with the path instead of waiting forever
    on a new empty database."""
    (office / "briefing.toml").write_text(CONFIG + '\n[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'
                                          'cron = "0 8 * * mon"\n', encoding="utf-8")
    # a process with a time limit: were serve to make the database, it would run on instead of stopping
    result = subprocess.run([sys.executable, "-m", "briefing", "--config", str(office / "briefing.toml"), *command],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "BRIEFING_LANG": "en"})
    assert result.returncode == 1, result.stderr
    assert f"no database at {office / 'data' / 'office.db'}" in result.stderr and "briefing init" in result.stderr
    assert not (office / "data").exists()
