"""Benchmark: ingest 1,000,000 observation rows from CSV, and the "latest and a year earlier" query.

Prints figures; it is not a test. Targets (issue 15): 1M rows in <= 3 s with a peak of <= 300 MiB; (issue 2)
the query over 100 regions x 50 indicators x 10 years of weekly data in <= 500 ms. Each is compared, in the
same run, with a peer: ingest with the raw bound (csv.reader + sort + executemany of the same rows, no
validation), the query with the plain SQL a person would write first (a window function).

Each ingest, ours and the raw bound's, runs in a process of its own (--runs times, alternating), which reports
its time and its peak memory (ru_maxrss). --json prints one JSON object per row of the issue's table.

    python bench/ingest.py [--rows 1000000] [--runs 3] [--years 10] [--json] [--no-query]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from briefing.figures.period_text import parse_period  # noqa: E402
from briefing.figures.periods import Period  # noqa: E402
from briefing.ingest import ingest_files  # noqa: E402
from briefing.store.db import Store  # noqa: E402
from briefing.store.observations import AS_OF, Figure, Observations, decimal  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
REGIONS, INDICATORS = 100, 50


def catalog(folder: Path) -> list[Path]:
    with (folder / "regions.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["代码", "名称"])
        w.writerows([f"R{r:03d}", f"地区{r:03d}"] for r in range(REGIONS))
    with (folder / "indicators.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["代码", "名称", "领域", "类型", "单位", "频率"])
        w.writerows([f"I{i:02d}", f"指标{i:02d}", "医疗", "流量", "人次", "周"] for i in range(INDICATORS))
    return [folder / "regions.csv", folder / "indicators.csv"]


def mondays(count: int, last: date = date(2024, 1, 8)) -> list[str]:
    first = last - timedelta(weeks=count - 1)
    return ["%d-W%02d" % (first + timedelta(weeks=k)).isocalendar()[:2] for k in range(count)]


def figures_csv(path: Path, rows: int) -> Path:
    weeks = mondays(rows // (REGIONS * INDICATORS) + 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["指标", "地区", "期间", "数值", "录入时间"])
        n = 0
        for week in weeks:
            for i in range(INDICATORS):
                for r in range(REGIONS):
                    if n == rows:
                        return path
                    w.writerow([f"I{i:02d}", f"R{r:03d}", week, (n * 7919) % 5000, "2024-01-15 09:00"])
                    n += 1
    return path


def ingest_once(folder: Path, which: str) -> dict:
    """One import of figures.csv into a new database with the catalog, in this process: its seconds and the
    process's peak memory (MiB)."""
    db = folder / f"{which}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    data = folder / "figures.csv"
    with Store(db) as store:
        ingest_files(store, catalog(folder), TZ)
        t0 = time.perf_counter()
        if which == "ours":
            report = ingest_files(store, [data], TZ)
            rows = report.outcomes[0].added
        else:
            rows = raw_bound(store, data)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}


def raw_bound(store: Store, data: Path) -> int:
    """The same rows into the same schema with no validation: csv.reader, sort, executemany."""
    with data.open(encoding="utf-8") as f, store.write() as db:
        reader = csv.reader(f)
        next(reader)
        rows = sorted((i, r, p, float(v), t) for i, r, p, v, t in reader)
        db.conn.executemany(
            "INSERT INTO observations (indicator, region, period, value, revision, recorded_at) "
            "VALUES (?, ?, ?, ?, 1, ?)", rows)
    return len(rows)


def bench_ingest(folder: Path, rows: int, runs: int) -> dict[str, list[dict]]:
    """Each of ours and the raw bound ``runs`` times, alternating, each in a process of its own."""
    figures_csv(folder / "figures.csv", rows)
    found: dict[str, list[dict]] = {"ours": [], "raw": []}
    for _ in range(runs):
        for which in found:
            out = subprocess.run([sys.executable, __file__, "--child", which, str(folder)], check=True,
                                 capture_output=True, text=True).stdout
            found[which].append(json.loads(out))
            assert found[which][-1]["rows"] == rows, found[which][-1]
    return found


def ingest_rows(found: dict[str, list[dict]], rows: int) -> list[dict]:
    ours = [r["seconds"] for r in found["ours"]]
    raw = [r["seconds"] for r in found["raw"]]
    peak = [r["peak_mib"] for r in found["ours"]]
    ratio = statistics.median(ours) / statistics.median(raw)
    return [
        {"row": "1M-row ingest", "value": round(statistics.median(ours), 2), "unit": "s", "target": 3.0,
         "range": [round(min(ours), 2), round(max(ours), 2)], "rows": rows,
         "peer": "raw bound (csv.reader + sort + executemany, no checks)", "peer_value": round(statistics.median(raw), 2),
         "peer_range": [round(min(raw), 2), round(max(raw), 2)], "ratio": round(ratio, 2),
         "met": statistics.median(ours) <= 3.0},
        {"row": "1M-row ingest (peak memory)", "value": round(max(peak)), "unit": "MiB", "target": 300,
         "range": [round(min(peak)), round(max(peak))], "rows": rows, "peer": "raw bound's process",
         "peer_value": round(max(r["peak_mib"] for r in found["raw"])),
         "ratio": round(max(peak) / max(r["peak_mib"] for r in found["raw"]), 2), "met": max(peak) <= 300},
    ]


