"""A seeded fuzz test of `briefing ingest` through the CLI: thousands of generated rows in CSV (UTF-8, UTF-8
with BOM, GBK, UTF-16), XLSX and JSON, with broken bytes, odd values, huge numbers and control characters.
Every file ends in a clear outcome, exit 0, 1 or 2 (never 70, never a traceback), and a rejected file
leaves the database exactly as it was."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import INDICATORS, REGIONS, write_csv

from briefing.cli import cli

SEED = int(os.environ.get("FUZZ_SEED", "20240117"))   # another seed: FUZZ_SEED=7 pytest …
FILES, ROWS = 150, 50
INDICATOR_NAMES = ["诊疗患者人次", "patients", "水稻亩产量", "带动企业增收", "就业率", "诊疗病人人次", "", "指标"]
REGION_NAMES = ["扎赉特旗", "科右前旗", "152223", "兴安盟", "扎特旗", "", "  扎赉特旗 "]
PERIODS = ["2024-W03", "2024W3", "2024年第3周", "2024-W53", "9999-W52", "0001-W01", "2023", "2023-10", "2099-W01",
           "2024-02-30", "上周", "0000", "2024-W00", "9999-12-31", "2024年第3周（1月15日—1月21日）"]
ODD_VALUES = ["", "—", "NaN", "inf", "-0", "1e308", "1e-400", "9" * 17, "9" * 400, "1" + "0" * 4999, "19,532",
              "1,23", "12%", "99.25%", "约100万", "1.2万", "１９５３２", "-5", "0x10", "1_000", " 7 ", "1.5.2",
              "\u202e123", "1\x00", "٣", "½", "1e5", "+3", "..", "💯"]
TEXTS = ["", "手填", "=HYPERLINK(\"x\")", "\x07响铃", "a\x00b", "\u2028", "😀" * 3, "\ud800", "é\u0301", "a" * 5000,
         "\r\n", "\"quoted,\"", "扎赉特旗人民医院"]


def value(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.45:
        return str(rng.randint(0, 10**rng.randint(1, 8)))
    if roll < 0.6:
        return f"{rng.uniform(-1e6, 1e9):.{rng.randint(0, 6)}f}"
    if roll < 0.7:
        return rng.choice([10**rng.randint(15, 400), rng.uniform(-1e300, 1e300), -rng.randint(1, 99)])
    return rng.choice(ODD_VALUES)


def row(rng: random.Random) -> list:
    return [rng.choice(INDICATOR_NAMES), rng.choice(REGION_NAMES), rng.choice(PERIODS) if rng.random() < 0.5
            else f"{rng.randint(1990, 2024)}-W{rng.randint(1, 53):02d}", value(rng), rng.choice(TEXTS)]


def good_row(rng: random.Random) -> list:
    """A row that should go in: the test catalog's weekly indicator, a banner, a week, a plain count."""
    return ["诊疗患者人次", rng.choice(["扎赉特旗", "科右前旗", "科右中旗"]),
            f"{rng.randint(1990, 2023)}-W{rng.randint(1, 52):02d}", rng.choice([rng.randint(0, 10**6), "1,234", "—"]),
            rng.choice(["", "手填", "😀", "=1+1"])]


def header(rng: random.Random) -> list[str]:
    head = ["指标", "地区", "期间", "数值", "备注"]
    if rng.random() < 0.05:
        head[rng.randrange(5)] = rng.choice(["数 值", "", "指标", "unknown"])
    return head


def as_csv(rows: list[list], rng: random.Random) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[str(c) for c in r] for r in rows])
    text = out.getvalue()
    encoding = rng.choice(["utf-8", "utf-8-sig", "gbk", "utf-16"])
    return text.encode("utf-8" if encoding == "utf-8-sig" else encoding, errors="replace") if encoding != "utf-8-sig" \
        else codecs.BOM_UTF8 + text.encode("utf-8", errors="replace")


