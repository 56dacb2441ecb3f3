"""The speed table of issue 15 in one run: each benchmark of bench/ run in its own process with --json, and its
rows printed against their targets, each with the peer it was measured beside (docxtpl, the raw-zip bound,
`python -c 'import docx'`, the raw insert). A benchmark that fails is said so and the others still run.

    python bench/speed.py                 # every row, full size (about 10 minutes on the 2-core machine)
    python bench/speed.py --quick         # smaller inputs, the same rows (about 2 minutes)
    python bench/speed.py --only render   # one benchmark

Each figure is one run's; the machine is shared, so run it three times and read the ranges (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (name, script, arguments for a full run, arguments for --quick)
BENCHES = (
    ("render", "render.py", ["--runs", "1"], ["--runs", "1", "--repeat", "10", "--backfill-weeks", "5",
                                              "--backfill-regions", "10"]),
    ("cold", "cold.py", [], ["--runs", "5", "--renders", "100"]),
    ("series", "series.py", ["--no-window"], ["--no-window", "--repeat", "3"]),
    ("ingest", "ingest.py", ["--runs", "1", "--no-query"], ["--runs", "1", "--no-query", "--rows", "200000",
                                                            "--years", "2"]),
)


def run(script: str, args: list[str]) -> tuple[list[dict], str]:
    """The rows a benchmark printed as JSON, and what it said on stderr when it failed."""
    done = subprocess.run([sys.executable, str(HERE / script), "--json", *args], capture_output=True, text=True)
    rows = []
    for line in done.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                found = json.loads(line)
            except ValueError:
                continue
            if isinstance(found, dict) and "row" in found:
                rows.append(found)
    failed = "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]
    return rows, failed


def shown(value, unit: str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value} {unit}".strip() if unit else str(value)


def line(row: dict) -> str:
    met = {True: "met", False: "MISSED", None: "—"}[row.get("met")]
    peer = ""
    if row.get("peer"):
        peer = f"; {row['peer']}: {shown(row.get('peer_value'), row.get('peer_unit', row.get('unit')))}"
        if row.get("ratio") is not None:
            peer += f" (ratio {row['ratio']:.2f})"
    target = row.get("target")
    return f"  {row['row']}: {shown(row.get('value'), row.get('unit'))} (target {'—' if target is None else target}) " \
           f"[{met}]{peer}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, the same rows")
    parser.add_argument("--only", choices=[b[0] for b in BENCHES], action="append", help="only these benchmarks")
    asked = parser.parse_args()
    missed = 0
    if asked.quick:
        print("--quick: smaller inputs (200,000 rows for the 1M-row ingest, fewer briefings, fewer runs); the rows "
              "keep their names but the sizes are not the targets' — run without --quick for the table")
    for name, script, full, quick in BENCHES:
        if asked.only and name not in asked.only:
            continue
        if not (HERE / script).is_file():
            print(f"{name}: bench/{script} is not there")
            missed += 1
            continue
        started = time.perf_counter()
        rows, failed = run(script, quick if asked.quick else full)
        print(f"{name} (bench/{script}, {time.perf_counter() - started:.0f} s):")
        for row in rows:
            print(line(row))
            missed += row.get("met") is False
        if failed or not rows:
            print(f"  failed: {failed or 'printed no rows'}")
            missed += 1
    print("every target met" if not missed else f"{missed} row(s) missed or failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
