"""Every example in docs/templates.md renders to exactly what the doc says, against the sample data."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import TZ

from briefing.documents import provenance, templates
from briefing.documents.template_api import ENGLISH, FILTERS, install
from briefing.errors import TemplateDataError
from briefing.figures import verify
from briefing.figures.period_text import parse_period
from briefing.figures.phrasing import Style
from briefing.store.db import Store
from briefing.store.facts import gather

DOC = Path(__file__).resolve().parents[1] / "docs" / "templates.md"
AS_OF = datetime(2024, 1, 17, 23, 59, 59, tzinfo=TZ).astimezone(timezone.utc).isoformat()
EXAMPLE = re.compile(r"```jinja( [^\n]+)?\n(.*?)\n```\n→ (error )?`([^`]*)`", re.S)


def header(words: str | None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The region a block names (兴安盟 by default) and the [style] settings it gives (use_multiple=true)."""
    words = (words or "").split()
    region = next((w for w in words if "=" not in w), "兴安盟")
    return region, tuple(sorted(tuple(w.split("=", 1)) for w in words if "=" in w))


def style_of(settings: tuple[tuple[str, str], ...]) -> Style:
    return Style(**{key: value == "true" if value in ("true", "false") else int(value) for key, value in settings})


EXAMPLES = [(*header(m.group(1)), m.group(2), bool(m.group(3)), m.group(4))
            for m in EXAMPLE.finditer(DOC.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def envs(sample_db):
    store = Store(sample_db, create=False)
    out = {}
    for region, settings in {(r, s) for r, s, *_ in EXAMPLES}:
        env = templates.sandbox()
        install(env, gather(store.db, region, parse_period("2024-W02"), AS_OF), style_of(settings),
                other_region=lambda r: gather(store.db, r, parse_period("2024-W02"), AS_OF))
        out[region, settings] = env
    yield out
    store.close()


def test_the_doc_has_examples():
    assert len(EXAMPLES) > 40 and any(error for *_, error, _ in EXAMPLES)
    assert any(settings for _, settings, *_ in EXAMPLES)         # some render with a template's [style]


@pytest.mark.parametrize("region, settings, source, is_error, expected", EXAMPLES, ids=[e[2][:40] for e in EXAMPLES])
def test_each_example(envs, region, settings, source, is_error, expected):
    template = envs[region, settings].from_string(source)
    if is_error:
        with pytest.raises(TemplateDataError) as err:
            template.render()
        assert expected in str(err.value)
    else:
        assert provenance.strip(template.render()) == expected


@pytest.mark.parametrize("name", sorted(FILTERS) + sorted(ENGLISH))
def test_every_filter_is_documented(name):
    assert f"`{name}`" in DOC.read_text(encoding="utf-8")


def test_every_function_a_template_gets_is_documented(envs):
    builtin = {"range", "dict", "lipsum", "cycler", "joiner", "namespace"}
    doc = DOC.read_text(encoding="utf-8")
    names = set(envs["兴安盟", ()].globals) - builtin
    assert len(names) > 20
    missing = [name for name in sorted(names) if f"`{name}" not in doc]
    assert not missing, f"not in docs/templates.md: {missing}"


@pytest.mark.parametrize("source, expected", [
    ('{{ 指标("水稻亩产量") | 同比(写法="全部", 换算="斤") }}', "比上年增加16.2公斤（32.4斤），增长2.2%"),
    ('{{ 比较(指标("水稻亩产量").本期, 指标("水稻亩产量").上年同期, "公斤", 写法="增量", 小数=1, 换算="斤") }}',
     "同比增加16.2公斤（32.4斤）"),
])
def test_a_change_in_a_second_unit_is_checked_by_the_verifier(sample_db, source, expected):
    """换算 writes a number no fact holds as such (32.4斤 for 16.2公斤): the briefing records it, so the verifier
    accepts it, and refuses it with its last digit changed."""
    store = Store(sample_db, create=False)
    env = templates.sandbox()
    claims = install(env, gather(store.db, "兴安盟", parse_period("2024-W02"), AS_OF))
    text, spans = provenance.split(env.from_string(source).render())
    store.close()
    assert text == expected
    verify.check(text, claims(), only=spans)
    assert [f.text for f in verify.unaccounted(text.replace("32.4斤", "32.5斤"), claims(), only=spans)] == ["32.5斤"]


def test_a_second_unit_of_a_unit_with_its_own_wan_is_claimed_in_the_plain_unit(sample_db):
    """比较 in 万吨 of two figures: 3.24亿斤 is recorded as 324000000 (斤), from the change claimed in 吨."""
    store = Store(sample_db, create=False)
    env = templates.sandbox()
    claims = install(env, gather(store.db, "兴安盟", parse_period("2024-W02"), AS_OF))
    source = '{{ 比较(指标("水稻亩产量").本期, 指标("水稻亩产量").上年同期, "万吨", 写法="增量", 小数=1, 换算="亿斤") }}'
    text, spans = provenance.split(env.from_string(source).render())
    store.close()
    assert text == "同比增加16.2万吨（3.24亿斤）"
    assert [f.text for f in verify.unaccounted(text, claims(), only=spans)] == ["16.2万吨"]   # that is no fact
