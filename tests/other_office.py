"""An office that is not the sample, generated for the install, config and generate tests: a city of 呼伦贝尔市
with three banners, its own domains (生态, 就业), weekly indicators in its own units, and three weeks of
figures, written as CSV files for the real `briefing ingest`. It shares no name with the sample."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conftest import write_csv

from briefing.figures.period_text import parse_period

TOP = "呼伦贝尔市"
BANNERS = ["鄂温克族自治旗", "陈巴尔虎旗", "莫力达瓦达斡尔族自治旗"]
WEEKS = ["2024-W10", "2024-W11", "2024-W12"]
INDICATORS = [("eco_trees", "人工造林面积", "生态", "流量", "亩"), ("job_new", "新增就业人数", "就业", "流量", "人"),
              ("job_fairs", "招聘会场次", "就业", "流量", "场")]


def write_office(folder: Path) -> list[Path]:
    """The office's files in ``folder``, catalog first: regions, domains, indicators, figures."""
    folder.mkdir(parents=True, exist_ok=True)
    regions = [["代码", "名称", "上级", "级别"], ["150700", TOP, "", "市"],
               *[[f"15072{n}", name, "150700", "旗"] for n, name in enumerate(BANNERS, 1)]]
    domains = [["领域", "标题", "排序"], ["生态", "生态优先｜绿色发展底色更亮", "1"], ["就业", "稳岗扩岗｜就业服务暖民心", "2"]]
    indicators = [["代码", "名称", "领域", "类型", "单位", "频率"], *[[*row, "周"] for row in INDICATORS]]
    figures = [["指标", "地区", "期间", "数值", "录入时间"]]
    for w, week in enumerate(WEEKS):
        entered = (parse_period(week).end + timedelta(days=1)).isoformat() + " 09:00"
        for b, banner in enumerate(BANNERS):
            for i, (code, *_) in enumerate(INDICATORS):
                figures.append([code, banner, week, str((i + 1) * (120 + 10 * w + 7 * b)), entered])
    return [write_csv(folder / "regions.csv", regions), write_csv(folder / "domains.csv", domains),
            write_csv(folder / "indicators.csv", indicators), write_csv(folder / "figures.csv", figures)]
