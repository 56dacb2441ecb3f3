"""Block markup written from figures for templates: a table by part (分项表), a trend line chart (折线图)
and a bar chart by part (柱状图), as the pipe tables and ```chart blocks of markup.py."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..errors import TemplateDataError
from ..figures import numbers
from ..figures.periods import Period
from ..i18n import _
from .views import FactView, _view


def _toml(value: Any) -> str:
    """A value in TOML (strings, numbers, lists): JSON's strings and numbers are valid TOML."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        return "nan"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return json.dumps(value, ensure_ascii=False)


def _chart_block(kind: str, title: str, categories: list[str], series: list[tuple[str, list]], unit: str,
                 caption: str = "", number_format: str = "General") -> str:
    lines = ["```chart", f"type = {_toml(kind)}", f"title = {_toml(title)}", f"unit = {_toml(unit)}",
             f"number_format = {_toml(number_format)}", f"categories = {_toml(categories)}"]
    if caption:
        lines.append(f"caption = {_toml(caption)}")
    for name, values in series:
        lines += ["[[series]]", f"name = {_toml(name)}", f"values = {_toml(values)}"]
    return "\n".join(lines + ["```"])


def trend_chart(view: FactView, 标题: str | None = None, 图注: str = "") -> str:
    """折线图: the indicator over the last 12 periods of the figure's kind (a monthly briefing's weekly figure by
    month, each rolled up by its time aggregation; a period without a figure is a gap), as a native line chart."""
    v = _view(view, "折线图")
    points = v.fact.trend
    categories = [_short_label(p) for p, _ in points]
    values = [numbers.round_half_up(x, v.fact.indicator.decimals) if x is not None else None for _, x in points]
    return _chart_block("line", 标题 or f"{v.名称}（{v.单位}）", categories, [(v.fact.region.name, values)], v.单位,
                        图注, "0" if v.fact.indicator.decimals == 0 else "0." + "0" * v.fact.indicator.decimals)


def parts_chart(view: FactView, 标题: str | None = None, 图注: str = "") -> str:
    """柱状图: the figure of each part (each banner) for the period, as a native bar chart."""
    v = _view(view, "柱状图")
    if not v.fact.parts:
        raise TemplateDataError(_("{name}: {region} has no parts with figures to chart").format(
            name=v.名称, region=v.fact.region.name))
    names = [name for name, _ in v.fact.parts]
    values = [numbers.round_half_up(x, v.fact.indicator.decimals) for _, x in v.fact.parts]
    return _chart_block("bar", 标题 or f"各地{v.名称}（{v.单位}）", names, [(v.名称, values)], v.单位, 图注)


def parts_table(views: list[FactView], 合计: bool = True) -> str:
    """分项表: a table of several indicators by part (banner), with the whole region's row last."""
    views = [_view(v, "分项表") for v in views]
    names = list(dict.fromkeys(name for v in views for name, _ in v.fact.parts))
    header = "| 地区 | " + " | ".join(f"{v.名称}（{v.单位}）" for v in views) + " |"
    align = "|---|" + "---:|" * len(views)
    rows = []
    for name in names:
        cells = [_cell(dict(v.fact.parts).get(name), v) for v in views]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    if 合计:
        rows.append(f"| {views[0].fact.region.name} | " + " | ".join(_cell(v.fact.value, v) for v in views) + " |")
    return "\n".join([header, align, *rows])


def _cell(value: Decimal | None, v: FactView) -> str:
    return "—" if value is None else numbers.fixed(value, v.fact.indicator.decimals)


def _short_label(p: Period) -> str:
    """A short axis label: 第3周, 1月, 一季度, 2024年."""
    if p.kind == "week":
        return f"第{int(p.key[-2:])}周"
    if p.kind == "month":
        return f"{p.start.month}月"
    return p.label()


