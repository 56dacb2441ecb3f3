"""The catalog: regions (with their hierarchy) and indicators (what each figure is and how it adds up).

Loaded once from the store into plain dataclasses; lookups accept a code or a Chinese name and,
when nothing matches, suggest the closest one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlite_utils

from ..errors import NotFound

KINDS = {"flow": "流量", "stock": "存量", "rate": "比率", "per_unit": "单位水平"}
FREQUENCIES = {"year": "年", "quarter": "季", "month": "月", "week": "周", "day": "日"}
TIME_AGGS = {"sum": "求和", "last": "最新", "max": "最大", "mean": "平均"}
REGION_AGGS = {"sum": "求和", "max": "最大", "mean": "平均", "ratio": "比值", "none": "不汇总"}
DOMAINS = ("教育", "医疗", "科技", "综合")
WORDINGS = {"volume": "数量", "price": "价格", "crop": "产量", "rate": "比率", "rate_rise": "上升率", "gap": "差距"}

# How each kind adds up over time and over regions unless the indicator says otherwise.
DEFAULT_TIME_AGG = {"flow": "sum", "stock": "last", "rate": "last", "per_unit": "last"}
DEFAULT_REGION_AGG = {"flow": "sum", "stock": "sum", "rate": "none", "per_unit": "none"}
DEFAULT_DECIMALS = {"flow": 0, "stock": 0, "rate": 2, "per_unit": 1}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None = None
    level: str | None = None
    sort: int = 0


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    domain: str
    kind: str
    unit: str
    frequency: str
    time_agg: str
    region_agg: str
    decimals: int = 0
    per: str | None = None
    record_scope: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    signed: bool = False
    description: str | None = None
    sort: int = 0
    wording: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"


@dataclass
class Catalog:
    regions: dict[str, Region] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> "Catalog":
        regions = {r["code"]: Region(**r) for r in db.query("SELECT * FROM regions ORDER BY sort, code")}
        indicators = {}
        for row in db.query("SELECT * FROM indicators ORDER BY sort, code"):
            row["signed"] = bool(row["signed"])
            indicators[row["code"]] = Indicator(**row)
        return cls(regions, indicators)

    def region(self, text: str) -> Region:
        """The region with this code or name; NotFound with a suggestion otherwise."""
        return _find(text, self.regions, "region", lambda r: r.name)

    def indicator(self, text: str) -> Indicator:
        """The indicator with this code or name; NotFound with a suggestion otherwise."""
        return _find(text, self.indicators, "indicator", lambda i: i.name)

    def children(self, code: str) -> list[Region]:
        """The regions directly under this one, in catalog order (indexed once; the catalog is loaded per use)."""
        index = self.__dict__.get("_children")
        if index is None:
            by_parent: dict[str | None, list[Region]] = {}
            for r in self.regions.values():
                by_parent.setdefault(r.parent, []).append(r)
            index = self.__dict__["_children"] = by_parent
        return list(index.get(code, ()))

    def regions_changed(self) -> None:
        """Forget the children index after regions were added or moved in this catalog object."""
        self.__dict__.pop("_children", None)

    def descendants(self, code: str) -> list[Region]:
        """Every region below this one, depth first."""
        return [d for kid in self.children(code) for d in (kid, *self.descendants(kid.code))]

    def leaves_under(self, code: str) -> list[Region]:
        """The regions at the bottom of the hierarchy under (or equal to) this one."""
        kids = self.children(code)
        if not kids:
            return [self.regions[code]]
        return [leaf for kid in kids for leaf in self.leaves_under(kid.code)]

    def roots(self) -> list[Region]:
        return [r for r in self.regions.values() if not r.parent]


def _find(text: str, table: dict, what: str, name_of) -> object:
    key = (text or "").strip()
    if key in table:
        return table[key]
    for item in table.values():
        if name_of(item) == key:
            return item
    names = [name_of(item) for item in table.values()] + list(table)
    near = difflib.get_close_matches(key, names, n=1, cutoff=0.4)
    raise NotFound(what, key, near[0] if near else None)
