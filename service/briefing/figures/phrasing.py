"""Phrasing figures and their comparisons in the words of official Chinese briefings (pure).

Rules (shared/conventions-zh.md): 增加/减少 name an absolute change with its unit, 增长/下降 a relative one
in %; a rate changes in 个百分点 with the rate's own precision; a change that rounds to zero is 持平, never
增长0.0%; a decline is written with its absolute value (下降5.8%, never 增长-5.8%); 倍 is net growth
over the base, only when the document asks for it and never for a decrease; with a zero base there is no
rate, only the absolute change; with a negative base both levels are stated. Crop output changes by
增加/减少 its amount and by 增产/减产 its rate; a level reached is 提升至 only when it rose (降至 when it
fell, 为/达到 either way); a change may be written again in a second unit, in brackets (增加120万吨（24亿斤）).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..i18n import _
from . import numbers, units
from .compare import Change, Record

# wording -> (absolute up, absolute down, relative up, relative down)
VERBS: dict[str, tuple[str, str, str, str]] = {
    "volume": ("增加", "减少", "增长", "下降"),    # counts and amounts
    "price": ("上涨", "下降", "上涨", "下降"),     # prices
    "crop": ("增加", "减少", "增产", "减产"),      # crop output: 比上年增加888万吨，增产1.3%
    "rate": ("提高", "下降", "提高", "下降"),      # rates and shares, in 个百分点
    "rate_rise": ("上升", "下降", "上升", "下降"),  # rates that 上升 (a death rate)
    "rate_lift": ("提升", "下降", "提升", "下降"),  # rates that 提升 (就业率提升1.41个百分点)
    "gap": ("扩大", "缩小", "扩大", "缩小"),        # gaps and ratios
}
DEFAULT_WORDING = {"flow": "volume", "stock": "volume", "rate": "rate", "per_unit": "volume"}
# Wordings that say the same of the same kind of figure: a template may choose among them (提高, 上升, 提升)
SYNONYMS = (frozenset({"rate", "rate_rise", "rate_lift"}),)

# The verbs of a level reached (reached_phrase): whether each says which way the figure moved since its base.
# 为 and 达到 state the level alone (达, 高达 too: 高达 stresses the height, not a rise); 提升至 and its kin say
# it rose, 降至 and its kin that it fell (conventions-zh.md: 就业率提升至99.25%; rates 提高/上升/提升, counts 增加/增长).
REACHED_VERBS: dict[str, tuple[str, ...]] = {
    "neutral": ("为", "达到", "达", "高达"),
    "rise": ("提升至", "提升到", "提高至", "提高到", "上升至", "上升到", "升至", "增加到", "增加至", "增长到", "增长至",
             "上涨至", "上涨到"),
    "fall": ("降至", "下降至", "下降到", "降低至", "降低到", "减少到", "减少至", "回落至"),
}


@dataclass(frozen=True)
class Style:
    """Per-document choices of house style (the defaults follow the statistics communiqués)."""

    percent_places: int = 1          # 增长3.0%
    multiple_places: int = 2         # 增长1.79倍
    use_multiple: bool = False       # write growth of 100% or more as 倍
    flat_with_sign: bool = False     # 持平略增 / 持平略减 instead of 持平 when the sign matters
    scaled_places: int = 2           # decimals in 亿 from 1亿 up (5.13亿), at most this many in 万 (110万)


@dataclass(frozen=True)
class Measure:
    """What phrasing needs to know of an indicator."""

    unit: str                # the measure word or unit written after the number: 人次, 公斤, %, 元
    decimals: int = 0
    wording: str = "volume"  # a key of VERBS
    per: str | None = None   # 亩 in 公斤/亩
    signs: tuple[str, str] = ("负", "")  # words for a negative and a positive level (净亏损, 盈利)
    second: tuple[str, Decimal] | None = None  # a second unit and how many of it one unit is: (亿斤, 0.2) for 万吨

    @property
    def is_rate(self) -> bool:
        return self.unit in ("%", "‰")

    @property
    def verbs(self) -> tuple[str, str, str, str]:
        """(absolute up, absolute down, relative up, relative down); a rate never 增加 but 提高."""
        return VERBS["rate" if self.is_rate and self.wording == "volume" else self.wording]

    @property
    def points(self) -> str:
        return "个千分点" if self.unit == "‰" else "个百分点"


def figure(value: Decimal, m: Measure, style: Style = Style()) -> str:
    """A figure with its unit: 19532人次, 761.5公斤, 99.25%, 110万元, 1亿元, 5.13亿元 (from 1亿 up always in 亿,
    numbers.scaled). A unit already in 万 (万元, 万人) is not scaled again below 1亿; from 1亿 up it is in 亿
    too: 20000万元 is written 2亿元, 51250万元 5.13亿元, 1.26万元 stays as it is."""
    if m.is_rate:
        return numbers.fixed(value, m.decimals) + m.unit
    if m.unit.startswith("万") and abs(numbers.round_half_up(value, m.decimals)) >= numbers.TEN_THOUSAND:
        return numbers.in_yi(value, m.decimals, style.scaled_places, numbers.TEN_THOUSAND) + m.unit[1:]
    if m.unit.startswith(("万", "亿")):
        return numbers.fixed(value, m.decimals) + m.unit
    return numbers.scaled(value, m.decimals, style.scaled_places) + m.unit


def approx(value: Decimal, form: str, m: Measure, digits: int = 1, mark: Decimal | None = None) -> str:
    """An approximate figure that the exact value supports: 50多名, 10万余名, 近万人次, 5亿元以上, 超过40次."""
    a = numbers.approximate(value, form, digits, mark)
    return numbers.with_unit(a.text, m.unit, form)


def flat_phrase(base: str) -> str:
    """同比持平, 环比持平; 与上年持平 for a base written 比上年."""
    return f"与{base[1:]}持平" if base.startswith("比") else f"{base}持平"


def _flat(base: str, sign: int, style: Style) -> str:
    text = flat_phrase(base)
    if style.flat_with_sign and sign:
        text += "略增" if sign > 0 else "略减"
    return text


def relative_phrase(ch: Change, m: Measure, style: Style = Style()) -> str | None:
    """增长3.0% / 下降5.8% / 增长1.79倍 / 提高1.45个百分点; '' when it rounds to zero; None without a base."""
    up, down = m.verbs[2:] if not m.is_rate else m.verbs[:2]
    if m.is_rate:
        points = numbers.round_half_up(ch.absolute, m.decimals) if ch.absolute is not None else None
        if points is None:
            return None
        return "" if points == 0 else f"{up if points > 0 else down}{numbers.fixed(abs(points), m.decimals)}{m.points}"
    rel = ch.relative
    if rel is None:
        return None
    shown = numbers.round_half_up(rel, style.percent_places)
    if shown == 0:
        return ""
    if shown > 0 and style.use_multiple and shown >= 100:  # the rate as written decides, not the unrounded one
        return f"{up}{numbers.fixed(ch.multiple, style.multiple_places)}倍"
    return f"{up if shown > 0 else down}{numbers.fixed(abs(rel), style.percent_places)}%"


def absolute_phrase(ch: Change, m: Measure, style: Style = Style()) -> str | None:
    """增加9人 / 减少1.2万元 / 增加120万吨（24亿斤）; '' when it rounds to zero; None without a base."""
    if ch.absolute is None:
        return None
    up, down = m.verbs[:2]
    shown = numbers.round_half_up(ch.absolute, m.decimals)
    if shown == 0:
        return ""
    amount = abs(ch.absolute)
    return f"{up if shown > 0 else down}{figure(amount, m, style)}{in_second_unit(amount, m, style)}"


def in_second_unit(value: Decimal, m: Measure, style: Style = Style()) -> str:
    """The figure again in the measure's second unit, in brackets (增加120万吨（24亿斤）), as precise as the
    figure as written (units.places) and rounded once from the unrounded value; '' without one."""
    if m.second is None:
        return ""
    unit, by = m.second
    places = units.places(numbers.round_half_up(value, m.decimals), m.decimals, by)
    return f"（{figure(value * by, Measure(unit, places), style)}）"


def change_phrase(ch: Change, m: Measure, base: str = "同比", style: Style = Style(),
                  parts: str = "relative") -> str:
    """A comparison in words: 同比增长3.0%; 比上年增加9人，增长23.7%; 比上年末提高0.94个百分点; 同比持平.

    ``base`` is the comparison as written (同比, 环比, 比上年, 比上年末, 比2022年 …), or '' in a later clause
    of a sentence that named it (…，其中本周下降5.9%; 持平); ``parts`` is
    'relative', 'absolute' or 'both'. Without a growth rate (zero or negative base) the absolute
    change stands alone, or both levels are stated when the base is negative.
    """
    if ch.base is None:
        raise ValueError(_("no base figure to compare with"))
    if not m.is_rate and (ch.base < 0 or (ch.current < 0 < ch.base)):  # a loss on either side: both levels
        if numbers.round_half_up(ch.current, m.decimals) == numbers.round_half_up(ch.base, m.decimals):
            return _flat(base, 0, style)
        verb = "转为" if (ch.current < 0) != (ch.base < 0) else "变为"
        return f"由{_base_words(base)}{_signed(ch.base, m, style)}{verb}{_signed(ch.current, m, style)}"
    rel = relative_phrase(ch, m, style)
    absolute = absolute_phrase(ch, m, style) if not m.is_rate else None
    chosen = {"relative": [rel if rel is not None else absolute],
              "absolute": [absolute if absolute is not None else rel],
              "both": [absolute, rel]}[parts]
    words = [w for w in chosen if w]
    if not words:
        return _flat(base, (ch.absolute > 0) - (ch.absolute < 0), style)
    return base + "，".join(words)


def _signed(value: Decimal, m: Measure, style: Style) -> str:
    """A level with the indicator's word for its sign instead of a minus: 净亏损942亿元, 盈利712亿元."""
    return (m.signs[0] if value < 0 else m.signs[1]) + figure(abs(value), m, style)


