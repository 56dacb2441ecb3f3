"""Late figures: an archived briefing whose period's figures arrived or changed after it was made is out of
date, and its corrected edition (更正版) says what changed.

What changed is read from the observations' revisions, so it is the same whenever it is asked: the figures
of the briefing's region and the regions under it, for periods that end within the briefing's period,
recorded after the briefing's moment and by the correction's. Each is written as the figure it was and the
figure it is (扎赉特旗诊疗患者人次由190人次更正为196人次), or as added when the briefing had none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlite_utils

from ..figures.period_text import parse_period
from ..figures.periods import Period
from ..figures.phrasing import figure
from ..store.catalog import Catalog, Indicator
from ..store.observations import AS_OF, decimal
from .ledger import Report

LISTED = 5     # changes named in a note; the rest are counted


@dataclass(frozen=True)
class Change:
    indicator: Indicator
    region: str               # its name
    period: str
    before: Decimal | None    # None: the briefing had no figure for it
    after: Decimal | None     # None: the figure was withdrawn (a later revision removed it)

    def words(self) -> str:
        m = self.indicator.measure
        name = f"{self.region}{self.indicator.name}"
        if self.before is None:
            return f"补报{name}{figure(self.after, m)}"
        return f"{name}由{figure(self.before, m)}更正为{figure(self.after, m)}"


_RECORDED = ("SELECT DISTINCT indicator, region, period, recorded_at FROM observations "
             "WHERE recorded_at > ? AND recorded_at <= ?")


def recorded_between(db: sqlite_utils.Database, catalog: Catalog, since: str, until: str) -> dict[Period, list]:
    """The figures recorded after ``since`` and by ``until``, as (indicator, region code, recorded_at) by
    their period, so a briefing looks only at the periods within its own."""
    out: dict[Period, list] = {}
    for code, region, key, at in db.execute(_RECORDED, [since, until]):
        if code in catalog.indicators:
            out.setdefault(parse_period(key, catalog.indicators[code].frequency), []).append((code, region, at))
    return out


def changes(db: sqlite_utils.Database, catalog: Catalog, report: Report, until: str,
            recorded: dict[Period, list] | None = None) -> list[Change]:
    """The figures of a briefing's period that were recorded after it was made and by ``until`` (from
    ``recorded``, read from at most its moment on, when the caller has it already)."""
    period = parse_period(report.period)
    tree = {report.region, *(r.code for r in catalog.descendants(report.region))}
    recorded = recorded if recorded is not None else recorded_between(db, catalog, report.as_of, until)
    keys = {(code, region, p.key) for p, rows in recorded.items() if _within(p, period)
            for code, region, at in rows if at > report.as_of and region in tree}
    out = []
    for code, region, key in keys:
        before, after = (_value(db, code, region, key, moment) for moment in (report.as_of, until))
        if before != after and after is not None:
            out.append(Change(catalog.indicators[code], catalog.regions[region].name, key, before, after))
    return sorted(out, key=lambda c: (c.period, c.indicator.sort, c.region))


def out_of_date(db: sqlite_utils.Database, catalog: Catalog, reports: list[Report], until: str) -> dict[int, int]:
    """Of these done briefings, those whose period's figures changed after they were made (by ``until``),
    with how many figures changed. One read of the observations recorded since the oldest of them."""
    done = [r for r in reports if r.status == "done"]
    if not done:
        return {}
    recorded = recorded_between(db, catalog, min(r.as_of for r in done), until)
    counts = {report.id: len(changes(db, catalog, report, until, recorded)) for report in done}
    return {report_id: n for report_id, n in counts.items() if n}


def latest_versions(reports: list[Report]) -> list[Report]:
    """The newest version of each briefing among these (the one a correction would follow)."""
    newest: dict[tuple, Report] = {}
    for r in reports:
        if r.key not in newest or r.version > newest[r.key].version:
            newest[r.key] = r
    return list(newest.values())


def note(changed: list[Change], day: str) -> str:
    """The corrected edition's line saying what changed: 更正说明：…"""
    named = "；".join(c.words() for c in changed[:LISTED])
    more = f"等{len(changed)}项" if len(changed) > LISTED else ""
    return f"更正说明：本期数据于{day}更新，{named}{more}。"


def _within(inner: Period, outer: Period) -> bool:
    return outer.start <= inner.end <= outer.end


def _value(db: sqlite_utils.Database, indicator: str, region: str, period: str, moment: str) -> Decimal | None:
    row = db.execute(f"SELECT value FROM observations WHERE indicator = :i AND region = :r AND period = :p AND {AS_OF}",
                     {"i": indicator, "r": region, "p": period, "as_of": moment}).fetchone()
    return decimal(row[0]) if row else None
