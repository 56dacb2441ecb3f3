"""A figure in a second unit of its kind, as the communiqués write it in brackets (pure):
粮食产量比上年增加888万吨（177.6亿斤）.

Only statutory conversions, exact by definition (GB 3100 and the 市制 units it admits: 1公斤 = 2斤,
1公顷 = 15亩), each unit with 万 or 亿 before it as well (万吨, 亿斤). A factor written in a template could
not be checked against anything, so none is taken from one; a conversion that is not a law (元 to 美元)
needs a factor kept with the indicator in the catalog.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from ..i18n import _
from .verify import Claim, unit_factor

# Each unit of a kind in the kind's base unit, the base chosen so that every factor is a finite decimal.
KINDS: dict[str, dict[str, Decimal]] = {
    "mass": {"斤": Decimal(1), "公斤": Decimal(2), "千克": Decimal(2), "吨": Decimal(2000), "克": Decimal("0.002")},
    "area": {"亩": Decimal(1), "公顷": Decimal(15), "平方公里": Decimal(1500), "平方米": Decimal("0.0015")},
}
PREFIXES = (("亿", Decimal(100_000_000)), ("万", Decimal(10_000)), ("", Decimal(1)))


def _in_base(unit: str) -> tuple[str, Decimal] | None:
    """(kind, how many of the kind's base unit one ``unit`` is): 万吨 → (mass, 2000万); None if unknown."""
    for prefix, scale in PREFIXES:
        rest = unit[len(prefix):] if unit.startswith(prefix) else None
        for kind, table in KINDS.items():
            if rest in table:
                return kind, table[rest] * scale
    return None


def factor(unit: str, second: str) -> Decimal:
    """How many ``second`` one ``unit`` is: 万吨 → 亿斤 0.2, 公顷 → 亩 15; ValueError without a statutory
    conversion between them."""
    first, other = _in_base(unit), _in_base(second)
    if first is None or other is None or first[0] != other[0]:
        kinds = "; ".join("、".join(table) for table in KINDS.values())
        raise ValueError(_("{unit} cannot be written in {second}: the statutory conversions are among {kinds} (each "
                           "also with 万 or 亿 before it)").format(unit=unit or _("a figure without a unit"),
                                                                 second=second, kinds=kinds))
    return first[1] / other[1]


def places(shown: Decimal, decimals: int, by: Decimal) -> int:
    """The decimals of a figure converted ``by`` a factor: as precise as the figure as written (888万吨, one
    万吨 being 0.2亿斤, needs one decimal: 177.6亿斤), and no more than its exact conversion needs (120万吨
    is 24亿斤)."""
    finer = (-by.log10()).to_integral_value(rounding=ROUND_CEILING) if by < 1 else 0   # 0.2 → 1, 1/15 → 2
    most = max(0, decimals + int(finer))
    exact = Decimal(shown) * by
    return next((p for p in range(most) if exact == exact.quantize(Decimal(1).scaleb(-p))), most)


def converted_claims(claims: list[Claim], unit: str, second: str) -> list[Claim]:
    """The figures among ``claims`` of an indicator counted in ``unit``, in ``second``. Both are in the plain
    unit the verifier reads (store.facts.fact_claims claims 888万吨 as 8880000; 177.6亿斤 is 17760000000)."""
    by = factor(unit, second) * unit_factor(second) / unit_factor(unit)
    return [Claim(c.value * by, "number", f"{c.label}（{second}）") for c in claims if c.kind == "number"]
