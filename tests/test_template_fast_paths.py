"""The sandbox's fast paths change no briefing: every built-in template, on the sample and on an office that
shares no name with it (other_office.py), makes the same .docx bytes and the same markup with the sandbox's
attribute verdicts kept per (type, name) and its own attribute read as with Jinja2's read and a verdict
decided anew at every access. A verdict kept for one type is never taken for another (the template's own
list may be appended to, the data's list not, in one render and in either order), and the verifier's
quicker search for dates and digits finds what the plain patterns find."""

from __future__ import annotations

import random
import re

import jinja2
import pytest
from conftest import TZ
from jinja2.sandbox import SandboxedEnvironment, modifies_known_mutable
from other_office import BANNERS, TOP, write_office

from briefing import settings
from briefing.documents import sandbox
from briefing.documents.make import Request, make
from briefing.documents.sandbox import OwnDict, OwnList, Sandbox
from briefing.documents.templates import sandbox as template_sandbox
from briefing.errors import TemplateError
from briefing.figures import verify
from briefing.figures.period_text import parse_period
from briefing.store.db import Store

SAMPLE_CASES = [(key, period, region) for key, period in (("weekly", "2024-W02"), ("bulletin", "2024-W02"),
                                                          ("monthly", "2024-01"), ("summary", "2024-01"))
                for region in ("兴安盟", "科右前旗")]
OTHER_CASES = [(key, period, region) for key, period in (("weekly", "2024-W12"), ("bulletin", "2024-W12"),
                                                         ("monthly", "2024-03"), ("summary", "2024-03"))
               for region in (TOP, BANNERS[0])]


def _plain_verdict(self, obj, attr, value):
    """The verdict as the sandbox gave it before it was kept: Jinja2's, then the data's lists left alone."""
    return SandboxedEnvironment.is_safe_attribute(self, obj, attr, value) and (
        isinstance(obj, (OwnList, OwnDict)) or not modifies_known_mutable(obj, attr))


def _documents(db, cases) -> dict:
    conf = settings.load(env={})
    out = {}
    with Store(db, create=False) as store:
        for key, period, region in cases:
            made = make(store, conf, Request(key, parse_period(period), region))
            out[key, period, region] = made.markup, made.docx()
    return out


@pytest.fixture(scope="module")
def other_db(tmp_path_factory):
    from briefing.ingest import ingest_files

    folder = tmp_path_factory.mktemp("other")
    with Store(folder / "office.db") as store:
        ingest_files(store, write_office(folder / "in"), TZ)
    return folder / "office.db"


@pytest.mark.parametrize("office", ["sample", "other"])
def test_every_built_in_briefing_has_the_same_bytes_with_jinjas_own_attribute_reads(office, sample_db, other_db,
                                                                                    monkeypatch):
    db, cases = (sample_db, SAMPLE_CASES) if office == "sample" else (other_db, OTHER_CASES)
    fast = _documents(db, cases)
    monkeypatch.setattr(Sandbox, "getattr", SandboxedEnvironment.getattr)
    monkeypatch.setattr(Sandbox, "is_safe_attribute", _plain_verdict)
    plain = _documents(db, cases)
    assert len(fast) == len(cases)
    for case in cases:
        assert fast[case][0] == plain[case][0], case
        assert fast[case][1] == plain[case][1], case
    assert all(b"word/document.xml" in docx for _markup, docx in fast.values())


@pytest.mark.parametrize("kept", [sandbox.SAFE_CACHED, 0])
def test_a_verdict_kept_for_the_templates_own_list_is_not_taken_for_the_datas(kept, monkeypatch):
    monkeypatch.setattr(sandbox, "SAFE_CACHED", kept)
    env = template_sandbox()
    own_first = env.from_string("{% set said = [] %}{{ said.append(1) or said|length }} {{ 亮点.append(2) }}")
    data_first = env.from_string("{{ 亮点.append(2) }}{% set said = [] %}{{ said.append(1) or said|length }}")
    for template in (own_first, data_first, own_first):
        with pytest.raises((jinja2.exceptions.SecurityError, TemplateError, jinja2.exceptions.UndefinedError)):
            template.render(亮点=["本周"])
    assert env.from_string("{% set said = [] %}{{ said.append(1) or said|length }}").render() == "1"
    assert env.from_string("{{ 名单.copy() }}").render(名单=["甲"]) == "['甲']"
    with pytest.raises(jinja2.exceptions.SecurityError):
        env.from_string("{{ 名单.__class__ }}").render(名单=["甲"])


