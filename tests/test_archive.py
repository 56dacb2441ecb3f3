"""The ledger and the archive: claims, remakes that give the original bytes, verify, prune, index.json."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.archive.ledger import Key, Ledger
from briefing.archive.remake import docx_text
from briefing.cli import cli
from briefing.store.db import Store

ZHALAITE = "152223"


@pytest.fixture
def site(tmp_path: Path, sample_db: Path, monkeypatch) -> Path:
    """A folder with a copy of the sample database and a weekly schedule for the league and one banner."""
    shutil.copy(sample_db, tmp_path / "briefing.db")
    (tmp_path / "briefing.toml").write_text(
        'db = "briefing.db"\narchive_dir = "archive"\nretention_versions = 1\n\n[[schedule]]\nname = "周报"\n'
        'template = "weekly"\nregions = ["兴安盟", "扎赉特旗"]\nstart = 2024-01-01\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def briefing(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, ["--config", "briefing.toml", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def report_id(period: str, region: str = ZHALAITE, version: int = 1) -> int:
    with sqlite3.connect("briefing.db") as conn:
        return conn.execute("SELECT id FROM reports WHERE period = ? AND region = ? AND version = ?",
                            [period, region, version]).fetchone()[0]


def archived(name: str) -> Path:
    return Path("archive/2024/weekly") / name


def ingest(rows: list[list[str]]) -> None:
    with open("revisions.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["指标", "地区", "期间", "数值", "录入时间"], *rows])
    briefing("ingest", "revisions.csv")


def text_of(path: Path) -> str:
    return "\n".join(docx_text(path.read_bytes()))


def test_remake_after_new_revisions_gives_the_original_bytes_and_current_data_a_new_version(site):
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")       # 2024-W01 and W02, the data as of then
    original = archived("2024-W02_扎赉特旗_周报.docx")
    before = original.read_bytes()
    assert "211人次" in text_of(original)
    ingest([["诊疗患者人次", "扎赉特旗", "2024-W02", "230", "2024-01-20 09:00"]])   # a correction arrives later
    ident = report_id("2024-W02")
    same = briefing("archive", "remake", str(ident))
    assert "byte-identical" in same.output and original.read_bytes() == before
    assert not archived("2024-W02_扎赉特旗_周报_v2.docx").exists()
    new = briefing("archive", "remake", str(ident), "--current")
    v2 = archived("2024-W02_扎赉特旗_周报_v2.docx")
    assert f"new version #{report_id('2024-W02', version=2)} (v2): {v2}" in new.output
    corrected = text_of(v2)       # the corrected edition: marked, saying what changed, and the new figure
    assert "（2024年第2周）（更正版）" in corrected and "扎赉特旗诊疗患者人次由211人次更正为230人次。" in corrected
    assert "诊疗患者230人次" in corrected and corrected.count("211人次") == 1
    assert original.read_bytes() == before                          # never overwritten
    shown = briefing("archive", "show", str(ident)).output
    assert f"#{report_id('2024-W02', version=2)} v2 (done)" in shown
    assert "issue             第2期" in shown                         # W01 was 第1期; every version keeps it
    assert "0 missing, 0 corrupt, 0 orphan" in briefing("archive", "verify").output


def test_a_figure_imported_later_but_dated_before_is_accounted_for(site):
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")
    league = report_id("2024-W02", "152200")
    before = archived("2024-W02_兴安盟_周报.docx").read_bytes()
    # entered on the 20th, but dated 09:30 on the 15th: before the briefing's moment (10:00)
    with open("late.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["指标", "地区", "期间", "数值", "录入时间"],
                                 ["诊疗患者人次", "科右前旗", "2024-W02", "99", "2024-01-15 09:30"]])
    briefing("ingest", "late.csv")
    result = briefing("archive", "remake", str(league))
    assert "differs from the archived file" in result.output
    assert "figure 诊疗患者人次 科右前旗 2024-W02 = 99 (revision 2) was imported on" in result.output
    assert "from late.csv but dated 2024-01-15 09:30, before the briefing's moment" in result.output   # local
    assert "text: -" in result.output and "text: +" in result.output
    assert archived("2024-W02_兴安盟_周报.docx").read_bytes() == before
    assert archived("2024-W02_兴安盟_周报_v2.docx").is_file()


def test_a_missing_or_damaged_file_is_reported_and_made_again_byte_for_byte(site):
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")
    gone, damaged = archived("2024-W01_扎赉特旗_周报.docx"), archived("2024-W02_扎赉特旗_周报.docx")
    good = damaged.read_bytes()
    gone.unlink()
    damaged.write_bytes(good[:-10])
    Path("archive/2024/weekly/notes.txt").write_text("mine", encoding="utf-8")
    result = briefing("archive", "verify", code=1)
    assert f"missing: archive/{gone.relative_to('archive')}" in result.output
    assert f"corrupt: archive/{damaged.relative_to('archive')}" in result.output
    assert "orphan: archive/2024/weekly/notes.txt" in result.output
    assert "4 files checked: 1 missing, 1 corrupt, 1 orphan" in result.output
    assert "has been put back" in briefing("archive", "remake", str(report_id("2024-W01"))).output
    briefing("archive", "remake", str(report_id("2024-W02")))
    assert damaged.read_bytes() == good and gone.is_file()
    Path("archive/2024/weekly/notes.txt").unlink()
    assert "4 files checked: 0 missing, 0 corrupt, 0 orphan" in briefing("archive", "verify").output


def test_verify_notes_leftovers_and_stale_indexes_and_fix_tidies_them(site):
    briefing("run-due", "--now", "2024-01-08T10:00+08:00")
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = Path(f"archive/2024/weekly/.2024-W02_扎赉特旗_周报.docx.{dead.pid}.k3j2h1g0.part")
    leftover.write_bytes(b"PK\x03\x04 half")
    index = Path("archive/2024/weekly/index.json")
    good_index = index.read_text(encoding="utf-8")
    index.write_text("{}", encoding="utf-8")
    result = briefing("archive", "verify")                    # whole files only: nothing fails
    assert f"leftover: {leftover.as_posix().removeprefix('archive/')}" in result.output
    assert "stale index: 2024/weekly/index.json" in result.output
    briefing("archive", "verify", "--fix")
    assert not leftover.exists() and index.read_text(encoding="utf-8") == good_index
    assert "leftover" not in briefing("archive", "verify").output


def test_index_json_lists_the_folder_for_a_person_or_a_script(site):
    briefing("run-due", "--now", "2024-01-15T10:00+08:00")
    index = json.loads(Path("archive/2024/weekly/index.json").read_text(encoding="utf-8"))
    entries = index["briefings"]
    assert [(e["period"], e["region"], e["version"]) for e in entries] == [
        ("2024-W01", "兴安盟", 1), ("2024-W01", "扎赉特旗", 1), ("2024-W02", "兴安盟", 1), ("2024-W02", "扎赉特旗", 1)]
    first = entries[1]
    assert first["files"]["docx"]["name"] == "2024-W01_扎赉特旗_周报.docx"
    assert first["as_of"] == "2024-01-15T02:00:00+00:00" and first["schedule"] == "周报"
    # the same moments for a person, in the configured time zone (which the index names), beside the UTC ones
    assert index["timezone"] == "Asia/Shanghai" and first["as_of_local"] == "2024-01-15T10:00:00+08:00"
    made = datetime.fromisoformat(first["made_at"])
    assert datetime.fromisoformat(first["made_at_local"]) == made and first["made_at_local"].endswith("+08:00")
    assert len(first["files"]["docx"]["sha256"]) == 64


def test_list_filters_by_template_region_and_periods(site):
    briefing("run-due", "--now", "2024-01-29T10:00+08:00")
    rows = briefing("archive", "list", "-r", "扎赉特旗", "--from", "2024-W02", "--to", "2024-W03", "-f", "csv").output
    lines = rows.strip().splitlines()
    assert lines[0].startswith("编号,模板,期间,地区,版本,状态,数据截至")
    assert [line.split(",")[2] for line in lines[1:]] == ["2024-W02", "2024-W03"]
    assert briefing("archive", "list", "-t", "summary", "-f", "csv").output.strip().count("\n") == 0


def test_prune_keeps_the_newest_versions_and_the_ledger_remembers(site):
    briefing("run-due", "--now", "2024-01-08T10:00+08:00")
    first = report_id("2024-W01")
    briefing("archive", "remake", str(first), "--current")
    dry = briefing("archive", "prune", "--dry-run").output
    assert "would remove" in dry and "2024-W01_扎赉特旗_周报 v1" in dry
    assert archived("2024-W01_扎赉特旗_周报.docx").is_file()
    briefing("archive", "prune")
    assert not archived("2024-W01_扎赉特旗_周报.docx").exists() and archived("2024-W01_扎赉特旗_周报_v2.docx").is_file()
    assert "pruned" in briefing("archive", "show", str(first)).output
    assert "0 missing, 0 corrupt, 0 orphan" in briefing("archive", "verify").output
    again = briefing("run-due", "--now", "2024-01-08T10:00+08:00")     # a pruned briefing is not made again
    assert again.output == ""


def test_prune_without_a_policy_refuses(site):
    Path("briefing.toml").write_text('db = "briefing.db"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", "briefing.toml", "archive", "prune"])
    assert result.exit_code == 2 and "no retention policy is set" in result.output


def test_remake_of_an_unknown_briefing_says_how_to_find_one(site):
    result = CliRunner().invoke(cli, ["--config", "briefing.toml", "archive", "remake", "99"])
    assert result.exit_code == 2 and "there is no briefing #99" in result.output and "archive list" in result.output


# --- claims, in one process with two holders -----------------------------------------------------------

@pytest.fixture
def two(site):
    with Store("briefing.db") as a, Store("briefing.db") as b:
        yield Ledger(a, lease_seconds=600), Ledger(b, lease_seconds=600)


KEY = Key("weekly", "2024-W05", ZHALAITE)


def claim(ledger: Ledger):
    return ledger.claim(KEY, "2024-W05_扎赉特旗_周报", "2024-02-05T02:00:00+00:00", "周报", None)


def test_a_live_claim_is_not_taken(two):
    first, second = two
    assert claim(first).outcome == "claimed"
    refused = claim(second)
    assert refused.outcome == "busy" and not refused.ours and refused.report.claimed_by == first.holder


def test_the_claim_of_a_stopped_process_is_taken_over_at_once(two):
    first, second = two
    report = claim(first).report
    dead = subprocess.Popen(["true"])
    dead.wait()
    first.store.db.execute("UPDATE reports SET pid = ? WHERE id = ?", [dead.pid, report.id])
    taken = claim(second)
    assert taken.outcome == "taken over" and taken.report.attempts == 2 and taken.report.claimed_by == second.holder
    assert not first.finish(report, [], {"data_batch": 0, "template_version": "x", "software": "y"})  # lost


def test_a_claim_from_another_machine_waits_for_its_lease(two):
    first, second = two
    report = claim(first).report
    first.store.db.execute("UPDATE reports SET host = 'elsewhere' WHERE id = ?", [report.id])
    assert claim(second).outcome == "busy"
    first.store.db.execute("UPDATE reports SET lease_until = '2000-01-01T00:00:00+00:00' WHERE id = ?", [report.id])
    assert claim(second).outcome == "taken over"


def test_a_failure_waits_for_its_retry_time(two):
    first, second = two
    report = claim(first).report
    first.fail(report, "the figure 9999 matches nothing")
    waiting = claim(second)
    assert waiting.outcome == "waiting" and waiting.report.error == "the figure 9999 matches nothing"
    first.store.db.execute("UPDATE reports SET retry_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", [report.id])
    retry = claim(second)
    assert retry.outcome == "retry" and retry.report.attempts == 2


def test_generate_archive_adds_the_next_version_and_the_schedule_counts_it(site):
    briefing("run-due", "--now", "2024-01-08T10:00+08:00")
    result = briefing("generate", "-p", "2024-W01", "-r", "扎赉特旗", "--archive", "-f", "docx,html")
    assert result.output.splitlines()[-2:] == ["archive/2024/weekly/2024-W01_扎赉特旗_周报_v2.docx",
                                               "archive/2024/weekly/2024-W01_扎赉特旗_周报_v2.html"]
    on_request = briefing("generate", "-p", "2024-W02", "-r", "扎赉特旗", "--archive", "--as-of", "2024-01-15T10:00")
    assert on_request.output.strip().endswith("archive/2024/weekly/2024-W02_扎赉特旗_周报.docx")
    made = briefing("run-due", "--now", "2024-01-15T10:00+08:00").output
    assert "扎赉特旗" not in made and "2024-W02_兴安盟_周报.docx" in made    # W02 of the banner was made on request
    assert "0 missing, 0 corrupt, 0 orphan" in briefing("archive", "verify").output
    refused = CliRunner().invoke(cli, ["--config", "briefing.toml", "generate", "-p", "2024-W01", "--archive", "-o", "x"])
    assert refused.exit_code == 2 and "leave out --out" in refused.output


def test_the_traditional_edition_is_archived_under_its_own_name(site):
    Path("briefing.toml").write_text(
        'db = "briefing.db"\narchive_dir = "archive"\n\n[[schedule]]\nname = "週報"\ntemplate = "weekly"\n'
        'regions = ["兴安盟"]\nscript = "traditional"\nstart = 2024-01-01\n', encoding="utf-8")
    assert briefing("run-due", "--now", "2024-01-08T10:00+08:00").output.strip() == \
        "archive/2024/weekly/2024-W01_興安盟_週報.docx"
    assert "興安盟幹部人才" in text_of(archived("2024-W01_興安盟_週報.docx"))
    hk = briefing("generate", "-p", "2024-W01", "-r", "兴安盟", "--script", "traditional-hk", "--archive")
    assert hk.output.strip().endswith("archive/2024/weekly/2024-W01_興安盟_週報_hk.docx")
