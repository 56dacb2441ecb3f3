"""Checking an import without writing (`briefing ingest --check`, ``ingest_files(..., check_only=True)``): the
same reads, checks and counts as the import, nothing kept in the database and no rejects file written; the
counts are those the import then makes. On the sample office and on one generated here that shares no name
with it (tests/other_office.py), with CSV files, an Excel workbook and a wide sheet."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE, TZ, write_csv
from other_office import BANNERS, INDICATORS, write_office

from briefing.errors import InputError
from briefing.ingest import ingest_files
from briefing.store.db import Store

NOW = datetime(2024, 4, 15, 12, 0, tzinfo=TZ)     # after the generated office's weeks (2024-W10 … W13)
SAMPLE_FILES = ("office.csv", "regions.csv", "domains.csv", "indicators.csv", "observations.csv", "corrections.csv",
                "highlights.csv", "records.csv")


@dataclass(frozen=True)
class Office:
    """Where an office's files come from, and two banners and two weekly indicators of its catalog."""

    name: str
    banners: tuple[str, str]
    weekly: tuple[str, str]

    def files(self, folder: Path) -> tuple[list[Path], list[Path]]:
        """(catalog files, figure files), written into ``folder``."""
        if self.name == "other":
            *catalog, figures = write_office(folder)
            return catalog, [figures]
        shutil.copytree(SAMPLE, folder, dirs_exist_ok=True)
        files = [folder / name for name in SAMPLE_FILES]
        return files[:4], files[4:]


OFFICES = {"sample": Office("sample", ("扎赉特旗", "科右前旗"), ("诊疗患者人次", "手术示教例数")),
           "other": Office("other", (BANNERS[0], BANNERS[1]), (INDICATORS[0][1], INDICATORS[1][1]))}


@pytest.fixture(params=sorted(OFFICES))
def office(request) -> Office:
    return OFFICES[request.param]


