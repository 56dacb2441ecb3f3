"""Every rule of shared/conventions-zh.md and every quantitative statement of the two source articles,
as tables of values and the words the engine must write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from briefing.errors import ApproximationError
from briefing.figures import numbers, units
from briefing.figures.compare import (
    RecordEntry,
    all_exceed,
    change,
    per_unit_gain,
    rank,
    record,
    share,
    total,
)
from briefing.figures.numbers import approximate, round_half_up
from briefing.figures.phrasing import (
    Measure,
    Style,
    approx,
    change_phrase,
    date_phrase,
    figure,
    gain_phrase,
    reached_phrase,
    record_phrase,
)
from briefing.figures.verify import Claim

PEOPLE, TIMES, CASES = Measure("人"), Measure("人次"), Measure("例")
RATE = Measure("%", 2)
KG = Measure("公斤", 1, per="亩")
YUAN = Measure("元")
JIN = Measure("亿斤", 1)


@pytest.mark.parametrize("value, places, expected", [
    ("102.25", 1, "102.3"),    # a binary float rounds this down (102.2); half up gives 102.3
    ("2.675", 2, "2.68"),      # round(2.675, 2) == 2.67 in Python
    ("0.125", 2, "0.13"),      # round() is half-even: 0.12
    ("3", 1, "3.0"),           # trailing zero kept
    ("-5.85", 1, "-5.9"),      # half up is away from zero for negatives
])
def test_round_half_up_once(value, places, expected):
    assert numbers.fixed(D(value), places) == expected


@pytest.mark.parametrize("value, decimals, expected", [
    (19532, 0, "19532"), (345000000, 0, "3.45亿"), (100000000, 0, "1亿"), (1100000, 0, "110万"),
    (500000, 0, "50万"), (30000, 0, "3万"), (5000000, 0, "500万"), (10000000, 0, "1000万"),
    (104350, 0, "104350"), ("761.5", 1, "761.5"), (1000, 0, "1000"), (9999, 0, "9999"),
    (99999999, 0, "99999999"),                 # below 1亿 a figure that is not round stays in digits
    # from 1亿 up always in 亿, two decimals when not round (it was 123456789 and 51250万 before)
    (123456789, 0, "1.23亿"), (512500000, 0, "5.13亿"), (510000001, 0, "5.10亿"), ("99999999.5", 0, "1亿"),
    (1234567890123, 0, "12345.68亿"), (-512500000, 0, "-5.13亿"), ("512499999.6", 0, "5.12亿"),  # rounded once
])
def test_wan_and_yi_as_units_never_qian(value, decimals, expected):
    text = numbers.scaled(D(value), decimals)
    assert text == expected
    assert "千" not in text and "百万" not in text and not ("亿" in text and "万" in text)


def test_amounts_from_one_yi_up_keep_one_scale():
    """The weekly briefing wrote 带动企业增收1亿元、带动全社会增收51250万元: two scales for two amounts."""
    words = [figure(D(v), YUAN) for v in (100000000, 512500000, 345000000, 1600000000)]
    assert words == ["1亿元", "5.13亿元", "3.45亿元", "16亿元"]
    assert figure(D(512500000), YUAN, Style(scaled_places=1)) == "5.1亿元"          # the template's [style]
    assert figure(D(51250), Measure("万元")) == "5.13亿元"                           # a unit in 万 too
    assert approx(D(150000000), "以上", Measure("元"), 2) == "1.5亿元以上"           # never 15000万元以上


# Comparisons: current, base, measure, base word, parts, style -> expected words
CHANGES = [
    # 增长 / 下降 for a relative change, with one decimal and the trailing zero
    (103, 100, TIMES, "同比", "relative", Style(), "同比增长3.0%"),
    (D("94.2"), 100, TIMES, "同比", "relative", Style(), "同比下降5.8%"),            # never 增长-5.8%
    (D("100.04"), 100, TIMES, "同比", "relative", Style(), "同比持平"),              # never 增长0.0%
    (D("100.04"), 100, TIMES, "比上年", "relative", Style(), "与上年持平"),
    (D("100.04"), 100, TIMES, "同比", "relative", Style(flat_with_sign=True), "同比持平略增"),
    (D("99.96"), 100, TIMES, "环比", "relative", Style(flat_with_sign=True), "环比持平略减"),
    (D("102.25"), 100, TIMES, "同比", "relative", Style(), "同比增长2.3%"),          # half up, from unrounded
    # 增加 / 减少 name an absolute change with its unit; both can stand in one clause
    (47, 38, PEOPLE, "比去年", "absolute", Style(), "比去年增加9人"),                # 一本上线人数比去年增加9人
    (D("14803.6"), D("14730"), JIN, "比上年", "both", Style(), "比上年增加73.6亿斤，增长0.5%"),
    (30, 35, PEOPLE, "比上年", "absolute", Style(), "比上年减少5人"),
    # rates change in percentage points, keeping the rate's precision
    (D("66.16"), D("65.22"), RATE, "比上年", "relative", Style(), "比上年提高0.94个百分点"),
    (D("97.80"), D("99.25"), RATE, "同比", "relative", Style(), "同比下降1.45个百分点"),
    (D("99.25"), D("99.25"), RATE, "比上年", "relative", Style(), "与上年持平"),
    (D("5.2"), D("5.0"), Measure("‰", 1), "比上年", "relative", Style(), "比上年提高0.2个千分点"),
    # 倍: net growth over the base, two decimals, per-document, never for a decrease
    (279, 100, TIMES, "同比", "relative", Style(use_multiple=True), "同比增长1.79倍"),
    (279, 100, TIMES, "同比", "relative", Style(), "同比增长179.0%"),               # 倍 is not automatic
    (D("240.3"), 100, TIMES, "同比", "relative", Style(use_multiple=True, multiple_places=1), "同比增长1.4倍"),
    (20, 100, TIMES, "同比", "relative", Style(use_multiple=True), "同比下降80.0%"),
    (D("199.9"), 100, TIMES, "同比", "relative", Style(use_multiple=True), "同比增长99.9%"),
    # prices 上涨, crops 增产
    (D("10.5"), 10, Measure("元", 1, "price"), "同比", "relative", Style(), "同比上涨5.0%"),
    (D("10.5"), 10, Measure("元", 1, "price"), "同比", "absolute", Style(), "同比上涨0.5元"),
    # crop output: the absolute change is 增加/减少, the rate 增产/减产 (比上年增加888万吨，增产1.3%)
    (69541, 68653, Measure("万吨", 0, "crop"), "比上年", "both", Style(), "比上年增加888万吨，增产1.3%"),
    (68653, 69541, Measure("万吨", 0, "crop"), "比上年", "both", Style(), "比上年减少888万吨，减产1.3%"),
    (D("761.5"), D("745.3"), Measure("公斤", 1, "crop"), "比上年", "absolute", Style(), "比上年增加16.2公斤"),
    (D("745.3"), D("761.5"), Measure("公斤", 1, "crop"), "比上年", "relative", Style(), "比上年减产2.1%"),
    # zero base: no rate, the absolute change alone; negative base: both levels
    (5, 0, Measure("个"), "比上年", "relative", Style(), "比上年增加5个"),
    (712, -942, Measure("亿元", signs=("净亏损", "盈利")), "同比", "relative", Style(),
     "由上年同期净亏损942亿元转为盈利712亿元"),
    # a later clause drops the base word its sentence already said (…，其中本周增长3.2%)
    (D("103.2"), 100, TIMES, "", "relative", Style(), "增长3.2%"),
    (47, 38, PEOPLE, "", "both", Style(), "增加9人，增长23.7%"),
    (D("100.04"), 100, TIMES, "", "relative", Style(), "持平"),
    (D("99.96"), 100, TIMES, "", "relative", Style(flat_with_sign=True), "持平略减"),
    (712, -942, Measure("亿元", signs=("净亏损", "盈利")), "", "relative", Style(), "由净亏损942亿元转为盈利712亿元"),
    # large absolute changes take 万 / 亿
    (D("512500000"), D("412500000"), YUAN, "同比", "absolute", Style(), "同比增加1亿元"),
]


@pytest.mark.parametrize("current, base, m, word, parts, style, expected", CHANGES, ids=[c[-1] for c in CHANGES])
def test_change_phrases(current, base, m, word, parts, style, expected):
    assert change_phrase(change(D(current), D(base), m.is_rate), m, word, style, parts) == expected


def test_a_rate_reached():
    assert reached_phrase(D("99.25"), RATE, base=D("97.84")) == "提升至99.25%"      # 就业率提升至99.25%
    assert reached_phrase(D("761.5"), KG, "高达") == "高达761.5公斤"                  # 亩产量高达761.5公斤
    assert reached_phrase(D("316.8"), KG, "达到") == "达到316.8公斤"
    assert reached_phrase(D("97.10"), RATE, "降至", base=D("99.25")) == "降至97.10%"


@pytest.mark.parametrize("value, base, verb, why", [
    ("97.10", "99.25", "提升至", "99.25% → 97.10%: the figure fell, so it cannot be written 提升至97.10%; write 降至, "
                                "or a verb that states the level alone: 为、达到"),
    ("99.25", "97.10", "下降到", "the figure rose, so it cannot be written 下降到99.25%; write 提升至, or"),
    ("99.254", "99.246", "提高到", "the figure did not change as written, so it cannot be written 提高到99.25%; "
                                  "write a verb that states the level alone: 为、达到"),
    ("99.25", None, "提升至", "提升至99.25% says the figure rose, but there is no earlier figure to compare with"),
])
def test_a_level_is_never_said_to_have_moved_the_wrong_way(value, base, verb, why):
    with pytest.raises(ValueError) as refused:
        reached_phrase(D(value), RATE, verb, base=None if base is None else D(base))
    assert why in str(refused.value)


TONS = Measure("万吨", 0, "crop", second=("亿斤", units.factor("万吨", "亿斤")))


@pytest.mark.parametrize("current, base, m, parts, expected", [
    (69661, 69541, TONS, "absolute", "比上年增加120万吨（24亿斤）"),          # as exact as it is: not 24.0亿斤
    (69541, 68653, TONS, "both", "比上年增加888万吨（177.6亿斤），增产1.3%"),  # one 万吨 is 0.2亿斤: one decimal
    ("69540.6", 68653, TONS, "absolute", "比上年增加888万吨（177.5亿斤）"),    # each rounded once from 887.6
    (68653, 69541, TONS, "absolute", "比上年减少888万吨（177.6亿斤）"),
    (3260, 3000, Measure("亩", second=("公顷", units.factor("亩", "公顷"))), "absolute", "比上年增加260亩（17.33公顷）"),
    (D("761.5"), D("745.3"), Measure("公斤", 1, second=("斤", D(2))), "absolute", "比上年增加16.2公斤（32.4斤）"),
])
def test_a_change_in_a_second_unit_in_brackets(current, base, m, parts, expected):
    assert change_phrase(change(D(current), D(base)), m, "比上年", Style(), parts) == expected


@pytest.mark.parametrize("unit, second, by", [
    ("万吨", "亿斤", "0.2"), ("吨", "公斤", "1000"), ("公斤", "斤", "2"), ("公顷", "亩", "15"), ("平方公里", "公顷", "100"),
])
def test_statutory_conversions(unit, second, by):
    assert units.factor(unit, second) == D(by)


@pytest.mark.parametrize("unit, second", [("人次", "斤"), ("%", "斤"), ("万吨", "亿元"), ("公斤", "亩"), ("", "斤")])
def test_no_conversion_between_units_of_other_kinds(unit, second):
    with pytest.raises(ValueError, match=f"cannot be written in {second}: the statutory conversions are among"):
        units.factor(unit, second)


def test_claims_in_a_second_unit_are_in_the_plain_unit_the_verifier_reads():
    """888万吨 is claimed as 8880000 (吨, store.facts.fact_claims); 177.6亿斤 is read as 17760000000 (斤)."""
    [claim] = units.converted_claims([Claim(D(8880000), "number"), Claim(D("1.3"), "percent")], "万吨", "亿斤")
    assert claim.value == D(17760000000) and claim.kind == "number"


def test_a_neutral_verb_states_the_level_whichever_way_it_moved():
    for verb in ("为", "达到", "达", "高达"):
        assert {reached_phrase(D("97.10"), RATE, verb, base=b) for b in (None, D("99.25"), D("90"), D("97.10"))} \
            == {f"{verb}97.10%"}
    with pytest.raises(ValueError, match="'上调至' is not a verb for a level reached"):
        reached_phrase(D("97.10"), RATE, "上调至", base=D("90"))


def test_a_rate_may_be_worded_with_tisheng():
    lift = Measure("%", 2, "rate_lift")
    assert change_phrase(change(D("99.25"), D("97.84"), True), lift, "比上年") == "比上年提升1.41个百分点"
    assert change_phrase(change(D("97.84"), D("99.25"), True), lift, "比上年") == "比上年下降1.41个百分点"


def test_per_unit_gain_over_a_baseline():
    assert gain_phrase(per_unit_gain(D("608.9"), D("550.0")), KG) == "亩增产58.9公斤"   # 亩增产58.9公斤
    crop = Measure("公斤", 1, "crop", per="亩")          # 增产 per 亩 even where a crop's total output 增加
    assert gain_phrase(per_unit_gain(D("550.0"), D("608.9")), crop) == "亩减产58.9公斤"
    assert gain_phrase(per_unit_gain(D("550.04"), D("550.0")), crop) == "亩产持平"


def test_multiple_is_net_growth():
    assert change(279, 100).multiple == D("1.79") and change(80, 100).multiple is None


@pytest.mark.parametrize("value, form, digits, mark, expected", [
    (53, "多", 1, None, "50多名"),                    # 培育50多名本土技术人员
    (538, "多", 1, None, "500多次"),                  # 500多次线上、线下培训
    (34, "多", 1, None, "30多项"), (63, "多", 1, None, "60多个"), (3260, "多", 1, None, "3000多亩"),
    (104350, "余", 1, None, "10万余名"),              # 10万余名农牧民: 10万 plus less than 1万
    (5736, "余", 2, None, "5700余名"), (3216, "余", 3, None, "3210余人"), (13, "余", 1, None, "10余项"),
    (150000, "余万", 1, None, "10余万名"),            # 10余万: 11万 to 19万
    (9860, "近", 1, None, "近万人次"),                # 惠及群众近万人次
    (1860, "近", 1, None, "近2000人"),
    (512500000, "以上", 1, None, "5亿元以上"),        # 实现全社会增收5亿元以上
    (10200000, "以上", 1, None, "1000万元以上"),
    (500000000, "以上", 1, None, "5亿元以上"),        # 以上 includes the mark
    (41, "超过", 1, D(40), "超过40次"),
])
def test_approximations_the_value_supports(value, form, digits, mark, expected):
    unit = expected.replace("以上", "").lstrip("超过近0123456789").lstrip("万亿多余")
    assert approx(D(value), form, Measure(unit), digits, mark) == expected


@pytest.mark.parametrize("value, form, mark, why", [
    (50, "多", None, "not more than 50"),             # 50多 claims more than 50
    (10000, "近", D(10000), "not just below"),         # 近 only below the mark
    (10200, "近", D(10000), "not just below"),
    (8000, "近", D(10000), "not just below"),          # too far below
    (40, "超过", D(40), "not more than 40"),           # 超过 is exclusive
    (39, "以上", D(40), "not at least 40"),            # 以上 is inclusive, but not below
    (104350, "余万", None, "not between"),             # 10.4万 is 10万余, not 10余万
    (160000, "余", D(100000), "not more than 100000 by less than 10000"),
])
def test_approximations_that_would_lie_are_errors(value, form, mark, why):
    with pytest.raises(ApproximationError, match=why):
        approximate(D(value), form, 1, mark)


def test_ten_wan_yu_and_ten_yu_wan_are_different_claims():
    assert approximate(D(103000), "余").text == "10万余" and approximate(D(103000), "余").high == 110000
    assert approximate(D(130000), "余万").text == "10余万" and approximate(D(130000), "余万").low == 110000


def test_records_first_and_again():
    history = [RecordEntry(D("732.6"), "2021", "152223"), RecordEntry(D("745.3"), "2022", "152223")]
    again = record(D("761.5"), "2023", "152200", "全区", history,
                   same_entity=lambda a, b: b in {"152200", "152221", "152222", "152223"})
    assert again.is_record and again.again and again.previous.value == D("745.3")
    assert record_phrase(again, "水稻亩产", "k") in {"再次刷新全区水稻亩产纪录", "再创全区水稻亩产纪录"}
    first = record(D("316.8"), "2023", "152223", "全区", [RecordEntry(D("301.2"), "2021", "其他盟市")])
    assert first.first and record_phrase(first, "", "k") in {"破全区纪录", "创全区纪录"}
    assert "再" not in record_phrase(first, "", "any key")
    tie = record(D("745.3"), "2023", "152223", "全区", history)
    assert not tie.is_record and record_phrase(tie) == ""


def test_record_words_vary_deterministically():
    rec = record(D(2), "2023", "a", "全区", [RecordEntry(D(1), "2022", "a")])
    words = {record_phrase(rec, "", key) for key in map(str, range(50))}
    assert words == {"再次刷新全区纪录", "再创全区纪录"}
    assert record_phrase(rec, "", "same") == record_phrase(rec, "", "same")


def test_rank_share_and_every_member():
    teachers = {"甲": D(41), "乙": D(45), "丙": D(52), "丁": D(43), "戊": D(47)}
    assert all_exceed(teachers.values(), D(40))            # 每人累计组织参与集体教研均超过40次
    assert not all_exceed([D(40), D(41)], D(40)) and not all_exceed([], D(40))
    assert rank(teachers, "丙") == (1, 5) and rank({"a": D(1), "b": D(1), "c": D(0)}, "c") == (3, 3)
    assert share({"扎赉特旗": D(15207), "其他": D(4325)}, "扎赉特旗").quantize(D("0.1")) == D("77.9")


def test_totals_respect_the_time_aggregation():
    assert total([D(1), D(2), D(3)]) == 6 and total([D(1), D(3)], "last") == 3 and total([], "sum") is None


@pytest.mark.parametrize("value, m, expected", [
    (D(19532), TIMES, "19532人次"), (D(197), CASES, "197例"), (D(930), Measure("次"), "930次"),
    (D("99.25"), RATE, "99.25%"), (D("761.5"), KG, "761.5公斤"), (D(1100000), Measure("元"), "110万元"),
    (D(100000000), YUAN, "1亿元"), (D(500000), Measure("头"), "50万头"), (D(30000), Measure("户"), "3万户"),
    (D(400), Measure("家"), "400家"), (D(99), RATE, "99.00%"),
])
def test_figures_carry_their_measure_word(value, m, expected):
    assert figure(value, m) == expected


def test_dates():
    assert date_phrase(date(2024, 1, 17)) == "2024年1月17日"


def test_a_decline_is_never_written_with_a_minus():
    for current in range(0, 200, 7):
        text = change_phrase(change(D(current), D(100)), TIMES)
        assert "-" not in text and ("下降" in text) == (current < 100)


def test_round_half_up_is_used_not_bankers_rounding():
    assert round_half_up(D("0.5"), 0) == 1 and round_half_up(D("1.5"), 0) == 2 and round_half_up(D("2.5"), 0) == 3


@pytest.mark.parametrize("current, base, expected", [
    (-5, -5, "同比持平"),                                               # a loss as large as last year's
    (-300, -942, "由上年同期净亏损942亿元变为净亏损300亿元"),
    (-150, 300, "由上年同期盈利300亿元转为净亏损150亿元"),               # 由盈转亏, never 下降150.0%
])
def test_losses_on_either_side_state_both_levels(current, base, expected):
    m = Measure("亿元", signs=("净亏损", "盈利"))
    assert change_phrase(change(D(current), D(base)), m) == expected


def test_multiple_follows_the_rate_as_written():
    assert change_phrase(change(D("199.96"), 100), TIMES, style=Style(use_multiple=True)) == "同比增长1.00倍"
    assert change_phrase(change(D("199.94"), 100), TIMES, style=Style(use_multiple=True)) == "同比增长99.9%"


def test_a_negative_level_reached_is_written_in_words():
    assert reached_phrase(D(-942), Measure("亿元", signs=("净亏损", "盈利")), "为") == "为净亏损942亿元"


@pytest.mark.parametrize("value, form", [("0.53", "多"), ("0.5", "以上"), ("150000000", "余万")])
def test_approximations_that_make_no_sense_are_refused(value, form):
    with pytest.raises(ApproximationError):
        approximate(D(value), form)


def test_a_range_keeps_the_unit_on_both_ends():
    from briefing.figures.phrasing import range_phrase

    assert range_phrase(D(900000000), D(1600000000), YUAN) == "9亿元～16亿元"     # never 9～16亿元
    assert range_phrase(D(12), D(16), Measure("%", 0)) == "12%～16%"
    with pytest.raises(ValueError):
        range_phrase(D(16), D(12), YUAN)


@pytest.mark.parametrize("frequency, kind, word", [
    ("year", "flow", "比上年"), ("year", "stock", "比上年末"), ("month", "flow", "同比"), ("week", "stock", "同比"),
])
def test_house_style_base_words(frequency, kind, word):
    from briefing.figures.phrasing import default_base

    assert default_base(frequency, kind) == word
