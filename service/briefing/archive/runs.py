"""A run of a briefing (an attempt to make it) as a person reads it: its result and how long it took; the
words `briefing runs`, the web pages and the API share."""

from __future__ import annotations

from ..i18n import N_, _
from .ledger import Report

RESULTS = {"done": N_("generated"), "failed": N_("failed"), "waiting": N_("waiting for data"),
           "claimed": N_("in progress"), "pruned": N_("pruned")}


def result_of(r: Report) -> str:
    """The result in words: 已生成, 失败, 等待数据 …; a made corrected edition or remake says which it is."""
    if r.status == "done" and r.corrects:
        return _("corrected edition")
    if r.status == "done" and r.remake_of:
        return _("remade")
    return _(RESULTS.get(r.status, r.status))


def took(ms: int | None) -> str:
    """A duration as a person reads it: 350 ms, 4.2 s, 2 min 5 s."""
    if ms is None:
        return ""
    if ms < 1000:
        return _("{ms} ms").format(ms=ms)
    if ms < 60_000:
        return _("{seconds} s").format(seconds=f"{ms / 1000:.1f}")
    minutes, seconds = divmod(round(ms / 1000), 60)
    return _("{minutes} min {seconds} s").format(minutes=minutes, seconds=seconds)


def retried(r: Report) -> bool:
    """Whether its schedule tries it again (then its retry_at is when)."""
    return r.schedule is not None and r.status in ("failed", "waiting")
