"""`briefing generate` as a person uses it for files: each edition has its own name, a file already there is
replaced only with --force, -f takes formats comma-separated or repeated, and a near miss of a region's name
is refused with the name meant. With the sample and with an office generated here (other_office.py)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from other_office import BANNERS, TOP, write_office

from briefing.cli import cli
from briefing.documents import templates
from briefing.documents.make import stem_of
from briefing.figures.period_text import parse_period

WEEK = ["--period", "2024-W02", "--as-of", "2024-01-17"]


def briefing(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture(scope="module")
def office_db(tmp_path_factory) -> Path:
    """The generated office's database, made and filled through the command line."""
    folder = tmp_path_factory.mktemp("office")
    db = folder / "office.db"
    assert briefing(db, "init").exit_code == 0
    result = briefing(db, "ingest", *map(str, write_office(folder)))
    assert result.exit_code == 0, result.output
    return db


def title_of(path: Path) -> str:
    return docx.Document(io.BytesIO(path.read_bytes())).core_properties.title


# --- each edition its own file --------------------------------------------------------------------------

def test_the_traditional_edition_of_the_sample_is_its_own_file(sample_db, tmp_path):
    plain = briefing(sample_db, "generate", *WEEK, "-r", "扎赉特旗", "-o", str(tmp_path))
    edition = briefing(sample_db, "generate", *WEEK, "-r", "扎赉特旗", "-o", str(tmp_path), "--script", "traditional")
    assert plain.exit_code == 0 and edition.exit_code == 0, plain.output + edition.output
    assert edition.output.strip() == str(tmp_path / "2024-W02_扎賚特旗_週報.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024-W02_扎賚特旗_週報.docx", "2024-W02_扎赉特旗_周报.docx"]
    assert "扎赉特旗" in title_of(tmp_path / "2024-W02_扎赉特旗_周报.docx")      # the first one was not replaced
    assert "扎賚特旗" in title_of(tmp_path / "2024-W02_扎賚特旗_週報.docx")


def test_the_traditional_edition_of_another_office_is_its_own_file(office_db, tmp_path):
    for script in ("simplified", "traditional", "traditional-hk"):
        result = briefing(office_db, "generate", "-p", "2024-W12", "-r", BANNERS[1], "-o", str(tmp_path), "--script",
                          script)
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024-W12_陈巴尔虎旗_周报.docx", "2024-W12_陳巴爾虎旗_週報.docx",
                                                          "2024-W12_陳巴爾虎旗_週報_hk.docx"]


def test_an_edition_whose_characters_do_not_change_is_named_apart(tmp_path):
    """The archive and generate name files with the same stem_of, so neither can put two editions in one file."""
    plain = templates.Template("monthly", tmp_path, "月刊")
    week = parse_period("2024-03")
    assert stem_of(week, "中山", plain) == "2024-03_中山_月刊"
    assert stem_of(week, "中山", plain, "traditional") == "2024-03_中山_月刊_繁體"
    assert stem_of(week, "中山", plain, "traditional-hk") == "2024-03_中山_月刊_hk"


# --- a file already there ---------------------------------------------------------------------------------

@pytest.mark.parametrize("office", ["sample", "other"])
def test_a_file_already_there_is_replaced_only_with_force(sample_db, office_db, tmp_path, office):
    db, args, name = ((sample_db, [*WEEK, "-r", "扎赉特旗"], "2024-W02_扎赉特旗_周报") if office == "sample"
                      else (office_db, ["-p", "2024-W12", "-r", TOP], f"2024-W12_{TOP}_周报"))
    assert briefing(db, "generate", *args, "-o", str(tmp_path), "-f", "docx").exit_code == 0
    target = tmp_path / f"{name}.docx"
    target.write_bytes(b"the office's own edits")
    again = briefing(db, "generate", *args, "-o", str(tmp_path), "-f", "docx,html")
    assert again.exit_code == 2 and str(target) in again.output and "--force" in again.output
    assert target.read_bytes() == b"the office's own edits"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.docx"]      # nothing else was written either
    forced = briefing(db, "generate", *args, "-o", str(tmp_path), "-f", "docx,html", "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.output.split() == [str(target), str(tmp_path / f"{name}.html")]
    assert target.read_bytes().startswith(b"PK")


def test_a_file_named_with_o_is_protected_too(office_db, tmp_path):
    target = tmp_path / "本周.docx"
    target.write_bytes(b"x")
    result = briefing(office_db, "generate", "-p", "2024-W12", "-o", str(target))
    assert result.exit_code == 2 and str(target) in result.output and target.read_bytes() == b"x"


# --- formats --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("formats", [["-f", "docx,html"], ["-f", "docx", "-f", "html"], ["--format", "html,docx"],
                                     ["-f", "docx", "--format", "html,docx"]])
def test_formats_comma_separated_or_repeated(sample_db, office_db, tmp_path, formats):
    for db, args in ((sample_db, ["-r", "扎赉特旗", *WEEK]), (office_db, ["-p", "2024-W12", "-r", BANNERS[0]])):
        result = briefing(db, "generate", *args, "-o", str(tmp_path / db.stem), *formats)
        assert result.exit_code == 0, result.output
        assert sorted(Path(line).suffix for line in result.output.split()) == [".docx", ".html"]
        assert sorted(p.suffix for p in (tmp_path / db.stem).iterdir()) == [".docx", ".html"]


def test_an_unknown_format_is_named(office_db, tmp_path):
    result = briefing(office_db, "generate", "-p", "2024-W12", "-o", str(tmp_path), "-f", "docx", "-f", "odt")
    assert result.exit_code == 2 and "'odt'" in result.output and list(tmp_path.iterdir()) == []


# --- a near miss of a region's name -----------------------------------------------------------------------

@pytest.mark.parametrize("office, typed, meant", [("sample", "扎赉特", "扎赉特旗"), ("sample", "科右前", "科右前旗"),
                                                  ("other", "陈巴尔虎", "陈巴尔虎旗"), ("other", "呼伦贝尔", TOP),
                                                  ("other", "莫力达瓦旗", "莫力达瓦达斡尔族自治旗")])
def test_a_near_miss_of_a_region_says_the_name_meant(sample_db, office_db, tmp_path, office, typed, meant):
    db, period = (sample_db, WEEK) if office == "sample" else (office_db, ["-p", "2024-W12"])
    for args in (["generate", *period, "-r", typed, "-o", str(tmp_path)], ["observations", "-r", typed]):
        result = briefing(db, *args)
        assert result.exit_code == 2, result.output
        assert f"unknown region '{typed}'; did you mean '{meant}'?" in result.output and "briefing regions" in result.output
    assert list(tmp_path.iterdir()) == []


def test_archive_remake_takes_formats_the_same_way(sample_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "copy.db"
    shutil.copy(sample_db, db)
    archived = briefing(db, "generate", *WEEK, "-r", "扎赉特旗", "--archive")
    assert archived.exit_code == 0, archived.output
    result = briefing(db, "archive", "remake", "1", "--current", "-f", "docx", "-f", "html")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "data" / "archive" / "2024" / "weekly").glob("*_v2.*")) == [
        "2024-W02_扎赉特旗_周报_v2.docx", "2024-W02_扎赉特旗_周报_v2.html"]
