"""Commands of sign-off (审核/签发, archive/approvals.py): approvals (the briefings waiting for it), approve (签发:
its deliveries are queued) and send-back (退回, with the reason). What they do is the Deliverer's (approve,
send_back), which the web pages call too; these only print."""

from __future__ import annotations

import getpass

import click

from ..archive.approvals import Approvals
from ..i18n import N_, _, ngettext
from .base import CONTEXT, cli, open_store
from .delivery import _deliverer
from .output import emit, listing_options
from .runs import local

HEADERS = (N_("ID"), N_("template"), N_("period"), N_("region"), N_("version"), N_("schedule"), N_("made at"),
           N_("asked at"))


@cli.command(context_settings=CONTEXT)
@listing_options
@click.pass_context
def approvals(ctx: click.Context, fmt: str) -> None:
    """List the briefings waiting for sign-off (待审核), the one asked longest ago first: its ID, template,
    period, region, version, schedule, when it was made and when sign-off was asked. `briefing approve ID` signs
    one off; `briefing send-back ID -m REASON` sends it back.

    \b
    Example:
      briefing approvals
      briefing approvals -f json
    """
    with open_store(ctx) as store:
        signoff = Approvals(store)
        rows = []
        for r in signoff.waiting():
            asked = next((e.at for e in reversed(signoff.history(r.id)) if e.action == "asked"), None)
            rows.append([r.id, r.template, r.period, r.region_name, r.version, signoff.schedule_of(r) or "",
                         local(ctx, r.done_at), local(ctx, asked)])
    emit([_(h) for h in HEADERS], rows, fmt, right=(0, 4))


def _by(given: str | None) -> str:
    """Who decides: --by, else the login name of the account running the command ("" when there is none)."""
    if given is not None:
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


@cli.command(context_settings=CONTEXT)
@click.argument("report_id", metavar="ID", type=int)
@click.option("-m", "--comment", metavar="TEXT", help="A comment kept with the sign-off.")
@click.option("--by", metavar="NAME", help="Who signs it off [default: the login name].")
@click.pass_context
def approve(ctx: click.Context, report_id: int, comment: str | None, by: str | None) -> None:
    """Sign off (签发) a briefing waiting for sign-off: who and when are kept in the ledger, and it is queued for
    its schedule's recipients; `briefing deliver ID`, run-due or serve sends it.

    \b
    Example:
      briefing approve 12
      briefing approve 12 -m "数字已核对" --by 张三
    """
    with open_store(ctx) as store:
        deliverer = _deliverer(ctx, store)
        queued = deliverer.approve(report_id, _by(by), comment)
        event = deliverer.approvals.history(report_id)[-1]
    click.echo(_("Briefing #{id} signed off by {by} at {at}.").format(id=report_id, by=event.by,
                                                                        at=local(ctx, event.at)))
    click.echo(ngettext("{count} delivery queued: `briefing deliver {id}` sends it now, run-due or serve at its "
                        "next step.",
                        "{count} deliveries queued: `briefing deliver {id}` sends them now, run-due or serve at "
                        "its next step.", queued).format(count=queued, id=report_id))


@cli.command("send-back", context_settings=CONTEXT)
@click.argument("report_id", metavar="ID", type=int)
@click.option("-m", "--comment", metavar="TEXT", help="Why it is sent back (required).")
@click.option("--by", metavar="NAME", help="Who sends it back [default: the login name].")
@click.pass_context
def send_back(ctx: click.Context, report_id: int, comment: str | None, by: str | None) -> None:
    """Send back (退回) a briefing waiting for sign-off, with the reason: it is not delivered, and its schedule's
    notify_failure_to is told who sent it back and why. Its correction is a new version (`briefing archive remake
    ID --current`), asked for sign-off in its turn.

    \b
    Example:
      briefing send-back 12 -m "第二部分的数字有误" --by 张三
    """
    with open_store(ctx) as store:
        deliverer = _deliverer(ctx, store)
        told = deliverer.send_back(report_id, _by(by), comment or "")
        event = deliverer.approvals.history(report_id)[-1]
    click.echo(_("Briefing #{id} sent back by {by} at {at}: {comment}").format(
        id=report_id, by=event.by, at=local(ctx, event.at), comment=event.comment))
    if told:
        click.echo(ngettext("{count} notice queued to the schedule's notify_failure_to.",
                            "{count} notices queued to the schedule's notify_failure_to.", told).format(count=told))
