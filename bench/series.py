"""Benchmark: the latest figure and the figure a year earlier of 50,000 series, as of a moment.

1,000 regions x 50 indicators (40 weekly, 10 monthly), two years of figures each (4.4 million rows), with
revisions: some series' latest figure was corrected before the moment (the correction counts), some after it
(the first figure counts), some have a later period recorded only after the moment (the period before is
their latest), and some began less than a year before their latest period (no year-ago figure).
The figures are written directly and the latest-figure table filled from them (store/latest.rebuild, what
the migration does to a database made before it), as an import would have kept it.
Target (issue 15): <= 200 ms for every series. Peers, in the same run: the implementation before issue 15
(two index seeks per series from Python, bench/ingest.py), the same two seeks in one statement per frequency
without the table (latest.from_observations: what a series changed after the moment is read by), and the
window-function SQL a person would write first; all must give the same rows.

    python bench/series.py [--years 2] [--repeat 5] [--no-window] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import latest_and_year_ago as per_pair  # noqa: E402  (the implementation before issue 15)
from ingest import mondays  # noqa: E402

from briefing.store.db import Store  # noqa: E402
from briefing.store.latest import from_observations, latest_and_year_ago, rebuild  # noqa: E402
from briefing.store.observations import Observations, decimal  # noqa: E402

ROW = "latest + year-ago for 50,000 series (1,000 regions × 50 indicators)"
REGIONS, WEEKLY, MONTHLY = 1000, 40, 10
TARGET_MS = 200
RECORDED, AS_OF, LATER = "2024-01-15T01:00:00+00:00", "2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"
CORRECTED = "2024-01-20T01:00:00+00:00"   # before the moment
WINDOW = """
WITH v AS (
  SELECT indicator, region, period, value,
         ROW_NUMBER() OVER (PARTITION BY indicator, region ORDER BY period DESC) AS n
  FROM observations WHERE recorded_at <= :as_of AND (superseded_at IS NULL OR superseded_at > :as_of))
SELECT c.indicator, c.region, c.period, c.value, y.value FROM v c
LEFT JOIN v y ON y.indicator = c.indicator AND y.region = c.region AND y.period =
  printf('%04d', substr(c.period, 1, 4) - 1) || substr(c.period, 5)
WHERE c.n = 1
"""


def series_rows(code: str, region: int, keys: list[str]):
    """One series' rows in key order, with the revisions and gaps that make as-of matter."""
    n = region * 53 + int(code[1:])
    first = len(keys) // 2 + 1 if n % 79 == 0 else 0         # began less than a year before its latest
    out = []
    for k, key in enumerate(keys[first:], first):
        value = float((k * 31 + region) % 997) + 0.25
        last = k == len(keys) - 1
        if last and n % 83 == 0:        # recorded only after the moment: the period before is the latest then
            out.append((code, f"X{region:04d}", key, 1, value, LATER, None))
        elif last and n % 97 == 0:      # corrected after the moment: the first figure counts
            out += [(code, f"X{region:04d}", key, 1, value, RECORDED, LATER),
                    (code, f"X{region:04d}", key, 2, value + 1000, LATER, None)]
        elif n % 89 == 0 and k in (len(keys) - 1, len(keys) - 1 - (52 if code[0] == "W" else 12)):
            out += [(code, f"X{region:04d}", key, 1, value, RECORDED, CORRECTED),   # corrected before it
                    (code, f"X{region:04d}", key, 2, value + 0.5, CORRECTED, None)]
        else:
            out.append((code, f"X{region:04d}", key, 1, value, RECORDED, None))
    return out