def _base_words(base: str) -> str:
    return {"同比": "上年同期", "环比": "上期"}.get(base, base[1:] if base.startswith("比") else base)


def range_phrase(low: Decimal, high: Decimal, m: Measure, style: Style = Style()) -> str:
    """A range keeps the unit on both ends (GB/T 15835): 9亿元～16亿元, 12%～16%, never 9～16亿元."""
    if low > high:
        raise ValueError(_("a range runs from the smaller figure: {low} is more than {high}").format(low=low, high=high))
    return f"{figure(low, m, style)}～{figure(high, m, style)}"


def default_base(frequency: str, kind: str) -> str:
    """The house-style base word: 比上年 for an annual flow, 比上年末 for a year-end stock, else 同比."""
    if frequency == "year":
        return "比上年末" if kind == "stock" else "比上年"
    return "同比"


def reached_phrase(value: Decimal, m: Measure, verb: str = "提升至", style: Style = Style(),
                   base: Decimal | None = None) -> str:
    """The level a rate or figure reached: 就业率提升至99.25%; 达到316.8公斤 (a loss in the measure's words).

    A verb that says which way the figure moved (提升至, 降至: REACHED_VERBS) is written only when the level
    and ``base``, the figure it is compared with, went that way as written (rounded to the measure's
    decimals); otherwise, or without a base, ValueError naming the words that are true."""
    text = _signed(value, m, style) if value < 0 else figure(value, m, style)
    way = next((way for way, verbs in REACHED_VERBS.items() if verb in verbs), None)
    if way is None:
        known = "; ".join(f"{way}: {'、'.join(verbs)}" for way, verbs in REACHED_VERBS.items())
        raise ValueError(_("'{verb}' is not a verb for a level reached ({known})").format(verb=verb, known=known))
    if way != "neutral":
        _check_direction(way, f"{verb}{text}", value, base, m, style)
    return verb + text


