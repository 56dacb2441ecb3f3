"""Writing one number the way official Chinese briefings do (pure: values in, text out).

- Rounding is half up (四舍五入), once, from the unrounded Decimal; trailing zeros are kept (3.0).
- Large round numbers take 万 or 亿 as their unit (110万, 1亿, 3.45亿), never 千, 百万 or a mix like
  3亿4500万; below 1亿 a number that is not round stays in digits (19532); from 1亿 up every figure is in
  亿, to two decimals when it is not round (5.13亿), so one sentence keeps one scale.
- Approximations (多, 余, 余万, 近, 以上, 超过) are computed from the exact value and never state
  something the value contradicts: asking for one the value does not support raises ApproximationError.

Every function returns the text of the number with its scale (万/亿) but without the measure word;
``with_unit`` puts the measure word where the house style wants it (10万余名, 5亿元以上, 超过40次).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from ..errors import ApproximationError
from ..i18n import _

TEN_THOUSAND = Decimal(10_000)
HUNDRED_MILLION = Decimal(100_000_000)
SCALES = (("亿", HUNDRED_MILLION), ("万", TEN_THOUSAND))
APPROXIMATIONS = ("多", "余", "余万", "近", "以上", "超过")


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round once, half up, to a number of decimal places (102.25 → 102.3, where round() gives 102.2)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fixed(value: Decimal, places: int) -> str:
    """The value rounded half up with exactly ``places`` decimals: 3 → '3.0' at one place."""
    return f"{round_half_up(value, places):f}"


def _trim(value: Decimal) -> str:
    """A Decimal in plain digits without trailing zeros after the point: 110.00 → '110', 3.450 → '3.45'."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def scaled(value: Decimal, decimals: int = 0, max_scaled_places: int = 2) -> str:
    """A figure in digits, or in 万/亿, one scale from 1亿 up so that a sentence never sets 1亿 beside 51250万.

    From 1亿 up (the value rounded to the indicator's ``decimals``) it is always written in 亿, with
    ``max_scaled_places`` decimals (see ``in_yi``): 100000000 → '1亿', 345000000 → '3.45亿',
    512500000 → '5.13亿'. Below, it is written in 万 when it is at least 1万 and needs at most
    ``max_scaled_places`` decimals there, else in digits: 1100000 → '110万', 10200000 → '1020万',
    104350 → '104350', 19532 → '19532'.
    """
    shown = round_half_up(value, decimals)
    if abs(shown) >= HUNDRED_MILLION:
        return in_yi(value, decimals, max_scaled_places)
    if abs(shown) >= TEN_THOUSAND:
        amount = shown / TEN_THOUSAND
        if amount == round_half_up(amount, max_scaled_places):
            return _trim(amount) + "万"
    return fixed(shown, decimals)


def in_yi(value: Decimal, decimals: int = 0, places: int = 2, scale: Decimal = Decimal(1)) -> str:
    """A figure of 1亿 or more in 亿 (``value`` counted in ``scale``: 1, or 1万 for a unit in 万). Exact at
    ``places`` decimals it is written without trailing zeros (1亿, 3.45亿, 16亿: nothing is left out);
    otherwise it is rounded once, half up, from the unrounded value to ``places`` decimals, trailing zeros
    kept as for percentages (5.13亿 for 512500000, 5.10亿 for 510000001: the last digit says where it was
    rounded)."""
    exact = round_half_up(value, decimals) * scale / HUNDRED_MILLION
    if exact == round_half_up(exact, places):
        return _trim(exact) + "亿"
    return fixed(Decimal(value) * scale / HUNDRED_MILLION, places) + "亿"


@dataclass(frozen=True)
class Approximation:
    """An approximate figure: the text, and the band of exact values it allows."""

    text: str          # the number part: '50多', '10万余', '10余万', '近万', '5亿', '40'
    low: Decimal       # smallest value the phrase allows
    high: Decimal      # largest value it allows
    low_open: bool     # True when the band excludes low (多, 余, 超过)
    high_open: bool    # True when it excludes high

    def allows(self, value: Decimal) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


def leading_place(value: Decimal, digits: int = 1) -> Decimal:
    """The place value of the ``digits``-th significant digit: 538 → 100; 5736 with 2 digits → 100."""
    exponent = Decimal(abs(value)).adjusted() - (digits - 1)
    return Decimal(1).scaleb(max(exponent, 0))


def last_place(number: Decimal) -> Decimal:
    """The place of the last non-zero digit as written: 50 → 10, 5700 → 100, 3210 → 10, 1.5 → 0.1."""
    number = Decimal(number).normalize()
    exponent = number.as_tuple().exponent
    return Decimal(1).scaleb(exponent)


def _floor_to(value: Decimal, place: Decimal) -> Decimal:
    return (value / place).to_integral_value(rounding=ROUND_FLOOR) * place


