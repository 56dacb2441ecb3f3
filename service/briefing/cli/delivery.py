"""Commands about sending briefings: deliveries (what was sent, to whom, when, and what failed) with its
subcommand retry, and deliver (an archived briefing sent now).

`deliveries` is a group that lists when it is given no subcommand (``briefing deliveries --failed``) and
retries with one (``briefing deliveries retry 12``): the listing and the retry of the same rows stay together."""

from __future__ import annotations

import click

from ..archive.ledger import Ledger
from ..errors import UsageError
from ..i18n import N_, _
from .base import CONTEXT, cli, open_store
from .output import emit, listing_options
from .runs import _shortened, local
from .schedule import load_schedules

HEADERS = (N_("ID"), N_("report"), N_("briefing"), N_("channel"), N_("recipient"), N_("state"), N_("attempts"),
           N_("sent or next try"), N_("error"))


def _deliverer(ctx: click.Context, store):
    from ..delivery.deliver import Deliverer

    return Deliverer(store, ctx.obj["settings"], load_schedules(ctx))


@cli.group(context_settings=CONTEXT, invoke_without_command=True)
@click.option("--failed", "only_failed", is_flag=True, help="Only the deliveries that failed for good.")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="How many, the latest first.")
@listing_options
@click.pass_context
def deliveries(ctx: click.Context, only_failed: bool, limit: int, fmt: str) -> None:
    """List the deliveries of briefings, the latest first: the briefing, the channel and recipient, the state
    (待发送, 发送中, 已发送, 失败), the attempts, when it was sent or is tried next, and the last error.
    `briefing deliveries retry` sends failed ones again.

    \b
    Example:
      briefing deliveries
      briefing deliveries --failed
      briefing deliveries retry --failed
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..delivery.outbox import Outbox

    with open_store(ctx) as store:
        outbox, ledger = Outbox(store), Ledger(store)
        rows = outbox.find("state = 'failed'" if only_failed else "1", latest=limit)
        rows_out = [_row(ctx, ledger, d, fmt == "table") for d in rows]
    emit([_(h) for h in HEADERS], rows_out, fmt, right=(0, 1, 6))


def _row(ctx: click.Context, ledger: Ledger, d, short: bool) -> list:
    report = ledger.get(d.report)
    briefing = f"{report.template} {report.period} {report.region_name}" if report else ""
    if d.kind != "briefing":
        briefing = _("{briefing} (failure notice)").format(briefing=briefing)
    when = local(ctx, d.sent_at) if d.state == "sent" else local(ctx, d.next_at) if d.state == "queued" else ""
    error = d.error or ""
    to = f"{d.name} <{d.recipient}>" if d.name else d.recipient
    return [d.id, d.report, briefing, d.channel, to, d.state_text(), d.attempts, when,
            _shortened(error) if short else error]


@deliveries.command(context_settings=CONTEXT)
@click.argument("delivery_ids", metavar="[ID]...", type=int, nargs=-1)
@click.option("--failed", "every_failed", is_flag=True, help="Every delivery that failed for good.")
@click.pass_context
def retry(ctx: click.Context, delivery_ids: tuple[int, ...], every_failed: bool) -> None:
    """Send failed (or waiting) deliveries again now, and say what happened to each. Exits 1 if any was not
    sent.

    \b
    Example:
      briefing deliveries retry 7 8
      briefing deliveries retry --failed
    """
    if bool(delivery_ids) == every_failed:
        raise UsageError(_("give the IDs of deliveries to retry, or --failed for every failed one"),
                         _("`briefing deliveries --failed` lists them with their IDs."))
    with open_store(ctx) as store:
        deliverer = _deliverer(ctx, store)
        queued = deliverer.outbox.retry(delivery_ids, every_failed)
        if every_failed and not queued:
            click.echo(_("No delivery has failed."))
            return
        unknown = sorted(set(delivery_ids) - set(queued))
        if unknown:
            raise UsageError(_("no failed or waiting delivery has the ID {ids}").format(
                ids=", ".join(map(str, unknown))), _("`briefing deliveries` lists them with their IDs."))
        deliverer.drain()
        _told(ctx, deliverer.outbox.find(f"id IN ({','.join('?' * len(queued))})", queued) if queued else [])


@cli.command(context_settings=CONTEXT)
@click.argument("report_id", type=int)
@click.option("--to", "names", multiple=True, metavar="GROUP|MEMBER",
              help="A group of [recipients], or a member (CHANNEL:ADDRESS, or a channel's name); again for more "
                   "[default: its schedule's].")
@click.pass_context
def deliver(ctx: click.Context, report_id: int, names: tuple[str, ...]) -> None:
    """Send an archived briefing now, to its schedule's recipients or to those given with --to, and say what
    happened to each. A recipient it was sent to already is not sent it again. Exits 1 if any was not sent.

    \b
    Example:
      briefing deliver 12
      briefing deliver 12 --to 领导 --to 邮件:zhang@example.gov.cn
    """
    from ..delivery import recipients

    with open_store(ctx) as store:
        deliverer = _deliverer(ctx, store)
        report = deliverer.ledger.get(report_id)
        if report is None or report.status != "done":
            raise UsageError(_("there is no made briefing #{id}").format(id=report_id),
                             _("`briefing archive list` lists the briefings made, with their IDs."))
        deliverer.check_signed_off(report)      # one waiting for sign-off, or sent back, is not delivered
        schedule = deliverer.schedules.get(deliverer.approvals.schedule_of(report) or "")   # a remake: its original's
        if names:
            chosen = recipients.resolve(names, ctx.obj["settings"], "--to")
        elif schedule is not None:
            chosen = recipients.of_briefing(schedule, report.region_name, ctx.obj["settings"])
        else:
            raise UsageError(_("briefing #{id} has no schedule in the config to take its recipients from").format(
                id=report_id), _("Name them with --to GROUP or --to CHANNEL:ADDRESS."))
        if not chosen:
            raise UsageError(_("its schedule {name} names no one to deliver to").format(name=schedule.name),
                             _("Name them with --to, or add deliver_to to the schedule (docs/delivery.md)."))
        deliverer.outbox.enqueue(report.id, chosen)
        deliverer.drain()
        keys = {(r.channel, r.address) for r in chosen}
        _told(ctx, [d for d in deliverer.outbox.find("report = ? AND kind = 'briefing'", [report.id])
                    if (d.channel, d.recipient) in keys])


def _told(ctx: click.Context, rows) -> None:
    """A line for each delivery: sent, queued again (when), or failed (why); exit 1 unless all were sent."""
    for d in rows:
        to = d.channel + (f":{d.recipient}" if d.recipient else "")
        if d.state == "sent":
            click.echo(_("#{id} {to}: sent {when}").format(id=d.id, to=to, when=local(ctx, d.sent_at)))
        elif d.state == "failed":
            click.echo(_("#{id} {to}: failed: {error}").format(id=d.id, to=to, error=d.error), err=True)
        else:
            click.echo(_("#{id} {to}: not sent yet ({error}); tried again after {when}").format(
                id=d.id, to=to, error=d.error or "", when=local(ctx, d.next_at)), err=True)
    if any(d.state != "sent" for d in rows):
        ctx.exit(1)
