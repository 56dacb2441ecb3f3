"""Benchmark: writing the weekly briefing, against the raw-zip bound and against docxtpl, in one run (issue 15).

    python bench/render.py [--runs 3] [--repeat 20] [--backfill-weeks 52] [--backfill-regions 100] [--json]

Rows (each measured --runs times, a median of --repeat each; ranges over the runs, ratios within each run):
- render blocks → .docx (2 charts): the sample's weekly briefing rendered by the direct writer (word.render),
  against the raw-zip bound: the same parts, already rendered, zipped with zipfile (target <= 1.5x the bound);
  python-docx (word.render_python_docx) is shown beside it;
- whole weekly briefing: facts + template + figure check + render + save, against docxtpl with the same facts
  and the same text and table (docxtpl has no native charts, so the peer does less; target >= 3x faster). The
  same facts: the region's gathered as ours are, and every figure our briefing computed when its template read
  it (comparisons, totals, parts, trends, in every region it reached), computed the same way; the ratio with
  the gather alone (facts computed when first read, so the peer would state figures it never computed) is
  printed beside it;
- backfill: briefings per second over regions x weeks with the weekly template (the bench/facts.py database:
  10 leagues of 9 banners, 50 weekly indicators), with one worker and with every core (target >= 300/s on 2).
--json prints one JSON object per row for bench/speed.py.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))
sys.path.insert(0, str(ROOT / "bench"))

from zoneinfo import ZoneInfo  # noqa: E402

from briefing import demo, settings  # noqa: E402
from briefing.documents.make import Briefing, Request, make
from briefing.documents.make import backfill as backfill_briefings
from briefing.figures.period_text import parse_period  # noqa: E402
from briefing.store.db import Store  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = "2024-01-17T15:59:59+00:00"


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def ours(db: Path, conf) -> bytes:
    with Store(db, create=False) as store:
        made = make(store, conf, Request("weekly", parse_period("2024-W02"), "兴安盟", AS_OF))
    return made.docx()


def facts_only(db: Path, read: list[tuple[str, str, str]] = ()):
    """The peer's facts: the region's, gathered as ours are, and every figure our briefing read (``read``:
    region, indicator, field, from figures_read), each computed as ours computes it when first read."""
    from briefing.store.facts import gather

    with Store(db, create=False) as store:
        facts = gather(store.db, "兴安盟", parse_period("2024-W02"), AS_OF)
        regions = {facts.region.name: facts}
        for region, code, name in read:
            if region not in regions:
                regions[region] = facts.other(region)
            getattr(regions[region].facts[code], name)
    return facts


def figures_read(db: Path, conf) -> list[tuple[str, str, str]]:
    """(region, indicator code, field) of every figure our weekly briefing computed beyond the figure of the
    period itself (its comparisons, totals, parts, trend), in every region it reached: "the same facts"."""
    from briefing.documents import make as make_module
    from briefing.store.facts import LAZY

    reached = []
    real = make_module.install

    def install(*args, **kwargs):
        claims = real(*args, **kwargs)
        reached.append(claims.__self__)          # the briefing's figures (template_api._Briefing)
        return claims
    make_module.install = install
    try:
        ours(db, conf)
    finally:
        make_module.install = real
    seen = {id(f): f for f in reached[0].regions.values()}.values()
    return [(facts.region.name, fact.indicator.code, name) for facts in seen for fact in facts.facts.made()
            for name in LAZY if name in fact.__dict__]


def docxtpl_peer(made: Briefing, folder: Path):
    """The same words and table through docxtpl: a template .docx with Jinja tags, rendered and saved."""
    import docx
    from docxtpl import DocxTemplate

    doc = docx.Document()
    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{%p for para in paras %}")
    doc.add_paragraph("{{ para }}")
    doc.add_paragraph("{%p endfor %}")
    table = doc.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "{%tr for row in rows %}"
    table.cell(1, 0).text = "{{ row }}{%tr endfor %}"
    path = folder / "peer.docx"
    doc.save(path)
    paras = [b.text or "".join(b.lines) for b in made.blocks if b.kind in ("meta", "paragraph", "heading")]
    rows = ["　".join(r) for b in made.blocks if b.kind == "table" for r in b.rows]

    def run():
        tpl = DocxTemplate(path)
        tpl.render({"title": made.title, "paras": paras, "rows": rows})
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()
    return run


def raw_zip(document: bytes):
    parts = []
    with zipfile.ZipFile(io.BytesIO(document)) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]

    def run():
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info, blob in parts:
                dst.writestr(info, blob)
        return out.getvalue()
    return run


def backfill(regions: int, weeks: int, folder: Path) -> list[tuple[int, int, float]]:
    """(workers, briefings, seconds) for a backfill of the weekly template with one worker and with every core."""
    import os

    import facts as facts_bench

    db = folder / "backfill.db"
    if not db.exists():
        facts_bench.build(db, 2)
    conf = settings.load(env={})
    with Store(db, create=False) as store:
        codes = [r[0] for r in store.db.execute("SELECT code FROM regions ORDER BY code")][:regions]
    periods = [parse_period("2024-W01")]
    while len(periods) < weeks:
        periods.append(periods[-1].previous())
    out = []
    for workers in sorted({1, os.cpu_count() or 1}):
        t0 = time.perf_counter()
        n = backfill_briefings(db, conf, "weekly", codes, periods, workers=workers)
        out.append((workers, n, time.perf_counter() - t0))
    return out


RENDER_ROW = "render blocks → .docx (2 charts)"
WHOLE_ROW = "whole weekly briefing (facts, template, figure check, render, save)"
BACKFILL_ROW = "backfill, 2 cores (bench/render.py, with the weekly template, not a one-chart one)"


def one_run(db: Path, conf, folder: Path, repeat: int) -> dict[str, float]:
    """One run's medians (ms): ours and its peers side by side."""
    from briefing.documents import word

    with Store(db, create=False) as store:
        made = make(store, conf, Request("weekly", parse_period("2024-W02"), "兴安盟", AS_OF))
    document = made.docx()
    props = word.Properties(made.title, author="兴安盟")
    peer_render = docxtpl_peer(made, folder)
    read = figures_read(db, conf)
    return {"render": median_ms(made.docx, repeat), "bound": median_ms(raw_zip(document), repeat),
            "python-docx": median_ms(lambda: word.render_python_docx(made.blocks, props), repeat),
            "whole": median_ms(lambda: ours(db, conf), repeat),
            "docxtpl": median_ms(lambda: (facts_only(db, read), peer_render()), repeat),
            "gather only": median_ms(lambda: facts_only(db), repeat), "same facts": median_ms(lambda: facts_only(db, read), repeat)}


