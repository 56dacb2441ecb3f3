"""Benchmark: what the ledger and the archive cost a scheduled run.

The sample data's four regions, a weekly schedule owing a year of weeks (4 x 52 = 208 briefings), made by
one reconcile step (claim in BEGIN IMMEDIATE, make, verify, write atomically with fsync, mark done, rewrite
the folder's index.json). Peer, in the same run: the same 208 briefings made and written with
briefing.make + a plain file write, no ledger, no fsync, no index (the bare cost of the documents).

    python bench/run_due.py [--weeks 52]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from briefing import demo, settings  # noqa: E402
from briefing.archive.runner import Runner  # noqa: E402
from briefing.archive.schedules import load  # noqa: E402
from briefing.documents.make import Request, make  # noqa: E402
from briefing.figures.period_text import parse_period  # noqa: E402
from briefing.store.db import Store  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
REGIONS = ["兴安盟", "科右前旗", "科右中旗", "扎赉特旗"]
FIRST = datetime(2023, 1, 2, 8, 0, tzinfo=TZ)   # due moment of 2023-W01


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = demo.build(root / "b.db", TZ)
        s = settings.load(env={}, overrides={"db": str(db), "archive_dir": str(root / "archive")})
        schedule = load([{"template": "weekly", "regions": REGIONS, "start": "2023-01-01", "horizon_days": 3650}],
                        "bench")
        now = FIRST + timedelta(weeks=args.weeks)
        with Store(db) as store:
            started = time.perf_counter()
            step = Runner(store, s, schedule).run_due(now)
            ours = time.perf_counter() - started
            count = len(step.made)
            assert count == 4 * args.weeks and not step.failed, step.summary()
            started = time.perf_counter()
            bare(store, s, args.weeks, root / "bare", now)
            peer = time.perf_counter() - started
    print(f"run-due, {count} briefings (claim, make, verify, atomic write + fsync, done, index): "
          f"{ours:.2f} s, {count / ours:.0f} briefings/s")
    print(f"  peer (make + plain write, no ledger): {peer:.2f} s, {count / peer:.0f} briefings/s; "
          f"ours / peer = {ours / peer:.2f}x")


def bare(store: Store, s, weeks: int, folder: Path, now: datetime) -> None:
    folder.mkdir()
    as_of = now.astimezone(ZoneInfo("UTC")).isoformat()
    for region in REGIONS:
        for n in range(weeks):
            period = parse_period((FIRST.date() + timedelta(weeks=n)).strftime("%G-W%V"))
            made = make(store, s, Request("weekly", period, region, as_of))
            (folder / f"{made.stem}.docx").write_bytes(made.docx())


if __name__ == "__main__":
    main()
