"""A large CSV of figures is checked a block at a time and never held as rows: all-or-nothing still holds for a
bad row near its end, a repeated key is named as before, what the rows read is what csv.reader reads, and the
memory an import takes stays far below what holding its rows took. On a catalog made here (forestry offices,
monthly figures in 立方米), sharing no name with the sample."""

from __future__ import annotations

import sqlite3
import threading
import tracemalloc
from pathlib import Path

import pytest
from conftest import NOW, TZ, write_csv

from briefing.errors import InputError
from briefing.ingest import fast, ingest_files, stream
from briefing.store.db import Store

REGIONS = 40
INDICATORS = 5


@pytest.fixture
def forest(tmp_path: Path) -> Store:
    with Store(tmp_path / "forest.db") as store:
        regions = [["代码", "名称"]] + [[f"LC{r:02d}", f"林场{r:02d}"] for r in range(REGIONS)]
        indicators = [["代码", "名称", "领域", "类型", "单位", "频率"]] + [
            [f"wood{i}", f"木材采伐量{i}", "林业", "流量", "立方米", "月"] for i in range(INDICATORS)]
        ingest_files(store, [write_csv(tmp_path / "r.csv", regions), write_csv(tmp_path / "i.csv", indicators)],
                     TZ, now=NOW)
        yield store


def months(count: int) -> list[str]:
    return [f"{1900 + k // 12}-{k % 12 + 1:02d}" for k in range(count)]


