"""The template sandbox under abuse (issue "Hostile and broken input"): every reproduction ends in a
TemplateError naming the template file and line, never a hang, a gigabyte, a changed briefing or exit 70."""

from __future__ import annotations

import os
import threading
import time

import pytest
from click.testing import CliRunner
from test_generate import custom, made

from briefing.cli import cli
from briefing.documents import templates
from briefing.errors import TemplateError

NESTED = "{% for a in range(100000) %}{% for b in range(100000) %}BODY{% endfor %}{% endfor %}"


def refused(sample_db, tmp_path, body: str, words: str, line: int = 3) -> TemplateError:
    """The error of a template whose third line is ``body``; it names the template and that line."""
    conf = custom(tmp_path, f"# 标题\n\n{body}\n")
    with pytest.raises(TemplateError, match=words) as caught:
        made(sample_db, template="test", conf=conf)
    assert caught.value.template.endswith("briefing.md.j2") and caught.value.line == line, caught.value.message
    return caught.value


# --- time -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["", "{{ a }}", "{% set x = a %}"], ids=["bare", "printing", "assigning"])
def test_a_nested_loop_that_calls_nothing_is_stopped_at_the_deadline(sample_db, tmp_path, monkeypatch, body):
    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1.0)
    started = time.monotonic()
    refused(sample_db, tmp_path, NESTED.replace("BODY", body), "longer than 1 s and was stopped")
    assert time.monotonic() - started < 60          # 10**10 turns would take hours; generous for a busy machine


def test_a_render_in_another_thread_is_stopped_too(sample_db, tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1.0)
    errors: list[BaseException] = []

    def work():
        try:
            refused(sample_db, tmp_path, NESTED.replace("BODY", ""), "was stopped")
        except BaseException as exc:            # noqa: BLE001 — handed to the test's thread
            errors.append(exc)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert not thread.is_alive() and not errors


def test_a_normal_briefing_is_not_stopped_and_nothing_is_left_pending(sample_db, monkeypatch):
    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1.0)
    first = made(sample_db, template="weekly", period="2024-W02")
    time.sleep(1.5)                                # past the first render's deadline: nothing may fire now
    total = sum(range(3_000_000))                  # Python work in this thread after it
    assert total and made(sample_db, template="weekly", period="2024-W02").markup == first.markup


# --- size -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "{{ 'x' * 10**9 }}", "{{ [1] * 10**9 }}", "{{ range(100000)|join('x' * 1000000) }}",
    "{{ 'x' * 9000000 + 'y' * 9000000 }}", "{{ 'x'|center(10**9) }}", "{{ ''.ljust(10**9) }}",
    "{{ '%1000000000d' % 1 }}", "{{ '{:>1000000000}'.format(1) }}", "{{ '%*d'|format(10**9, 1) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set l = [1] %}{% for i in range(40) %}{% set _ = l.extend(l) %}{% endfor %}",
    "{{ ('x' * 1000000).replace('x', 'y' * 100) }}", "{{ 7 ** 100000 }}", "{{ range(10)|slice(10**9)|list }}",
], ids=lambda body: body[:30])
def test_a_value_too_large_is_refused_before_it_is_made(sample_db, tmp_path, body):
    refused(sample_db, tmp_path, body, "more than|too large")


def test_a_template_printing_too_much_is_stopped(sample_db, tmp_path):
    refused(sample_db, tmp_path, "{% set s = 'x' * 5000000 %}{% for i in range(100) %}{{ s }}{% endfor %}",
            "printed more than")


def test_a_range_too_long_is_refused(sample_db, tmp_path):
    refused(sample_db, tmp_path, "{{ range(0, 10**18, 10**9)|list }}", "Range too big")


# --- recursion, includes, imports, formats ---------------------------------------------------------------------

@pytest.mark.parametrize("body, words", [
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "called itself too deeply"),
    ("{% include '/etc/passwd' %}", "TemplateNotFound: /etc/passwd"),
    ("{% include '../../../../../../etc/passwd' %}", "TemplateNotFound"),
    ("{% import 'os' as os %}", "TemplateNotFound: 'os'"),
    ("{{ '{}'.format() }}", "format: IndexError"),
    ("{{ '{x}'.format_map(1) }}", "format_map: TypeError"),
    ("{{ '{0.__class__}'.format(1) }}", "format: SecurityError"),
    ("{{ '%d' % 'x' }}", "TypeError"),
], ids=["recursion", "absolute", "dotdot", "import", "format", "format_map", "format_dunder", "percent"])
def test_what_a_template_does_wrong_is_a_template_error_at_its_line(sample_db, tmp_path, body, words):
    refused(sample_db, tmp_path, body, words)


