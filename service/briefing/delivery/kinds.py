"""The registry of channel kinds: each kind's factory reads and checks its [channels.NAME] table (unknown or
missing keys, https-only addresses, secrets from the environment) and gives a Channel."""

from __future__ import annotations

from typing import Callable, Mapping

from ..i18n import _, shown
from .channel import Channel
from .email import make_email
from .folder import make_folder
from .robots import make_dingtalk, make_feishu, make_wecom
from .transport import Table
from .webhook import make_webhook

Factory = Callable[[str, Mapping[str, object], Mapping[str, str]], Channel]

KINDS: dict[str, Factory] = {
    "email": make_email,
    "wecom": make_wecom,
    "dingtalk": make_dingtalk,
    "feishu": make_feishu,
    "webhook": make_webhook,
    "folder": make_folder,
}


def make(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Channel:
    """The channel NAME configured by its table (kind = one of KINDS)."""
    kind = table.get("kind")
    if kind not in KINDS:
        raise Table(name, table, environ).error(_("'kind' must be one of {kinds}, not '{kind}'").format(
            kinds=", ".join(KINDS), kind=shown(kind)))
    return KINDS[kind](name, table, environ)