def approximate(value: Decimal, form: str, digits: int = 1, mark: Decimal | None = None) -> Approximation:
    """The approximation ``form`` of a value (see APPROXIMATIONS); ApproximationError if it would lie.

    ``digits`` is how many leading digits the phrase keeps (53 → 50多 with 1; 5736 → 5700余 with 2;
    3216 → 3210余 with 3). ``mark`` gives the round number explicitly (超过40, 5亿以上); by default it
    is the value floored (多, 余, 以上, 超过) or raised (近) at its leading digits.
    """
    value = Decimal(value)
    if value < 1:
        raise ApproximationError(_("{value} cannot be approximated; approximations are for figures of 1 or more").format(
            value=_trim(value)))
    if form in ("多", "余"):
        return _more(value, form, digits, mark)
    if form == "余万":
        return _tens_of_wan(value, mark)
    if form == "近":
        return _nearly(value, digits, mark)
    if form in ("以上", "超过"):
        mark = mark if mark is not None else _floor_to(value, leading_place(value, digits))
        if value < mark or (form == "超过" and value == mark):
            written = f"{_mark_text(mark)}以上" if form == "以上" else f"超过{_mark_text(mark)}"
            message = (_("{value} is not at least {mark}, so it cannot be written {written}") if form == "以上"
                       else _("{value} is not more than {mark}, so it cannot be written {written}"))
            raise ApproximationError(message.format(value=_trim(value), mark=_trim(mark), written=written))
        return Approximation(_mark_text(mark), mark, Decimal("Infinity"), form == "超过", True)
    raise ValueError(_("unknown approximation '{form}'; use one of {forms}").format(form=form,
                                                                                  forms=", ".join(APPROXIMATIONS)))


def _more(value: Decimal, form: str, digits: int, mark: Decimal | None) -> Approximation:
    """N多 / N余: more than N by less than one unit of N's last kept digit: 53 → 50多 (50 < v < 60),
    5736 → 5700余 with two digits. At 万 and above the remainder is less than one 万 (or 亿):
    104350 → 10万余 (10万 < v < 11万), a different claim from 10余万."""
    scale = next(((name, unit) for name, unit in SCALES if (mark if mark is not None else value) >= unit), None)
    if scale is not None:  # 10万余: less than one 万 more; 1.5万余: less than 0.1万 more (the last digit shown)
        name, unit = scale
        floor = mark if mark is not None else _floor_to(value, unit)
        place = min(last_place(floor / unit), Decimal(1)) * unit   # 10万 → one 万; 1.5万 → 0.1万
        text = f"{_trim(floor / unit)}{name}{form}"
    else:  # 50多: less than 10 more; 5700余: less than 100 more; 150余: less than 10 more
        floor = mark if mark is not None else _floor_to(value, leading_place(value, digits))
        place = last_place(floor)
        text = f"{_trim(floor)}{form}"
    if not floor < value < floor + place:
        raise ApproximationError(_("{value} is not more than {floor} by less than {place}, so it cannot be written "
                                   "{written}").format(value=_trim(value), floor=_trim(floor), place=_trim(place),
                                                       written=text))
    return Approximation(text, floor, floor + place, True, True)


def _tens_of_wan(value: Decimal, mark: Decimal | None) -> Approximation:
    """N余万: between N万 and the next ten 万, at least one 万 over N万 (10余万 = 11万 to 19万…)."""
    if value >= HUNDRED_MILLION:
        raise ApproximationError(_("{value} is 1亿 or more; write it with 余 (such as 1亿余), not 余万").format(
            value=_trim(value)))
    wan = value / TEN_THOUSAND
    tens = mark / TEN_THOUSAND if mark is not None else _floor_to(wan, leading_place(wan))
    if mark is not None and (tens < 10 or leading_place(tens) != last_place(tens) or tens != int(tens)):
        raise ApproximationError(_("N余万 needs a round N of tens of 万 (10, 20, 100 …), not {tens}").format(
            tens=_trim(tens)))
    if not (tens + 1 <= wan < tens + leading_place(tens)) or tens < 10:
        raise ApproximationError(_("{value} is not between {low}万 and {high}万, so it cannot be written {tens}余万").format(
            value=_trim(value), low=_trim(tens + 1), high=_trim(tens + leading_place(tens)), tens=_trim(tens)))
    return Approximation(f"{_trim(tens)}余万", (tens + 1) * TEN_THOUSAND,
                         (tens + leading_place(tens)) * TEN_THOUSAND, False, True)


NEAR_TOLERANCE = Decimal("0.1")  # 近N: within 10% below N


def _nearly(value: Decimal, digits: int, mark: Decimal | None) -> Approximation:
    place = leading_place(value, digits)
    target = mark if mark is not None else _floor_to(value, place) + place
    if not (target * (1 - NEAR_TOLERANCE) <= value < target):
        raise ApproximationError(_("{value} is not just below {target} (within 10%), so it cannot be written "
                                   "近{written}").format(value=_trim(value), target=_trim(target),
                                                        written=_mark_text(target, lone_unit=True)))
    return Approximation(_mark_text(target, lone_unit=True), target * (1 - NEAR_TOLERANCE), target, False, True)


def _mark_text(mark: Decimal, lone_unit: bool = False) -> str:
    """A round number as briefings write it: 50, 500, 10万, 5亿, 1000万; 万 alone for 近万 (lone_unit)."""
    if lone_unit and mark in (TEN_THOUSAND, HUNDRED_MILLION):
        return "万" if mark == TEN_THOUSAND else "亿"
    if mark >= HUNDRED_MILLION:  # exact, in 亿 like every figure from 1亿 up: 1.5亿以上, never 15000万以上
        return _trim(mark / HUNDRED_MILLION) + "亿"
    return scaled(mark, 0, max_scaled_places=0) if mark == mark.to_integral_value() else _trim(mark)


def with_unit(number: str, unit: str, form: str | None = None) -> str:
    """The number with its measure word in house order: 19532人次, 10万余名, 近万人次, 5亿元以上, 超过40次."""
    if form == "超过":
        return f"超过{number}{unit}"
    if form == "近":
        return f"近{number}{unit}"
    if form == "以上":
        return f"{number}{unit}以上"
    return f"{number}{unit}"