def figure_rows(count: int) -> list[list]:
    """``count`` rows of figures, month by month (not in key order), each key once."""
    out = []
    for month in months(count // (REGIONS * INDICATORS) + 1):
        for i in range(INDICATORS):
            for r in range(REGIONS):
                if len(out) == count:
                    return out
                out.append([f"wood{i}", f"林场{r:02d}", month, str((len(out) * 37) % 9000)])
    return out


def big_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("指标,地区,期间,数值\n")
        f.writelines(",".join(row) + "\n" for row in rows)
    return path


def counts(store: Store) -> tuple[int, int]:
    return tuple(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("observations", "batches"))


def test_a_bad_row_near_the_end_of_a_large_file_keeps_all_of_it_out(forest, tmp_path):
    rows = figure_rows(60_000)   # several blocks of text
    rows[-3][3] = "12x"
    with pytest.raises(InputError) as caught:
        ingest_files(forest, [big_csv(tmp_path / "f.csv", rows)], TZ, now=NOW)
    assert [(p.row, p.column) for p in caught.value.problems] == [(len(rows) - 1, "数值")]
    assert counts(forest) == (0, 0)
    report = ingest_files(forest, [big_csv(tmp_path / "f.csv", rows)], TZ, now=NOW, skip_invalid=True)
    assert report.outcomes[0].added == len(rows) - 1 and counts(forest) == (len(rows) - 1, 1)


def test_a_key_repeated_far_apart_is_named_with_the_first_row(forest, tmp_path):
    rows = figure_rows(60_000)
    rows.append(list(rows[10]))
    with pytest.raises(InputError, match="repeats the indicator, region and period of row 12"):
        ingest_files(forest, [big_csv(tmp_path / "f.csv", rows)], TZ, now=NOW)
    assert counts(forest) == (0, 0)
    report = ingest_files(forest, [big_csv(tmp_path / "f.csv", rows)], TZ, now=NOW, skip_invalid=True)
    assert [r[0] for r in report.outcomes[0].rejected] == [len(rows) + 1]
    assert report.outcomes[0].added == len(rows) - 1


def test_stored_figures_in_a_large_file_are_unchanged_or_revised(forest, tmp_path):
    rows = figure_rows(30_000)
    ingest_files(forest, [big_csv(tmp_path / "a.csv", rows)], TZ, now=NOW)
    rows[20_000][3] = "1"
    report = ingest_files(forest, [big_csv(tmp_path / "b.csv", rows + figure_rows(31_000)[30_000:])], TZ, now=NOW)
    outcome = report.outcomes[0]
    assert (outcome.added, outcome.revised, outcome.unchanged) == (1000, 1, 29_999)
    assert forest.conn.execute("SELECT typeof(value), value FROM observations WHERE revision = 2").fetchall() == [
        ("real", 1.0)]


def test_what_the_streamed_rows_read_is_what_csv_reader_reads(forest, tmp_path):
    """Blank lines, a short row (no figure), CRLF ends and notes below the table: streamed (no quote in the file) and read
    whole (the same file with one quoted cell) store the same figures and name the same rows."""
    lines = ["林场月报", "指标,地区,期间,数值", "wood1,林场01,2024-01,5", "", " , , , ", "wood1,林场02,2024-01",
             "wood2,林场01,2024-01,7", "wood2,林场03,2024-01,x,,", "注：林场03 补报", "填报人：,王芳,,"]
    plain = tmp_path / "plain.csv"
    plain.write_bytes("\r\n".join(lines).encode("utf-8"))
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes("\r\n".join(lines).replace("wood2,林场01", '"wood2",林场01').encode("utf-8"))
    found = []
    for path in (plain, quoted):
        report = ingest_files(forest, [path], TZ, now=NOW, check_only=True)
        found.append(([(p.row, p.column) for p in report.problems], report.outcomes[0].added))
    assert found[0] == found[1] == ([(8, "数值")], 2)   # row 6 has no figure: none is kept, none wrong
    from briefing.ingest.read import read
    (table,) = read(plain, [])
    assert isinstance(table.rows, stream.TextRows) and [n for n, _ in table.rows] == [3, 6, 7, 8]


def peak(store: Store, path: Path) -> tuple[float, object]:
    tracemalloc.start()
    try:
        report = ingest_files(store, [path], TZ, now=NOW)
        return tracemalloc.get_traced_memory()[1] / 2**20, report
    finally:
        tracemalloc.stop()


def test_the_memory_an_import_takes_stays_bounded(forest, tmp_path):
    """200,000 rows: read whole into rows (as a file with a quoted cell still is, and every CSV was before) the
    import's peak is about twice what it is streamed, the file's text and a packed key a row (tracemalloc)."""
    rows = figure_rows(200_000)
    streamed, report = peak(forest, big_csv(tmp_path / "f.csv", rows))
    assert report.outcomes[0].added == 200_000
    forest.conn.execute("DELETE FROM observations")
    rows[0][0] = '"wood0"'
    whole, report = peak(forest, big_csv(tmp_path / "q.csv", rows))
    assert report.outcomes[0].added == 200_000
    assert streamed < 64 < whole and streamed < 0.6 * whole, (streamed, whole)   # measured: 52 and 108 MiB


def stored(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT indicator, region, period, revision, typeof(value), value, recorded_at, "
                              "superseded_at, source, note FROM observations ORDER BY 1, 2, 3, 4").fetchall()


def test_packed_rows_are_stored_as_the_file_says(forest, tmp_path):
    """60,000 rows in several blocks, with a 录入时间 that is one time in some blocks and changes from row to row in
    others, figures with leading zeros and of 15 digits: written from packed integers, each row is stored with its
    own codes, figure (a REAL) and 录入时间, and the same file read whole (a quoted cell) stores the same."""
    rows = figure_rows(60_000)
    for n, row in enumerate(rows):
        row.append("2024-01-15 09:00" if n < 30_000 else f"2024-01-{10 + n % 7:02d} 08:{n % 60:02d}")
    rows[5][3], rows[40_000][3] = "000123", "999999999999999"
    expected = sorted((ind, "LC" + reg[2:], period, 1, "real", float(value), _utc(when), None, None, None)
                      for ind, reg, period, value, when in rows)
    header = "指标,地区,期间,数值,录入时间\n"
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    quoted.write_text(header.replace("指标", '"指标"') + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    for path in (plain, quoted):
        report = ingest_files(forest, [path], TZ, now=NOW)
        assert report.outcomes[0].added == 60_000
        assert stored(forest) == expected
        forest.conn.execute("DELETE FROM observations")
    assert ("wood0", "LC05", "1900-01", 1, "real", 123.0, "2024-01-15T01:00:00+00:00", None, None, None) in expected


def _utc(when: str) -> str:
    """A 录入时间 of the file (Asia/Shanghai) as the store writes it."""
    from datetime import datetime, timezone
    return datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).astimezone(timezone.utc).isoformat()


def test_a_file_mixing_frequencies_stores_each_row_under_its_own(forest, tmp_path):
    """Monthly figures, then a block where a yearly indicator's rows are mixed with them, then monthly ones again:
    each row's period is read for its own indicator's frequency, whichever came first."""
    ingest_files(forest, [write_csv(tmp_path / "i2.csv", [["代码", "名称", "领域", "类型", "单位", "频率"],
                                                          ["area", "林地面积", "林业", "存量", "公顷", "年"]])], TZ, now=NOW)
    rows = figure_rows(60_000)
    for n in range(30_000, 40_000, 3):
        rows[n] = ["area", f"林场{n % REGIONS:02d}", str(1000 + n // REGIONS), str(n)]
    report = ingest_files(forest, [big_csv(tmp_path / "f.csv", rows)], TZ, now=NOW)
    assert report.outcomes[0].added == 60_000
    found = dict(((i, r, p), v) for i, r, p, v in forest.conn.execute(
        "SELECT indicator, region, period, value FROM observations"))
    assert len(found) == 60_000
    assert found["area", "LC12", str(1000 + 30_012 // REGIONS)] == 30_012.0
    assert found["wood0", "LC01", "1900-01"] == float(rows[1][3])
    last = rows[-1]
    assert found[last[0], "LC" + last[1][2:], last[2]] == float(last[3])


def making() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "briefing-statements"]


def test_a_failure_while_the_rows_are_written_leaves_nothing(forest, tmp_path, monkeypatch):
    """A failure where a statement of the packed rows is made (fast._insert, on the thread that makes them) or
    where SQLite writes it (a trigger that refuses one row, as a full disk would) ends the import with nothing of
    it written, the latest-figure table included, and no thread left making statements."""
    path = big_csv(tmp_path / "f.csv", figure_rows(60_000))
    made = fast._insert
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 20:
            raise OSError("injected: making statement 20")
        return made(*args)

    monkeypatch.setattr(fast, "_insert", failing)
    with pytest.raises(OSError, match="statement 20"):
        ingest_files(forest, [path], TZ, now=NOW)
    assert counts(forest) == (0, 0) and len(calls) == 20 and not making()
    monkeypatch.undo()
    forest.conn.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.observations WHEN NEW.region = 'LC07' "
                        "AND NEW.period = '1901-03' BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_files(forest, [path], TZ, now=NOW)
    forest.conn.execute("DROP TRIGGER refuse")
    assert counts(forest) == (0, 0) and not making()
    assert forest.conn.execute("SELECT COUNT(*) FROM latest_figures").fetchone() == (0,)
    report = ingest_files(forest, [path], TZ, now=NOW)
    assert report.outcomes[0].added == 60_000 and counts(forest) == (60_000, 1)


def test_an_import_leaves_the_connection_as_it_found_it(forest, tmp_path):
    """The large page cache and foreign keys off last only while the figures are written, whether the write
    succeeds or fails (a trigger refusing a row): the next write on the same connection (the web's) checks its
    foreign keys."""
    before = [forest.conn.execute(f"PRAGMA {p}").fetchone() for p in ("cache_size", "foreign_keys")]
    rows = figure_rows(60_000)
    ingest_files(forest, [big_csv(tmp_path / "a.csv", rows[:30_000])], TZ, now=NOW)
    forest.conn.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.observations WHEN NEW.period = '1920-03' "
                        "BEGIN SELECT RAISE(ABORT, 'injected'); END")
    with pytest.raises(sqlite3.IntegrityError, match="injected"):
        ingest_files(forest, [big_csv(tmp_path / "b.csv", rows[30_000:])], TZ, now=NOW)
    assert [forest.conn.execute(f"PRAGMA {p}").fetchone() for p in ("cache_size", "foreign_keys")] == before
    assert before[1] == (1,) and counts(forest) == (30_000, 1)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        forest.conn.execute("INSERT INTO observations (indicator, region, period, revision, value, recorded_at) "
                            "VALUES ('no-such', 'LC01', '2024-01', 1, 1, '2024-01-01T00:00:00+00:00')")


def test_lines_whose_cells_only_add_up_to_the_headers_are_read_line_by_line(forest, tmp_path):
    """A tab-separated file where one line lacks a cell and a later one has a cell too many, so that the block as
    a whole has as many tabs as its lines should: each line is still read alone, the short one without a figure
    and the long one refused, named by its row."""
    rows = ["\t".join(r) for r in figure_rows(3_000)]
    rows[100] = rows[100].rsplit("\t", 1)[0]        # no figure: nothing kept, nothing wrong
    rows[200] = rows[200] + "\t多余"
    path = tmp_path / "f.tsv"
    path.write_text("指标\t地区\t期间\t数值\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = ingest_files(forest, [path], TZ, now=NOW, check_only=True)
    assert [(p.row, p.column) for p in report.problems] == [(202, None)]
    assert "has 5 cells but the header has 4" in report.problems[0].message and report.outcomes[0].missing == 1
    assert counts(forest) == (0, 0)


def test_every_kind_of_line_end_reads_the_same_rows(forest, tmp_path):
    """The same table with LF, CRLF (UTF-8 and GBK), old Mac CR ends, CRLF with a lone CR inside, and CRLF with a
    quoted cell: each stores the same figures and names the same row for the same bad cell."""
    lines = ["林场月报", "指标,地区,期间,数值", "wood1,林场01,2024-01,5", "", "wood1,林场02,2024-01,6",
             "wood2,林场01,2024-01,7x", "wood2,林场03,2024-01,8", "注：林场03 补报"]
    files = {"lf": "\n".join(lines).encode(), "crlf": "\r\n".join(lines).encode(),
             "gbk": "\r\n".join(lines).encode("gbk"), "cr": "\r".join(lines).encode(),
             "lone": ("\r\n".join(lines[:3]) + "\r" + "\r\n".join(lines[3:])).encode(),
             "quoted": "\r\n".join(lines).replace("wood2,林场03", '"wood2",林场03').encode()}
    found = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        report = ingest_files(forest, [path], TZ, now=NOW, check_only=True)
        found[name] = ([(p.row, p.column) for p in report.problems], report.outcomes[0].added)
    assert set(map(repr, found.values())) == {repr(([(6, "数值")], 3))}, found


def figures_table(tmp_path: Path, rows: list[list], source: bool) -> Path:
    """A CSV of the rows, with a 来源 column when ``source`` (every row then checked one by one)."""
    path = tmp_path / f"f{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("指标,地区,期间,数值" + (",来源\n" if source else "\n")
                    + "".join(",".join(r + (["林业局"] if source else [])) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", [False, True], ids=["packed", "row by row"])
def test_later_periods_are_checked_without_reading_what_is_stored(forest, tmp_path, monkeypatch, source):
    """A file of the month after those stored (the next month's figures) is checked against the latest period of
    each series, without reading every stored figure of its indicators (Lookups.stored fails if called)."""
    from briefing.ingest.lookups import Lookups
    old = figure_rows(REGIONS * INDICATORS * 12)                     # 1900-01 .. 1900-12, every series
    ingest_files(forest, [big_csv(tmp_path / "old.csv", old)], TZ, now=NOW)
    later = [[f"wood{i}", f"林场{r:02d}", "1901-01", str(i * 100 + r)]
             for i in range(INDICATORS) for r in range(REGIONS)]
    monkeypatch.setattr(Lookups, "stored", lambda self, ind: pytest.fail(f"read the stored figures of {ind}"))
    report = ingest_files(forest, [figures_table(tmp_path, later, source)], TZ, now=NOW)
    assert report.outcomes[0].added == len(later) and counts(forest) == (len(old) + len(later), 2)


@pytest.mark.parametrize("source", [False, True], ids=["packed", "row by row"])
def test_a_period_before_a_series_latest_is_checked_against_what_is_stored(forest, tmp_path, source):
    """One series is stored two months further than the others: a file of the month after the others' latest
    keeps that series' stored figure unchanged and adds its missing month, and a file reaching back a year keeps
    the same figure unchanged and a new one as revision 2."""
    old = figure_rows(REGIONS * INDICATORS * 12) + [["wood0", "林场00", "1901-03", "7"]]
    ingest_files(forest, [big_csv(tmp_path / "old.csv", old)], TZ, now=NOW)
    rows = [["wood0", "林场00", "1901-03", "7"], ["wood0", "林场00", "1901-02", "8"]] + [
        [f"wood{i}", f"林场{r:02d}", "1901-01", str(i * 100 + r)] for i in range(INDICATORS) for r in range(REGIONS)]
    outcome = ingest_files(forest, [figures_table(tmp_path, rows, source)], TZ, now=NOW).outcomes[0]
    assert (outcome.added, outcome.revised, outcome.unchanged) == (len(rows) - 1, 0, 1)
    back = [["wood1", "林场05", "1900-06", "123456"], old[7], ["wood2", "林场07", "1901-04", "9"]]
    outcome = ingest_files(forest, [figures_table(tmp_path, back, source)], TZ, now=NOW).outcomes[0]
    assert (outcome.added, outcome.revised, outcome.unchanged) == (1, 1, 1)
    assert forest.conn.execute("SELECT revision, value FROM observations WHERE indicator = 'wood1' AND region = "
                               "'LC05' AND period = '1900-06' ORDER BY revision DESC").fetchone() == (2, 123456.0)
