"""Benchmark: a cold `briefing generate`, and what the template time limit costs a render (issue 15).

    python bench/cold.py [--runs 9] [--renders 300] [--db SAMPLE.db] [--json]

- **cold `briefing generate`**: a new process writing the sample's weekly briefing (兴安盟, 2024-W02, two
  charts) into a folder, wall time, median of --runs; once with the cache folder (compiled templates …) kept
  from the run before (the usual case: every run after the first) and once with an empty one. Target: <= 0.3 s.
  Peer, in the same run, interleaved: the floor, `python -c 'import docx'` plus reading the template.
  Every process reads its modules' compiled bytecode from one PYTHONPYCACHEPREFIX folder, warmed before timing,
  as an installed wheel's would be (this machine sets PYTHONDONTWRITEBYTECODE, which would make each run compile
  briefing's sources and none of python-docx's). Beside the wall times, the CPU time (user + system) of each
  process, median: what a start costs whatever else runs on the machine.
- **template time limit**: the weekly template rendered on the same facts in this process, alternately inside
  the deadline (sandbox.deadline: a watchdog thread) and without it, --renders times each; the cost is the
  median difference of neighbouring pairs (so the machine's drift cancels) as a share of the median render
  without it. Target: <= 5%. The bare cost of entering and
  leaving a deadline is measured too, as the steadier figure.

Prints one line per row, or with --json one JSON object per row (the rows of the issue's table).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))

TEMPLATE = ROOT / "templates" / "weekly" / "briefing.md.j2"
FLOOR = f"import docx; open({str(TEMPLATE)!r}, encoding='utf-8').read()"
AS_OF = "2024-01-17T15:59:59+00:00"


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "BRIEFING_CACHE_DIR")}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "pyc"), "BRIEFING_LANG": "zh"}


def wall(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The wall time of a new process running argv, and its CPU time (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def sample(work: Path) -> Path:
    """The sample office's database, built by `briefing demo`."""
    db = work / "demo.db"
    subprocess.run([sys.executable, "-m", "briefing", "demo", "--out", str(db)], env=environment(work), check=True,
                   stdout=subprocess.DEVNULL)
    return db


def cold_generate(work: Path, db: Path, runs: int) -> dict[str, list[float]]:
    """Wall times of the floor, generate with a kept cache and generate with an empty one, interleaved."""
    env = environment(work)
    generate = [sys.executable, "-m", "briefing", "--db", str(db), "generate", "--period", "2024-W02",
                "-o", str(work / "out"), "--force"]
    kept = {**env, "BRIEFING_CACHE_DIR": str(work / "cache")}
    floor = [sys.executable, "-c", FLOOR]
    for argv, e in ((floor, env), (generate, kept), (generate, kept)):      # bytecode and cache warmed
        wall(argv, e)
    times: dict[str, list[float]] = {key: [] for key in ("floor", "kept", "empty", "floor cpu", "kept cpu",
                                                             "empty cpu")}
    for i in range(runs):
        for key, argv, e in (("floor", floor, env), ("kept", generate, kept),
                             ("empty", generate, {**env, "BRIEFING_CACHE_DIR": str(work / f"empty-{i}")})):
            elapsed, cpu = wall(argv, e)
            times[key].append(elapsed)
            times[f"{key} cpu"].append(cpu)
    return times


def captured_render(db: Path):
    """The environment, template and context of the sample's weekly briefing, as make() hands them to render."""
    from briefing import settings
    from briefing.documents import templates
    from briefing.documents.make import Request, make
    from briefing.figures.period_text import parse_period
    from briefing.store.db import Store

    seen: dict = {}
    real = templates.render

    def keep(env, template, context, limit_s=None):
        seen.update(env=env, template=template, context=context)
        return real(env, template, context, limit_s)
    templates.render = keep
    try:
        with Store(db, create=False) as store:
            make(store, settings.load(env={}), Request("weekly", parse_period("2024-W02"), "兴安盟", AS_OF))
    finally:
        templates.render = real
    return seen["env"], seen["env"].get_template(templates.MAIN), seen["context"]


