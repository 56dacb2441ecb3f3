"""Archived briefings as the pages and the API show them: found, described, their files, a preview, made on
demand, approved or sent back. Each function takes an open store and the settings (or the Web of app.py) and
returns plain data; pages.py and api.py only present it."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..archive.approvals import state_text
from ..archive.folders import Archive
from ..archive.ledger import Key, Ledger, Report
from ..archive.produce import Producer
from ..archive.runs import RESULTS
from ..documents import templates
from ..documents.make import period_for, stem_of, template_dirs
from ..errors import Missing, UsageError
from ..i18n import _
from ..store.catalog import Catalog
from ..store.db import Store, iso_utc, local_text

STATE_WORDS = RESULTS       # a briefing's state in words (已生成, 失败, 等待数据 …), as `briefing runs` says it
FORMATS = ("docx", "html", "pdf")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Made:
    """A briefing made on demand: its ledger row, and how long it took."""
    report: Report
    ms: float


def not_found(report_id: int) -> Missing:
    return Missing(_("there is no briefing #{id} in the archive").format(id=report_id))


def get(store: Store, report_id: int) -> Report:
    report = Ledger(store).get(report_id)
    if report is None:
        raise not_found(report_id)
    return report


def summary(report: Report, tz: ZoneInfo, title: str | None = None, sign_off: str | None = None) -> dict:
    """What a list shows of a briefing (and the API returns): plain values, times in the office's zone."""
    return {"id": report.id, "title": title or _default_title(report), "template": report.template,
            "period": report.period, "period_text": period_text(report.period), "region": report.region,
            "region_name": report.region_name,
            "script": report.script, "version": report.version, "status": report.status,
            "status_text": _(STATE_WORDS.get(report.status, report.status)),
            "sign_off": sign_off, "sign_off_text": state_text(sign_off) or None,
            "schedule": report.schedule, "as_of": local_text(report.as_of, tz),
            "made_at": local_text(report.done_at or report.created_at, tz),
            "formats": [f.format for f in report.files], "corrects": report.corrects, "issue": report.issue}


def _default_title(report: Report) -> str:
    return f"{report.region_name} {period_text(report.period)} {report.template}"


def period_text(key: str) -> str:
    """A period as a briefing names it (2024年第2周, 2024年1月), or its key when it cannot be read."""
    from ..documents.make import short_label
    from ..figures.period_text import parse_period

    try:
        return short_label(parse_period(key))
    except ValueError:
        return key


def detail(store: Store, settings, report: Report, tz: ZoneInfo) -> dict:
    """Everything the briefing's page shows: its files with checksums, what it was made from, the banners it
    covers, every version of it, its deliveries and its sign-off history."""
    from ..archive.approvals import Approvals
    from ..delivery.outbox import Outbox

    ledger = Ledger(store)
    approvals = Approvals(store)
    versions = ledger.find("reports.template = ? AND reports.period = ? AND reports.region = ? AND reports.script = ?",
                           [report.template, report.period, report.region, report.script])
    out = summary(report, tz, title_of(store, report, settings), approvals.state(report.id))
    out.update({
        "files": [{"format": f.format, "name": Path(f.path).name, "size": f.size, "sha256": f.sha256}
                  for f in report.files],
        "template_version": report.template_version, "software": report.software, "data_batch": report.data_batch,
        "covered": json.loads(report.covered) if report.covered else [],
        "missing": json.loads(report.missing) if report.missing else [],
        "error": report.error, "attempts": report.attempts,
        "versions": [summary(v, tz) for v in versions],
        "deliveries": [{"id": d.id, "channel": d.channel, "recipient": d.recipient, "kind": d.kind,
                        "state": d.state, "state_text": d.state_text(), "attempts": d.attempts, "error": d.error,
                        "sent_at": local_text(d.sent_at, tz) if d.sent_at else None}
                       for d in Outbox(store).find("report = ?", [report.id])],
        "approvals": [{"action": e.action, "action_text": e.action_text(), "by": e.by, "at": local_text(e.at, tz),
                       "comment": e.comment}
                      for e in approvals.history(report.id)],
    })
    return out