def test_a_symlink_leading_out_of_the_templates_is_not_followed(sample_db, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("口令 hunter2\n", encoding="utf-8")
    folder = tmp_path / "tpl" / "test"
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "part.md.j2")
    error = refused(sample_db, tmp_path, "{% include 'part.md.j2' %}", "outside the folder of templates")
    assert "hunter2" not in str(error)


def test_an_include_in_the_folder_works(sample_db, tmp_path):
    folder = tmp_path / "tpl" / "test"
    folder.mkdir(parents=True)
    (folder / "part.md.j2").write_text("{{ 地区 }}的简报\n", encoding="utf-8")
    conf = custom(tmp_path, "# 标题\n\n{% include 'part.md.j2' %}\n")
    assert "兴安盟的简报" in made(sample_db, template="test", conf=conf).markup


def test_a_template_error_exits_1_on_the_command_line(sample_db, tmp_path):
    custom(tmp_path, "# 标题\n\n{% include '/etc/passwd' %}\n")
    result = CliRunner().invoke(cli, ["--db", str(sample_db), "generate", "--template", "test", "--period",
                                      "2024-01-17", "-o", str(tmp_path / "out")],
                                env={"BRIEFING_TEMPLATE_DIRS": str(tmp_path / "tpl")})
    assert result.exit_code == 1, result.output
    assert "briefing.md.j2, line 3" in result.output and "Traceback" not in result.output


# --- the data a template receives ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["{% set _ = 亮点.append({'text': '伪造'}) %}", "{% set _ = 未报送.clear() %}",
                                  "{% set x = 亮点 %}{% set _ = x.pop() %}"])
def test_what_a_template_receives_cannot_be_changed(sample_db, tmp_path, body):
    refused(sample_db, tmp_path, body, "unsafe")


def test_a_template_may_fill_lists_and_dicts_of_its_own(sample_db, tmp_path):
    conf = custom(tmp_path, "# 标题\n\n{% set said = [] %}{% set d = {} %}{% set copy = 亮点|list %}"
                            "{% set _ = said.append('甲') %}{% set _ = d.update(k='乙') %}{% set _ = copy.append(1) %}"
                            "{{ said|join }}{{ d.k }}{{ copy|length > 亮点|length }}\n")
    assert "甲乙True" in made(sample_db, template="test", conf=conf).markup


# --- the same bytes every time, and undefined names -----------------------------------------------------------

@pytest.mark.parametrize("body, words", [
    ("{{ [1, 2]|unique }}", "memory address"), ("{{ 指标 }}", "memory address"),
    ("{{ '' ~ ([1]|map('string')) }}", "memory address"),
    ("{{ [1, 2]|random }}", "different result each time"), ("{{ lipsum() }}", "different result each time"),
])
def test_what_varies_between_runs_is_refused(sample_db, tmp_path, body, words):
    refused(sample_db, tmp_path, body, words)


@pytest.mark.parametrize("body", ["{{ 指标('诊疗患者人次').不存在 }}",
                                  "{% if 指标('诊疗患者人次').不存在 %}有{% endif %}"])
def test_an_undefined_attribute_raises(sample_db, tmp_path, body):
    refused(sample_db, tmp_path, body, "UndefinedError")


@pytest.mark.parametrize("body, error", [("{{ 亮点[0].update(text='伪造') }}", "SecurityError"),
                                         ("{{ 亮点[0].nope }}", "UndefinedError")])
def test_a_highlight_can_be_neither_changed_nor_misread(body, error):
    env = templates.sandbox()
    env.globals["亮点"] = [{"text": "原文"}]          # the sample's highlights are of 2022, so given here
    with pytest.raises(Exception) as caught:
        env.from_string(body).render()
    assert type(caught.value).__name__ == error and env.globals["亮点"] == [{"text": "原文"}]