def span(values: list[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}"


def rows(runs: list[dict[str, float]], backfilled: list[tuple[int, int, float]]) -> list[dict]:
    """The issue's rows: the median run's figures, with the ranges over the runs."""
    def mid(key):
        return statistics.median(r[key] for r in runs)
    render_ratio = [r["render"] / r["bound"] for r in runs]
    whole_ratio = [r["docxtpl"] / r["whole"] for r in runs]
    out = [{"row": RENDER_ROW, "value": round(mid("render"), 3), "unit": "ms", "target": "<= 1.5x the raw-zip bound",
            "peer": "raw-zip bound", "peer_value": round(mid("bound"), 3), "ratio": round(statistics.median(render_ratio), 3),
            "met": statistics.median(render_ratio) <= 1.5, "range": span([r["render"] for r in runs], 3),
            "ratio_range": span(render_ratio), "python_docx_ms": round(mid("python-docx"), 3)},
           {"row": WHOLE_ROW, "value": round(mid("whole"), 2), "unit": "ms", "target": ">= 3x faster than docxtpl",
            "peer": "docxtpl + same facts", "peer_value": round(mid("docxtpl"), 2),
            "ratio": round(statistics.median(whole_ratio), 3), "met": statistics.median(whole_ratio) >= 3,
            "range": span([r["whole"] for r in runs]), "ratio_range": span(whole_ratio),
            "facts_ms": round(mid("same facts"), 2), "gather_only_ms": round(mid("gather only"), 2),
            "ratio_gather_only": round(statistics.median(
                (r["docxtpl"] - r["same facts"] + r["gather only"]) / r["whole"] for r in runs), 3)}]
    for workers, n, seconds in backfilled:
        if workers == max(w for w, _, _ in backfilled):
            out.append({"row": BACKFILL_ROW, "value": round(n / seconds, 1), "unit": "/s", "target": ">= 300 /s",
                        "peer": None, "peer_value": None, "ratio": None, "met": n / seconds >= 300,
                        "workers": workers, "briefings": n})
    return out


def show(row: dict, runs: list[dict[str, float]]) -> str:
    if row["row"] == RENDER_ROW:
        return (f"{RENDER_ROW}: {row['value']:.3f} ms (range {row['range']}; target <= 1.5x the bound) ... peer raw-zip "
                f"bound {row['peer_value']:.3f} ms; ours / bound = {row['ratio']:.2f}x (range {row['ratio_range']}); "
                f"python-docx {row['python_docx_ms']:.2f} ms")
    if row["row"] == WHOLE_ROW:
        return (f"{WHOLE_ROW}: {row['value']:.2f} ms (range {row['range']}; target >= 3x faster) ... peer docxtpl + "
                f"same facts {row['peer_value']:.2f} ms; docxtpl / ours = {row['ratio']:.2f}x (range {row['ratio_range']}); "
                f"the same facts {row['facts_ms']:.2f} ms (gathered only, without the figures the text states: "
                f"{row['gather_only_ms']:.2f} ms, ratio {row['ratio_gather_only']:.2f}x)")
    return (f"{BACKFILL_ROW}: {row['value']:.0f} briefings/s with {row['workers']} worker(s) "
            f"({row['briefings']} briefings; target >= 300/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backfill-regions", type=int, default=100)
    parser.add_argument("--backfill-weeks", type=int, default=52)
    parser.add_argument("--json", action="store_true", help="one JSON object per row (bench/speed.py)")
    args = parser.parse_args()
    conf = settings.load(env={})
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        folder = Path(tmp)
        db = demo.build(folder / "sample.db", TZ)
        runs = [one_run(db, conf, folder, args.repeat) for _ in range(args.runs)]
        backfilled = backfill(args.backfill_regions, args.backfill_weeks, folder) if args.backfill_regions else []
        for row in rows(runs, backfilled):
            print(json.dumps(row, ensure_ascii=False) if args.json else show(row, runs))
        if not args.json:
            for workers, n, seconds in backfilled:
                print(f"  backfill with {workers} worker(s): {n} briefings in {seconds:.1f} s = {n / seconds:.0f}/s")


if __name__ == "__main__":
    main()