def build(path: Path, years: int) -> None:
    weeks = mondays(52 * years + 2, last=date(2024, 1, 8))
    months = ["%d-%02d" % (2023 - y, m) for y in range(years)[::-1] for m in range(1, 13)]
    with Store(path) as store, store.write() as db:
        db["regions"].insert_all([{"code": f"X{r:04d}", "name": f"测区{r:04d}", "parent": None} for r in range(REGIONS)])
        db["indicators"].insert_all(
            [{"code": f"W{i:02d}", "name": f"周量{i:02d}", "domain": "测", "kind": "flow", "unit": "件",
              "frequency": "week", "time_agg": "sum", "region_agg": "sum"} for i in range(WEEKLY)]
            + [{"code": f"M{i:02d}", "name": f"月量{i:02d}", "domain": "测", "kind": "stock", "unit": "件",
                "frequency": "month", "time_agg": "last", "region_agg": "sum"} for i in range(MONTHLY)])
        codes = sorted([(f"W{i:02d}", weeks) for i in range(WEEKLY)] + [(f"M{i:02d}", months) for i in range(MONTHLY)])
        db.conn.executemany(
            "INSERT INTO observations (indicator, region, period, revision, value, recorded_at, superseded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row for code, keys in codes for r in range(REGIONS) for row in series_rows(code, r, keys)))
        rebuild(db)
        db.execute("ANALYZE")


def canonical(rows) -> list[tuple]:
    return sorted((i, r, k, decimal(v), None if y is None else decimal(y)) for i, r, k, v, y in rows)


def measure(path: Path, repeat: int, window: bool) -> dict:
    with Store(path, create=False) as store:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ours = latest_and_year_ago(store.db, AS_OF)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pairs = per_pair(Observations(store.db), AS_OF)
        peer = time.perf_counter() - t0
        assert canonical(ours) == canonical((a.indicator, a.region, a.period.key, float(a.value),
                                             None if b is None else float(b.value)) for a, b in pairs)
        t0 = time.perf_counter()
        seeks = from_observations(store.db, AS_OF)
        statement = time.perf_counter() - t0
        assert canonical(ours) == canonical(seeks)
        out = {"ours": statistics.median(times), "runs": times, "peer": peer, "statement": statement,
               "series": len(ours), "rows": store.db.execute("SELECT COUNT(*) FROM observations").fetchone()[0],
               "changed": store.db.execute("SELECT COUNT(*) FROM latest_figures WHERE newest > ?",
                                           [AS_OF]).fetchone()[0]}
        if window:
            t0 = time.perf_counter()
            naive = store.db.execute(WINDOW, {"as_of": AS_OF}).fetchall()
            out["window"] = time.perf_counter() - t0
            assert canonical(ours) == canonical(naive)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-window", action="store_true", help="leave out the window-function peer (slow)")
    parser.add_argument("--json", action="store_true", help="one JSON object per row (bench/speed.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        path = Path(tmp) / "series.db"
        build(path, args.years)
        got = measure(path, args.repeat, not args.no_window)
    ours_ms, peer_ms = got["ours"] * 1000, got["peer"] * 1000
    if args.json:
        print(json.dumps({"row": ROW, "value": round(ours_ms, 1), "unit": "ms", "target": f"<= {TARGET_MS} ms",
                          "peer": "per-series seeks from Python (before issue 15)", "peer_value": round(peer_ms, 1),
                          "ratio": round(ours_ms / peer_ms, 3), "met": ours_ms <= TARGET_MS}, ensure_ascii=False))
        return
    runs = ", ".join(f"{t * 1000:.0f}" for t in got["runs"])
    print(f"{ROW}: {ours_ms:.0f} ms median of {args.repeat} ({runs}) over {got['rows']:,} rows, "
          f"{got['series']:,} series, {got['changed']:,} of them changed after the moment (target <= {TARGET_MS} ms)")
    print(f"  peer (two seeks per series from Python, before issue 15): {peer_ms:.0f} ms; "
          f"ours / peer = {ours_ms / peer_ms:.2f}x")
    print(f"  peer (the same seeks in one statement per frequency, without the table): "
          f"{got['statement'] * 1000:.0f} ms; ours / peer = {ours_ms / (got['statement'] * 1000):.2f}x")
    if "window" in got:
        print(f"  peer (the window-function SQL): {got['window'] * 1000:.0f} ms; "
              f"ours / peer = {ours_ms / (got['window'] * 1000):.3f}x")


if __name__ == "__main__":
    main()
