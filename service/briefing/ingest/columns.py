"""Which table a file holds, told by its columns, and the headers accepted for each column.

Headers may be Chinese or English, in any order, and may carry a unit in brackets
("数值（人次）"). The table kind is told by which columns are present.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from ..i18n import N_, _, shown

# canonical column -> the headers a person may write for it (the first is the one documented)
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("代码", "编码", "区划代码", "编号", "code"),
    "name": ("名称", "name"),
    "parent": ("上级", "上级代码", "上级地区", "parent"),
    "level": ("级别", "层级", "level"),
    "sort": ("排序", "顺序", "sort"),
    "domain": ("领域", "类别", "domain"),
    "kind": ("类型", "指标类型", "kind"),
    "unit": ("单位", "计量单位", "量词", "unit"),
    "per": ("每", "计量基准", "per"),
    "frequency": ("频率", "周期", "frequency"),
    "time_agg": ("时间汇总", "time_agg"),
    "region_agg": ("地区汇总", "region_agg"),
    "decimals": ("小数位", "小数位数", "decimals"),
    "record_scope": ("纪录范围", "记录范围", "record_scope"),
    "numerator": ("分子", "numerator"),
    "denominator": ("分母", "denominator"),
    "signed": ("可为负", "允许负数", "signed"),
    "description": ("说明", "描述", "定义", "description"),
    "wording": ("措辞", "wording"),
    "indicator": ("指标", "指标名称", "指标代码", "indicator"),
    "region": ("地区", "地区名称", "旗县", "区域", "region"),
    "period": ("期间", "时期", "统计期", "报告期", "period"),
    "value": ("数值", "值", "数据", "value"),
    "source": ("来源", "数据来源", "source"),
    "note": ("备注", "note"),
    "recorded_at": ("录入时间", "记录时间", "填报时间", "recorded_at"),
    "date": ("日期", "date"),
    "text": ("内容", "事项", "text"),
    "scope": ("范围", "scope"),
    "holder": ("保持者", "纪录保持者", "holder"),
    "heading": ("标题", "小标题", "heading"),
    "setting": ("设置", "设置项", "setting"),
}

# table kind -> (required columns, optional columns)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "office": (("setting", "value"), ()),
    "regions": (("code", "name"), ("parent", "level", "sort")),
    "domains": (("domain", "heading"), ("sort",)),
    "indicators": (("code", "name", "domain", "kind", "unit", "frequency"),
                   ("per", "time_agg", "region_agg", "decimals", "record_scope", "numerator", "denominator",
                    "signed", "description", "sort", "wording")),
    "observations": (("indicator", "region", "period", "value"), ("unit", "source", "note", "recorded_at", "domain")),
    "highlights": (("date", "region", "domain", "text"), ("source",)),
    "records": (("indicator", "scope", "value", "period", "holder"), ("source", "note")),
}
# catalogs go in before the figures that refer to them, and domains before the indicators that name them
ORDER = ("office", "regions", "domains", "indicators", "observations", "highlights", "records")
# what each kind of table is called where a person reads it (an import's account, a header's problem)
KIND_WORDS = {"office": N_("office"), "regions": N_("regions"), "domains": N_("domains"),
              "indicators": N_("indicators"), "observations": N_("observations"), "highlights": N_("highlights"),
              "records": N_("records")}


def kind_word(kind: str) -> str:
    """A kind of table in the interface's language (地区, 指标, 数据 …)."""
    return _(KIND_WORDS.get(kind, kind))

# Columns a rejects file adds (行号 row, 错误 problem): accepted in any table and ignored, so a fixed
# rejects file can be imported as it is.
IGNORED = ("行号", "错误")
_IGNORED = {"行号", "row", "行号row", "错误", "problem", "错误problem", "序号"}

_BY_HEADER = {alias.lower(): name for name, aliases in ALIASES.items() for alias in aliases}
_BY_HEADER.update({alias.lower(): "_ignored" for alias in _IGNORED})
_BRACKET = re.compile(r"\s*[(\[（【](.*?)[)\]）】]\s*$")


def canonical(header: object) -> str | None:
    """The column a header names, or None."""
    h = unicodedata.normalize("NFKC", str(header or "")).strip()
    h = _BRACKET.sub("", h).strip().lower().replace(" ", "")
    return _BY_HEADER.get(h)


def unit_of(header: object) -> str | None:
    """The unit a header gives in brackets: 数值（万元） → 万元."""
    m = _BRACKET.search(unicodedata.normalize("NFKC", str(header or "")).strip())
    return m.group(1).strip() or None if m else None


def kind_of(fields: set[str]) -> str | None:
    """Which table holds these columns."""
    if {"indicator", "region", "period", "value"} <= fields:
        return "observations"
    if {"scope", "holder"} <= fields:
        return "records"
    if {"indicator", "value"} <= fields:   # 地区 and 期间 may be given around it (a title, --period)
        return "observations"
    if {"text", "date"} <= fields:
        return "highlights"
    if "kind" in fields or "frequency" in fields:
        return "indicators"
    if {"domain", "heading"} <= fields:
        return "domains"
    if "setting" in fields:
        return "office"
    if {"code", "name"} <= fields:
        return "regions"
    return None


def header_problems(kind: str, headers: list[str], given: tuple[str, ...] = ()) -> list[tuple[str | None, str]]:
    """(column, message) for each unknown, repeated or missing column of a table of this kind; a column in
    ``given`` may be missing (it is looked for around the table later)."""
    required, optional = TABLES[kind]
    allowed = set(required) | set(optional)
    out: list[tuple[str | None, str]] = []
    seen: dict[str, str] = {}
    for header in headers:
        if not str(header or "").strip():
            continue
        name = canonical(header)
        if name == "_ignored":
            continue
        if name not in allowed:
            out.append((str(header), _("unknown column for {kind}; {hint}").format(kind=kind_word(kind),
                                                                                   hint=_suggest(header, allowed))))
        elif name in seen:
            out.append((str(header), _("names the same column as '{other}'; keep one of them").format(
                other=shown(seen[name]))))
        else:
            seen[name] = str(header)
    for name in required:
        if name not in seen and name not in given:
            out.append((None, _("missing the column {column} ({name}), which {kind} need").format(
                column=ALIASES[name][0], name=name, kind=kind_word(kind))))
    return out


def describe(kind: str) -> str:
    required, optional = TABLES[kind]
    text = _(", ").join(ALIASES[c][0] for c in required)
    return text + (_(" (optional: {columns})").format(columns=_(", ").join(ALIASES[c][0] for c in optional))
                   if optional else "")


def _suggest(header: object, allowed: set[str]) -> str:
    headers = [alias for name in allowed for alias in ALIASES[name]]
    near = difflib.get_close_matches(str(header), headers, n=1, cutoff=0.5)
    if near:
        return _("did you mean '{name}'? (or delete the column)").format(name=near[0])
    return _("rename it to one of {names}, or delete it").format(
        names=", ".join(ALIASES[name][0] for name in sorted(allowed)))