def _check_direction(way: str, words: str, value: Decimal, base: Decimal | None, m: Measure, style: Style) -> None:
    """ValueError unless the level moved from ``base`` the ``way`` (rise, fall) its ``words`` say."""
    neutral = "、".join(REACHED_VERBS["neutral"][:2])
    if base is None:
        message = (_("{words} says the figure rose, but there is no earlier figure to compare with; write {neutral}")
                   if way == "rise" else
                   _("{words} says the figure fell, but there is no earlier figure to compare with; write {neutral}"))
        raise ValueError(message.format(words=words, neutral=neutral))
    moved = numbers.round_half_up(value, m.decimals) - numbers.round_half_up(base, m.decimals)
    if (moved > 0 and way == "rise") or (moved < 0 and way == "fall"):
        return
    actual = _("the figure rose") if moved > 0 else _("the figure fell") if moved < 0 else _(
        "the figure did not change as written")
    fitting = _("{verb}, or ").format(verb=REACHED_VERBS["rise" if moved > 0 else "fall"][0]) if moved else ""
    raise ValueError(_("{base} → {value}: {actual}, so it cannot be written {words}; write {fitting}a verb that states "
                       "the level alone: {neutral}").format(base=figure(base, m, style), value=figure(value, m, style),
                                                            actual=actual, words=words, fitting=fitting,
                                                            neutral=neutral))


