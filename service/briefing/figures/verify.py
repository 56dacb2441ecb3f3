"""Reading the figures back out of a finished text, to prove that none contradicts the data (pure).

``read_numbers`` finds every figure written in Arabic digits (GB/T 15835: the house writes counts and
measures in digits; Chinese numerals such as 三所 or 一季度 are words, not figures) and gives the band of
exact values its words allow:

    19532人次      [19531.5, 19532.5)      a plain figure stands for every value that rounds half up to it
    3.0%           [2.95, 3.05)            kind 'percent'
    110万元        [109.5万, 110.5万)      the last written digit counts in 万 (or 亿)
    50多名 5700余人 (50, 60) (5700, 5800)  N多 / N余: less than one unit of N's last non-zero digit over N
    10万余名       (10万, 11万)            N万余: over N万 by less than one unit of N's last digit, in 万
    10余万名       [11万, 20万)            N余万: as numbers.approximate writes it
    近万人次       [9000, 10000)           近N: within numbers.NEAR_TOLERANCE below N
    5亿元以上      [5亿, ∞)                超过40次 (40, ∞)

The bands follow ``numbers.approximate``: for every phrase it writes, the band read here contains the
band it promised (it is wider only where the words alone cannot tell the engine's ``digits``: 5000余 is
read as (5000, 6000) though the engine may have meant (5000, 5100)).

Full-width digits, thousands separators (19,532), the Traditional edition (10萬餘名, 1.45個百分點) and
line breaks between a number and its 万 or measure word (text from PDF pages) read the same.

Not figures: dates and period labels (2024年, 1月17日, 1—10月份, 第3周, 第12期, 2024届, 2024-01-17, 14:50),
numbers glued after Latin letters (COVID-19, G20), and whatever matches an ``ignore`` pattern.
A minus sign ('-') is read: the engine writes declines with words (下降5.8%), so 增长-5.8% is reported.
Words for the sign (下降, 减少, 净亏损, 负) are not read; a claim is a magnitude, matched by kind and band.

A claim is in the plain unit the text is read in: 万 and 亿 are always read as part of the number, so an
indicator whose unit carries one (73.64 in 亿斤, written 73.6亿斤) is claimed as 7364000000
(``value * unit_factor(unit)``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from ..errors import VerificationError
from ..i18n import N_, _, ngettext
from .numbers import HUNDRED_MILLION, NEAR_TOLERANCE, TEN_THOUSAND, Approximation

KINDS = ("number", "percent", "points", "multiple")
KIND_NAMES = (N_("number"), N_("percent"), N_("points"), N_("multiple"))   # each kind's word, for _(kind)
INFINITY = Decimal("Infinity")
CONTEXT = 12  # characters of surrounding words shown for each unaccounted figure

# Full-width digits and signs become ASCII, and the Traditional characters of the words read become
# Simplified (the Traditional edition is an OpenCC conversion), one for one: offsets stay the text's.
_NORMALIZE = str.maketrans("０１２３４５６７８９．％－−萬億餘過個點週屆級時號畝項場頭戶條張處筆門節種類噸隊組輛",
                           "0123456789.%--万亿余过个点周届级时号亩项场头户条张处笔门节种类吨队组辆")
_SCALES = (("万亿", TEN_THOUSAND * HUNDRED_MILLION), ("亿", HUNDRED_MILLION), ("万", TEN_THOUSAND))
_SCALE_OF, _ONE = dict(_SCALES), Decimal(1)
# what may follow a figure's digits, each part after white space: its scale (the longest first), then 余万 or 多/余
_AFTER = re.compile(r"\s*(万亿|亿|万)?\s*(余万|[多余])?")
_KIND_UNITS = (("个百分点", "points"), ("个千分点", "points"), ("百分点", "points"), ("千分点", "points"),
               ("%", "percent"), ("‰", "percent"), ("倍", "multiple"))
_KIND_UNIT = re.compile(r"\s*(" + "|".join(re.escape(unit) for unit, _kind in _KIND_UNITS) + ")")   # the first in order
_KIND_OF = dict(_KIND_UNITS)
# Measure words, longest first, only to show the figure with its word (19532人次); any other CJK is not read.
_MEASURE_WORDS = tuple(sorted((
    "人次", "人", "名", "位", "例", "次", "项", "个", "所", "家", "场", "亩", "头", "户", "元", "公斤", "斤", "吨",
    "千克", "克", "公里", "千米", "米", "平方米", "平方公里", "公顷", "立方米", "天", "年", "个月", "小时", "分钟",
    "周", "批", "台", "套", "件", "条", "篇", "座", "辆", "株", "只", "匹", "张", "本", "册", "支", "队", "组", "处",
    "笔", "份", "门", "节", "课时", "学时", "千瓦", "千瓦时", "岁", "种", "类", "批次", "架次", "人日", "元/公斤",
    "公斤/亩"), key=len, reverse=True))
_MEASURE_WORD = re.compile("|".join(map(re.escape, _MEASURE_WORDS)))   # the first of them, so the longest
_TIME_UNITS = ("年", "个月", "月", "天", "日", "周", "小时")  # 近3年 is "the last three years", not an estimate

_C = r"\s*[-—–~～至到]\s*"  # between the two ends of a range of dates
# Each pattern below starts at a digit or 第; the lookahead says so first, so the search passes over the other
# characters at once (the same matches, a third of the time).
_DATES = re.compile(r"(?=\d|第)(?:" + "|".join([
    r"(?<!\d)(?:1[89]|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9])(?!\d)",  # 2024-01-17
    r"(?<!\d)(?:1[89]|20)\d\d-W\d\d(?!\d)",                                            # 2024-W03
    r"(?<![\d.])(?:[01]?\d|2[0-3])[:：][0-5]\d(?:[:：][0-5]\d)?(?![\d.])",              # 14:50, 14:50:00
    r"(?<![\d.])(?:[01]?\d|2[0-3])时[0-5]?\d分",                                         # 14时50分
    rf"(?<![\d.])(?:1[89]|20)\d\d(?:{_C}(?:1[89]|20)\d\d)?(?=\s*(?:年|届|级|学年))",     # 2024年, 2022—2024学年
    rf"(?<![\d.])(?:1[0-2]|0?[1-9])(?:{_C}(?:1[0-2]|0?[1-9]))?(?=\s*月)",                # 1月, 1—10月份
    rf"(?<![\d.])(?:3[01]|[12]\d|0?[1-9])(?:{_C}(?:3[01]|[12]\d|0?[1-9]))?(?=\s*日)",    # 17日, 15—21日
    r"(?<=月)(?:3[01]|[12]\d|0?[1-9])(?=号)",                                           # 1月17号
    r"第\s*\d+\s*(?:周|季度|期)",                                                        # 第3周, 第12期
    r"(?<![\d.])[1-4](?=\s*季度)",                                                       # 1季度
]) + ")")
_NUMBER = re.compile(r"(?=\d)(?<![\d.])(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_SPACE = re.compile(r"\s*")   # str.isspace's white space, as str.lstrip strips it
_LONE_MARK = re.compile(r"(?<!最)近(?=[万亿])")  # 近万, 近亿: the unit alone stands for one of it
_ABOVE = re.compile(r"\s*[\u4e00-\u9fff/]{0,3}?以上")  # 5亿元以上: the measure word stands before 以上


class Found(NamedTuple):
    """One figure as written in the text, and the band of exact values its words allow (a plain tuple: a
    briefing's text has hundreds)."""

    text: str          # the words as they stand: '10万余名', '3.0%', '近万人次', '1.45个百分点'
    start: int         # offsets of ``text`` in the text read
    end: int
    kind: str          # one of KINDS
    low: Decimal
    high: Decimal
    low_open: bool
    high_open: bool
    form: str = ""     # the approximation word ('多', '余', '余万', '近', '以上', '超过'), '' for a plain figure

    def allows(self, value: Decimal) -> bool:
        """Whether an exact value can be written with these words."""
        band = Approximation(self.text, self.low, self.high, self.low_open, self.high_open)
        return band.allows(Decimal(value))

    def band(self) -> str:
        """The band in interval notation: [19531.5, 19532.5)."""
        return (f"{'(' if self.low_open else '['}{_plain(self.low)}, "
                f"{_plain(self.high)}{')' if self.high_open else ']'}")


class Claim(NamedTuple("_Claim", [("value", Decimal), ("kind", str), ("label", str)])):
    """One computed fact a text may state (value, kind, label: what it is, for messages: '诊疗患者人次 累计');
    for a change, its magnitude (the text writes 下降5.8%). A plain tuple: a briefing makes hundreds of them
    (``Claim.of`` makes one without the checks, for a Decimal of a known kind)."""

    __slots__ = ()

    def __new__(cls, value: Decimal | int | str, kind: str, label: str = "") -> "Claim":
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} for claim {label or value}; use one of {', '.join(KINDS)}")
        return tuple.__new__(cls, (value if type(value) is Decimal else Decimal(value), kind, label))

    @classmethod
    def of(cls, value: Decimal, kind: str, label: str = "") -> "Claim":
        return tuple.__new__(cls, (value, kind, label))


