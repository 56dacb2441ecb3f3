"""Comparisons of figures (pure: Decimals in, Decimals out; no database, no clock).

Every comparison is computed from the unrounded values; rounding happens once, when a figure is
phrased (see phrasing.py). The rules are those of shared/conventions-zh.md:

- growth rate = (current − base) / base × 100, and none when the base is zero or negative;
- rates and shares change in percentage points, never in %;
- 累计同比 is the ratio of the two sums, never an average of the periodic rates;
- a multiple (倍) is net growth over the base: 279 against 100 is 1.79倍.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Mapping

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Change:
    """How a figure compares with a base figure."""

    current: Decimal
    base: Decimal | None
    is_rate: bool = False        # a rate or share: the change is in percentage points

    @property
    def absolute(self) -> Decimal | None:
        """current − base (in the indicator's unit, or in percentage points for a rate)."""
        return None if self.base is None else self.current - self.base

    @property
    def relative(self) -> Decimal | None:
        """Growth rate in %, unrounded; None when there is no base, or the base is zero or negative."""
        if self.base is None or self.base <= 0:
            return None
        return (self.current - self.base) / self.base * HUNDRED

    @property
    def multiple(self) -> Decimal | None:
        """Net growth as a multiple of the base (增长1.79倍 for 279 against 100); None for a decrease."""
        rel = self.relative
        return rel / HUNDRED if rel is not None and rel > 0 else None

def change(current: Decimal, base: Decimal | None, is_rate: bool = False) -> Change:
    return Change(Decimal(current), None if base is None else Decimal(base), is_rate)


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """A rate from its parts, in percent (就业率 = 就业人数 / 毕业生人数): none without both parts or when the
    denominator is not above zero. The one rule for rolling a rate up the regions, wherever it is done."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator * HUNDRED


def total(values: Iterable[Decimal], how: str = "sum") -> Decimal | None:
    """A figure over a span by the indicator's time aggregation: sum (累计), last, max or mean."""
    items = [Decimal(v) for v in values]
    if not items:
        return None
    if how == "sum":
        return sum(items, Decimal(0))
    if how == "last":
        return items[-1]
    if how == "max":
        return max(items)
    if how == "mean":
        return sum(items, Decimal(0)) / len(items)
    raise ValueError(f"unknown time aggregation {how!r}")


def per_unit_gain(value: Decimal, baseline: Decimal) -> Change:
    """A per-unit level against a baseline (示范田 608.9 against 550.0 公斤/亩: 亩增产58.9公斤)."""
    return Change(Decimal(value), Decimal(baseline))


@dataclass(frozen=True)
class RecordEntry:
    """One best value in a scope: from the reference records or from the stored history."""

    value: Decimal
    period: str
    holder: str                 # a region code, or a name outside the catalog (其他盟市)


@dataclass(frozen=True)
class Record:
    """Whether a figure sets a record in a scope, and whether its holder held the one it beats."""

    scope: str
    is_record: bool
    again: bool                 # the same entity held the previous record (再次刷新 / 再创)
    previous: RecordEntry | None

    @property
    def first(self) -> bool:
        return self.is_record and not self.again


def record(value: Decimal, period: str, holder: str, scope: str, history: Iterable[RecordEntry],
           same_entity: Callable[[str, str], bool] = lambda a, b: a == b) -> Record:
    """Compare a figure with the best one recorded in the scope before its period.

    ``same_entity(holder, previous_holder)`` says whether the previous record counts as this holder's own
    (a league holding a record set by one of its banners). A figure equal to the record does not beat it.
    """
    earlier = [e for e in history if e.period < period]
    if not earlier:
        return Record(scope, False, False, None)  # nothing to beat: a first figure is not a record
    best = max(earlier, key=lambda e: (e.value, e.period))
    if Decimal(value) <= best.value:
        return Record(scope, False, False, best)
    return Record(scope, True, same_entity(holder, best.holder), best)


def rank(values: Mapping[str, Decimal], key: str, largest_first: bool = True) -> tuple[int, int]:
    """(rank, count) of one member among all; ties share the better rank (1, 2, 2, 4)."""
    mine = values[key]
    better = sum(1 for v in values.values() if (v > mine if largest_first else v < mine))
    return better + 1, len(values)


def share(values: Mapping[str, Decimal], key: str) -> Decimal | None:
    """One member's share of the total, in % unrounded; None when the total is not positive."""
    whole = sum(values.values(), Decimal(0))
    return values[key] / whole * HUNDRED if whole > 0 else None


def all_exceed(values: Iterable[Decimal], threshold: Decimal) -> bool:
    """均超过N: every member strictly above the threshold (an empty group exceeds nothing)."""
    items = list(values)
    return bool(items) and all(v > threshold for v in items)
