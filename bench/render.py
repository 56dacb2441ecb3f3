"""Benchmark: writing the weekly briefing, against docxtpl and against the raw zip bound, in one run.

    python bench/render.py [--repeat 20] [--backfill-weeks 52] [--backfill-regions 100]

- per document: facts + template + render (2 native charts) + save, for the sample's weekly briefing;
- peer: the same text and table through docxtpl (a Jinja-tagged .docx; docxtpl has no native charts, so
  the peer does less work than we do);
- lower bound: writing the same document's parts, already rendered, into a zip;
- cold `briefing generate` wall time (a new process: imports, database, template, render, save);
- backfill: briefings per second over regions x weeks (the bench/facts.py database: 10 leagues of 9
  banners, 50 weekly indicators) with a minimal weekly template.
Targets (issue 4): faster than docxtpl on the same content; cold generate <= 1 s; backfill >= 50/s.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
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


def facts_only(db: Path):
    from briefing.store.facts import gather

    with Store(db, create=False) as store:
        return gather(store.db, "兴安盟", parse_period("2024-W02"), AS_OF)


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


def cold(db: Path, folder: Path) -> float:
    cmd = [sys.executable, "-m", "briefing", "--db", str(db), "generate", "--period", "2024-W02",
           "--as-of", "2024-01-17", "-o", str(folder / "cold"), "--force"]   # the same file each time
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


MINIMAL = """# {{ 标题 }}

{% for f in 领域("医疗") %}{{ f.名称 }}{{ f.本期 }}{% if f.上期 %}，{{ f | 环比 }}{% endif %}{% if f.上年同期 %}，{{ f | 同比 }}{% endif %}。
{% endfor %}
{{ 折线图(领域("医疗")[0]) }}
"""


def backfill(regions: int, weeks: int, folder: Path) -> list[tuple[int, int, float]]:
    """(workers, briefings, seconds) for a backfill with one worker and with every core."""
    import os

    import facts as facts_bench

    db = folder / "backfill.db"
    facts_bench.build(db, 2)
    tpl = folder / "tpl" / "mini"
    tpl.mkdir(parents=True)
    (tpl / "template.toml").write_text('name = "周报"\nperiod = "week"\n', encoding="utf-8")
    (tpl / "briefing.md.j2").write_text(MINIMAL, encoding="utf-8")
    conf = settings.load(env={}, overrides={"template_dirs": str(folder / "tpl")})
    with Store(db, create=False) as store:
        codes = [r[0] for r in store.db.execute("SELECT code FROM regions ORDER BY code")][:regions]
    periods = [parse_period("2024-W01")]
    while len(periods) < weeks:
        periods.append(periods[-1].previous())
    out = []
    for workers in sorted({1, os.cpu_count() or 1}):
        t0 = time.perf_counter()
        n = backfill_briefings(db, conf, "mini", codes, periods, workers=workers)
        out.append((workers, n, time.perf_counter() - t0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backfill-regions", type=int, default=100)
    parser.add_argument("--backfill-weeks", type=int, default=52)
    args = parser.parse_args()
    conf = settings.load(env={})
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        folder = Path(tmp)
        db = demo.build(folder / "sample.db", TZ)
        document = ours(db, conf)
        with Store(db, create=False) as store:
            made = make(store, conf, Request("weekly", parse_period("2024-W02"), "兴安盟", AS_OF))
        peer_render = docxtpl_peer(made, folder)
        render_ms = median_ms(made.docx, args.repeat)
        peer_ms = median_ms(peer_render, args.repeat)
        bound = median_ms(raw_zip(document), args.repeat)
        print(f"render the weekly briefing to .docx (blocks -> styles, table, 2 native charts, save): "
              f"{render_ms:.1f} ms median of {args.repeat}")
        print(f"  docxtpl, same text and table, no charts: {peer_ms:.1f} ms; ours / docxtpl = {render_ms / peer_ms:.2f}x")
        print(f"  raw zip of the same parts (lower bound): {bound:.1f} ms; ours / bound = {render_ms / bound:.1f}x")
        full = median_ms(lambda: ours(db, conf), args.repeat)
        full_peer = median_ms(lambda: (facts_only(db), peer_render()), args.repeat)
        print(f"whole briefing (facts + template + figure check + render + save): {full:.1f} ms")
        print(f"  docxtpl with the same facts gathered: {full_peer:.1f} ms; ours / docxtpl = {full / full_peer:.2f}x")
        print(f"cold `briefing generate` (new process): {cold(db, folder):.2f} s median of 3 (target <= 1 s)")
        for workers, n, seconds in backfill(args.backfill_regions, args.backfill_weeks, folder):
            print(f"backfill with {workers} worker(s): {n} briefings in {seconds:.1f} s = {n / seconds:.0f} briefings/s "
                  "(target >= 50/s)")


if __name__ == "__main__":
    main()