def gain_phrase(ch: Change, m: Measure, style: Style = Style()) -> str:
    """A per-unit gain over a baseline: 亩增产58.9公斤 for a count or a crop (as the source article writes
    the gain per 亩; a crop's total output changes by 增加 and its rate by 增产, VERBS); another wording
    keeps its own verbs (亩上涨… for a price); 亩产持平 when it rounds to zero."""
    per = m.per or ""
    shown = numbers.round_half_up(ch.absolute, m.decimals)
    if shown == 0:
        return f"{per}产持平"
    up, down = ("增产", "减产") if m.wording in ("volume", "crop") else m.verbs[:2]
    return f"{per}{up if shown > 0 else down}{figure(abs(ch.absolute), m, style)}"


RECORD_WORDS = {"first": ("破{scope}{subject}纪录", "创{scope}{subject}纪录"),
                "again": ("再次刷新{scope}{subject}纪录", "再创{scope}{subject}纪录")}
# A word a template prefers, and its counterpart when the record history says otherwise.
RECORD_PAIRS = {"破": 0, "再次刷新": 0, "刷新": 0, "创": 1, "再创": 1}


def record_phrase(rec: Record, subject: str = "", key: str = "", prefer: str | None = None) -> str:
    """破全区纪录 for a first record, 再次刷新全区纪录 when the holder held the one it beats. The synonym
    is ``prefer``'s pair (破/再次刷新 or 创/再创) or chosen deterministically from ``key``; whether it is
    the first-time or the repeat form always comes from the record history. '' when no record is set."""
    if not rec.is_record:
        return ""
    options = RECORD_WORDS["again" if rec.again else "first"]
    if prefer is not None:
        if prefer not in RECORD_PAIRS:
            raise ValueError(_("unknown record word '{word}'; use one of {words}").format(
                word=prefer, words=", ".join(RECORD_PAIRS)))
        return options[RECORD_PAIRS[prefer]].format(scope=rec.scope, subject=subject)
    return choose(options, key).format(scope=rec.scope, subject=subject)


def choose(options: tuple[str, ...] | list[str], key: str) -> str:
    """One of several phrasings with the same meaning, the same one every time for the same key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def date_phrase(day: date) -> str:
    """2024年1月17日."""
    return f"{day.year}年{day.month}月{day.day}日"