def test_the_verifiers_quicker_searches_find_what_the_plain_patterns_find():
    plain_dates = re.compile(verify._DATES.pattern.removeprefix(r"(?=\d|第)(?:").removesuffix(")"))
    plain_number = re.compile(verify._NUMBER.pattern.removeprefix(r"(?=\d)"))
    assert plain_dates.pattern != verify._DATES.pattern and plain_number.pattern != verify._NUMBER.pattern
    pieces = "0123456789０１第年月日号周季度期届级学-—/.:：时分 ，。人次万亿近多余以上%个百分点倍,，١٢"
    rng = random.Random(15)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        for quick, plain in ((verify._DATES, plain_dates), (verify._NUMBER, plain_number)):
            assert [m.span() for m in quick.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert [f.text for f in verify.read_numbers("2024年第3周诊疗211人次，增长3.0%，提高1.5个百分点")] == [
        "211人次", "3.0%", "1.5个百分点"]



def test_a_briefing_made_in_another_thread_midway_changes_nothing_in_this_ones(other_db, tmp_path, monkeypatch):
    """The environment of a template folder is kept per thread (the briefings of a server share it): a
    briefing paused at its 选一 while another thread makes the next week's from the same folder still writes
    its own figures, the same as when made alone, and its size limit counts its own words only."""
    import threading

    from briefing.documents import template_api, templates

    folder = tmp_path / "shares"
    folder.mkdir()
    (folder / "template.toml").write_text('name = "占比"\nperiod = "week"\ntitle = "{地区}（{期间}）"\n', encoding="utf-8")
    (folder / "briefing.md.j2").write_text(
        '{% macro share(f) %}' + BANNERS[0] + '占{{ f | 占比(地区="' + BANNERS[0] + '") }}{% endmacro %}'
        '# {{ 标题 }}\n\n{{ 选一(["本周", "这周"], "lead") }}，{{ share(指标("eco_trees")) }}。\n', encoding="utf-8")
    template, conf = templates.load_folder(folder), settings.load(env={})
    asked = {week: Request("shares", parse_period(week), TOP) for week in ("2024-W12", "2024-W11")}

    def made(week):
        with Store(other_db, create=False) as store:
            return make(store, conf, asked[week], template).markup

    alone, printed = {}, {}
    for week in asked:
        alone[week] = made(week)
        printed[week] = templates.environment(template).printed
    assert alone["2024-W12"] != alone["2024-W11"]
    # the most one render may print: each of the two alone is within it, the two together are not
    monkeypatch.setattr(sandbox, "MAX_OUTPUT", max(printed.values()) + 1)
    paused, resume, out = threading.Event(), threading.Event(), {}
    real_pick = template_api._Briefing.pick

    def pick(self, options, key=""):                  # the named point: the first briefing's 选一, in its thread
        if threading.current_thread().name == "first" and not paused.is_set():
            paused.set()
            assert resume.wait(60), "the other briefing did not finish"
        return real_pick(self, options, key)

    def first():
        try:
            out["2024-W12"] = made("2024-W12")
        except Exception as exc:                      # said by the assertion below
            out["2024-W12"] = exc

    monkeypatch.setattr(template_api._Briefing, "pick", pick)
    thread = threading.Thread(target=first, name="first")
    thread.start()
    assert paused.wait(60), "the first briefing never reached its 选一"
    out["2024-W11"] = made("2024-W11")              # the whole of the next week's, meanwhile, in this thread
    resume.set()
    thread.join(60)
    assert out == alone


def test_a_template_written_again_within_the_clocks_tick_is_read_again(other_db, tmp_path):
    """The kept environment reloads a template whose words changed though its file's time did not (written
    twice within the file system's tick: here set back by hand)."""
    import os

    from briefing.documents import templates

    folder = tmp_path / "twice"
    folder.mkdir()
    (folder / "template.toml").write_text('name = "两次"\nperiod = "week"\ntitle = "{地区}（{期间}）"\n', encoding="utf-8")
    main = folder / "briefing.md.j2"
    conf = settings.load(env={})
    asked = Request("twice", parse_period("2024-W12"), TOP)

    def made(words):
        stamp = main.stat().st_mtime_ns if main.exists() else None
        main.write_text("# {{ 标题 }}\n\n" + words + "{{ 指标(\"eco_trees\").本期 }}。\n", encoding="utf-8")
        if stamp is not None:
            os.utime(main, ns=(stamp, stamp))
        with Store(other_db, create=False) as store:
            return make(store, conf, asked, templates.load_folder(folder)).markup

    first, second = made("本周造林"), made("本周植树")
    assert "本周造林" in first and "本周植树" in second and "本周造林" not in second
