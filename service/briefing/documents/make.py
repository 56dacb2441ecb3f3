"""Making one briefing: template + facts → markup → blocks → checked → .docx, .html, .pdf.

The shell around the pure core: it reads the store (through facts), runs the template, checks every
figure in the text against the data (verify.py), and writes the files atomically.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from ..errors import BriefingError, Incomplete, NoFigures, UsageError
from ..figures import script, verify
from ..figures.period_text import parse_period
from ..figures.periods import Period, last_ended
from ..files import safe_name, write_atomically
from ..i18n import _
from ..settings import Settings
from ..store.catalog import Catalog, office_settings, split_folders, template_folders
from ..store.db import Store
from ..store.facts import Facts, gather, gather_many
from ..store.issues import issue_of
from ..store.observations import FAR_FUTURE, Observations, latest_period
from . import FORMATS, html, markup, masthead, provenance, templates, word
from .masthead import Recipients
from .provenance import Quoted
from .template_api import install

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    template: str
    period: Period
    region: str
    as_of: str = FAR_FUTURE          # ISO UTC
    script: str = "simplified"
    hold: bool = False               # Incomplete rather than a briefing while some parts have not reported
    correction: str | None = None    # a corrected edition (更正版): the line saying what changed
    issue: int | None = None         # 第N期 as the ledger numbered it; None: numbered as the next one (issues.py)
    recipients: Recipients | None = None   # 报、送、发 of its schedule; None: the settings' and office's


@dataclass
class Briefing:
    template: templates.Template
    facts: Facts
    title: str
    report_date: date
    markup: str
    blocks: list[markup.Block]
    stem: str                        # file name without extension: 2024-W02_兴安盟_周报
    timings: dict[str, float] = field(default_factory=dict)

    def docx(self, reference: str | None = None) -> bytes:
        props = word.Properties(self.title, author=self.facts.region.name, subject=self.template.name,
                                  keywords=f"{self.template.name},{self.facts.region.name},{self.facts.period.key}",
                                  created=datetime.combine(self.report_date, datetime.min.time()))
        return word.render(self.blocks, props, reference)

    def html(self) -> str:
        return html.render(self.blocks, self.title)


def report_date(request: Request, tz: ZoneInfo) -> date:
    """The date a briefing carries: the day of its as-of moment, else the day after its period ends."""
    if request.as_of != FAR_FUTURE:
        return datetime.fromisoformat(request.as_of).astimezone(tz).date()
    return request.period.end + timedelta(days=1)


def make(store: Store, settings: Settings, request: Request, template: templates.Template | None = None) -> Briefing:
    """The briefing asked for, checked: every figure in its text is accounted for by the data. The template
    is looked up by the request's key unless given (a remake passes the one it was first made with)."""
    template = template or templates.load(request.template, template_dirs(settings, store))
    facts = gather(store.db, request.region, request.period, request.as_of)
    return _write_text(store, settings, template, facts, request)


def make_many(store: Store, settings: Settings, template_key: str, region: str, periods: list[Period],
              as_of: str = FAR_FUTURE, script_name: str = "simplified",
              problems: dict[str, Exception] | None = None) -> list[Briefing]:
    """The briefings of one region for several periods (a backfill), the figures read once for all. A period
    without figures is passed over; with ``problems``, so is one that fails, and each passed over is kept there
    by its period's key with why."""
    template = templates.load(template_key, template_dirs(settings, store))
    out = []
    for facts in gather_many(store.db, region, periods, as_of):
        request = Request(template_key, facts.period, region, as_of, script_name)
        try:
            out.append(_write_text(store, settings, template, facts, request))
        except NoFigures as exc:
            log.info("not made: %s", exc.message)      # a backfill passes over the periods without figures
            if problems is not None:
                problems[facts.period.key] = exc
        except Exception as exc:                       # one briefing's failure is its own, not its region's
            if problems is None:
                raise
            problems[facts.period.key] = exc
    return out


