"""The sections of a briefing, as the office's catalog gives them: its domains in its order, each with the
heading of the domains table, the region's own figures in it, and the figures its parts (banners, townships)
have where the region has none of its own (a rate kept per banner, without numerator and denominator).

Nothing here names a domain, an indicator or a region: every word comes from the catalog, so a template
that loops over ``领域列表`` serves any office.
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..store.catalog import Domain, Region
from ..store.facts import Facts
from .provenance import Quoted
from .views import FactView

PERIOD_WORDS = {"year": "年", "quarter": "季度", "month": "月", "week": "周", "day": "日"}


class PartsView:
    """One indicator the region has no figure of its own for, with each part's figures: ``分项`` is a list of
    (地区, 指标) pairs, in the catalog's order of the parts."""

    def __init__(self, first: FactView, parts: list[tuple[str, FactView]]):
        self.名称 = self.name = first.名称
        self.简称 = self.short_name = first.简称
        self.单位 = self.unit = first.单位
        self.类型 = self.kind = first.类型
        self.分项 = self.parts = [(Quoted(name), view) for name, view in parts]

    def __repr__(self) -> str:
        return f"<分地区 {self.名称}: {len(self.分项)}>"


class DomainView:
    """One section: the domain's name and heading (第一行｜第二行, or its name), the region's own figures
    (``指标``) and the ones only its parts have (``分地区``)."""

    def __init__(self, domain: Domain, own: list[FactView], by_part: list[PartsView]):
        self.名称 = self.name = Quoted(domain.name)
        self.标题 = self.heading = Quoted(domain.title)
        self.指标 = self.facts = own
        self.分地区 = self.by_part = by_part

    def __repr__(self) -> str:
        return f"<领域 {self.名称}: {len(self.指标)} + {len(self.分地区)}>"


class Lazy:
    """A list computed when a template first reads it: a briefing that never loops over its sections does
    not gather its parts' figures."""

    def __init__(self, compute: Callable[[], list]):
        self._compute, self._items = compute, None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._compute()
        return self._items

    def __iter__(self) -> Iterator:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __getitem__(self, index):
        return self._list()[index]

    def __bool__(self) -> bool:
        return bool(self._list())


def domains(facts: Facts, view: Callable[[str, str | None], FactView],
            parts_of: Callable[[str], Facts] | None) -> list[DomainView]:
    """The domains with figures in this briefing (the region's own, or only its parts'), in the office's order.

    ``view(code, region)`` gives an indicator's FactView (of the briefing's region when region is None);
    ``parts_of(name)`` the facts of a part for the same period and moment (None: no parts are read)."""
    own: dict[str, list[FactView]] = {}
    known: dict[str, Domain] = {}
    for fact in facts.facts.values():
        ind = fact.indicator
        known.setdefault(ind.domain, ind.section or Domain(ind.domain))
        own.setdefault(ind.domain, []).append(view(ind.code, None))
    by_part = _by_part(facts, view, parts_of, known) if parts_of else {}
    order = sorted(known.values(), key=lambda d: d.sort)        # stable: ties keep the catalog's order
    return [DomainView(d, own.get(d.name, []), by_part.get(d.name, [])) for d in order]


def _by_part(facts: Facts, view: Callable[[str, str | None], FactView], parts_of: Callable[[str], Facts],
             known: dict[str, Domain]) -> dict[str, list[PartsView]]:
    """Per domain, the indicators the region has no figure of its own for that its parts have."""
    found: dict[str, list[tuple[str, FactView]]] = {}
    first: dict[str, FactView] = {}
    for part in facts.region.children:
        for fact in parts_of(part.name).facts.besides(facts.facts):
            code = fact.indicator.code
            known.setdefault(fact.indicator.domain, fact.indicator.section or Domain(fact.indicator.domain))
            part_view = view(code, part.name)
            first.setdefault(code, part_view)
            found.setdefault(code, []).append((part.name, part_view))
    out: dict[str, list[PartsView]] = {}
    for code, parts in found.items():
        out.setdefault(first[code].fact.indicator.domain, []).append(PartsView(first[code], parts))
    return out


def part_level(region: Region) -> str:
    """What the region's parts are called (旗, 乡镇), when they share one level; 地区 otherwise; '' for a
    region without parts."""
    if not region.children:
        return ""
    levels = {r.level for r in region.children}
    return levels.pop() if len(levels) == 1 and None not in levels else "地区"