def title_of(store: Store, report: Report, settings) -> str:
    from ..archive.search import title_of as stored_title

    return stored_title(store, report.id, Archive(settings.archive_dir)) or _default_title(report)


def file_of(store: Store, settings, report_id: int, fmt: str) -> tuple[Path, str, str]:
    """The archived file of a briefing in a format: its path (inside the archive, checked), its download name and
    its media type. Only a report's id and a format choose a file; nothing of the request becomes a path."""
    report = get(store, report_id)
    found = report.file(fmt) if fmt in FORMATS else None
    if found is None or report.status != "done":
        raise Missing(_("briefing #{id} has no {format} file").format(id=report_id, format=fmt))
    path = Archive(settings.archive_dir).path(found.path)
    if not path.is_file():
        raise Missing(_("the {format} file of briefing #{id} is missing from the archive").format(
            format=fmt, id=report_id), _("`briefing archive remake {id}` restores it.").format(id=report_id))
    return path, Path(found.path).name, MEDIA[fmt]


def preview(store: Store, settings, report_id: int) -> str:
    """The briefing as HTML: its archived .html file, else made again from what the ledger says it was made from
    (the template's stored sources and the figures as of then)."""
    from ..archive.remake import Remaker

    report = get(store, report_id)
    if report.file("html") and report.status == "done":
        path, _name, _media = file_of(store, settings, report_id, "html")
        return path.read_text(encoding="utf-8")
    if report.status != "done":
        raise Missing(_("briefing #{id} was never finished, so there is nothing to show").format(id=report_id))
    producer = Producer(store, settings, Ledger(store, settings.lease_seconds), Archive(settings.archive_dir))
    with tempfile.TemporaryDirectory(prefix="briefing-preview-") as tmp:
        template, _notes = Remaker(producer)._template(report, False, Path(tmp))
        return producer.render(report, template).briefing.html()


def make_now(store: Store, settings, template_key: str, period: str | None, region: str | None,
             as_of: datetime | None, formats: tuple[str, ...], script: str = "simplified",
             submit: tuple[object, str] | None = None) -> Made:
    """Make a briefing now and put it in the archive as the next version of its key (as `generate --archive`
    does): the figures as of the moment given, else as of now. With ``submit`` (a schedule that asks for
    sign-off, and who submits it), it is submitted for sign-off, then delivered as that schedule's are."""
    import time

    started = time.perf_counter()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(_("unknown format {format}").format(format=unknown[0]),
                         _("Formats: {formats}.").format(formats=", ".join(FORMATS)))
    tz = ZoneInfo(settings.timezone)
    when = as_of or datetime.now(timezone.utc)
    template = templates.load(template_key, template_dirs(settings, store))
    found = region_named(store, region)
    the_period = _period(template, period, when.astimezone(tz), store, found.code, iso_utc(when))
    key = Key(template.key, the_period.key, found.code, script)
    producer = Producer(store, settings, Ledger(store, settings.lease_seconds), Archive(settings.archive_dir))
    wanted = tuple(dict.fromkeys(("docx", *formats)))
    report = producer.make_version(key, stem_of(the_period, found.name, template, script), iso_utc(when), template,
                                   wanted)
    if submit is not None:
        from ..archive.approvals import Approvals

        schedule, by = submit
        Approvals(store, tz).submit(report.id, schedule.name, by)
        report = get(store, report.id)
    return Made(report, (time.perf_counter() - started) * 1000)


def _period(template, text: str | None, moment: datetime, store: Store, region: str, as_of: str):
    """The period a person chose on the page (named so in a mistake, not as the command line's --period), or the
    last complete one that has figures for the region (the last complete one when none has: its briefing then
    says which it has)."""
    from ..store.observations import Observations, latest_period

    if not text:
        ended = period_for(template, None, moment)
        known = latest_period(Observations(store.db), region, template.period, as_of)
        return known if known is not None and known.end <= ended.end else ended
    return readable_period(text, template.period)


