"""The schedules and the latest runs as the schedules page and the API show them."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from ..archive.ledger import STILL_FAILING, Ledger, Report
from ..archive.runner import schedule_template
from ..archive.runs import result_of, retried, took
from ..archive.schedules import Schedule, period_due
from ..documents.make import short_label
from ..store.db import Store, iso_utc, local_text
from .reports import period_text

NEXT_RUNS = 3


def run(r: Report, tz: ZoneInfo) -> dict:
    """One run: the result in words, when its last attempt began and how long it took, when it is tried again."""
    return {"id": r.id, "schedule": r.schedule, "template": r.template, "period": r.period,
            "period_text": period_text(r.period), "region": r.region,
            "region_name": r.region_name, "status": r.status, "result": result_of(r),
            "started": local_text(r.started_at, tz) if r.started_at else None, "took": took(r.duration_ms),
            "attempts": r.attempts, "next_try": local_text(r.retry_at, tz) if retried(r) and r.retry_at else None,
            "error": r.error}


def latest(store: Store, tz: ZoneInfo, failed: bool = False, limit: int = 50) -> list[dict]:
    found = Ledger(store).find(STILL_FAILING if failed else "1", [], latest=limit)
    return [run(r, tz) for r in found]


def schedules(store: Store, settings, found: list[Schedule], now: datetime | None = None) -> list[dict]:
    """Each schedule: when it runs, its next runs and the periods they make, what it made, what is failing."""
    now = now or datetime.now(timezone.utc)
    tz = ZoneInfo(settings.timezone)
    ledger = Ledger(store)
    out = []
    for schedule in found:
        template = schedule_template(schedule, settings)
        made = ledger.find("schedule = ? AND status = 'done'", [schedule.name])
        since = schedule.window_start(now, ledger.first_seen(schedule.name))
        failing = ledger.failing(schedule.name, iso_utc(since))
        out.append({
            "name": schedule.name, "template": schedule.template, "template_name": template.name,
            "when": schedule.in_words(), "timezone": schedule.timezone, "regions": list(schedule.regions),
            "formats": list(schedule.formats), "approval": bool(getattr(schedule, "approval", False)),
            "next": [{"at": local_text(iso_utc(m), tz),
                      "period": short_label(period_due(template.period, m, schedule.tz))}
                     for m in schedule.next_moments(now, NEXT_RUNS)],
            "made": len(made), "latest_period": period_text(made[-1].period) if made else None,
            "failing": [run(r, tz) for r in failing]})
    return out


def retry(store: Store, settings, found: list[Schedule], report_id: int, now: datetime | None = None) -> dict:
    """Try a failed (or waiting) scheduled briefing again now, as `briefing retry ID` does (delivered as a
    scheduled run's is); the run as it is afterwards."""
    from ..archive.runner import Runner
    from ..delivery.deliver import Deliverer
    from .reports import get

    runner = Runner(store, settings, found)
    runner.delivery = Deliverer(store, settings, found)
    runner.retry(get(store, report_id), now or datetime.now(timezone.utc))
    return run(runner.ledger.get(report_id), ZoneInfo(settings.timezone))
