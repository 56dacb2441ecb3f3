"""Benchmark: the facts of one league's weekly briefing.

100 regions (10 leagues of 9 banners each), 50 weekly indicators, 10 years of figures at the banners
(2.35 million rows). Target (issue 3): <= 200 ms for one league's facts. Peer, in the same run: the same
figures read the obvious way, one series query per indicator and region through Observations.

    python bench/facts.py [--years 10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from briefing.figures.period_text import parse_period  # noqa: E402
from briefing.store.db import Store  # noqa: E402
from briefing.store.facts import LAZY, fact_claims, gather, gather_many  # noqa: E402
from briefing.store.observations import Observations  # noqa: E402

LEAGUES, BANNERS, INDICATORS = 10, 9, 50
G = "甲乙丙丁戊己庚辛壬癸"   # names without digits: a figure written after a name must not run into it
LAST = date(2024, 1, 8)


def build(path: Path, years: int) -> None:
    weeks = [LAST - timedelta(weeks=k) for k in range(52 * years + years // 5)][::-1]
    keys = ["%d-W%02d" % d.isocalendar()[:2] for d in weeks]
    with Store(path) as store, store.write() as db:
        db["regions"].insert_all(
            [{"code": f"L{l}", "name": f"{G[l]}盟", "parent": None} for l in range(LEAGUES)]
            + [{"code": f"L{l}B{b}", "name": f"{G[l]}盟{G[b]}旗", "parent": f"L{l}"}
               for l in range(LEAGUES) for b in range(BANNERS)])
        db["indicators"].insert_all([{"code": f"I{i:02d}", "name": f"指标{G[i // 10]}{G[i % 10]}", "domain": "医疗", "kind": "flow",
                                      "unit": "人次", "frequency": "week", "time_agg": "sum", "region_agg": "sum"}
                                     for i in range(INDICATORS)])
        db.conn.executemany(
            "INSERT INTO observations (indicator, region, period, revision, value, recorded_at) "
            "VALUES (?, ?, ?, 1, ?, '2024-01-15T01:00:00+00:00')",
            sorted((f"I{i:02d}", f"L{l}B{b}", key, float((k * 31 + i + b) % 997))
                   for i in range(INDICATORS) for l in range(LEAGUES) for b in range(BANNERS)
                   for k, key in enumerate(keys)))
        db.execute("ANALYZE")


def peer(obs: Observations, period) -> int:
    """The obvious way: every indicator's series for the league, then the comparisons in Python."""
    n = 0
    for ind in obs.catalog.indicators:
        series = {f.period.key: f.value for f in obs.series(ind, "L0")}
        this, prev, ago = series.get(period.key), series.get(period.previous().key), series.get(period.year_ago().key)
        ytd = sum(series.get(p.key, 0) for p in period.ytd().periods())
        total = sum(series.values())
        n += all(v is not None for v in (this, prev, ago, ytd, total))
    return n


def read_all(facts) -> int:
    """Every figure of every fact read and claimed, as a weekly briefing of the league reads them."""
    n = 0
    for fact in facts.facts.values():
        for name in LAZY[:-1]:
            getattr(fact, name)
        n += len(fact_claims(fact))
    return n


def backfill_facts(path: Path, weeks: int) -> tuple[float, float]:
    """Seconds per week: a league's weeks through gather_many, and each week gathered alone."""
    periods = [parse_period("2024-W01")]
    while len(periods) < weeks:
        periods.append(periods[-1].previous())
    with Store(path, create=False) as store:
        t0 = time.perf_counter()
        for facts in gather_many(store.db, "L0", periods):
            read_all(facts)
        many = (time.perf_counter() - t0) / weeks
        t0 = time.perf_counter()
        for period in periods:
            read_all(gather(store.db, "L0", period))
        alone = (time.perf_counter() - t0) / weeks
    return many, alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=52, help="weeks of the backfill")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        path = Path(tmp) / "facts.db"
        build(path, args.years)
        period = parse_period("2024-W01")
        with Store(path, create=False) as store:
            rows = store.db.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                facts = gather(store.db, "L0", period)
                read_all(facts)                         # every figure computed, as before they were lazy
                times.append(time.perf_counter() - t0)
            assert len(facts.facts) == INDICATORS and facts["I00"].since_start is not None
            t0 = time.perf_counter()
            complete = peer(Observations(store.db), period)
            slow = time.perf_counter() - t0
        many, alone = backfill_facts(path, args.weeks)
        ours = statistics.median(times)
    if args.json:
        print(json.dumps({"row": "facts of one league's weekly briefing", "value": round(ours * 1000, 1), "unit": "ms",
                          "target": "<= 200 ms", "peer": "a series query per indicator (Observations)",
                          "peer_value": round(slow * 1000, 1), "ratio": round(ours / slow, 3), "met": ours <= 0.2},
                         ensure_ascii=False))
        print(json.dumps({"row": "facts of a backfill, per week (a league, every figure read and claimed)",
                          "value": round(many * 1000, 2), "unit": "ms", "target": None,
                          "peer": "each week gathered alone", "peer_value": round(alone * 1000, 2),
                          "ratio": round(many / alone, 3), "met": None}, ensure_ascii=False))
        return
    print(f"facts of one league ({BANNERS} banners, {INDICATORS} weekly indicators) over {rows:,} rows: "
          f"{ours * 1000:.0f} ms median of {args.repeat} (target <= 200 ms)")
    print(f"  peer (a series query per indicator through Observations): {slow * 1000:.0f} ms; "
          f"peer / ours = {slow / ours:.1f}x ({complete} of {INDICATORS} complete)")
    print(f"facts of a backfill of {args.weeks} weeks (the league, every figure read and claimed): "
          f"{many * 1000:.1f} ms a week")
    print(f"  peer (each week gathered alone): {alone * 1000:.1f} ms a week; ours / peer = {many / alone:.2f}x")

if __name__ == "__main__":
    main()