def time_limit(db: Path, renders: int) -> dict[str, float]:
    """Median render with and without the deadline, alternated; and the bare cost of one deadline."""
    from briefing.documents.sandbox import deadline

    env, jt, context = captured_render(db)
    on: list[float] = []
    off: list[float] = []
    for i in range(renders * 2):
        env.printed = 0
        started = time.perf_counter()
        with deadline(10.0) if i % 2 == 0 else contextlib.nullcontext():
            jt.render(context)
        (on if i % 2 == 0 else off).append(time.perf_counter() - started)
    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        with deadline(10.0):
            pass
    bare = (time.perf_counter() - started) / n
    paired = statistics.median(a - b for a, b in zip(on, off))    # each render with the one beside it: drift cancels
    return {"on": statistics.median(on), "off": statistics.median(off), "paired": paired, "bare": bare}


def rows(times: dict[str, list[float]], limit: dict[str, float]) -> list[dict]:
    floor = statistics.median(times["floor"])
    peer = "python -c 'import docx' + reading the template"
    out = []
    for key, row in (("kept", "cold `briefing generate`"), ("empty", "cold `briefing generate` (empty cache folder)")):
        value = statistics.median(times[key])        # the target is a briefing's start; an empty cache folder is
        kept = key == "kept"                          # the first start after an install or upgrade: shown, no target
        out.append({"row": row, "value": round(value, 4), "unit": "s", "target": 0.3 if kept else None,
                    "peer": peer, "peer_value": round(floor, 4), "ratio": round(value / floor, 2),
                    "met": value <= 0.3 if kept else None, "cpu": round(statistics.median(times[f"{key} cpu"]), 4),
                    "peer_cpu": round(statistics.median(times["floor cpu"]), 4)})
    cost = limit["paired"] / limit["off"]
    out.append({"row": "template time limit (cost of a render)", "value": round(cost * 100, 2), "unit": "%",
                "target": 5, "peer": "the same render without the limit", "peer_value": round(limit["off"] * 1000, 3),
                "peer_unit": "ms",
                "ratio": round(limit["on"] / limit["off"], 3), "met": cost <= 0.05,
                "bare_us": round(limit["bare"] * 1e6, 2)})
    return out


def show(row: dict, times: dict[str, list[float]] | None = None) -> str:
    if row["unit"] == "s":
        spread = ""
        if times:
            key = "empty" if "empty" in row["row"] else "kept"
            spread = f", range {min(times[key]):.3f}–{max(times[key]):.3f} s"
        target = f"target <= {row['target']} s" if row["target"] else "the first start after an install: no target"
        return (f"{row['row']}: {row['value']:.3f} s median{spread} ({target}) ... peer "
                f"{row['peer']}: {row['peer_value']:.3f} s; ours / peer = {row['ratio']}x; CPU time "
                f"{row['cpu']:.3f} s, peer {row['peer_cpu']:.3f} s")
    return (f"{row['row']}: {row['value']:+.2f}% (target <= {row['target']}%) ... peer {row['peer']}: "
            f"{row['peer_value']:.3f} ms a render; a deadline entered and left: {row['bare_us']} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="new processes of each kind (median of them)")
    parser.add_argument("--renders", type=int, default=300, help="renders with and without the time limit, each")
    parser.add_argument("--db", type=Path, help="the sample's database, already built [default: built here by "
                        "`briefing demo`]")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        work = Path(tmp)
        db = args.db.resolve() if args.db else sample(work)
        times = cold_generate(work, db, max(args.runs, 7))
        limit = time_limit(db, args.renders)
    for row in rows(times, limit):
        print(json.dumps(row, ensure_ascii=False) if args.json else show(row, times))


if __name__ == "__main__":
    main()
