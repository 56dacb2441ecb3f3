"""Configuration files refuse what they do not understand: every key of briefing.toml (its settings and its
[[schedule]] tables) and of a template's template.toml is checked, and a key that is unknown, in the wrong
table or of the wrong type is an error naming the file, the line and the key. tomllib gives no lines, so
settings.line_of finds them in the text; it is tested here on its own first."""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import settings
from briefing.archive import schedules
from briefing.cli import cli
from briefing.documents import templates
from briefing.errors import TemplateError, UsageError
from briefing.settings import line_of

# --- finding the line of a key ------------------------------------------------------------------------------

TRICKY = '''# a comment with [brackets] and key = "value"
db = "a.db"   # [[schedule]]
note = """
[not_a_table]
not_a_key = 1
"""
literal = \'\'\'
also = "not a key"
\'\'\'
nested = [
  ["x"],
  [1, 2]
]
inline = { a = 1, b = [
  3] }
"quoted.key" = 1
dotted . key = 2

[metadata]               # the metadata line
source = "兴安盟"

[[schedule]]
name = "周报"

[[schedule]]
timezon = "Asia/Shanghai"

[schedule.extra]
k = 1
'''


@pytest.mark.parametrize("path, line", [
    (("db",), 2),
    (("note",), 3),
    (("literal",), 7),
    (("nested",), 10),
    (("inline",), 14),
    (("quoted.key",), 16),
    (("dotted", "key"), 17),
    (("dotted",), 17),
    (("metadata",), 19),
    (("metadata", "source"), 20),
    (("schedule",), 22),
    (("schedule", 0, "name"), 23),
    (("schedule", 1), 25),
    (("schedule", 1, "timezon"), 26),
    (("schedule", 1, "extra", "k"), 29),
    (("not_a_table",), None),
    (("not_a_key",), None),
    (("also",), None),
    (("schedule", 2), None),
])
def test_line_of_finds_keys_and_tables_and_nothing_inside_values(path, line):
    tomllib.loads(TRICKY)   # it is TOML
    assert line_of(TRICKY, *path) == line


def random_document(rng: random.Random) -> tuple[str, dict[tuple, int]]:
    """A TOML text of random tables and keys with distracting values, and the line of each key in it."""
    lines, where = [], {}
    distractions = ['"[fake]"', '"""\n[fake]\nfake = 1\n"""', "[\n  [1],\n  [2]\n]", "{ a = 1 }", "'k = 1'", "true"]
    tables = [()] + [(f"t{n}",) for n in range(rng.randint(0, 3))]
    for table in tables:
        if table:
            lines += ["", f"[{table[0]}]" + rng.choice(["", "   # [comment]"])]
            where[table] = len(lines)
        for k in range(rng.randint(0, 4)):
            key = rng.choice([f"k{k}", f'"k {k}"', f"k{k}-x"])
            lines.append(f"{key}{rng.choice([' = ', '='])}{rng.choice(distractions)}")
            where[table + (key.strip('"'),)] = len(lines)
            lines += lines.pop().split("\n")
    return "\n".join(lines) + "\n", where


def test_line_of_agrees_with_where_keys_were_written_in_random_documents():
    for seed in range(300):
        text, where = random_document(random.Random(seed))
        tomllib.loads(text)
        for path, line in where.items():
            assert line_of(text, *path) == line, (text, path)


# --- briefing.toml ------------------------------------------------------------------------------------------

def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def schedules_of(path: Path) -> list[schedules.Schedule]:
    read = settings.load(path, env={})
    return schedules.load(read.sections.get("schedule"), read.path)


SCHEDULE = '[[schedule]]\nname = "周报"\ntemplate = "weekly"\n'


