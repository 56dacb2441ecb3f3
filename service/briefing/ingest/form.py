"""The fill-in form (填报表): which rows a banner's form has, and its titles (pure but for ``reported``, one
query). ``form_book`` writes it as a workbook; ``briefing ingest`` reads the filled form back as it is.

A form is for one period and one or more regions. Each region gets a row for every indicator of the
period's frequency that it reports:

- an indicator with 分子/分母 is computed from them, and never filled in;
- an indicator someone has figures of their own for is reported by the regions that have figures of their
  own for it (扎赉特旗 reports 教师培训场次; 科右前旗 has never given one, so its form has no such row);
- an indicator nobody has reported yet (a new catalog, a new indicator) is reported by every region at the
  bottom of the hierarchy, and by a region above only when it does not add up from its children
  (地区汇总 不汇总): a league's sums come from its banners.

The long layout has one row per (region, indicator) under the header 领域 指标 单位 地区 期间 数值 备注;
the wide layout one row per region and a column per indicator, headed 指标（单位）.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from ..figures.periods import Period, last_ended
from ..store.catalog import Catalog, Indicator, Region

COLUMNS = ("领域", "指标", "单位", "地区", "期间", "数值", "备注")
WIDE_COLUMNS = ("地区", "期间")
NOTES = ("填报人：", "审核人：", "填报日期：")
REMARK = ("注：只填写数值（按单位栏的单位）和备注；没有数据的留空，留空不计为0。"
          "其余单元格已锁定（保护无密码）；地区可从下拉列表中选择。")
ALL = ("all", "全部")   # --region all: every region that reports at the period's frequency
SHORTEST_FIRST = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Line:
    """One figure to fill in: an indicator of a region."""

    indicator: Indicator
    region: Region


@dataclass(frozen=True)
class Layout:
    """Everything a form shows, before it is a workbook."""

    titles: tuple[str, ...]       # the title rows, the last one 地区：… 期间：…
    period: Period
    lines: tuple[Line, ...]       # by region (the regions in the order asked), then in catalog order
    choices: tuple[str, ...]      # every region name of the catalog: the 地区 drop-down

    @property
    def regions(self) -> list[Region]:
        return list(dict.fromkeys(line.region for line in self.lines))

    @property
    def indicators(self) -> list[Indicator]:
        """The indicators of the wide layout's columns, in catalog order."""
        unique = {line.indicator.code: line.indicator for line in self.lines}
        return sorted(unique.values(), key=lambda ind: (ind.sort, ind.code))


def reported(db: sqlite_utils.Database) -> set[tuple[str, str]]:
    """(indicator, region) of every figure a region gave of its own, at any period and revision."""
    return {(row[0], row[1]) for row in db.execute("SELECT DISTINCT indicator, region FROM observations")}


class Reports:
    """Which indicators each region reports (see the module's docstring)."""

    def __init__(self, catalog: Catalog, given: set[tuple[str, str]]):
        self.catalog, self.given = catalog, given
        self.anyone = {indicator for indicator, _ in given}

    def __call__(self, ind: Indicator, region: Region) -> bool:
        if ind.numerator:
            return False
        if ind.code in self.anyone:
            return (ind.code, region.code) in self.given
        return not self.catalog.children(region.code) or ind.region_agg == "none"

    def lines(self, regions: list[Region], kind: str) -> list[Line]:
        indicators = [ind for ind in self.catalog.indicators.values() if ind.frequency == kind]
        return [Line(ind, region) for region in regions for ind in indicators if self(ind, region)]


def regions_asked(catalog: Catalog, asked: tuple[str, ...]) -> list[Region]:
    """The regions of a form: those named (code or name; NotFound for an unknown one), every region for
    ``all``, or, when none is named, the regions at the bottom of the hierarchy under its top (the
    banners a league sends the form to)."""
    if any(text.strip().lower() in ALL for text in asked):
        return list(catalog.regions.values())
    if asked:
        return list(dict.fromkeys(catalog.region(text) for text in asked))
    roots = catalog.roots()
    return catalog.leaves_under(roots[0].code) if roots else []


def default_period(reports: Reports, regions: list[Region], now: datetime) -> Period | None:
    """The period of a form made without --period: the last one that has ended by ``now`` (as ``generate``
    chooses), of the shortest frequency the regions report (a week, for banners that report weekly);
    None when they report nothing."""
    for kind in SHORTEST_FIRST:
        if reports.lines(regions, kind):
            return last_ended(kind, now)
    return None


def scope(catalog: Catalog, regions: list[Region]) -> str:
    """What the title calls the regions of a form: the region's name; a region's name when they are all the
    banners under it, or it and all below it (兴安盟); else their names, the first three and how many
    (甲旗、乙旗、丙旗等5个地区)."""
    if len(regions) == 1:
        return regions[0].name
    given = set(regions)
    for region in catalog.regions.values():
        below = catalog.descendants(region.code)
        if below and given in ({region, *below}, set(catalog.leaves_under(region.code))):
            return region.name
    names = "、".join(r.name for r in regions[:3])
    return names if len(regions) <= 3 else f"{names}等{len(regions)}个地区"


def layout(catalog: Catalog, reports: Reports, period: Period, regions: list[Region]) -> Layout:
    """The form of these regions for this period (its lines may be none: the caller says so)."""
    lines = reports.lines(regions, period.kind)
    where = scope(catalog, list(dict.fromkeys(line.region for line in lines)) or regions)
    label = period.label()
    programme = catalog.office.get("programme", "").strip()
    titles = ((programme,) if programme else ()) + (f"{where} {label}数据填报表", f"地区：{where}　期间：{label}")
    return Layout(titles, period, tuple(lines), tuple(r.name for r in catalog.regions.values()))


def width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet cell: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
