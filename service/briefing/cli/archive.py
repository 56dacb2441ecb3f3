"""``briefing archive``: list, show, verify, remake and prune archived briefings."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from ..archive import corrections
from ..archive.approvals import STATE_OF, Approvals, Event, state_text
from ..archive.folders import Archive, prunable
from ..archive.ledger import Ledger, Report
from ..archive.produce import Producer, reindex
from ..archive.remake import Remaker
from ..archive.runs import took
from ..archive.search import bounds, find, within
from ..errors import UsageError
from ..figures.script import SCRIPT_WORDS
from ..i18n import N_, _, ngettext, pgettext
from ..ingest.form import width
from ..store.catalog import Catalog
from ..store.db import iso_utc
from .base import CONTEXT, archive_formats, cli, open_store, region_of
from .documents import formats_option
from .output import emit, listing_options
from .runs import local
from .schedule import parse_now

STATUSES = ("claimed", "done", "failed", "waiting", "pruned")
STATUS_WORDS = (N_("claimed"), N_("done"), N_("failed"), N_("waiting"), N_("pruned"))   # shown as _(status)


@cli.group(context_settings=CONTEXT)
def archive() -> None:
    """The archive of briefings made: list, show, verify, remake, prune.

    \b
    Example:
      briefing archive list --template weekly --from 2024-W01
      briefing archive verify
    """


def _parts(ctx: click.Context, store) -> tuple[Ledger, Archive]:
    s = ctx.obj["settings"]
    return Ledger(store, s.lease_seconds), Archive(s.archive_dir)


@archive.command("list", context_settings=CONTEXT)
@click.option("-t", "--template", help="Only this template (its key, e.g. weekly).")
@click.option("-r", "--region", help="Only this region (code or name).")
@click.option("--from", "first", metavar="PERIOD", help="First period, e.g. 2024-W01.")
@click.option("--to", "last", metavar="PERIOD", help="Last period.")
@click.option("--status", type=click.Choice(STATUSES), help="Only briefings in this state [default: all].")
@click.option("--search", metavar="TEXT", help="Only briefings whose title or text holds every word of TEXT.")
@listing_options
@click.pass_context
def list_(ctx, template, region, first, last, status, search, fmt) -> None:
    """List archived briefings (every version), oldest period first.

    \b
    Example:
      briefing archive list -t weekly -r 扎赉特旗 --from 2024-W01 --to 2024-W10
      briefing archive list --search "扎赉特旗 诊疗"
    """
    where, params = ["1"], []
    with open_store(ctx) as store:
        ledger, archive_ = _parts(ctx, store)
        if region:
            where.append("reports.region = ?")
            params.append(region_of(store, region).code)
        for column, value in (("template", template), ("status", status)):
            if value:
                where.append(f"reports.{column} = ?")
                params.append(value)
        low, high = bounds(first, last)
        reports = [r for r in ledger.find(" AND ".join(where), params) if within(r.period, low, high)]
        if search:   # older briefings' text is read from their archived files the first time (archive/search.py)
            found = {r.id for r in find(store, text=search, limit=None, archive=archive_)[0]}
            reports = [r for r in reports if r.id in found]
        stale = corrections.out_of_date(store.db, Catalog.load(store.db), corrections.latest_versions(reports),
                                        iso_utc(datetime.now(timezone.utc)))
        signoff = Approvals(store).states([r.id for r in reports])
    rows = [[r.id, r.template, r.period, r.region_name, r.version, _state(r, stale), local(ctx, r.as_of),
             local(ctx, r.done_at or r.created_at), "、".join(_names(r.missing)), _main_file(archive_, r),
             state_text(signoff.get(r.id))] for r in reports]
    emit(["编号", "模板", "期间", "地区", "版本", "状态", "数据截至", "生成时间", "未报送", "文件", "审核"], rows, fmt)


def _state(report: Report, stale: dict[int, int]) -> str:
    """The report's status, and for a briefing whose period's figures changed since, how many did."""
    if report.id in stale:
        return _("{status} (out of date: {count} changed)").format(status=_(report.status), count=stale[report.id])
    return _(report.status)


def _names(stored: str | None) -> list[str]:
    """A JSON list of names kept in the ledger (the parts a briefing covered or lacked)."""
    return json.loads(stored) if stored else []


def _main_file(archive_: Archive, report: Report) -> str:
    docx = report.file("docx")
    return str(archive_.path(docx.path)) if docx and report.status == "done" else ""


@archive.command(context_settings=CONTEXT)
@click.argument("report_id", metavar="ID", type=int)
@click.pass_context
def show(ctx, report_id: int) -> None:
    """Everything the ledger knows of one briefing: its files and checksums, what it was made from,
    its other versions.

    \b
    Example:
      briefing archive show 12
    """
    with open_store(ctx) as store:
        ledger, archive_ = _parts(ctx, store)
        report = ledger.get(report_id)
        if report is None:
            raise UsageError(_("there is no briefing #{id}").format(id=report_id),
                             _("List them with `briefing archive list`."))
        versions = ledger.find("template = ? AND period = ? AND region = ? AND script = ?",
                               [report.template, report.period, report.region, report.script])
        history = Approvals(store).history(report_id)
    for label, value in _fields(ctx, report):
        if value not in (None, ""):
            click.echo(_field(label, value))
    _signoff(ctx, history)
    for f in report.files:
        click.echo(_field(pgettext("field", "file ({format})").format(format=f.format), _(
            "{path}  {size} bytes  sha256 {sha256}").format(path=archive_.path(f.path), size=f.size, sha256=f.sha256)))
    others = [f"#{v.id} v{v.version} ({_(v.status)})" for v in versions if v.id != report.id]
    if others:
        click.echo(_field(pgettext("field", "other versions"), ", ".join(others)))


def _signoff(ctx, history: list[Event]) -> None:
    """Its sign-off (审核/签发), when its schedule asks for one: the state in words, then each event, who, when."""
    if not history:
        return
    click.echo(_field(pgettext("field", "sign-off"), state_text(STATE_OF[history[-1].action])))
    for n, event in enumerate(history):
        said = (_("{at} {action} by {by}").format(at=local(ctx, event.at), action=event.action_text(), by=event.by)
                if event.by else f"{local(ctx, event.at)} {event.action_text()}")
        if event.comment:
            said = _("{where}: {message}").format(where=said, message=event.comment)
        click.echo(_field(pgettext("field", "sign-off history") if n == 0 else "", said))


def _field(label: str, value: object) -> str:
    """A line of `archive show`: the label padded to 18 columns (a Chinese character takes two), the value."""
    return label + " " * max(18 - width(label), 1) + str(value)


def _fields(ctx, r: Report) -> list[tuple[str, object]]:
    retry = local(ctx, r.retry_at) if r.status in ("failed", "waiting") else None
    return [
        (pgettext("field", "briefing"), _("#{id} {name} (version {version})").format(id=r.id, name=r.stem,
                                                                                      version=r.version)),
        (pgettext("field", "status"), _(r.status)),
        (pgettext("field", "template"), r.template),
        (pgettext("field", "period"), r.period),
        (pgettext("field", "region"), f"{r.region_name} ({r.region})"),
        (pgettext("field", "script"), _(SCRIPT_WORDS.get(r.script, r.script))),
        (pgettext("field", "issue"), f"第{r.issue}期" if r.issue else None),
        (pgettext("field", "data as of"), local(ctx, r.as_of)),
        (pgettext("field", "schedule"), r.schedule),
        (pgettext("field", "due"), local(ctx, r.due_at)),
        (pgettext("field", "remake of"), f"#{r.remake_of}" if r.remake_of else None),
        (pgettext("field", "claimed"), local(ctx, r.created_at)),
        (pgettext("field", "done"), local(ctx, r.done_at)),
        (pgettext("field", "pruned"), local(ctx, r.pruned_at)),
        (pgettext("field", "started"), local(ctx, r.started_at)),
        (pgettext("field", "took"), took(r.duration_ms)),
        (pgettext("field", "attempts"), r.attempts),
        (pgettext("field", "error"), r.error),
        (pgettext("field", "failing since"), local(ctx, r.failed_since)),
        (pgettext("field", "retry after"), retry),
        (pgettext("field", "covers"), "、".join(_names(r.covered)) or None),
        (pgettext("field", "not reported"), "、".join(_names(r.missing)) or None),
        (pgettext("field", "held by"), r.claimed_by if r.status == "claimed" else None),
        (pgettext("field", "data batch"), r.data_batch),
        (pgettext("field", "template version"), r.template_version),
        (pgettext("field", "software"), r.software),
    ]


@archive.command(context_settings=CONTEXT)
@click.option("--fix", is_flag=True, help="Also remove temporary files of interrupted writes and rewrite "
              "out-of-date index.json files (never touches a briefing).")
@click.pass_context
def verify(ctx, fix: bool) -> None:
    """Re-hash every archived file against the ledger; report missing, corrupt and orphan files, and any
    file of the ledger whose path leads outside the archive.

    Exits 1 if any file is missing or corrupt, is in the archive without being in the ledger, or would lie
    outside it.

    \b
    Example:
      briefing archive verify
    """
    with open_store(ctx) as store:
        ledger, archive_ = _parts(ctx, store)
        reports = ledger.find()
        found = archive_.verify(reports, ctx.obj["settings"].timezone)
        if fix:
            _fix(ledger, archive_, found, ctx.obj["settings"].timezone)
    for said, items in ((_("missing: {path}"), found.missing), (_("corrupt: {path}"), found.corrupt),
                        (_("orphan: {path}"), found.orphans)):
        for item in items:
            click.secho(said.format(path=archive_.path(item)), fg="red")
    for item in found.outside:
        click.secho(_("outside the archive: {path} (a path of the ledger that leads out of {root}; nothing is written "
                      "there)").format(path=item, root=archive_.root), fg="red")
    notes = ((_("unfinished: {item} (the next run makes it)"), found.unfinished),
             (_("leftover: {item} (a temporary file of an interrupted write; --fix or the next run removes it)"),
              found.leftovers),
             (_("stale index: {item} (--fix or the next briefing in the folder rewrites it)"), found.stale_indexes))
    for said, items in notes:
        for item in items:
            click.echo(said.format(item=item))
    summary = _("{checked} files checked: {missing} missing, {corrupt} corrupt, {orphan} orphan").format(
        checked=found.checked, missing=len(found.missing), corrupt=len(found.corrupt), orphan=len(found.orphans))
    if found.outside:
        summary += _(", {count} outside the archive").format(count=len(found.outside))
    if found.ok:
        click.echo(summary)
        return
    click.secho(summary, fg="red", err=True)
    click.echo(_("A missing or corrupt briefing can be made again, byte for byte: `briefing archive remake ID`."),
               err=True)
    ctx.exit(1)


def _fix(ledger: Ledger, archive_: Archive, found, timezone_name: str) -> None:
    for item in found.leftovers:
        archive_.path(item).unlink(missing_ok=True)
    for item in found.stale_indexes:
        folder = item.rsplit("/", 1)[0]
        year, template = folder.split("/", 1)
        with ledger.store.write():
            reindex(ledger, archive_, template, year, timezone_name)
    found.leftovers, found.stale_indexes = [], []


@archive.command(context_settings=CONTEXT)
@click.argument("report_id", metavar="ID", type=int)
@click.option("--current", is_flag=True, help="Use the data and template as they are now: a new version.")
@formats_option("Formats of a new version.")
@click.pass_context
def remake(ctx, report_id: int, current: bool, formats: str) -> None:
    """Make an archived briefing again: from the data as of its time (the same bytes, or an account of
    what differs, kept as a new version), or with --current from today's data (a new version).

    A missing or damaged archived file that comes out byte-identical is put back.

    \b
    Example:
      briefing archive remake 12
      briefing archive remake 12 --current
    """
    wanted = archive_formats(formats)
    s = ctx.obj["settings"]
    with open_store(ctx) as store:
        ledger, archive_ = _parts(ctx, store)
        remade = Remaker(Producer(store, s, ledger, archive_)).remake(report_id, current, datetime.now(timezone.utc),
                                                                      wanted)
    original = remade.original
    docx = original.file("docx")
    if remade.outcome == "identical":
        click.echo(_("#{id} made again as of {moment}: byte-identical to {path} (sha256 {sha256})").format(
            id=original.id, moment=local(ctx, original.as_of), path=archive_.path(docx.path), sha256=docx.sha256))
    elif remade.outcome == "restored":
        click.echo(_("#{id} made again byte-identical; the archived file was missing or damaged and has been put "
                     "back: {path}").format(id=original.id, path=archive_.path(docx.path)))
    else:
        new = remade.report
        if not current:
            click.echo(_("#{id} made again as of {moment} differs from the archived file:").format(
                id=original.id, moment=local(ctx, original.as_of)))
            for line in remade.account:
                click.echo(f"  {line}")
        click.echo(_("new version #{id} (v{version}): {path}").format(id=new.id, version=new.version,
                                                                      path=archive_.path(new.file("docx").path)))


@archive.command(context_settings=CONTEXT)
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option("--now", metavar="TIME", help="Apply the policy as of this moment [default: now].")
@click.pass_context
def prune(ctx, dry_run: bool, now: str | None) -> None:
    """Remove archived briefings by the retention policy of the config (retention_days, retention_versions).

    The ledger keeps a row for each, marked pruned; a pruned briefing can still be made again.

    \b
    Example:
      briefing archive prune --dry-run
    """
    s = ctx.obj["settings"]
    if not s.retention_days and not s.retention_versions:
        raise UsageError(_("no retention policy is set, so nothing is pruned"),
                         _("Set retention_days and/or retention_versions in the config (see docs/schedules.md)."))
    with open_store(ctx) as store:
        ledger, archive_ = _parts(ctx, store)
        chosen = prunable(ledger.find("status = 'done'"), parse_now(now, ctx), s.retention_days, s.retention_versions)
        for report in chosen:
            said = _("would remove #{id} {name} v{version}") if dry_run else _("removing #{id} {name} v{version}")
            click.echo(said.format(id=report.id, name=report.stem, version=report.version))
        if chosen and not dry_run:
            _prune(ledger, archive_, chosen, s.timezone)
    click.echo((ngettext("{count} briefing to prune", "{count} briefings to prune", len(chosen)) if dry_run else
                ngettext("{count} briefing pruned", "{count} briefings pruned", len(chosen))).format(count=len(chosen)))


def _prune(ledger: Ledger, archive_: Archive, chosen: list[Report], timezone_name: str) -> None:
    """Mark them pruned, then remove their files: a crash between the two leaves files the ledger calls
    pruned, which verify reports as orphans, never a done briefing without its file."""
    folders = {(r.template, r.period) for r in chosen}

    def reindex_all() -> None:
        for template, period in folders:
            reindex(ledger, archive_, template, period, timezone_name)

    ledger.mark_pruned(chosen, then=reindex_all)
    for report in chosen:
        for f in report.files:
            archive_.path(f.path).unlink(missing_ok=True)
