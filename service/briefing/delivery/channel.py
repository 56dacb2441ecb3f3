"""The one interface every channel kind implements: a Briefing (an archived report as channels send it) to a
Recipient, giving a receipt or raising DeliveryFailed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol


@dataclass(frozen=True)
class Briefing:
    """One archived report, as channels send it."""
    report_id: int
    title: str                  # the document's title (标题)
    period_text: str            # 2024年第2周（1月8日—1月14日）
    region: str                 # 扎赉特旗
    headline: tuple[str, ...]   # the headline sentences (the lead's figures), plain text
    files: tuple[Path, ...]     # archived files: the .docx first, then .pdf/.html when made
    html: str | None            # the HTML preview (a whole document) for an email body
    text: str                   # the briefing as plain text (email's text/plain alternative)
    link: str | None            # public_url + the archived file's path, when public_url is configured


@dataclass(frozen=True)
class Recipient:
    channel: str                # the configured channel's name ([channels.NAME])
    address: str = ""           # an email address for email; "" for a robot, webhook or folder
    name: str = ""              # a display name (email)


class DeliveryFailed(Exception):
    """A send that failed; permanent=True when retrying cannot help (bad address, rejected credentials,
    a 4xx that is not rate limiting), so the outbox marks it failed at once instead of retrying."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        """Send; return a receipt (message id / response)."""
        ...


def make_channel(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Channel:
    """A configured channel from its [channels.NAME] table (kind = "email"|"wecom"|"dingtalk"|"feishu"|
    "webhook"|"folder"), through delivery/kinds.py's registry (H8). Secrets: `password_env`, `secret_env`,
    `webhook_env` name environment variables (or the value is given inline in the config file); never logged,
    never shown by any command (shown as ***)."""
    from .kinds import make  # the registry of kinds, imported when a channel is made

    return make(name, table, environ)
