"""The figure verifier: every form of figure the house writes, read back with the band of exact values it
allows; dates and labels skipped; real sentences of the source articles checked against their facts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from briefing.errors import BriefingError, VerificationError
from briefing.figures import numbers
from briefing.figures.phrasing import Measure, approx
from briefing.figures.verify import Claim, Found, check, read_numbers, unaccounted, unit_factor

# text -> the one figure read: its words, kind, band (low, high, low_open, high_open), approximation word
READINGS = [
    # plain figures: every value that rounds half up to what is shown
    ("诊疗患者19532人次", "19532人次", "number", ("19531.5", "19532.5", False, True), ""),
    ("亩产量高达761.5公斤", "761.5公斤", "number", ("761.45", "761.55", False, True), ""),
    ("同比增长3.0%", "3.0%", "percent", ("2.95", "3.05", False, True), ""),
    ("同比增长3%", "3%", "percent", ("2.5", "3.5", False, True), ""),
    ("就业率提升至99.25%", "99.25%", "percent", ("99.245", "99.255", False, True), ""),
    ("比上年提高1.45个百分点", "1.45个百分点", "points", ("1.445", "1.455", False, True), ""),
    ("比上年提高0.2个千分点", "0.2个千分点", "points", ("0.15", "0.25", False, True), ""),
    ("出生率为5.2‰", "5.2‰", "percent", ("5.15", "5.25", False, True), ""),
    ("同比增长1.79倍", "1.79倍", "multiple", ("1.785", "1.795", False, True), ""),
    ("同比增长1.4倍", "1.4倍", "multiple", ("1.35", "1.45", False, True), ""),
    # 万 / 亿: the last written digit counts in the unit
    ("价值110万元的教学设备", "110万元", "number", ("1095000", "1105000", False, True), ""),
    ("增收3.45亿元", "3.45亿元", "number", ("344500000", "345500000", False, True), ""),
    ("直接带动企业增收1亿元", "1亿元", "number", ("50000000", "150000000", False, True), ""),
    ("共1020万元", "1020万元", "number", ("10195000", "10205000", False, True), ""),
    # full-width digits and thousands separators
    ("诊疗患者１９５３２人次", "１９５３２人次", "number", ("19531.5", "19532.5", False, True), ""),
    ("诊疗患者19,532人次", "19,532人次", "number", ("19531.5", "19532.5", False, True), ""),
    ("诊疗患者19，532人次", "19，532人次", "number", ("19531.5", "19532.5", False, True), ""),
    ("累计1,234,567.5元", "1,234,567.5元", "number", ("1234567.45", "1234567.55", False, True), ""),
    ("同比增长３．０％", "３．０％", "percent", ("2.95", "3.05", False, True), ""),
    # N多 / N余: more than N by less than one unit of N's last non-zero digit
    ("培育50多名本土技术人员", "50多名", "number", ("50", "60", True, True), "多"),
    ("进行500多次培训", "500多次", "number", ("500", "600", True, True), "多"),
    ("累计培训5700余名农牧民", "5700余名", "number", ("5700", "5800", True, True), "余"),
    ("受益教师3210余人", "3210余人", "number", ("3210", "3220", True, True), "余"),
    ("实施10余项新项目", "10余项", "number", ("10", "20", True, True), "余"),
    ("面积1.5多公顷", "1.5多公顷", "number", ("1.5", "1.6", True, True), "多"),
    # N万余: 10万 plus less than 1万; N余万: 11万 to under 20万 — different claims
    ("累计带动培训10万余名农牧民", "10万余名", "number", ("100000", "110000", True, True), "余"),
    ("惠及3亿余人", "3亿余人", "number", ("300000000", "400000000", True, True), "余"),
    ("惠及群众10余万名", "10余万名", "number", ("110000", "200000", False, True), "余万"),
    ("惠及群众200余万人", "200余万人", "number", ("2010000", "3000000", False, True), "余万"),
    # 近N: within 10% below N
    ("惠及群众近万人次", "近万人次", "number", ("9000", "10000", False, True), "近"),
    ("培训近2000人", "近2000人", "number", ("1800", "2000", False, True), "近"),
    ("投入近亿元", "近亿元", "number", ("90000000", "100000000", False, True), "近"),
    ("同比提高近1个百分点", "近1个百分点", "points", ("0.9", "1", False, True), "近"),
    # N以上 (includes N) and 超过N (excludes N), with the measure word between
    ("实现全社会增收5亿元以上", "5亿元以上", "number", ("500000000", "Infinity", False, True), "以上"),
    ("实现全社会增收1000万元以上", "1000万元以上", "number", ("10000000", "Infinity", False, True), "以上"),
    ("合格率95%以上", "95%以上", "percent", ("95", "Infinity", False, True), "以上"),
    ("集体教研均超过40次", "超过40次", "number", ("40", "Infinity", True, True), "超过"),
    # 近 in a duration is "the last N years", not an estimate; a minus sign is read
    ("近3年来累计培训", "3年", "number", ("2.5", "3.5", False, True), ""),
    ("最近40次", "40次", "number", ("39.5", "40.5", False, True), ""),
    ("气温为-5.8℃", "-5.8", "number", ("-5.85", "-5.75", True, False), ""),
]


@pytest.mark.parametrize("text, words, kind, band, form", READINGS, ids=[r[0] for r in READINGS])
def test_every_form_is_read_with_its_band(text, words, kind, band, form):
    [f] = read_numbers(text)
    low, high, low_open, high_open = band
    assert (f.text, f.kind, f.form) == (words, kind, form)
    assert (f.low, f.high, f.low_open, f.high_open) == (D(low), D(high), low_open, high_open)
    assert text[f.start:f.end] == words


@pytest.mark.parametrize("words, inside, outside", [
    ("19532人次", ["19531.5", "19532", "19532.49"], ["19531.49", "19532.5"]),
    ("3.0%", ["2.95", "3.0499"], ["2.9499", "3.05"]),
    ("50多名", ["50.01", "59.99"], ["50", "60"]),
    ("10万余名", ["100001", "109999"], ["100000", "110000", "150000"]),
    ("10余万名", ["110000", "199999"], ["104350", "200000"]),          # 10.4万 is 10万余, not 10余万
    ("近万人次", ["9000", "9860"], ["8999", "10000", "10200"]),        # never at or above the mark
    ("5亿元以上", ["500000000", "512500000"], ["499999999"]),
    ("超过40次", ["40.01", "41"], ["40", "39"]),
    ("-5.8", ["-5.8", "-5.75"], ["-5.85", "5.8"]),           # half up is away from zero
])
def test_bands_are_open_and_closed_where_the_words_say(words, inside, outside):
    [f] = read_numbers(words)
    assert all(f.allows(D(v)) for v in inside)
    assert not any(f.allows(D(v)) for v in outside)


APPROXIMATIONS = [(53, "多", 1, None), (538, "多", 1, None), (104350, "余", 1, None), (5736, "余", 2, None),
                  (3216, "余", 3, None), (13, "余", 1, None), (150000, "余万", 1, None), (2500000, "余万", 1, None),
                  (9860, "近", 1, None), (1860, "近", 1, None), (1950, "近", 2, None), (95000000, "近", 1, None),
                  (512500000, "以上", 1, None), (10200000, "以上", 1, None), (41, "超过", 1, D(40)),
                  (5036, "余", 2, None)]


@pytest.mark.parametrize("value, form, digits, mark", APPROXIMATIONS)
def test_the_band_read_back_holds_the_band_the_engine_promised(value, form, digits, mark):
    promised = numbers.approximate(D(value), form, digits, mark)
    [f] = read_numbers(approx(D(value), form, Measure("人"), digits, mark))
    assert f.form == form and f.allows(D(value))
    assert f.low <= promised.low and promised.high <= f.high          # as wide or wider, never narrower


@pytest.mark.parametrize("text", [
    "2024年", "2024年1月17日", "2024年第3週", "2024屆", "1月17日", "2024年第3周（1月15日—1月21日）", "2024年一季度", "2024年1季度",
    "1—10月份", "1-10月份", "2022年7月", "2022—2024年", "2024-01-17", "2024/1/17", "2024-01-17 14:50:00",
    "14:50", "14时50分", "第12期", "2024届毕业生", "2023级新生", "2023—2024学年", "刚刚过去的10月", "1月17号", "2024-W03",
    "发布时间：2024-01-17 14:50:00丨来源：岭上兴安丨作者：丨责任编辑：苏文彦",
    "中组部选派三支队伍、十余名专家",                                   # Chinese numerals are words
    "COVID-19疫情以来", "G20峰会",                                       # codes and names
])
def test_dates_labels_and_codes_are_not_figures(text):
    assert read_numbers(text) == []


@pytest.mark.parametrize("text, words", [
    ("2022年7月，北京丰台医院选派5名专家", ["5名"]),
    ("2024年第3周（1月15日—1月21日），诊疗患者1016人次", ["1016人次"]),
    ("1—10月份，同比增长3.0%", ["3.0%"]),
    ("经过1-6个月的学习", ["1", "6个月"]),                              # a range, not minus six
    ("9亿～16亿", ["9亿", "16亿"]),
    ("9亿-16亿", ["9亿", "16亿"]),
    ("这名患者早在5年前就检查出肾囊肿", ["5年"]),                       # a duration, not a year
    ("5G基站30个", ["5", "30个"]),                                      # letters after digits are a unit
])
def test_dates_are_skipped_and_the_figures_around_them_read(text, words):
    assert [f.text for f in read_numbers(text)] == words


@pytest.mark.parametrize("text, words, band", [
    # the Traditional edition (an OpenCC conversion) reads the same: 萬 億 餘 超過 個百分點
    ("累計帶動培訓10萬餘名農牧民", "10萬餘名", ("100000", "110000", True, True)),
    ("實現全社會增收5億元以上", "5億元以上", ("500000000", "Infinity", False, True)),
    ("獲贈價值110萬元的教學設備", "110萬元", ("1095000", "1105000", False, True)),
    ("惠及群眾10餘萬名", "10餘萬名", ("110000", "200000", False, True)),
    ("均超過40次", "超過40次", ("40", "Infinity", True, True)),
    ("就業率提高1.45個百分點", "1.45個百分點", ("1.445", "1.455", False, True)),
    # text taken from PDF pages breaks lines anywhere: between the number, its 万 and its measure word
    ("实现全社会增收1000\n\n万元以上", "1000\n\n万元以上", ("10000000", "Infinity", False, True)),
    ("他们还推广8\n\n项新技术", "8\n\n项", ("7.5", "8.5", False, True)),
    ("受益教师3210余\n\n人", "3210余\n\n人", ("3210", "3220", True, True)),
])
def test_traditional_characters_and_broken_lines_are_read(text, words, band):
    [f] = read_numbers(text)
    assert f.text == words and (f.low, f.high, f.low_open, f.high_open) == (D(band[0]), D(band[1]), *band[2:])


def test_a_range_is_two_numbers_and_keeps_no_minus():
    low, high = read_numbers("预计9亿～16亿元")
    assert (low.low, low.high, high.low, high.high) == (D("8.5e8"), D("9.5e8"), D("15.5e8"), D("16.5e8"))


def test_ignore_patterns_skip_fixed_labels_as_regex_or_literal_text():
    text = "组成综合、教育、医疗、科技特派团“1+3”工作组，构建了“5+1”课程理论体系，培训86场"
    assert [f.text for f in read_numbers(text)] == ["1", "3", "5", "1", "86场"]
    assert [f.text for f in read_numbers(text, ignore=["“1+3”工作组", r"“\d\+\d”课程"])] == ["86场"]
    assert [f.text for f in read_numbers(text, ignore=[r"“\d\+\d”"])] == ["86场"]


def test_offsets_point_into_the_original_text():
    text = "医疗专家累计诊疗患者19532人次，手术示教197例，开展各类培训讲座930次"
    found = read_numbers(text)
    assert [(f.start, f.end) for f in found] == [(10, 17), (22, 26), (35, 39)]
    assert [text[f.start:f.end] for f in found] == ["19532人次", "197例", "930次"]


# --- unaccounted / check on sentences of the source articles --------------------------------------------

MEDICAL = "医疗专家累计诊疗患者19532人次，手术示教197例，开展各类培训讲座930次"
MEDICAL_FACTS = [Claim(D(19532), "number", "诊疗患者人次 累计"), Claim(D(197), "number", "手术示教 累计"),
                 Claim(D(930), "number", "培训讲座 累计")]
SCIENCE = ("科技特派团各产业组培育50多名本土技术人员，进行500多次线上、线下培训和现场指导，累计带动培训10万余名农牧民，"
           "推广30多项新技术，引进改良60多个新品种，并指导建立了15个科技示范基地，直接带动企业增收1亿元，"
           "实现全社会增收5亿元以上")
SCIENCE_FACTS = [Claim(D(v), "number") for v in (53, 538, 104350, 34, 63, 15, 100000000, 512500000)]
SCHOOLS = ("科右前旗第二中学高考一本上线人数比去年增加9人；科右前旗、扎赉特旗、科右中旗3所中等职业学校"
           "就业率提升至99.25%")
SCHOOL_FACTS = [Claim(D(9), "number", "一本上线人数 比去年"), Claim(D(3), "number", "中等职业学校 数"),
                Claim(D("99.25"), "percent", "就业率")]


@pytest.mark.parametrize("text, claims", [
    (MEDICAL, MEDICAL_FACTS),
    (SCIENCE, SCIENCE_FACTS),
    (SCHOOLS, SCHOOL_FACTS),
    ("兴安盟水稻亩产量高达761.5公斤，再次刷新全区水稻亩产纪录；扎赉特旗大豆亩产量达到316.8公斤，破全区纪录",
     [Claim(D("761.53"), "number"), Claim(D("316.8"), "number")]),
    ("醫療專家累計診療患者19532人次,手術示教197例,開展各類培訓講座930次,各類會診、走訪基層義診會診1016人次",
     MEDICAL_FACTS + [Claim(D(1016), "number")]),
    ("2022年7月，北京丰台医院选派5名专家组成医疗帮扶队", [Claim(D(5), "number")]),
    ("比上年增加73.6亿斤，增长0.5%", [Claim(D("73.64e8"), "number"), Claim(D("0.4999"), "percent")]),
    ("比上年末提高0.94个百分点", [Claim(D("0.94"), "points")]),
    ("同比增长1.79倍", [Claim(D("1.79"), "multiple")]),
    ("由上年同期净亏损942亿元转为盈利712亿元", [Claim(D(94200000000), "number"), Claim(D(71200000000), "number")]),
    ("发布时间：2024-01-17 14:50:00丨来源：岭上兴安", []),
])
def test_sentences_whose_every_figure_is_a_fact(text, claims):
    assert unaccounted(text, claims) == []
    check(text, claims)


def test_one_changed_figure_is_reported_with_its_offset():
    text = MEDICAL.replace("930次", "931次")
    [bad] = unaccounted(text, MEDICAL_FACTS)
    assert (bad.text, bad.start, bad.end) == ("931次", 35, 39)
    with pytest.raises(VerificationError) as caught:
        check(text, MEDICAL_FACTS)
    message = str(caught.value)
    assert "'931次' at 35–39" in message and "开展各类培训讲座【931次】" in message
    assert "nearest number fact: 930 (培训讲座 累计)" in message
    assert caught.value.found == (bad,)


@pytest.mark.parametrize("text, claims, reported", [
    ("就业率提升至99.25%", [Claim(D("99.25"), "number")], ["99.25%"]),              # the kind must match too
    ("同比下降5.8%", [Claim(D("5.8"), "points")], ["5.8%"]),
    ("同比增长-5.8%", [Claim(D("5.8"), "percent")], ["-5.8%"]),                      # a minus is never a fact
    ("累计带动培训10万余名农牧民", [Claim(D(150000), "number")], ["10万余名"]),       # 15万 is 10余万
    ("惠及群众10余万名", [Claim(D(104350), "number")], ["10余万名"]),                 # 10.4万 is 10万余
    ("惠及群众近万人次", [Claim(D(10200), "number")], ["近万人次"]),
    ("均超过40次", [Claim(D(40), "number")], ["超过40次"]),
    ("培育50多名本土技术人员", [Claim(D(50), "number")], ["50多名"]),
    ("增收5亿元以上", [Claim(D(499999999), "number")], ["5亿元以上"]),
    (SCIENCE.replace("15个", "16个"), SCIENCE_FACTS, ["16个"]),
    (SCHOOLS, SCHOOL_FACTS[:2], ["99.25%"]),
])
def test_figures_the_facts_contradict_are_reported(text, claims, reported):
    assert [f.text for f in unaccounted(text, claims)] == reported


def test_check_lists_every_unaccounted_figure():
    with pytest.raises(VerificationError, match="^2 figures in the text match no computed fact") as caught:
        check("手术示教198例，开展各类培训讲座931次", MEDICAL_FACTS)
    assert [f.text for f in caught.value.found] == ["198例", "931次"]
    assert isinstance(caught.value, BriefingError)     # the CLI shows it as a message, not a traceback


def test_a_single_unaccounted_figure_is_named_in_the_singular():
    with pytest.raises(VerificationError, match="^1 figure in the text matches no computed fact:"):
        check("手术示教198例", MEDICAL_FACTS[1:2])


def test_the_verification_error_is_one_a_person_reads():
    from briefing.errors import BriefingError

    with pytest.raises(BriefingError):
        check("手术示教198例", [])


@pytest.mark.parametrize("unit, factor", [("人次", 1), ("万元", 10_000), ("亿斤", 100_000_000), ("万亿元", 10 ** 12)])
def test_a_unit_carrying_wan_or_yi_gives_the_factor_to_claim_in(unit, factor):
    assert unit_factor(unit) == factor


def test_claims_name_a_known_kind_and_take_any_number():
    assert Claim(5, "number").value == D(5) and Claim("3.0", "percent").value == D("3.0")
    with pytest.raises(ValueError, match="unknown kind 'percentage'"):
        Claim(D(3), "percentage")


def test_found_is_a_value():
    f = read_numbers("19532人次")[0]
    assert f == Found("19532人次", 0, 7, "number", D("19531.5"), D("19532.5"), False, True)
    assert f.band() == "[19531.5, 19532.5)" and read_numbers("5亿元以上")[0].band() == "[500000000, ∞)"