class Tiers:
    """Claims in tiers, each made only for the figures the tiers before it leave unaccounted for: a briefing
    claims first the facts its template printed, and every other fact it could reach only when a figure
    matches none of those. The same figures pass as with all the claims at once; iterating gives them all."""

    def __init__(self, *tiers: Iterable[Claim] | Callable[[], Iterable[Claim]]):
        self.tiers = tiers

    def __iter__(self) -> Iterator[Claim]:
        for tier in self.tiers:
            yield from (tier() if callable(tier) else tier)


class _Written(NamedTuple):
    """The parts of one figure: sign, digits, scale, approximation word, kind, and where it stands."""

    start: int
    end: int
    digits: str        # '19532', '3.45', '' for 近万
    negative: bool
    scale: Decimal
    form: str
    kind: str


def read_numbers(text: str, ignore: Iterable[str] = ()) -> list[Found]:
    """Every figure in the text with its band, in order; dates, labels and ``ignore`` matches are skipped.

    Each ``ignore`` item is a regular expression; its literal text is skipped too, so a fixed label
    such as '“1+3”工作组' need not be escaped.
    """
    norm = text.translate(_NORMALIZE)
    skipped = _Spans(_skipped_spans(text, norm, ignore))
    found: list[Found] = []
    for start, digits_end in _candidates(norm):
        if skipped.overlap(start, digits_end) or _in_code(norm, start):
            continue
        after_figure = bool(found) and not norm[found[-1].end:start].strip().strip("-")
        written = _parse(norm, start, digits_end, negative=_minus_before(norm, start) and not after_figure)
        low, high, low_open, high_open = _band(written)
        found.append(Found(text[written.start:written.end], written.start, written.end, written.kind,
                           low, high, low_open, high_open, written.form))
    return found