def as_json(rows: list[list], rng: random.Random) -> bytes:
    items = [dict(zip(rows[0], r)) for r in rows[1:]]
    text = json.dumps(items, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", errors="surrogatepass")


def as_xlsx(rows: list[list], path: Path) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("填报")
    for r in rows:  # a workbook holds no control character, lone surrogate or integer past a double
        sheet.append([cell(c) for c in r])
    book.save(path)
    return path.read_bytes()


def cell(value: object) -> object:
    if isinstance(value, int) and abs(value) > 10**300:
        return str(value)
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF)
    return value


def broken(data: bytes, rng: random.Random) -> bytes:
    """Some files get a few bytes overwritten, inserted or cut off."""
    data = bytearray(data)
    for _ in range(rng.choice([0, 0, 0, 1, 3, 20])):
        at = rng.randrange(len(data) or 1)
        action = rng.random()
        if action < 0.5:
            data[at:at + 1] = bytes([rng.randrange(256)])
        elif action < 0.8:
            data[at:at] = bytes([rng.choice([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x0d, 0x22, 0x2c])])
        else:
            del data[at:]
    return bytes(data)


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_ingest_of_generated_hostile_files_always_ends_in_a_clear_outcome(tmp_path):
    rng = random.Random(SEED)
    db = tmp_path / "fuzz.db"
    runner = CliRunner()
    catalog = [str(write_csv(tmp_path / "r.csv", REGIONS)), str(write_csv(tmp_path / "i.csv", INDICATORS))]
    assert runner.invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    assert runner.invoke(cli, ["--db", str(db), "ingest", *catalog]).exit_code == 0
    counts = {"files": 0, "rows": 0, "accepted": 0, "clear errors": 0, "crashes": 0}
    crashes = []
    for n in range(FILES):
        make = good_row if rng.random() < 0.3 else row   # some files should go in, to check what is written
        rows = [header(rng)] + [make(rng) for _ in range(rng.randint(1, ROWS * 2))]
        kind = rng.choice(["csv", "csv", "csv", "json", "xlsx"])
        skip = rng.random() < 0.2
        path = tmp_path / f"f{n:03d}.{kind}"
        data = {"csv": lambda: as_csv(rows, rng), "json": lambda: as_json(rows, rng),
                "xlsx": lambda: as_xlsx(rows, path)}[kind]()
        path.write_bytes(broken(data, rng))
        before = dump(db)
        args = ["--db", str(db), "ingest", str(path)] + (["--skip-invalid"] if skip else [])
        result = runner.invoke(cli, args)
        counts["files"] += 1
        counts["rows"] += len(rows) - 1
        if result.exit_code not in (0, 1, 2) or "Traceback" in result.output or (
                result.exception and not isinstance(result.exception, SystemExit)):
            counts["crashes"] += 1
            crashes.append(f"{path.name}: exit {result.exit_code}: {result.output[-300:]!r} {result.exception!r}")
            continue
        counts["accepted" if result.exit_code == 0 else "clear errors"] += 1
        if result.exit_code != 0:
            assert dump(db) == before, f"{path.name} was refused but changed the database"
    print(f"\nfuzz (seed {SEED}): {counts}")
    assert not crashes, "\n".join(crashes)
    assert counts["rows"] >= 3000 and counts["clear errors"] > 0 and counts["accepted"] > 0


def test_a_lone_surrogate_in_a_rejected_row_is_written_to_the_rejects_file(tmp_path):
    db = tmp_path / "t.db"
    runner = CliRunner()
    catalog = [str(write_csv(tmp_path / "r.csv", REGIONS)), str(write_csv(tmp_path / "i.csv", INDICATORS))]
    assert runner.invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    assert runner.invoke(cli, ["--db", str(db), "ingest", *catalog]).exit_code == 0
    path = tmp_path / "s.json"
    path.write_text('[{"指标": "诊疗患者人次", "地区": "扎赉特旗", "期间": "2024-W03", "数值": 1, "备注": "\\ud800"}]',
                    encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(db), "ingest", str(path), "--skip-invalid"])
    assert result.exit_code == 0 and (tmp_path / "s.rejects.csv").exists(), result.output
    assert ",\ufffd," in (tmp_path / "s.rejects.csv").read_text(encoding="utf-8-sig")   # where the bad character was
