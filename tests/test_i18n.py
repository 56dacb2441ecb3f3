"""The interface speaks Chinese by default and English when asked (docs/i18n.md): the catalog is complete and
compiled, every help page and the errors a person meets read in Chinese, --lang en / the locale give English.

These tests take away the English that conftest.py gives every other test."""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from briefing import i18n
from briefing.cli import cli, load_all
from briefing.cli.help import columns, fill, short_help

ROOT = Path(__file__).resolve().parents[1]
PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "briefing.po"
MO = PO.with_suffix(".mo")
LOCALE_VARIABLES = ("BRIEFING_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "BRIEFING_CONFIG")


@pytest.fixture
def default(monkeypatch, tmp_path):
    """No language asked for anywhere: the default. A folder of its own, so no briefing.toml is read."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def invoke(*args: str):
    return click.testing.CliRunner().invoke(cli, list(args), prog_name="briefing")


def catalog():
    with PO.open("rb") as f:
        return read_po(f)


def extracted() -> dict[tuple[str | None, str], set[str]]:
    """Every msgid the code and click hold, extracted as babel.cfg says (docs/i18n.md), with where it is; keyed by
    (context, msgid)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[tuple[str | None, str], set[str]] = {}
    for folder in (i18n.LOCALE_DIR.parent, Path(click.__file__).parent):
        for filename, line, message, _comments, context in extract_from_dir(folder, method_map, options_map):
            key = message if isinstance(message, str) else message[0]
            found.setdefault((context, key), set()).add(f"{folder.name}/{filename}:{line}")
    return found


def entries(messages) -> dict:
    """A catalog's translations, each msgid (a tuple for a plural) to its msgstr (a tuple for a plural)."""
    def frozen(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value
    return {(m.context, frozen(m.id)): frozen(m.string) for m in messages if m.id}


def placeholders(text: str) -> set[str]:
    return {name.split("!")[0].split(".")[0].split("[")[0]
            for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}


# --- the catalog -----------------------------------------------------------------------------------------

def test_the_committed_mo_is_the_po_compiled():
    compiled = io.BytesIO()
    write_mo(compiled, catalog())
    compiled.seek(0)
    with MO.open("rb") as f:
        committed = read_mo(f)
    made = read_mo(compiled)
    assert entries(committed) == entries(made), \
        "briefing.mo is stale: run `pybabel compile -d service/briefing/locale -D briefing` (docs/i18n.md)"


def test_every_message_of_the_code_and_of_click_has_a_chinese_translation():
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog() if m.id}
    missing = [f"{key[1]!r} ({', '.join(sorted(where))})" for key, where in extracted().items()
               if not (translated.get(key) if isinstance(translated.get(key), str) else any(translated.get(key) or ()))]
    assert not missing, "untranslated (docs/i18n.md says how to add them):\n" + "\n".join(sorted(missing))


def test_the_chinese_keeps_every_placeholder_of_the_english():
    wrong = []
    for m in catalog():
        if not m.id:
            continue
        english = m.id if isinstance(m.id, str) else m.id[-1]
        for chinese in ([m.string] if isinstance(m.string, str) else m.string):
            if chinese and placeholders(chinese) != placeholders(english):
                wrong.append(f"{english!r} → {chinese!r}")
            if chinese and set(re.findall(r"%\((\w+)\)", chinese)) != set(re.findall(r"%\((\w+)\)", english)):
                wrong.append(f"{english!r} → {chinese!r}")
    assert not wrong, "\n".join(wrong)


def test_the_chinese_quotes_names_the_chinese_way():
    quoted = [m.string for m in catalog() if isinstance(m.string, str) and "'{" in m.string]
    assert not quoted, quoted


def commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in (load_all() if group is cli else group.commands).items():
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from commands(command, path + (name,))


def test_every_help_text_of_the_command_tree_is_translated():
    translated = {m.id: m.string for m in catalog() if isinstance(m.id, str) and m.string and not m.context}
    untranslated = []
    for path, command in [(("briefing",), cli), *commands(cli)]:
        texts = [command.help, command.short_help] + [getattr(p, "help", None) for p in command.params]
        for text in filter(None, texts):
            untranslated += [f"{' '.join(path)}: {piece!r}" for piece in i18n.help_pieces(text)
                             if piece not in translated]
    assert not untranslated, "\n".join(untranslated)


# --- the command line, in Chinese by default -------------------------------------------------------------

def test_briefing_help_is_chinese(default):
    result = invoke("--help")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("用法：briefing [OPTIONS] COMMAND [ARGS]...")
    for words in ("根据 SQLite 中保存的项目数据编写 Word 简报。", "示例：", "选项：", "命令：",
                  "显示本帮助后退出。", "显示版本号后退出。", "提示和帮助的语言", "编写简报"):
        assert words in out
    assert "Usage" not in out and "Options" not in out and "Show this message" not in out


@pytest.mark.parametrize("path", [" ".join(p) for p, _c in commands(cli)])
def test_each_commands_help_is_chinese(default, path):
    result = invoke(*path.split(), "-h")
    assert result.exit_code == 0, result.output
    command = cli
    for name in path.split():
        command = command.commands[name]
    assert result.output.startswith(f"用法：briefing {path} ")
    first = i18n.help_pieces(command.help)[0]
    assert first not in result.output                      # the English of its help is not shown…
    assert "示例：" in result.output and "选项：" in result.output and "显示本帮助后退出。" in result.output
    english = [p.help for p in command.params if getattr(p, "help", None)]
    assert not [h for h in english if " ".join(h.split()) in " ".join(result.output.split())]


def test_help_lines_fit_the_width_in_columns(default):
    for path, _command in [((), cli), *commands(cli)]:
        out = invoke(*path, "-h").output
        lines = [line for line in out.splitlines() if "  briefing " not in line]   # example lines stay whole
        assert max(columns(line) for line in lines) <= 80, out


def test_a_usage_error_is_chinese_and_says_how_to_get_help(default):
    result = invoke("generate", "--period")
    assert result.exit_code == 2 and result.output == "错误：选项“--period”需要 1 个值。\n"
    result = invoke("regions", "extra")
    assert result.exit_code == 2
    assert result.output.startswith("用法：briefing regions [OPTIONS]\n运行“briefing regions --help”查看帮助。\n")
    assert "错误：多出了参数（extra）" in result.output


def test_an_unknown_option_is_chinese_with_did_you_mean(default):
    result = invoke("generate", "--regoin", "扎赉特旗")
    assert result.exit_code == 2
    assert "错误：没有“--regoin”这个选项。" in result.output and "--region" in result.output
    assert "Error" not in result.output and "No such option" not in result.output


def test_an_unknown_command_and_a_bad_choice_are_chinese(default):
    assert "错误：没有“genrate”这个命令。" in invoke("genrate").output
    result = invoke("--lang", "fr", "regions")
    assert result.exit_code == 2 and "--lang" in result.output and "不在可选值" in result.output


@pytest.mark.parametrize("command", [["observations"], ["generate", "-o", "out"]])
def test_an_unknown_region_says_did_you_mean_in_chinese(default, sample_db, command):
    result = invoke("--db", str(sample_db), *command, "-r", "扎赉特")
    assert result.exit_code == 2
    assert "错误：未知地区“扎赉特”；是否指“扎赉特旗”？" in result.output and "`briefing regions`" in result.output


def test_a_bad_as_of_is_chinese(default, sample_db):
    result = invoke("--db", str(sample_db), "observations", "--as-of", "昨天")
    assert result.exit_code == 2
    assert "错误：--as-of “昨天”不是日期或时间" in result.output and "请写成 2024-01-17" in result.output


def test_a_missing_database_is_chinese(default, tmp_path):
    result = invoke("--db", str(tmp_path / "无.db"), "regions")
    assert result.exit_code == 1
    assert f"错误：{tmp_path / '无.db'} 处没有数据库" in result.output and "briefing init" in result.output


def test_an_internal_error_is_chinese_with_its_status(default, monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise KeyError("x")
    monkeypatch.setattr("briefing.store.db.Store.__init__", broken)
    result = invoke("regions")
    assert result.exit_code == 70
    assert "内部错误：KeyError：'x'" in result.output and "请加 --debug 再运行一次" in result.output


# --- English when asked ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, env", [
    (["--lang", "en", "--help"], {}),
    (["--help", "--lang", "en"], {}),
    (["--help"], {"BRIEFING_LANG": "en"}),
    (["--help"], {"LANG": "en_US.UTF-8"}),
    (["--help"], {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}),
    (["--lang", "en", "--help"], {"BRIEFING_LANG": "zh"}),
])
def test_english_when_asked(default, monkeypatch, args, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = invoke(*args).output
    assert out.startswith("Usage: briefing [OPTIONS] COMMAND [ARGS]...")
    assert "Write Word briefings (简报) from program figures kept in SQLite." in out and "Commands:" in out


@pytest.mark.parametrize("env", [{"LANG": "zh_CN.UTF-8"}, {"LANG": "C"}, {"LC_ALL": "POSIX"}, {"LANG": "C.UTF-8"},
                                 {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, {"BRIEFING_LANG": "zh"}])
def test_chinese_by_these_locales(default, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert invoke("--help").output.startswith("用法：")


def test_the_lang_setting_of_the_config_file(default, tmp_path, sample_db):
    (tmp_path / "briefing.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert invoke("--help").output.startswith("Usage:")
    result = invoke("--db", str(sample_db), "observations", "-r", "扎赉特")
    assert "Error: unknown region '扎赉特'; did you mean '扎赉特旗'?" in result.output
    assert invoke("--lang", "zh", "--help").output.startswith("用法：")
    (tmp_path / "briefing.toml").write_text('lang = "fr"\n', encoding="utf-8")
    result = invoke("--db", str(sample_db), "regions")
    assert result.exit_code == 2 and "错误：lang = “fr”（briefing.toml）不是 briefing 支持的语言" in result.output


def test_english_errors_after_the_command(default, sample_db):
    result = invoke("observations", "--db", str(sample_db), "-r", "扎赉特", "--lang", "en")
    assert result.exit_code == 2
    assert "Error: unknown region '扎赉特'; did you mean '扎赉特旗'?" in result.output


def test_a_new_process_speaks_chinese_by_default_and_english_when_asked(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    argv = [sys.executable, "-m", "briefing"]
    chinese = subprocess.run([*argv, "generate", "--nope"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert chinese.returncode == 2 and "错误：没有“--nope”这个选项。" in chinese.stderr
    english = subprocess.run([*argv, "--lang", "en", "generate", "--nope"], env=env, cwd=tmp_path,
                             capture_output=True, text=True)
    assert english.returncode == 2 and "Error: No such option '--nope'." in english.stderr


# --- the options of the whole program, after the command -------------------------------------------------

def test_db_after_the_command_means_what_it_means_before(default, sample_db, tmp_path):
    before = invoke("--db", str(sample_db), "regions")
    after = invoke("regions", "--db", str(sample_db))
    assert before.exit_code == after.exit_code == 0 and before.output == after.output and "扎赉特旗" in after.output
    later = invoke("--db", str(tmp_path / "none.db"), "regions", "--db", str(sample_db))
    assert later.exit_code == 0 and later.output == before.output


def test_config_and_debug_after_the_command(default, tmp_path, sample_db):
    (tmp_path / "other.toml").write_text(f'db = "{sample_db}"\n', encoding="utf-8")
    assert invoke("regions", "--config", str(tmp_path / "other.toml")).output == invoke(
        "--db", str(sample_db), "regions").output
    result = click.testing.CliRunner().invoke(cli, ["regions", "--db", str(tmp_path / "none.db"), "--debug"])
    assert result.exit_code == 1 and type(result.exception).__name__ == "StoreError"   # raised, not printed


# --- the pieces ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("option, env, setting, expected", [
    (None, {}, None, "zh"),
    ("en", {"BRIEFING_LANG": "zh"}, None, "en"),
    (None, {"BRIEFING_LANG": "en_US"}, "zh", "en"),
    (None, {}, "en", "en"),
    (None, {"LANG": "en_US.UTF-8"}, "zh", "zh"),
    (None, {"LANG": "en_US.UTF-8"}, None, "en"),
    (None, {"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, None, "en"),
    (None, {"LC_ALL": "C", "LANG": "en_US.UTF-8"}, None, "zh"),
    ("fr", {"BRIEFING_LANG": "de"}, "xx", "zh"),
])
def test_the_language_chosen(option, env, setting, expected):
    assert i18n.choose(option, setting, env) == expected


def test_chinese_lines_break_between_characters_and_never_before_a_closing_mark():
    text = "请运行 `briefing check` 查看损坏之处，再恢复最近的备份（见 docs/store.md）；恢复核实之前，请保留文件。"
    lines = fill(text, 20).splitlines()
    assert all(columns(line) <= 20 for line in lines) and "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not [line for line in lines if line[0] in "，。、；：）”"]
    assert "`briefing" in "".join(lines) and "check`" in "".join(lines)   # words are not cut


def test_a_chinese_short_help_is_the_first_sentence(monkeypatch):
    monkeypatch.setattr(i18n, "_active", None)
    i18n.use("zh")
    assert short_help("Create an empty database (or bring an old one up to date).\n\nMore.", 60) == \
        "新建空数据库（或将旧数据库升级到当前版本）"
    assert short_help("Create an empty database (or bring an old one up to date).", 10) == "新建空数…"


def test_the_errors_of_errors_py_in_chinese_with_plurals(monkeypatch):
    from briefing.errors import Incomplete, InputError, NoFigures, NotFound, Problem

    monkeypatch.setattr(i18n, "_active", None)
    i18n.use("zh")
    one = InputError([Problem("周报.csv", 2, "数值", "x")])
    assert one.message == "输入中有 1 处问题，未写入任何内容：\n  周报.csv 第 2 行“数值”列：x"
    many = InputError([Problem("周报.csv", None, None, "y")] * 1234)
    assert many.message.startswith("输入中有 1,234 处问题，未写入任何内容：\n  周报.csv：y\n")
    assert many.message.endswith("……另有 1,034 处问题未列出；请先改正以上问题（同一错误常会重复出现），再导入一次即可看到其余问题")
    assert str(NotFound("indicator", "诊疗人次", "诊疗患者人次")) == "未知指标“诊疗人次”；是否指“诊疗患者人次”？"
    assert NoFigures("2024-W09", "扎赉特旗", "2024-W08").message == "扎赉特旗尚无2024-W09的数据；已有数据截至2024-W08"
    assert Incomplete("2024-W09", "兴安盟", ["科右前旗", "扎赉特旗"]).message == "兴安盟 2024-W09：科右前旗、扎赉特旗 尚未报送"
    i18n.use("en")
    assert Incomplete("2024-W09", "兴安盟", ["科右前旗"]).message == "兴安盟 2024-W09: 科右前旗 has not reported yet"


def test_schedules_runs_and_the_archive_in_chinese(default, sample_db, tmp_path):
    db = tmp_path / "site.db"
    db.write_bytes(sample_db.read_bytes())
    (tmp_path / "briefing.toml").write_text(
        f'db = "{db}"\narchive_dir = "archive"\n\n[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'
        'cron = "0 8 * * mon"\nregions = ["扎赉特旗", "top"]\nstart = 2024-01-08\n', encoding="utf-8")
    listed = invoke("schedules", "--now", "2024-01-20T10:00+08:00").output
    assert "地区：扎赉特旗、top（最上级地区）" in listed, listed
    assert "周报：模板 weekly，每周一 08:00（Asia/Shanghai）" in listed
    assert "下次：周一 2024-01-22 08:00 → 2024-W03（1天22小时后）" in listed and "已生成：0 · 最新期间：尚无 · 失败：0" in listed
    assert invoke("run-due", "--now", "2024-01-15T10:00+08:00").exit_code == 0
    runs = invoke("runs").output
    assert runs.startswith("编号  计划") and "已生成" in runs
    shown = invoke("archive", "show", "1").output
    assert "简体" in shown and "simplified" not in shown
    assert "状态              已生成" in shown and "完成时间" in shown and "数据截至          2024-01-15 10:00" in shown
    assert "已核对 2 个文件：缺失 0 个，损坏 0 个，台账未登记 0 个" in invoke("archive", "verify").output


def test_an_imports_account_names_its_tables_in_chinese(default, tmp_path):
    """What ingest prints of each table: its kind in words (地区, 指标, 指标数值), not the program's name for it."""
    from conftest import write_csv
    write_csv(tmp_path / "地区.csv", [["代码", "名称", "上级"], ["650100", "天山市", ""], ["650101", "北湖区", "650100"]])
    write_csv(tmp_path / "指标.csv", [["代码", "名称", "领域", "类型", "单位", "频率"],
                                      ["visits", "入户走访户数", "民生", "流量", "户", "月"]])
    write_csv(tmp_path / "数据.csv", [["指标", "地区", "期间", "数值"], ["入户走访户数", "北湖区", "2025-03", "12"]])
    assert invoke("--db", "x.db", "init").exit_code == 0
    result = invoke("--db", "x.db", "ingest", "地区.csv", "指标.csv", "数据.csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("地区.csv：地区，2 行") for line in lines), lines
    assert any(line.startswith("指标.csv：指标，1 行") for line in lines), lines
    assert any(line.startswith("数据.csv：指标数值，1 行") for line in lines), lines
    assert "observations" not in result.output and "regions" not in result.output


def test_a_required_option_says_so_in_chinese(default):
    """click names a required option's mark through a variable, which extraction cannot see: the catalog has it."""
    page = invoke("backfill", "-h").output
    assert "[必填]" in page and "required" not in page


def test_a_table_that_cannot_be_told_is_described_in_chinese(default, tmp_path):
    from conftest import write_csv
    write_csv(tmp_path / "x.csv", [["甲", "乙"], ["1", "2"]])
    assert invoke("--db", "x.db", "init").exit_code == 0
    result = invoke("--db", "x.db", "ingest", "x.csv")
    assert result.exit_code == 1
    assert "无法从列 甲、乙 判断" in result.output, result.output
    for kind in ("地区：代码、名称（可选：上级", "指标：代码、名称、领域"):
        assert kind in result.output, result.output
    for word in ("observations", "regions", "indicators", "['"):
        assert word not in result.output, result.output