def unit_factor(unit: str) -> Decimal:
    """What a measure word's own 万/亿 multiplies by, to claim its values in the plain unit: 亿斤 → 10^8."""
    return next((factor for name, factor in _SCALES if unit.startswith(name)), Decimal(1))


def unaccounted(text: str, claims: Iterable[Claim] | Tiers, ignore: Iterable[str] = (),
                only: Sequence[tuple[int, int]] | None = None) -> list[Found]:
    """The figures of the text that no claim of the same kind falls within. With ``only``, just the
    figures that overlap one of those (start, end) spans are checked: the spans the data wrote, as
    opposed to the template's own words. Tiers are made one by one, while figures are left to account for."""
    found = read_numbers(text, ignore)
    if only is not None:
        found = [f for f in found if _overlaps(f, only)]
    for tier in (claims.tiers if isinstance(claims, Tiers) else (claims,)):
        if not found:
            break
        by_kind: dict[str, list[Decimal]] = {}
        for c in (tier() if callable(tier) else tier):
            by_kind.setdefault(c[1], []).append(c[0])
        for values in by_kind.values():
            values.sort()
        found = [f for f in found if not _any_within(f, by_kind.get(f.kind, []))]
    return found


def _overlaps(f: Found, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the figure overlaps any of the sorted, disjoint spans (found by binary search)."""
    i = max(bisect.bisect_right(spans, (f.start, f.start)) - 1, 0)   # the last span starting at or before it
    for start, end in spans[i:]:
        if start >= f.end:
            return False
        if f.start < end:
            return True
    return False


def _any_within(f: Found, values: list[Decimal]) -> bool:
    """Whether any of the sorted values lies in the figure's band: a binary search, not a scan."""
    i = bisect.bisect_left(values, f.low)
    while i < len(values) and values[i] <= f.high:
        if f.allows(values[i]):
            return True
        i += 1
    return False


def check(text: str, claims: Iterable[Claim], ignore: Iterable[str] = (),
          only: Sequence[tuple[int, int]] | None = None) -> None:
    """Raise VerificationError naming each figure no claim accounts for, with its offset and context
    (with ``only``, among the figures within those spans)."""
    claims = claims if isinstance(claims, Tiers) else list(claims)
    bad = unaccounted(text, claims, ignore, only)
    if not bad:
        return
    claims = list(claims)
    lines = [ngettext("{count} figure in the text matches no computed fact:",
                      "{count} figures in the text match no computed fact:", len(bad)).format(count=len(bad))]
    lines += [_describe(text, f, claims) for f in bad]
    raise VerificationError("\n".join(lines), bad)


def _describe(text: str, f: Found, claims: list[Claim]) -> str:
    """One line of the error: the words, where they stand, their band, and the nearest claim of the kind."""
    before = text[max(0, f.start - CONTEXT):f.start].replace("\n", " ")
    after = text[f.end:f.end + CONTEXT].replace("\n", " ")
    line = "  " + _("'{figure}' at {start}–{end} ({kind} {band}): …{before}【{figure}】{after}…").format(
        figure=f.text, start=f.start, end=f.end, kind=_(f.kind), band=f.band(), before=before, after=after)
    near = _nearest(f, [c for c in claims if c.kind == f.kind])
    if near is not None:
        line += _("; nearest {kind} fact: {value}").format(kind=_(f.kind), value=_plain(near.value)) + (
            f" ({near.label})" if near.label else "")
    return line


def _nearest(f: Found, claims: list[Claim]) -> Claim | None:
    def distance(c: Claim) -> Decimal:
        return max(f.low - c.value, c.value - f.high, Decimal(0))
    return min(claims, key=distance, default=None)


def _skipped_spans(text: str, norm: str, ignore: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of dates and period labels (in the normalized text), and of every ``ignore`` match in the
    text as written (each pattern as a regex and as literal text)."""
    spans = [m.span() for m in _DATES.finditer(norm)]
    for pattern in ignore:
        for regex in (re.compile(pattern), re.compile(re.escape(pattern))):
            spans += [m.span() for m in regex.finditer(text) if m.end() > m.start()]
    return spans


def _candidates(norm: str) -> Iterator[tuple[int, int]]:
    """(start, end of digits) of each run of digits, and of each 近万 / 近亿 (no digits), in order."""
    spans = [m.span() for m in _NUMBER.finditer(norm)]
    spans += [(m.end(), m.end()) for m in _LONE_MARK.finditer(norm)]
    yield from sorted(spans)


class _Spans:
    """Spans to skip, asked whether one overlaps [start, end) by binary search (a long text has hundreds of
    dates and labels, and as many figures)."""

    def __init__(self, spans: list[tuple[int, int]]):
        spans = sorted(spans)
        self.starts = [s for s, _e in spans]
        self.reach: list[int] = []         # the furthest end among the spans up to each
        for _s, e in spans:
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def overlap(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)   # the spans starting before ``end``
        return i > 0 and self.reach[i - 1] > start


def _in_code(norm: str, start: int) -> bool:
    """Digits after Latin letters are part of a code or name: COVID-19, G20, H7N9."""
    at = start
    while at > 0 and norm[at - 1] == "-":
        at -= 1
    return at > 0 and norm[at - 1].isascii() and norm[at - 1].isalpha()


def _minus_before(norm: str, start: int) -> bool:
    """A '-' right before the digits, not after a digit (1-6个月 is a range)."""
    return start > 0 and norm[start - 1] == "-" and not norm[start - 2:start - 1].isdigit()


def _parse(norm: str, start: int, digits_end: int, negative: bool) -> _Written:
    """The figure whose digits stand at norm[start:digits_end], with its prefix, scale, words and unit."""
    pos, scale, form = _after_digits(norm, start, digits_end)
    kind, pos = _kind_unit(norm, pos)
    end = _measure_end(norm, pos) if kind == "number" else pos
    begin = start - 1 if negative or form == "近" else start
    if not form:
        form, begin, end = _prefix_or_above(norm, begin, pos, end, kind)
    digits = norm[start:digits_end].replace(",", "").replace("，", "")
    return _Written(begin, end, digits, negative, scale, form, kind)


def _after_digits(norm: str, start: int, digits_end: int) -> tuple[int, Decimal, str]:
    """(end, scale, approximation word) of what follows the digits: 万/亿, then 多/余; or 余万.
    White space may stand between the parts (text taken from PDF pages breaks lines anywhere)."""
    after = _AFTER.match(norm, digits_end)
    name, word = after.group(1, 2)
    pos, scale = (after.end(1), _SCALE_OF[name]) if name else (digits_end, _ONE)
    if start == digits_end:  # 近万: the scale alone is the mark
        return pos, scale, "近"
    if word == "余万" and name:   # 3万余万: the 余 is 3万's
        return after.start(2) + 1, scale, "余"
    if word == "余万":
        return after.end(2), TEN_THOUSAND, "余万"
    if word:
        return after.end(2), scale, word
    return pos, scale, ""


def _skip_space(norm: str, pos: int) -> int:
    """The first position at or after pos that is not white space."""
    return _SPACE.match(norm, pos).end()


def _kind_unit(norm: str, pos: int) -> tuple[str, int]:
    """The kind given by the unit at pos (%, 个百分点, 倍; otherwise a number), and where it ends."""
    unit = _KIND_UNIT.match(norm, pos)
    return (_KIND_OF[unit.group(1)], unit.end()) if unit else ("number", pos)


def _prefix_or_above(norm: str, begin: int, pos: int, end: int, kind: str) -> tuple[str, int, int]:
    """近N / 超过N before the figure, or N以上 after its measure word: (form, start, end)."""
    above = _ABOVE.match(norm, pos)
    if above:
        return "以上", begin, above.end()
    if norm.endswith("超过", 0, begin):
        return "超过", begin - 2, end
    if norm.endswith("近", 0, begin) and not norm.endswith("最近", 0, begin) and (
            kind != "number" or not norm.startswith(_TIME_UNITS, _skip_space(norm, pos))):
        return "近", begin - 1, end
    return "", begin, end


def _measure_end(norm: str, pos: int) -> int:
    """Where the measure word after pos ends (19532人次), or pos when none of the known ones follows."""
    word = _MEASURE_WORD.match(norm, _skip_space(norm, pos))
    return word.end() if word else pos


def _band(w: _Written) -> tuple[Decimal, Decimal, bool, bool]:
    """(low, high, low_open, high_open): the exact values the written figure allows."""
    n = Decimal(w.digits) if w.digits else Decimal(1)
    if w.form in ("以上", "超过"):
        mark = -n * w.scale if w.negative else n * w.scale
        return mark, INFINITY, w.form == "超过", True
    low, high, low_open, high_open = _magnitude_band(n, w)
    if w.negative:  # half up is away from zero: -3.0 stands for (-3.05, -2.95]
        return -high, -low, high_open, low_open
    return low, high, low_open, high_open


def _magnitude_band(n: Decimal, w: _Written) -> tuple[Decimal, Decimal, bool, bool]:
    """The band of the unsigned figure, by its approximation word."""
    places = -n.as_tuple().exponent if w.digits else 0
    if w.form == "近":
        mark = n * w.scale
        return mark * (1 - NEAR_TOLERANCE), mark, False, True
    if w.form in ("多", "余"):
        return n * w.scale, (n + _last_place(w.digits, w.scale > 1)) * w.scale, True, True
    if w.form == "余万":  # 10余万 = 11万 to under 20万 (numbers._tens_of_wan); 15余万 is read as 15万余
        place = _last_place(w.digits)
        if places == 0 and n >= 10 and place > 1:
            return (n + 1) * w.scale, (n + place) * w.scale, False, True
        return n * w.scale, (n + Decimal(1).scaleb(-places)) * w.scale, True, True
    half = Decimal(5).scaleb(-places - 1)
    return (n - half) * w.scale, (n + half) * w.scale, False, True


def _last_place(digits: str, in_scale: bool = False) -> Decimal:
    """The place of the last written digit that counts: 5700 → 100, 3210 → 10, 1.5 → 0.1; in 万/亿
    every digit counts (10万余 is 10万 plus less than 1万)."""
    n = Decimal(digits)
    exponent = n.as_tuple().exponent
    if exponent < 0 or in_scale or n == 0:
        return Decimal(1).scaleb(min(int(exponent), 0))
    return Decimal(1).scaleb(len(digits) - len(digits.rstrip("0")))


def _plain(value: Decimal) -> str:
    """A band end in plain digits: 19531.5, 1.1E+5 → 110000, Infinity → ∞."""
    if value.is_infinite():
        return "∞"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