@pytest.mark.parametrize("text, line, says, hint", [
    ('timezone = "Asia/Shanghai"\ndbb = "x.db"\n', 2, "unknown setting 'dbb'. Did you mean 'db'?", "Settings: db,"),
    ('busy_timeout_ms = "5000"\n', 1, 'busy_timeout_ms must be a whole number, not "5000"',
     "Write it like busy_timeout_ms = 5000."),
    ("tick_seconds = true\n", 1, "tick_seconds must be a whole number, not true", "tick_seconds = 60"),
    ("\n\ndb = 5\n", 3, "db must be a string in quotes, not 5", 'Write it like db = "data/briefing.db".'),
    ('db = "a.db"\n\n[settings]\nauthor = "x"\n', 3, "unknown table [settings]", "[[schedule]] tables"),
    ('[schedule]\ntemplate = "weekly"\n', 1, "write schedules as [[schedule]] tables, not a table", "[[schedule]]"),
    ('db = "a.db"\nauthor = \n', 2, "Invalid value", "docs/settings.md"),
])
def test_a_wrong_setting_names_the_file_the_line_and_the_key(tmp_path, text, line, says, hint):
    path = config(tmp_path, text)
    with pytest.raises(UsageError) as err:
        settings.load(path, env={})
    assert err.value.message.startswith(f"{path}, line {line}: ")
    assert says in err.value.message and hint in err.value.hint


@pytest.mark.parametrize("text, line, says", [
    (SCHEDULE + 'timezon = "Asia/Shanghai"\n', 6, "[[schedule]] 周报: unknown key 'timezon'. Did you mean 'timezone'?"),
    (SCHEDULE + "tick_seconds = 30\n", 6,     # a setting written at the end of the file lands in the last schedule
     "[[schedule]] 周报 has no key 'tick_seconds'. It belongs at the top of the file, before any [table]."),
    (SCHEDULE + 'catch_up = "some"\n', 6, "[[schedule]] 周报: catch_up: 'some' is not a catch-up policy"),
    (SCHEDULE + 'cron = "0 8 * * 8"\n', 6,
     "[[schedule]] 周报: cron: '0 8 * * 8': day of week: 8 is not between 0 and 7"),
    ('[[schedule]]\ntemplate = "weekly"\n\nname = 7\n', 6,
     "[[schedule]] #1 (weekly): name must be a string in quotes, not 7"),
    ('[[schedule]]\nname = "周报"\n', 3, "[[schedule]] 周报: template: missing"),     # at the schedule's first line
])
def test_a_wrong_schedule_key_names_the_file_the_line_and_the_key(tmp_path, text, line, says):
    path = config(tmp_path, 'db = "a.db"\n\n' + text)
    with pytest.raises(UsageError) as err:
        schedules_of(path)
    assert err.value.message == f"{path}, line {line}: {says}"


def test_the_error_is_at_the_line_of_the_schedule_it_is_in(tmp_path):
    path = config(tmp_path, SCHEDULE + "\n" + SCHEDULE.replace("周报", "月报") + 'regoins = ["兴安盟"]\n')
    with pytest.raises(UsageError) as err:
        schedules_of(path)
    assert err.value.message.startswith(f"{path}, line 8: [[schedule]] 月报: unknown key 'regoins'")
    twice = config(tmp_path, SCHEDULE + "\n" + SCHEDULE)
    with pytest.raises(UsageError, match=r"line 6: two schedules are named '周报'"):
        schedules_of(twice)


def test_the_example_config_and_a_right_one_are_read_whole(tmp_path):
    path = config(tmp_path, 'db = "a.db"\nbusy_timeout_ms = 100\n\n' + SCHEDULE + 'cron = "0 8 * * 1"\n')
    read = settings.load(path, env={"BRIEFING_TICK_SECONDS": "5"})
    assert (read.db, read.busy_timeout_ms, read.tick_seconds) == (str(tmp_path / "a.db"), 100, 5)   # from its folder
    assert [s.cron for s in schedules_of(path)] == ["0 8 * * 1"]
    example = Path(__file__).resolve().parents[1] / "deploy" / "briefing.example.toml"
    assert len(schedules_of(example)) == 3


def test_the_cli_shows_a_config_error_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config(tmp_path, SCHEDULE + 'timezon = "UTC"\n')
    result = CliRunner().invoke(cli, ["schedules"])
    assert result.exit_code == 2
    assert "Error: briefing.toml, line 4: [[schedule]] 周报: unknown key 'timezon'. Did you mean 'timezone'?" in (
        result.stderr)
    assert "Traceback" not in result.output + result.stderr


# --- template.toml ------------------------------------------------------------------------------------------

def template(tmp_path: Path, toml: str) -> Path:
    folder = tmp_path / "tpl" / "mine"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.toml").write_text(toml, encoding="utf-8")
    (folder / "briefing.md.j2").write_text("# {{ 标题 }}\n", encoding="utf-8")
    return folder


