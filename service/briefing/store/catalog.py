"""The catalog: regions (with their hierarchy), indicators (what each figure is and how it adds up), the
office's domains (the sections of a briefing, with their headings and order) and its own settings (the
programme's name, the masthead, its template folders).

Loaded once from the store into plain dataclasses; lookups accept a code or a Chinese name and,
when nothing matches, suggest the closest one. A loaded region knows its children and an indicator its
domain, so a briefing's facts carry what its sections need.
"""

from __future__ import annotations

import contextlib
import difflib
import sqlite3
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

import sqlite_utils

from ..errors import NotFound, UsageError
from ..figures.phrasing import DEFAULT_WORDING, Measure
from ..i18n import _

KINDS = {"flow": "流量", "stock": "存量", "rate": "比率", "per_unit": "单位水平"}
FREQUENCIES = {"year": "年", "quarter": "季", "month": "月", "week": "周", "day": "日"}
TIME_AGGS = {"sum": "求和", "last": "最新", "max": "最大", "mean": "平均"}
REGION_AGGS = {"sum": "求和", "max": "最大", "mean": "平均", "ratio": "比值", "none": "不汇总"}
# The office's own settings (the office table): key -> its Chinese name in a file of 设置 and 值
OFFICE = {"programme": "项目名称", "source": "来源", "author": "作者", "editor": "责任编辑", "template_dirs": "模板目录",
          "report_to": "报", "send_to": "送", "distribute_to": "发"}     # 报、送、发: who a 工作简报 goes to
WORDINGS = {"volume": "数量", "price": "价格", "crop": "产量", "rate": "比率", "rate_rise": "上升率",
            "rate_lift": "提升率", "gap": "差距"}

# How each kind adds up over time and over regions unless the indicator says otherwise.
DEFAULT_TIME_AGG = {"flow": "sum", "stock": "last", "rate": "last", "per_unit": "last"}
DEFAULT_REGION_AGG = {"flow": "sum", "stock": "sum", "rate": "none", "per_unit": "none"}
DEFAULT_DECIMALS = {"flow": 0, "stock": 0, "rate": 2, "per_unit": 1}


@dataclass(frozen=True)
class Domain:
    """A domain of the office's work (教育, 就业 …): a section of a briefing, with its heading."""

    name: str
    heading: str | None = None      # 第一行｜第二行, or one line; None: the section is headed by the name
    sort: int = 0

    @property
    def title(self) -> str:
        return self.heading or self.name


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None = None
    level: str | None = None
    sort: int = 0
    children: tuple["Region", ...] = field(default=(), compare=False, repr=False)   # set by Catalog.load


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
    section: Domain | None = field(default=None, compare=False, repr=False)   # its domain; set by Catalog.load

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @cached_property
    def measure(self) -> Measure:
        """How its figures are written: unit, decimals, the verbs of a change (措辞), per what (亩)."""
        return Measure(self.unit, self.decimals, self.wording or DEFAULT_WORDING[self.kind], self.per)


def stored_fields(entry: Region | Indicator | Domain) -> dict:
    """A catalog entry as its table's row: the fields that are stored (not the links Catalog.load sets)."""
    return {f.name: getattr(entry, f.name) for f in fields(entry) if f.compare}


@dataclass
class Catalog:
    regions: dict[str, Region] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)      # in the office's order
    office: dict[str, str] = field(default_factory=dict)          # OFFICE key -> value

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> "Catalog":
        regions = {r["code"]: Region(**r) for r in db.query("SELECT * FROM regions ORDER BY sort, code")}
        kids: dict[str, list[Region]] = {}
        for region in regions.values():
            kids.setdefault(region.parent or "", []).append(region)
        for region in regions.values():   # frozen: the link is set once here, and is no part of its value
            object.__setattr__(region, "children", tuple(kids.get(region.code, ())))
        domains = {d["name"]: Domain(**d) for d in db.query("SELECT name, heading, sort FROM domains "
                                                             "ORDER BY sort, rowid")}
        indicators = {}
        for row in db.query("SELECT * FROM indicators ORDER BY sort, code"):
            row["signed"] = bool(row["signed"])
            indicators[row["code"]] = Indicator(**row, section=domains.get(row["domain"]))
        return cls(regions, indicators, domains, office_settings(db))

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

    def top(self) -> Region:
        """The top of the hierarchy (a briefing's region when none is named); UsageError without regions."""
        roots = self.roots()
        if not roots:
            raise UsageError(_("the database has no regions"), _("Import a regions file first (see docs/ingest.md)."))
        return roots[0]


def office_settings(db: sqlite_utils.Database) -> dict[str, str]:
    """The office's own settings (programme, source, author, editor, template_dirs) as stored."""
    return {row["key"]: row["value"] for row in db.query("SELECT key, value FROM office")}


def template_folders(path: str | Path) -> list[str]:
    """The template folders the office table of the database at ``path`` names (``briefing demo`` stores the
    sample's), read without opening the database for writing; none when there is no such database yet."""
    if not Path(path).is_file():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT value FROM office WHERE key = 'template_dirs'").fetchone()
    except sqlite3.Error:    # not a database, or one made before the office table: no folders of its own
        return []
    return split_folders(row[0]) if row else []


def split_folders(text: str) -> list[str]:
    """Folders written in one value, separated by ':' or ';' (as the template_dirs setting)."""
    return [d for d in text.replace(";", ":").split(":") if d] if text else []


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