def readable_period(text: str, kind: str | None = None):
    """A period a person typed on a page, or an error that names it as the page does (期间)."""
    from ..figures.period_text import parse_period

    try:
        return parse_period(text.strip(), kind) if kind else parse_period(text.strip())
    except ValueError as exc:
        raise UsageError(_("period: {problem}").format(problem=exc),
                         _("Write it like 2024-W05 (a week), 2024-01 (a month) or 2024 (a year).")) from None


def for_sign_off(schedules, name: str | None):
    """The schedule a briefing made now is submitted under for sign-off (one with approval = true), or None."""
    if not name:
        return None
    found = next((s for s in schedules if s.name == name and s.approval), None)
    if found is None:
        raise UsageError(_("there is no schedule {name} that asks for sign-off").format(name=name),
                         _("Schedules that ask for sign-off: {names}.").format(
                             names=", ".join(s.name for s in schedules if s.approval) or _("none")))
    return found


def region_named(store: Store, text: str | None):
    """The region a person chose (code or name), or the top of the hierarchy when they chose none."""
    catalog = Catalog.load(store.db)
    return catalog.region(text) if text else catalog.top()


def choices(store: Store, settings, schedules=()) -> dict:
    """What the make-one-now form offers: the templates, the regions (top first), the formats and the schedules
    a briefing may be submitted under for sign-off."""
    catalog = Catalog.load(store.db)
    return {"templates": [{"key": t.key, "name": t.name, "period": t.period}
                          for t in templates.available(template_dirs(settings, store))],
            "regions": [{"code": r.code, "name": r.name} for r in _in_order(catalog.roots())],
            "formats": list(FORMATS),
            "sign_off": [{"name": s.name, "template": s.template} for s in schedules if s.approval]}


def as_of_moment(text: str | None, tz: ZoneInfo) -> datetime | None:
    """A moment from a form or the API: 2024-01-17 (the end of that day) or 2024-01-17T09:00[+08:00]."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(_("as_of '{text}' is not a date or time").format(text=text),
                         _("Write it like 2024-01-17 or 2024-01-17T09:00.")) from None
    if len(text.strip()) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)



def _in_order(regions) -> list:
    """Regions and all below them, each followed by its children (the hierarchy read top down)."""
    out = []
    for region in regions:
        out.append(region)
        out.extend(_in_order(region.children))
    return out


def find(store: Store, settings, *, template: str | None = None, region: str | None = None, first: str | None = None,
         last: str | None = None, status: str | None = None, text: str | None = None, limit: int = 50,
         offset: int = 0) -> tuple[list[dict], int]:
    """Archived briefings, newest first, filtered and searched in titles and text (archive/search.py); each as
    summary() gives it, and how many there are in all."""
    from ..archive.approvals import Approvals
    from ..archive.search import find as search

    code = region_named(store, region).code if region else None
    for given in (first, last):          # said as the page names it (期间), not as the command line's --from/--to
        if given:
            readable_period(given)
    found, total = search(store, template=template or None, region=code, first=first or None, last=last or None,
                          status=status or None, text=text or None, limit=limit, offset=offset,
                          archive=Archive(settings.archive_dir))
    states = Approvals(store).states([r.id for r in found])
    tz = ZoneInfo(settings.timezone)
    return [summary(r, tz, r.title or None, states.get(r.id)) for r in found], total


def approve(store: Store, web, report_id: int, user, comment: str | None) -> int:
    """Sign a briefing off as the user: it is queued for its schedule's recipients; how many deliveries."""
    return _deliverer(store, web).approve(get(store, report_id).id, user.name, comment or None)


def send_back(store: Store, web, report_id: int, user, comment: str) -> int:
    return _deliverer(store, web).send_back(get(store, report_id).id, user.name, comment)


def _deliverer(store: Store, web):
    from ..delivery.deliver import Deliverer

    return Deliverer(store, web.settings, web.schedules)