HEAD = 'name = "我的简报"\nperiod = "week"\n\n[style]\npercent_places = 1\n\n[metadata]\nsource = "专班"\n'


@pytest.mark.parametrize("toml, line, says", [
    (HEAD + 'fixed_numbers = ["3个重点帮扶旗"]\n', 9,
     "[metadata] has no key 'fixed_numbers'. It belongs at the top of the file, before any [table]."),
    (HEAD.replace("percent_places", "percnt_places"), 5,
     "[style]: unknown key 'percnt_places'. Did you mean 'percent_places'?"),
    (HEAD.replace("percent_places = 1", 'percent_places = "1"'), 5,
     '[style]: percent_places must be a whole number, not "1"'),
    (HEAD.replace("percent_places = 1", "use_multiple = 1"), 5, "[style]: use_multiple must be true or false, not 1"),
    (HEAD.replace("[metadata]\n", "[metadata]\nflat_with_sign = true\n"), 8,
     "[metadata] has no key 'flat_with_sign'. It belongs in [style]."),
    ("percent_places = 1\n" + HEAD, 1, "the top of the file has no key 'percent_places'. It belongs in [style]."),
    ('charts = ["趋势"]\n' + HEAD, 1, "unknown key 'charts'"),
    (HEAD + "\n[chart]\ntitle = 1\n", 10, "unknown table [chart]"),
    ("name = 3\n", 1, "name must be a string in quotes, not 3"),
    ("fixed_numbers = [3]\n", 1, "fixed_numbers must be a list of strings in quotes, not [3]"),
    ("style = 1\n", 1, "style must be a table, not 1"),
    ('name = "x"\nperiod = week\n', 2, "Invalid value"),
])
def test_a_wrong_template_key_names_the_file_the_line_and_the_key(tmp_path, toml, line, says):
    folder = template(tmp_path, toml)
    with pytest.raises(TemplateError) as err:
        templates.load_folder(folder)
    assert (err.value.template, err.value.line) == (str(folder / "template.toml"), line)
    assert says in err.value.message
    assert err.value.message.startswith(f"{folder / 'template.toml'}, line {line}: ")


def test_the_hint_says_what_to_do(tmp_path):
    with pytest.raises(TemplateError) as misplaced:
        templates.load_folder(template(tmp_path, HEAD + "fixed_numbers = []\n"))
    assert misplaced.value.hint == "Move that line there."
    with pytest.raises(TemplateError) as unknown:
        templates.load_folder(template(tmp_path, HEAD.replace("source", "sauce")))
    assert unknown.value.hint == "[metadata] has: source, author, editor."
    with pytest.raises(UsageError) as setting:
        schedules_of(config(tmp_path, SCHEDULE + "tick_seconds = 30\n"))
    assert setting.value.hint == "Move that line above the first [[schedule]]."


def test_fixed_numbers_belong_at_the_top_and_are_read_there(tmp_path):
    folder = template(tmp_path, 'fixed_numbers = ["3个重点帮扶旗"]\n' + HEAD)
    assert templates.load_folder(folder).fixed_numbers == ("3个重点帮扶旗",)


def test_the_built_in_templates_read_without_error():
    built_in = sorted(p.parent for p in templates.BUILT_IN.glob("*/template.toml"))
    assert [p.name for p in built_in] == ["bulletin", "monthly", "summary", "weekly"]
    for folder in built_in:
        assert templates.load_folder(folder).name


def test_the_cli_shows_a_template_error_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template(tmp_path, HEAD + "fixed_numbers = []\n")
    config(tmp_path, f'template_dirs = "{tmp_path / "tpl"}"\n')
    result = CliRunner().invoke(cli, ["templates"])
    assert result.exit_code == 1
    assert "template.toml, line 9: [metadata] has no key 'fixed_numbers'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_stored_template_made_before_the_check_is_still_read_for_a_remake(tmp_path, caplog):
    toml = HEAD + 'fixed_numbers = ["3个重点帮扶旗"]\n'        # as the built-in templates were once archived
    with pytest.raises(TemplateError):
        templates.load_folder(template(tmp_path, toml))
    stored = templates.from_sources("weekly", {"template.toml": toml, "briefing.md.j2": "# 标题\n"}, tmp_path / "r")
    assert stored.metadata == {"source": "专班"} and stored.style.percent_places == 1
    assert "[metadata] has no key 'fixed_numbers'" in caplog.text
