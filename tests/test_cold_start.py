"""A cold `briefing generate` (issue 15): it imports what a briefing needs and nothing else, and it reads the
compiled templates that an earlier run kept in the cache folder (documents/cache.py) instead of compiling them
again — never a stale one, never when the folder is not safe to read, and the same bytes either way."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import jinja2
import pytest
from other_office import TOP, WEEKS, write_office
from test_generate import custom, made

from briefing.documents import cache, templates

# what a briefing never needs: the web pages and their server, the scheduler, the delivery channels, the archive
# (only --archive), a backfill's worker processes, the fill-in form's workbook, numpy (sqlite_utils' optional types)
NOT_FOR_GENERATE = ("briefing.web", "briefing.delivery", "briefing.archive", "briefing.ingest", "fastapi", "uvicorn",
                    "starlette", "apscheduler", "openpyxl", "numpy", "pandas", "multiprocessing", "concurrent.futures")
PROBE = ("import sys\nfrom briefing.cli import main\n"
         "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
         "print(code, sorted({m.split('.')[0] if not m.startswith('briefing.') else '.'.join(m.split('.')[:2]) "
         "for m in sys.modules}), file=sys.stderr)")


def imported_by(args: list[str], cache_dir: Path) -> tuple[str, set[str]]:
    """What `briefing ARGS` printed, and the modules it had imported (briefing.WING or a top-level package)."""
    env = {**os.environ, "BRIEFING_CACHE_DIR": str(cache_dir), "BRIEFING_LANG": "en"}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    code, _, modules = result.stderr.strip().splitlines()[-1].partition(" ")
    assert code in ("0", "None"), result.stderr
    return result.stdout, set(eval(modules))            # noqa: S307 — our own probe's list of names


def office_db(tmp_path: Path) -> Path:
    """The generated office (no name shared with the sample), imported with the real command line."""
    db = tmp_path / "other.db"
    for args in (["init"], ["ingest", *map(str, write_office(tmp_path / "office"))]):
        subprocess.run([sys.executable, "-m", "briefing", "--db", str(db), *args], check=True, capture_output=True,
                       timeout=120)
    return db


@pytest.mark.parametrize("office", ["sample", "other"])
def test_generate_imports_neither_the_web_nor_the_scheduler_nor_delivery(office, sample_db, tmp_path):
    db, period, region = ((sample_db, "2024-W02", "兴安盟") if office == "sample"
                          else (office_db(tmp_path), WEEKS[-1], TOP))
    printed, modules = imported_by(["--db", str(db), "generate", "--period", period, "-r", region,
                                    "-o", str(tmp_path / "out")], tmp_path / "cache")
    assert printed.strip().endswith("_周报.docx") and Path(printed.strip()).is_file()
    assert {"briefing.documents", "briefing.store", "jinja2", "markdown_it"} <= modules
    assert not modules & set(NOT_FOR_GENERATE), sorted(modules & set(NOT_FOR_GENERATE))


# what only the first start (an empty cache folder) needs: python-docx and lxml prepare the reference document,
# python-pptx, XlsxWriter and PIL make each chart's skeleton; the next starts read both from the cache folder
FIRST_START_ONLY = {"docx", "lxml", "pptx", "xlsxwriter", "PIL"}


@pytest.mark.parametrize("office", ["sample", "other"])
def test_the_next_generate_imports_neither_python_docx_nor_python_pptx(office, sample_db, tmp_path):
    """The first process prepares the reference document with python-docx and makes each chart's skeleton with
    python-pptx, and keeps both in the cache folder; the next writes the same bytes importing none of them (with
    lxml and PIL, about half of a cold start's imports)."""
    db, period, region = ((sample_db, "2024-W02", "兴安盟") if office == "sample"
                          else (office_db(tmp_path), WEEKS[-1], TOP))
    made = []
    for run in ("first", "next"):
        printed, modules = imported_by(["--db", str(db), "generate", "--period", period, "-r", region,
                                        "-o", str(tmp_path / run)], tmp_path / "cache")
        made.append(Path(printed.strip()).read_bytes())
        heavy = modules & FIRST_START_ONLY
        assert heavy == FIRST_START_ONLY if run == "first" else not heavy, (run, heavy)
    assert made[0] == made[1]
    assert list((tmp_path / "cache" / "charts").glob("*.json"))
    assert list((tmp_path / "cache" / "reference").glob("*.bin"))


# --- compiled templates kept on disk ----------------------------------------------------------------------------

@pytest.fixture
def disk(tmp_path, monkeypatch) -> Path:
    """A cache folder of this test's own, and a process that has compiled nothing yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.VARIABLE, str(folder))
    monkeypatch.setattr(templates, "_COMPILED", templates.CompiledTemplates())
    monkeypatch.setattr(templates, "_ENVIRONMENTS", threading.local())     # nor any template environment kept
    return folder


def a_new_process(monkeypatch, compiling_fails: bool = False) -> list[str]:
    """What a fresh process has: nothing compiled in memory. Returns the names of the templates it compiles;
    with ``compiling_fails``, compiling any is an error (so whatever renders came from the disk)."""
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        if compiling_fails:
            raise AssertionError(f"{name} compiled again")
        return compile_(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(templates, "_COMPILED", templates.CompiledTemplates())
    monkeypatch.setattr(templates, "_ENVIRONMENTS", threading.local())     # nor any template environment kept
    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "templates").glob("*.jinja"))


def test_the_next_process_reads_the_compiled_templates_and_makes_the_same_bytes(sample_db, disk, monkeypatch):
    first = made(sample_db, template="weekly", period="2024-W02")
    assert len(entries(disk)) == 2                             # briefing.md.j2 and the sections it includes
    assert all(p.stat().st_mode & 0o077 == 0 for p in entries(disk))
    a_new_process(monkeypatch, compiling_fails=True)
    again = made(sample_db, template="weekly", period="2024-W02")
    assert again.markup == first.markup and again.docx() == first.docx()


def test_an_edited_template_is_compiled_anew(sample_db, disk, tmp_path, monkeypatch):
    conf = custom(tmp_path, "# 标题\n\n第一版{{ 1 + 1 }}\n")
    assert "第一版2" in made(sample_db, template="test", conf=conf).markup
    custom(tmp_path, "# 标题\n\n第二版{{ 2 + 2 }}\n")
    compiled = a_new_process(monkeypatch)
    assert "第二版4" in made(sample_db, template="test", conf=conf).markup and compiled == ["briefing.md.j2"]
    assert len(entries(disk)) == 1                             # the same template's entry, replaced


def test_another_jinja_or_briefing_or_compiler_never_reads_an_entry(sample_db, disk, tmp_path, monkeypatch):
    conf = custom(tmp_path, "# 标题\n\n正文{{ 3 }}\n")
    made(sample_db, template="test", conf=conf)
    before = templates.FINGERPRINT
    for part in ("jinja2.__version__", "sandbox"):
        if part == "sandbox":           # sandbox.py's code generator changed: its source is part of the key
            monkeypatch.setattr(templates.sandbox_mod, "__file__", str(tmp_path / "tpl" / "test" / "template.toml"))
        else:
            monkeypatch.setattr(jinja2, "__version__", "9.9.9")
        monkeypatch.setattr(templates, "FINGERPRINT", templates._fingerprint())
        assert templates.FINGERPRINT != before
        compiled = a_new_process(monkeypatch)
        assert "正文3" in made(sample_db, template="test", conf=conf).markup and compiled == ["briefing.md.j2"]
        before = templates.FINGERPRINT
    assert len(entries(disk)) == 3


def test_a_damaged_entry_is_compiled_anew_and_replaced(sample_db, disk, tmp_path, monkeypatch):
    conf = custom(tmp_path, "# 标题\n\n正文{{ 5 }}\n")
    made(sample_db, template="test", conf=conf)
    [entry] = entries(disk)
    whole = entry.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:10], b"", b"\x00" * 64):
        entry.write_bytes(damaged)
        compiled = a_new_process(monkeypatch)
        assert "正文5" in made(sample_db, template="test", conf=conf).markup and compiled == ["briefing.md.j2"]
        assert entry.read_bytes() == whole


@pytest.mark.parametrize("where", ["off", "under a file", "writable by others"])
def test_the_cache_is_silently_off_where_it_cannot_be_kept_safely(where, sample_db, tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "_COMPILED", templates.CompiledTemplates())
    monkeypatch.setattr(templates, "_ENVIRONMENTS", threading.local())     # nor any template environment kept
    monkeypatch.setattr(cache, "_READY", {})
    folder = tmp_path / "cache"
    if where == "off":
        monkeypatch.setenv(cache.VARIABLE, "off")
    elif where == "under a file":
        (tmp_path / "a-file").write_text("x")
        monkeypatch.setenv(cache.VARIABLE, str(tmp_path / "a-file" / "cache"))
    else:
        (folder / "templates").mkdir(parents=True)
        (folder / "templates").chmod(0o777)
        monkeypatch.setenv(cache.VARIABLE, str(folder))
    conf = custom(tmp_path, "# 标题\n\n正文{{ 6 }}\n")
    assert "正文6" in made(sample_db, template="test", conf=conf).markup
    assert cache.folder("templates") is None
    assert not list(tmp_path.rglob("*.jinja"))


def test_the_default_folder_follows_xdg_and_the_variable_moves_it(tmp_path):
    assert cache.location({}) == Path("~/.cache/briefing").expanduser()
    assert cache.location({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "briefing"
    assert cache.location({"XDG_CACHE_HOME": "relative/path"}) == Path("~/.cache/briefing").expanduser()
    assert cache.location({"XDG_CACHE_HOME": str(tmp_path), cache.VARIABLE: str(tmp_path / "b")}) == tmp_path / "b"
    assert cache.location({cache.VARIABLE: "OFF"}) is None


def test_two_processes_writing_an_entry_at_once_leave_a_whole_one(disk, tmp_path, monkeypatch):
    """One writer stopped at the named point between writing its temporary file and renaming it over the entry;
    another writes the same entry meanwhile: a reader sees no entry or a whole one, never a partial one."""
    env = templates.sandbox()
    source = "{% for i in range(3) %}第{{ i }}条{% endfor %}"
    bucket = lambda bcc: bcc.get_bucket(env, "t.j2", str(tmp_path / "t.j2"), source)   # noqa: E731

    def readable() -> str | None:
        fresh = templates.CompiledTemplates()
        code = bucket(fresh).code
        return None if code is None else env.template_class.from_code(env, code, env.make_globals(None)).render()

    at_rename, go = threading.Event(), threading.Event()
    replace = os.replace

    def stopping(src, dst):
        if threading.current_thread().name == "first":
            at_rename.set()
            go.wait(30)
        replace(src, dst)
    monkeypatch.setattr(os, "replace", stopping)

    def write(bcc: templates.CompiledTemplates) -> None:
        filled = bucket(bcc)
        filled.code = env.compile(source, "t.j2", str(tmp_path / "t.j2"))
        bcc.set_bucket(filled)
    first = threading.Thread(target=write, args=(templates.CompiledTemplates(),), name="first")
    first.start()
    assert at_rename.wait(30)
    assert readable() is None                          # the first's bytes are all written, but not yet the entry
    write(templates.CompiledTemplates())               # the second writes the entry whole
    assert readable() == "第0条第1条第2条"
    go.set()
    first.join(30)
    assert readable() == "第0条第1条第2条"
    assert [p.name.endswith(".jinja") for p in (disk / "templates").iterdir()] == [True]