def _write_text(store: Store, settings: Settings, template: templates.Template, facts: Facts,
                request: Request) -> Briefing:
    """The template run on the facts, parsed into blocks and checked figure by figure; NoFigures when the
    period has nothing to say yet (a briefing without this week's figures is not a weekly briefing)."""
    started = time.perf_counter()
    if not facts.has_figures:
        latest = latest_period(Observations(store.db), facts.region.code, facts.period.kind, request.as_of)
        raise NoFigures(short_label(facts.period), facts.region.name, short_label(latest) if latest else None)
    if request.hold and facts.missing:
        raise Incomplete(short_label(facts.period), facts.region.name, facts.missing)
    env = templates.environment(template)
    claims = install(env, facts, template.style, other_region=facts.other)
    day = report_date(request, ZoneInfo(settings.timezone))
    office = office_settings(store.db)
    title = template.title.format(地区=facts.region.name, 名称=template.name, 期间=short_label(facts.period),
                                  项目=office.get("programme", ""))
    title += "（更正版）" if request.correction else ""
    context = {"标题": title, **_masthead(template, settings, office, day)}
    marked = templates.render(env, template, {**{key: Quoted(value) for key, value in context.items()},
                                              **_issue(store, template, facts, request, settings, office)})
    shielded, held = provenance.shield(marked)          # the data's text is never parsed as markup
    blocks = map_text(markup.parse(shielded, str(template.path)), lambda s: provenance.unshield(s, held))
    # only the numbers the data wrote are checked; the template's own words (图1, 近12周) are its own
    text, from_data = provenance.split(plain_text(blocks))
    verify.check(text, claims(), ignore=template.fixed_numbers, only=from_data)
    blocks = with_correction(map_text(blocks, provenance.strip), request.correction)
    text = provenance.strip(marked)
    if request.script != "simplified":
        blocks = convert_blocks(blocks, request.script)
        title = script.convert(title, request.script)
    stem = stem_of(facts.period, facts.region.name, template, request.script)
    briefing = Briefing(template, facts, title, day, text, blocks, stem)
    briefing.timings["make"] = time.perf_counter() - started
    log.info("made %s in %.0f ms", stem, briefing.timings["make"] * 1000)
    return briefing


def with_correction(blocks: list[markup.Block], correction: str | None) -> list[markup.Block]:
    """A corrected edition's blocks: the line saying what changed, after the metadata line (or the title).
    It is the ledger's account of the data, not the template's text, so it is added after the check."""
    if not correction:
        return blocks
    at = next((i + 1 for i, b in enumerate(blocks) if b.kind == "meta"),
              next((i + 1 for i, b in enumerate(blocks) if b.kind == "title"), 0))
    line = blocks[at - 1].line if at else 0
    return [*blocks[:at], markup.Block("paragraph", line, runs=(markup.Run(correction),)), *blocks[at:]]


def stem_of(period: Period, region_name: str, template: templates.Template, edition: str = "simplified") -> str:
    """A file name a person can read: 2024-W02_扎赉特旗_周报, and each edition's its own: 2024-W02_扎賚特旗_週報
    (in its characters; _繁體 added where they are the same), 2024-W02_扎賚特旗_週報_hk. Every name in it is in its
    safe form (files.safe_name), so a name that got into the database unchecked cannot make a path. The one
    naming of generate, backfills and the archive."""
    stem = f"{period.key}_{safe_name(region_name)}_{safe_name(template.name)}"
    if edition == "simplified":
        return stem
    converted = script.convert(stem, edition)
    if edition == "traditional":
        return converted if converted != stem else f"{stem}_繁體"
    return f"{converted}_{edition.removeprefix('traditional-')}"


def short_label(period: Period) -> str:
    """A period's label without the dates in brackets (2024年第2周), for a title."""
    return period.label().split("（")[0]


def template_dirs(settings: Settings, store: Store | None = None) -> list[str]:
    """The folders searched before the built-in templates: those of the template_dirs setting, then those the
    database's office table names (模板目录: the sample's own templates). Without a store, the database is the
    one the settings name, which is the one every command opens."""
    own = split_folders(settings.template_dirs or "")
    office = (split_folders(office_settings(store.db).get("template_dirs", "")) if store is not None
              else template_folders(settings.db))
    return own + [d for d in office if d not in own]


MASTHEAD = (("来源", "source"), ("作者", "author"), ("责任编辑", "editor"))


