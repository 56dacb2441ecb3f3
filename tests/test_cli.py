"""The command line as a person uses it: help everywhere, clear errors, exit statuses, the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import INDICATORS, REGIONS, write_csv

from briefing import i18n
from briefing.cli import COMMANDS as TABLE
from briefing.cli import cli, load_all

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> dict[str, click.Command]:
    """Every command by its full name ("archive verify"), groups included."""
    out: dict[str, click.Command] = {}
    for name, command in load_all().items():
        out[name] = command
        for sub, inner in getattr(command, "commands", {}).items():
            out[f"{name} {sub}"] = inner
    return dict(sorted(out.items()))


ALL = _commands()
COMMANDS = list(ALL)


def test_the_commands_exist():
    assert {"init", "ingest", "observations", "indicators", "regions", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_of_commands_in_help_is_each_commands_own_first_line(lang, monkeypatch):
    """`briefing -h` lists the commands from cli.COMMANDS without importing them: each line there is the one
    the command itself gives, in either language, and every command is in the table."""
    assert set(TABLE) == set(load_all()) == set(cli.commands)
    monkeypatch.setenv("BRIEFING_LANG", lang)
    i18n.use(lang)
    page = cli.get_help(click.Context(cli, info_name="briefing"))
    for name, (module, first) in TABLE.items():
        command = cli.commands[name]
        assert command.callback.__module__ == f"briefing.cli.{module}", name
        listed = cli.command_class(name, help=first).get_short_help_str(60)
        assert command.get_short_help_str(60) == listed
        assert listed[:20] in page, (name, listed)


def test_help_imports_no_command_and_no_wing():
    """`briefing -h` in a fresh process imports none of the command modules nor the heavy libraries."""
    code = ("import sys; from briefing.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('briefing.cli.', 'briefing.store', 'docx', "
            "'pptx', 'openpyxl', 'sqlite_utils', 'apscheduler', 'jinja2'))), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, "-h"], capture_output=True, text=True, timeout=60)
    assert "Write a briefing: a Word document" in result.stdout          # generate, listed from the table
    assert result.stderr.strip() == "['briefing.cli.base', 'briefing.cli.help']", result.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(runner, name):
    for flag in ("-h", "--help"):
        result = runner.invoke(cli, [*name.split(), flag])
        assert result.exit_code == 0
        assert "Example:" in result.output and "briefing" in result.output.split("Example:")[1]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## briefing {name}" in doc
    for param in ALL[name].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in doc, f"{name} {opt} is not in docs/cli.md"


def test_init_creates_and_then_reports_up_to_date(run, tmp_path):
    assert run("init").output.strip() == f"created {tmp_path / 't.db'}"
    assert "is up to date" in run("init").output


def test_ingest_reports_what_it_did(run, tmp_path):
    write_csv(tmp_path / "r.csv", REGIONS), write_csv(tmp_path / "i.csv", INDICATORS)
    run("init")
    result = run("ingest", "r.csv", "i.csv")
    assert result.exit_code == 0
    assert "r.csv: regions, 4 rows — 4 added" in result.output and "i.csv: indicators, 6 rows — 6 added" in result.output
    assert "4 rows — 0 added, 0 revised, 4 unchanged" in run("ingest", "r.csv").output


def test_bad_input_exits_1_with_places_and_no_traceback(run, tmp_path):
    write_csv(tmp_path / "r.csv", REGIONS), write_csv(tmp_path / "i.csv", INDICATORS)
    run("init")
    run("ingest", "r.csv", "i.csv")
    write_csv(tmp_path / "bad.csv", [["指标", "地区", "期间", "数值"], ["诊疗患者人次", "扎赉特旗", "2024-W02", "五"]])
    result = run("ingest", "bad.csv")
    assert result.exit_code == 1
    assert "bad.csv row 2, column 数值: '五' is not a number" in result.stderr
    assert "Traceback" not in result.output and "--skip-invalid" in result.stderr


def test_skip_invalid_from_the_command_line(run, tmp_path):
    write_csv(tmp_path / "r.csv", REGIONS), write_csv(tmp_path / "i.csv", INDICATORS)
    run("init")
    run("ingest", "r.csv", "i.csv")
    write_csv(tmp_path / "w.csv", [["指标", "地区", "期间", "数值"], ["诊疗患者人次", "扎赉特旗", "2024-W02", "5"],
                                   ["诊疗患者人次", "扎赉特旗", "2024-W03", "x"]])
    result = run("ingest", "w.csv", "--skip-invalid")
    assert result.exit_code == 0 and "1 rows rejected; see" in result.stderr
    assert (tmp_path / "w.rejects.csv").exists()
    assert "诊疗患者人次  扎赉特旗  2024-W02" in run("observations").output


def test_usage_errors_exit_2(run):
    result = run("observations", "--format", "xml")
    assert result.exit_code == 2
    run("init")
    result = run("observations", "-i", "不存在的指标")
    assert result.exit_code == 2 and "unknown indicator" in result.stderr


def test_a_missing_database_says_what_to_do(run):
    result = run("observations")
    assert result.exit_code == 1 and "briefing init" in result.stderr and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path):
    args = [sys.executable, "-m", "briefing", "--db", str(tmp_path / "none.db"), "observations"]
    quiet = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    loud = subprocess.run(args[:3] + ["--debug"] + args[3:], capture_output=True, text=True, cwd=tmp_path)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr and "StoreError" in loud.stderr


def test_demo_twice_gives_the_same_figures(run, tmp_path):
    first = run("demo", "--as-of", "2024-01-17", db=False)
    second = run("demo", "--as-of", "2024-01-17", db=False)
    assert first.exit_code == second.exit_code == 0 and first.output == second.output
    assert "19532人次" in first.output and "99.25%" in first.output and "761.5公斤" in first.output
    assert (tmp_path / "data" / "demo.db").exists()
    assert not list((tmp_path / "data").glob(".*tmp*")) and not (tmp_path / "data" / "briefing.db").exists()


def test_demo_refuses_to_touch_the_database_named_by_db(run):
    result = run("demo")
    assert result.exit_code == 2 and "--out" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_observations_formats(run, tmp_path, fmt):
    run("demo", "--out", "d.db", db=False)
    out = run("--db", "d.db", "observations", "-i", "水稻亩产量", "-r", "扎赉特旗", "-f", fmt, db=False).output
    if fmt == "json":
        rows = json.loads(out)
        assert [(r["期间"], r["数值"]) for r in rows] == [("2022", 745.3), ("2023", 761.5)]
    elif fmt == "csv":
        assert out.splitlines()[0] == "指标,地区,期间,数值,单位,修订,录入时间,来源,备注"
        assert out.splitlines()[2].startswith("水稻亩产量,扎赉特旗,2023,761.5,公斤,1,2023-10-20 10:00,文章一")
    else:
        assert "761.5" in out and "2023-10-20 10:00" in out


def test_observations_as_of_and_range(run):
    run("demo", "--out", "d.db", db=False)
    args = ["--db", "d.db", "observations", "-i", "诊疗患者人次", "-r", "扎赉特旗", "--from", "2024-W01", "--to", "2024-W01"]
    assert "196" in run(*args, db=False).output
    assert "190" in run(*args, "--as-of", "2024-01-17", db=False).output
    bad = run(*args, "--as-of", "yesterday", db=False)
    assert bad.exit_code == 2 and "2024-01-17T09:00" in bad.stderr


def test_catalog_listings(run):
    run("demo", "--out", "d.db", db=False)
    regions = run("--db", "d.db", "regions", db=False).output
    assert "152223  扎赉特旗  兴安盟" in regions
    indicators = run("--db", "d.db", "indicators", "-f", "csv", db=False).output
    assert "tech_rice_yield,水稻亩产量,科技,单位水平,公斤/亩,年,最新,最大,1,全区" in indicators


def test_settings_come_from_the_environment_and_config(run, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_DB", str(tmp_path / "env.db"))
    assert "env.db" in run("init", db=False).output
    (tmp_path / "briefing.toml").write_text('db = "toml.db"\n')
    monkeypatch.delenv("BRIEFING_DB")
    assert "toml.db" in run("init", db=False).output
    (tmp_path / "briefing.toml").write_text('dbb = "x.db"\n')
    result = run("init", db=False)
    assert result.exit_code == 2 and "unknown setting 'dbb'" in result.stderr and "Did you mean 'db'" in result.stderr


def test_every_setting_is_documented():
    from briefing.settings import SETTINGS

    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{setting.default}` | `BRIEFING_{setting.name.upper()}` |" in doc


@pytest.mark.parametrize("args", [
    ["observations", "-r", "QQQQ"],
    ["generate", "--period", "2024-W02", "--region", "QQQQ", "-o", "out"],
    ["generate", "--period", "2024-W02", "--region", "QQQQ", "--archive"],
])
def test_an_unknown_region_is_named_whole(runner, sample_db, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["--db", str(sample_db), *args])
    assert result.exit_code == 2, result.output
    assert "Error: unknown region 'QQQQ'" in result.output and "briefing regions" in result.output


def test_templates_writes_the_reference_document_to_restyle(runner, tmp_path):
    import docx

    from briefing.documents.styles import STYLE_IDS

    target = tmp_path / "我的样式.docx"
    result = runner.invoke(cli, ["--db", str(tmp_path / "t.db"), "templates", "--reference-docx", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    ids = {s.style_id for s in docx.Document(str(target)).styles}
    assert STYLE_IDS <= ids


@pytest.mark.parametrize("args", [["--db", "x.db", "init"], ["init", "--db", "x.db"], ["--db=x.db", "regions"]])
def test_the_settings_are_read_once_a_command(runner, tmp_path, monkeypatch, args):
    """The language is chosen from the settings before click reads the command line, and the command uses those
    same settings: the config file is read once, not again for the command."""
    from briefing import settings

    monkeypatch.delenv("BRIEFING_LANG")
    monkeypatch.chdir(tmp_path)
    reads = []
    real = settings.load
    monkeypatch.setattr(settings, "load", lambda *a, **k: reads.append(a) or real(*a, **k))
    assert runner.invoke(cli, ["--db", "x.db", "init"]).exit_code == 0
    reads.clear()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert len(reads) == 1


@pytest.mark.parametrize("args", [["archive", "--db", "x.db", "list"], ["archive", "list", "--db", "x.db"],
                                  ["deliveries", "--db", "x.db"], ["--db", "x.db", "deliveries", "-f", "csv"]])
def test_the_general_options_after_a_group_name_too(runner, tmp_path, monkeypatch, args):
    """--db after `archive` or `deliveries` means what it means before them (it was refused after archive)."""
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["--db", "x.db", "init"]).exit_code == 0
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "data").exists()          # the default database was not looked for
    for group in ("archive", "deliveries"):
        page = runner.invoke(cli, [group, "-h"]).output
        assert page.count("--db PATH") == 1, page
