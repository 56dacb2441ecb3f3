"""简称: the name a template puts before a figure drops the measure the figure's unit repeats, never a part of
a word."""

import pytest

from briefing.documents.views import short_name


@pytest.mark.parametrize("name, unit, short", [
    ("诊疗患者人次", "人次", "诊疗患者"), ("手术示教例数", "例", "手术示教"), ("帮扶医生人数", "人", "帮扶医生"),
    ("受赠教学设备价值万元", "万元", "受赠教学设备价值"), ("水稻亩产量", "公斤", "水稻亩产量"), ("就业率", "%", "就业率"),
    ("口岸通关车辆", "辆", "口岸通关车辆"), ("培训场所", "所", "培训场所"), ("招聘会场次", "场", "招聘会"),
    ("新建温室大棚个数", "个", "新建温室大棚")])
def test_the_short_name_drops_the_measure_and_no_part_of_a_word(name, unit, short):
    assert short_name(name, unit) == short