def _masthead(template: templates.Template, settings: Settings, office: dict[str, str], day: date) -> dict[str, str]:
    """The metadata of a briefing: each of 来源, 作者, 责任编辑 from the settings, else the template, else the
    office table (the catalog); the programme's name (项目); and the metadata line (元数据) without the
    fields that are empty: 发布时间：2024年1月17日丨来源：岭上兴安."""
    published = f"{day.year}年{day.month}月{day.day}日"
    out = {"发布时间": published, "项目": office.get("programme", "")}
    for zh, key in MASTHEAD:
        out[zh] = getattr(settings, key) or template.metadata.get(key, "") or office.get(key, "")
    out["元数据"] = "丨".join(f"{zh}：{out[zh]}" for zh in ("发布时间", *(zh for zh, _ in MASTHEAD)) if out[zh])
    return out


def _issue(store: Store, template: templates.Template, facts: Facts, request: Request, settings: Settings,
           office: dict[str, str]) -> dict:
    """期号, the briefing's number (the template's own words, not a figure), and 分送, who it goes to:
    (报 or 送 or 发, names) pairs from its schedule, else the settings, else the office (masthead.py)."""
    issue = request.issue or issue_of(store.db, template.key, facts.region.code, facts.period.key)
    return {"期号": issue, "分送": masthead.distribution(request.recipients, settings, office)}


def plain_text(blocks: list[markup.Block]) -> str:
    """The words of a briefing as a reader sees them (for the figure verifier); chart data is read
    from the facts directly, so charts contribute their titles only."""
    parts = []
    for b in blocks:
        parts += [b.text, *b.lines, *("".join(r.text for r in item) for item in b.items)]
        parts += ["　".join(row) for row in b.rows[1:]] + [b.chart.get("title", ""), b.chart.get("caption", "")]
    return "\n".join(p for p in parts if p)


def convert_blocks(blocks: list[markup.Block], target: str) -> list[markup.Block]:
    """The blocks in another script (Traditional characters): the finished text is converted, never a
    second template."""
    return map_text(blocks, lambda s: script.convert(s, target))


def map_text(blocks: list[markup.Block], conv: Callable[[str], str]) -> list[markup.Block]:
    """The blocks with every text a reader sees passed through ``conv`` (runs, heading lines, list items,
    table cells, a chart's title, caption, unit, categories and series names)."""
    out = []
    for b in blocks:
        chart = dict(b.chart)
        if chart:
            chart.update(title=conv(chart.get("title", "")), caption=conv(chart.get("caption", "")),
                         unit=conv(chart.get("unit", "")), categories=[conv(str(c)) for c in chart["categories"]],
                         series=[{**s, "name": conv(s.get("name", ""))} for s in chart["series"]])
        out.append(replace(b, runs=tuple(replace(r, text=conv(r.text)) for r in b.runs),
                           lines=tuple(map(conv, b.lines)),
                           items=tuple(tuple(replace(r, text=conv(r.text)) for r in item) for item in b.items),
                           rows=tuple(tuple(map(conv, row)) for row in b.rows), chart=chart))
    return out


