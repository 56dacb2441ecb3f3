"""Who receives what: a schedule's deliver_to (groups of [recipients] or members), and with deliver_to_regions
the group named like the briefing's region, as the Recipient of each channel; the same for notify_failure_to.

A member is "CHANNEL:ADDRESS" (an email address, optionally "名字 <address>") or a channel's name (a robot, a
webhook, a folder: it has no addresses). The config's check (settings.check_delivery) has refused unknown
channels already; here names are resolved, and a name that is neither a group nor a member is an error."""

from __future__ import annotations

import difflib
from email.utils import parseaddr
from typing import Any, Iterable, Mapping

from ..archive.schedules import Schedule
from ..errors import UsageError
from ..i18n import _, shown
from ..settings import Settings, member_problem
from .channel import Recipient


def member(text: str) -> Recipient:
    """A member as a Recipient: "邮件:李四 <li@example.gov.cn>" → (邮件, li@example.gov.cn, 李四)."""
    channel, _colon, address = text.partition(":")
    name, mail = parseaddr(address.strip()) if address.strip() else ("", "")
    return Recipient(channel.strip(), mail or address.strip(), name)


def resolve(names: Iterable[str], settings: Settings, where: str = "") -> list[Recipient]:
    """Groups and members as Recipients, each once, in the order given."""
    channels: Mapping[str, Any] = settings.sections.get("channels", {})
    groups: Mapping[str, list[str]] = settings.sections.get("recipients", {})
    out: list[Recipient] = []
    for name in names:
        if name in groups:
            members = list(groups[name])
        else:
            if member_problem(name, channels):
                _unknown(name, groups, channels, where or str(settings.path))
            members = [name]
        out += [r for r in map(member, members) if r not in out]
    return out


def of_briefing(schedule: Schedule, region_name: str, settings: Settings) -> list[Recipient]:
    """Who a schedule's briefing of a region goes to."""
    names = list(schedule.deliver_to)
    groups = settings.sections.get("recipients", {})
    if schedule.deliver_to_regions and region_name in groups:
        names.append(region_name)
    return resolve(names, settings, _where(schedule, "deliver_to", settings))


def of_failure(schedule: Schedule, settings: Settings) -> list[Recipient]:
    """Who is told that a schedule's briefing or delivery failed."""
    return resolve(schedule.notify_failure_to, settings, _where(schedule, "notify_failure_to", settings))


def check(schedules: Iterable[Schedule], settings: Settings) -> None:
    """Every name of every schedule's deliver_to and notify_failure_to resolves (run before anything is made)."""
    for schedule in schedules:
        resolve(schedule.deliver_to, settings, _where(schedule, "deliver_to", settings))
        of_failure(schedule, settings)


def _where(schedule: Schedule, key: str, settings: Settings) -> str:
    return f"{settings.path or 'config'}: [[schedule]] {schedule.name}: {key}"


def _unknown(name: str, groups: Mapping[str, Any], channels: Mapping[str, Any], where: str) -> None:
    problem = member_problem(name, channels) if ":" in name else _(
        "{name} is neither a group of [recipients] nor a channel").format(name=shown(name))
    near = difflib.get_close_matches(name, [*groups, *channels], n=1) if ":" not in name else []
    raise UsageError(_("{where}: {message}").format(where=where, message=problem + (
        _(". Did you mean '{near}'?").format(near=near[0]) if near else "")),
        _("Groups: {groups}; channels: {channels}.").format(groups=", ".join(groups) or _("none"),
                                                            channels=", ".join(channels) or _("none")))