def query_db(folder: Path, years: int) -> Path:
    """100 regions x 50 indicators x `years` of weekly figures, inserted directly (setup, not measured)."""
    path = folder / "query.db"
    weeks = mondays(52 * years + years // 5)
    with Store(path) as store:
        ingest_files(store, catalog(folder), TZ)
        with store.write() as db:
            db.conn.executemany(
                "INSERT INTO observations (indicator, region, period, value, revision, recorded_at) "
                "VALUES (?, ?, ?, ?, 1, '2024-01-15T01:00:00+00:00')",
                ((f"I{i:02d}", f"R{r:03d}", w, float((k * 31 + i + r) % 997))
                 for k, w in enumerate(weeks) for i in range(INDICATORS) for r in range(REGIONS)))
        store.conn.execute("ANALYZE")
    return path


NAIVE = """
WITH cur AS (
  SELECT indicator, region, period, value,
         ROW_NUMBER() OVER (PARTITION BY indicator, region ORDER BY period DESC, revision DESC) AS n
  FROM observations WHERE recorded_at <= ?)
SELECT c.indicator, c.region, c.period, c.value,
       (SELECT value FROM observations p WHERE p.indicator = c.indicator AND p.region = c.region
          AND p.period = printf('%d-W%s', substr(c.period, 1, 4) - 1, substr(c.period, 7, 2))
          ORDER BY revision DESC LIMIT 1)
FROM cur c WHERE n = 1
"""


_LATEST = ("SELECT period, value, revision, recorded_at FROM observations WHERE indicator = :ind AND region = :reg "
           f"AND {AS_OF} ORDER BY period DESC LIMIT 1")
_AT = ("SELECT value, revision, recorded_at FROM observations WHERE indicator = :ind AND region = :reg "
       f"AND period = :period AND {AS_OF}")


def latest_and_year_ago(obs: Observations, as_of: str) -> list[tuple[Figure, Figure | None]]:
    """For every indicator × region with figures of its own: the latest figure as of the moment and the
    figure of the same period a year earlier (同比 base). Two index seeks per pair on the observations' clustered
    key, whatever the history: what the store's layout gives a dashboard of every series."""
    conn = obs.db.conn
    periods: dict[tuple[str, str], Period] = {}
    out = []
    for ind in obs.catalog.indicators.values():
        for region in obs.catalog.regions:
            row = conn.execute(_LATEST, {"ind": ind.code, "reg": region, "as_of": as_of}).fetchone()
            if row is None:
                continue
            key, value, revision, recorded = row
            period = periods.get((key, ind.frequency)) or periods.setdefault((key, ind.frequency),
                                                                               parse_period(key, ind.frequency))
            latest = Figure(ind.code, region, period, decimal(value), False, revision, recorded)
            base_period = period.year_ago()
            base = None
            if base_period is not None:
                prev = conn.execute(_AT, {"ind": ind.code, "reg": region, "period": base_period.key,
                                          "as_of": as_of}).fetchone()
                if prev is not None:
                    base = Figure(ind.code, region, base_period, decimal(prev[0]), False, prev[1], prev[2])
            out.append((latest, base))
    return out


def bench_query(path: Path, repeat: int = 5) -> tuple[float, float, int, int]:
    with Store(path, create=False) as store:
        obs = Observations(store.db)
        ours = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = latest_and_year_ago(obs, "2024-02-01T00:00:00+00:00")
            ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        naive = store.conn.execute(NAIVE, ["2024-02-01T00:00:00+00:00"]).fetchall()
        peer = time.perf_counter() - t0
        rows = store.conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
    assert len(result) == len(naive) == REGIONS * INDICATORS
    return statistics.median(ours), peer, len(result), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="one JSON object per row of the issue's table")
    parser.add_argument("--no-query", action="store_true", help="the ingest rows only")
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(ingest_once(Path(args.child[1]), args.child[0])))
        return
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        folder = Path(tmp)
        speed, memory = ingest_rows(bench_ingest(folder, args.rows, args.runs), args.rows)
        if args.json:
            print(json.dumps(speed, ensure_ascii=False))
            print(json.dumps(memory, ensure_ascii=False))
        else:
            print(f"ingest {args.rows:,} rows from CSV: {speed['value']:.2f} s median of {args.runs}, "
                  f"{speed['range'][0]:.2f}–{speed['range'][1]:.2f} s (target <= 3 s) ... peer raw bound "
                  f"(csv.reader + sort + executemany, no checks) {speed['peer_value']:.2f} s, "
                  f"{speed['peer_range'][0]:.2f}–{speed['peer_range'][1]:.2f} s; ours / raw = {speed['ratio']:.2f}x")
            print(f"ingest {args.rows:,} rows peak memory: {memory['value']} MiB (target <= 300 MiB) ... peer raw "
                  f"bound's process {memory['peer_value']} MiB")
        if args.no_query:
            return
        q, peer, pairs, rows = bench_query(query_db(folder, args.years))
        if args.json:
            print(json.dumps({"row": "latest + year-ago (query bench, 5,000 pairs)", "value": round(q * 1000),
                              "unit": "ms", "target": 500, "peer": "one SQL query with a window function",
                              "peer_value": round(peer * 1000), "ratio": round(peer / q, 2), "met": q <= 0.5},
                             ensure_ascii=False))
            return
        print(f"latest + year-ago for {pairs:,} indicator x region pairs over {rows:,} rows: "
              f"{q * 1000:.0f} ms median of 5 (target <= 500 ms)")
        print(f"  peer (one SQL query with a window function): {peer * 1000:.0f} ms; peer / ours = {peer / q:.1f}x")
        print(f"  database: {os.path.getsize(folder / 'query.db') / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