def write_outputs(briefing: Briefing, formats: tuple[str, ...], folder: Path, reference: str | None = None,
                  stem: str | None = None) -> list[Path]:
    """Write the asked formats into a folder, each atomically; the paths written."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise UsageError(_("unknown format '{format}'").format(format=sorted(unknown)[0]),
                         _("Use any of {formats}.").format(formats=", ".join(FORMATS)))
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or briefing.stem
    written = []
    docx_bytes = briefing.docx(reference) if {"docx", "pdf"} & set(formats) else None
    if "docx" in formats:
        written.append(write_atomically(folder / f"{stem}.docx", docx_bytes))
    if "html" in formats:
        written.append(write_atomically(folder / f"{stem}.html", briefing.html().encode("utf-8")))
    if "pdf" in formats:
        from . import pdf

        with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as tmp:
            source = Path(tmp) / f"{stem}.docx"
            source.write_bytes(docx_bytes)
            written.append(pdf.convert_to_pdf(source, folder))
    return written


def period_for(template: templates.Template, text: str | None, moment: datetime) -> Period:
    """The period a briefing covers: as given, or the last of the template's kind that has ended by the
    moment (local time): the rule the schedules follow."""
    if text:
        try:
            return parse_period(text, template.period)
        except ValueError as exc:
            raise UsageError(_("--period: {problem}").format(problem=exc)) from None
    return last_ended(template.period, moment)


@dataclass(frozen=True)
class Outcome:
    """One briefing of a backfill: made (with the files written), there (its files were there already, so it
    was not made again), no figures (its period has none yet) or failed (with why)."""

    region: str
    period: str
    result: str
    files: tuple[str, ...] = ()
    error: str = ""


def backfill(db: Path, settings: Settings, template_key: str, regions: list[str], periods: list[Period],
             as_of: str = FAR_FUTURE, folder: Path | None = None, workers: int | None = None,
             formats: tuple[str, ...] = ("docx",), script_name: str = "simplified", force: bool = False,
             report: Callable[[Outcome], None] | None = None) -> int:
    """Every (region, period) briefing of a backfill, regions spread over worker processes (each reads
    the database on its own connection; WAL lets readers run side by side). Writes the formats into
    ``folder`` when given, named by stem_of; a briefing whose files are all there is not made again unless
    ``force``. ``report`` is told each briefing's Outcome, in this process, as its region is done. Returns
    how many briefings were made."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(regions)))
    jobs = [(str(db), settings, template_key, region, periods, as_of, folder, formats, script_name, force)
            for region in regions]
    if workers == 1:
        return _told((_backfill_region(*job) for job in jobs), report)
    from concurrent.futures import ProcessPoolExecutor, as_completed  # a backfill's only: not in every start

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_backfill_region, *job) for job in jobs]
        return _told((future.result() for future in as_completed(futures)), report)


def _told(results: Iterable[list[Outcome]], report: Callable[[Outcome], None] | None) -> int:
    made = 0
    for outcomes in results:
        for outcome in outcomes:
            made += outcome.result == "made"
            if report is not None:
                report(outcome)
    return made


def _backfill_region(db: str, settings: Settings, template_key: str, region: str, periods: list[Period],
                     as_of: str, folder: Path | None, formats: tuple[str, ...], script_name: str,
                     force: bool) -> list[Outcome]:
    """One region's briefings of a backfill, in period order; when its figures cannot be read at all, each
    period's Outcome says why."""
    name = region
    try:
        with Store(db, create=False) as store:
            name = Catalog.load(store.db).region(region).name
            template = templates.load(template_key, template_dirs(settings, store))
            there = [p for p in periods if folder is not None and not force
                     and all((folder / f"{stem_of(p, name, template, script_name)}.{f}").is_file() for f in formats)]
            problems: dict[str, Exception] = {}
            todo = [p for p in periods if p not in there]
            made = make_many(store, settings, template_key, region, todo, as_of, script_name, problems) if todo else []
    except Exception as exc:
        return [Outcome(name, p.key, "failed", error=_why(exc)) for p in periods]
    out = [Outcome(name, p.key, "there") for p in there]
    out += [Outcome(name, key, "no figures" if isinstance(exc, NoFigures) else "failed", error=_why(exc))
            for key, exc in problems.items()]
    out += [_write_backfilled(b, settings, folder, formats, script_name) for b in made]
    return sorted(out, key=lambda o: o.period)


def _write_backfilled(briefing: Briefing, settings: Settings, folder: Path | None, formats: tuple[str, ...],
                      script_name: str) -> Outcome:
    name, key = briefing.facts.region.name, briefing.facts.period.key
    try:
        if folder is None:                # made and not kept (a benchmark)
            briefing.docx(settings.reference_docx or None)
            return Outcome(name, key, "made")
        stem = stem_of(briefing.facts.period, name, briefing.template, script_name)
        written = write_outputs(briefing, formats, folder, settings.reference_docx or None, stem)
    except Exception as exc:
        return Outcome(name, key, "failed", error=_why(exc))
    return Outcome(name, key, "made", tuple(str(p) for p in written))


def _why(exc: Exception) -> str:
    """A failure in words: a BriefingError's message, else what the bug was."""
    return exc.message if isinstance(exc, BriefingError) else f"internal error: {exc.__class__.__name__}: {exc}"