def state(store: Store, folder: Path) -> tuple:
    """What a person could see changed: the database file's bytes, every table's rows, the folder's files."""
    tables = [row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    rows = {t: sorted(map(repr, store.conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    files = sorted(p.name for p in folder.iterdir() if not p.name.startswith("t.db"))
    return hashlib.sha256(store.path.read_bytes()).hexdigest(), rows, files


def counts(report) -> list[tuple]:
    return [(o.where, o.kind, o.rows, o.added, o.revised, o.unchanged, o.missing, len(o.rejected), o.shape)
            for o in report.outcomes]


def check_then_import(store: Store, folder: Path, files: list[Path], **options):
    """A check, asserted to leave everything as it was, then the import: (the check's report, the import's)."""
    before = state(store, folder)
    checked = ingest_files(store, files, TZ, now=NOW, check_only=True, **options)
    assert state(store, folder) == before
    assert checked.checked_only and all(o.reject_file is None for o in checked.outcomes)
    return checked, ingest_files(store, files, TZ, now=NOW, **options)


def wide_sheet(office: Office, path: Path, value: object = 211) -> Path:
    """A county's weekly workbook: a title naming the week, a column per indicator, a row per banner."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "周报"
    for row in (["2024年第13周（3月25日—3月31日）"], ["地区", *office.weekly],
                [office.banners[0], value, 3], [office.banners[1], 188, 4]):
        sheet.append(row)
    book.save(path)
    return path


# --- what the check counts is what the import then does ------------------------------------------------------

def test_a_whole_office_catalogs_and_figures_in_one_go_is_counted_as_the_import_then_does(office, tmp_path):
    catalog, figures = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        checked, imported = check_then_import(store, tmp_path, catalog + figures)
        assert checked.would_write and checked.problems == []
        assert counts(checked) == counts(imported)
        assert sum(o.added for o in checked.outcomes if o.kind == "observations") >= 27
        assert checked.notices == imported.notices
        again, _ = check_then_import(store, tmp_path, figures)     # the same figures again: all unchanged
        assert {o.added for o in again.outcomes} == {0} and sum(o.unchanged for o in again.outcomes) >= 27


def test_revised_figures_in_a_workbook_and_a_wide_sheet_are_counted_as_the_import_then_does(office, tmp_path):
    catalog, _ = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        ingest_files(store, catalog, TZ, now=NOW)
        checked, imported = check_then_import(store, tmp_path, [wide_sheet(office, tmp_path / "周报.xlsx")])
        [outcome] = checked.outcomes
        assert (outcome.shape, outcome.rows, outcome.added) == ((2, 2), 4, 4)
        assert counts(checked) == counts(imported)
        checked, imported = check_then_import(store, tmp_path, [wide_sheet(office, tmp_path / "更正.xlsx", 215)])
        assert [(o.added, o.revised, o.unchanged) for o in checked.outcomes] == [(0, 1, 3)]
        assert counts(checked) == counts(imported)


# --- problems: every one reported, nothing written, the refusal the import would make ---------------------------

def bad_figures(office: Office, folder: Path) -> Path:
    (a, b), (x, y) = office.weekly, office.banners
    return write_csv(folder / "周报.csv", [["指标", "地区", "期间", "数值"], [a, x, "2024-W13", "211"],
                                          [a, y, "2024-W13", "一百"], [b, x, "2024-W13", "3"], [b, "某某旗", "2024-W13", "4"]])


def test_a_bad_file_is_reported_row_by_row_with_the_counts_of_its_valid_rows_and_nothing_written(office, tmp_path):
    catalog, _ = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        ingest_files(store, catalog, TZ, now=NOW)
        path = bad_figures(office, tmp_path)
        before = state(store, tmp_path)
        report = ingest_files(store, [path], TZ, now=NOW, check_only=True)
        assert state(store, tmp_path) == before
        assert [(p.file, p.row, p.column) for p in report.problems] == [(str(path), 3, "数值"), (str(path), 5, "地区")]
        assert not report.would_write and report.refusal.problems == report.problems
        assert "--skip-invalid" in report.refusal.hint
        assert [(o.rows, o.added, [r[0] for r in o.rejected]) for o in report.outcomes] == [(4, 2, [3, 5])]
        with pytest.raises(InputError) as refused:
            ingest_files(store, [path], TZ, now=NOW)
        assert refused.value.problems == report.problems and str(refused.value) == str(report.refusal)
        assert state(store, tmp_path) == before


def test_with_skip_invalid_the_check_counts_what_is_kept_and_writes_no_rejects_file(office, tmp_path):
    catalog, _ = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        ingest_files(store, catalog, TZ, now=NOW)
        checked, imported = check_then_import(store, tmp_path, [bad_figures(office, tmp_path)], skip_invalid=True)
        assert checked.would_write and len(checked.problems) == 2
        assert counts(checked) == counts(imported) and checked.rejected == 2
        assert Path(imported.outcomes[0].reject_file).exists()     # the import writes it; the check did not


def test_a_wide_sheet_wrong_as_a_whole_is_refused_by_the_check_as_by_the_import_even_with_skip_invalid(office,
                                                                                                        tmp_path):
    catalog, _ = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        ingest_files(store, catalog, TZ, now=NOW)
        path = wide_sheet(Office(office.name, office.banners, (office.weekly[0], "没有这个指标")), tmp_path / "周报.xlsx")
        before = state(store, tmp_path)
        report = ingest_files(store, [path], TZ, now=NOW, check_only=True, skip_invalid=True)
        assert [(p.file, p.row, p.column) for p in report.problems] == [(f"{path} [周报]", 2, "没有这个指标")]
        assert not report.would_write and "--skip-invalid" not in report.refusal.hint
        with pytest.raises(InputError):
            ingest_files(store, [path], TZ, now=NOW, skip_invalid=True)
        assert state(store, tmp_path) == before


def test_a_file_that_cannot_be_read_is_reported_not_raised(office, tmp_path):
    catalog, _ = office.files(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        ingest_files(store, catalog, TZ, now=NOW)
        broken = tmp_path / "周报.xlsx"
        broken.write_bytes(b"PK\x03\x04 not really a workbook")
        report = ingest_files(store, [broken, bad_figures(office, tmp_path)], TZ, now=NOW, check_only=True)
        assert report.outcomes == [] and [p.file for p in report.problems] == [str(broken)]
        assert report.refusal.problems == report.problems


def test_a_catalog_row_wrong_in_one_upload_with_figures_leaves_the_catalog_as_it_was(tmp_path):
    """The catalog files are written inside the check's transaction, the figures checked against them, and
    all of it rolled back."""
    *catalog, figures = write_office(tmp_path / "in")
    with Store(tmp_path / "t.db") as store:
        before = state(store, tmp_path)
        regions = catalog[0].read_text(encoding="utf-8").replace(f"150723,{BANNERS[2]},150700", "150723,,150700")
        catalog[0].write_text(regions, encoding="utf-8")
        report = ingest_files(store, [*catalog, figures], TZ, now=NOW, check_only=True)
        assert state(store, tmp_path) == before
        assert (report.problems[0].file, report.problems[0].row) == (str(catalog[0]), 5)
        assert any(BANNERS[2] in p.message for p in report.problems[1:])   # its figures name a region not added


# --- the command ---------------------------------------------------------------------------------------------------

def test_the_command_prints_the_import_s_account_and_a_last_line_saying_nothing_was_written(office, tmp_path, run):
    catalog, figures = office.files(tmp_path / "in")
    run("init")
    checked = run("ingest", "--check", *map(str, catalog + figures))
    assert checked.exit_code == 0, checked.output
    *lines, last = checked.stdout.splitlines()
    assert last == "Checked only: nothing was written."
    imported = run("ingest", *map(str, catalog + figures))
    assert imported.exit_code == 0 and imported.stdout.splitlines() == lines


def test_the_command_on_a_bad_file_exits_1_listing_the_problems_and_writes_nothing(office, tmp_path, run):
    catalog, _ = office.files(tmp_path / "in")
    run("init")
    assert run("ingest", *map(str, catalog)).exit_code == 0
    path = bad_figures(office, tmp_path)
    with Store(tmp_path / "t.db") as store:
        before = state(store, tmp_path)
    refused = run("ingest", "--check", str(path))
    assert refused.exit_code == 1
    assert "周报.csv row 3, column 数值: '一百' is not a number" in refused.stderr
    assert refused.stderr.rstrip().endswith("Checked only: nothing was written.")
    kept = run("ingest", "--check", "--skip-invalid", str(path))
    assert kept.exit_code == 0 and "2 rows would be rejected" in kept.stderr
    assert kept.stdout.splitlines()[-1] == "Checked only: nothing was written."
    with Store(tmp_path / "t.db") as store:
        assert state(store, tmp_path) == before
