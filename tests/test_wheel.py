"""Installed the way IT installs it: a wheel built from this checkout, installed into a fresh virtual environment
outside the checkout, brings the templates, the sample data and the catalogs, and `briefing demo` and
`briefing generate` write the briefings there, with the sample and with an office generated here. Offline: the
wheel is built with the test environment's setuptools, installed without its dependencies, and the new
environment reads those from the test environment's site-packages, after its own (so never the checkout's
editable briefing). The README's set-up commands are the ones CI runs."""

from __future__ import annotations

import io
import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from other_office import TOP, write_office
from test_seed_sentences import AS_OF

from briefing import settings
from briefing.documents.make import Request, make
from briefing.figures.period_text import parse_period
from briefing.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "service", "templates", "data/sample")   # what the build reads


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a copy of the checkout's sources (the build writes build/ and *.egg-info beside them)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "generate.py"))
        else:
            shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(out)], check=True, capture_output=True, timeout=300)
    [built] = out.glob("briefing-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment holding the wheel; the dependencies are read from the test environment."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in (*site.getsitepackages(), site.getusersitepackages()) if Path(p).is_dir()]
    (Path(purelib) / "test-environment.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return folder


def run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "PYTHON"))}
    env["BRIEFING_LANG"] = "en"
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def title_of(path: Path) -> str:
    return docx.Document(io.BytesIO(path.read_bytes())).core_properties.title


def test_the_wheel_holds_the_templates_the_sample_and_the_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [("briefing/templates", ROOT / "templates"), ("briefing/sample/templates", ROOT / "data/sample/templates"),
               ("briefing/locale", ROOT / "service/briefing/locale")]
    for inside, folder in shipped:
        files = [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".toml", ".j2", ".po", ".mo")]
        missing = [f"{inside}/{p.relative_to(folder).as_posix()}" for p in files]
        assert [name for name in missing if name not in names] == []
    assert {f"briefing/sample/{p.name}" for p in (ROOT / "data" / "sample").glob("*.csv")} <= names
    assert {"briefing/templates/monthly/briefing.md.j2", "briefing/templates/weekly/briefing.md.j2"} <= names
    pages = ROOT / "service" / "briefing" / "web"      # the web pages' own templates and style sheet
    assert {f"briefing/web/{p.relative_to(pages).as_posix()}" for p in pages.rglob("*")
            if p.suffix in (".html", ".css")} <= names


def test_installed_outside_the_checkout_the_demo_and_generate_write_the_briefings(venv, tmp_path, sample_db):
    where = run(venv, tmp_path, "python", "-c", "import briefing; print(briefing.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(venv) and not Path(where.stdout.strip()).is_relative_to(ROOT)
    listed = run(venv, tmp_path, "briefing", "templates")
    assert listed.returncode == 0, listed.stderr
    assert {"weekly", "monthly", "summary", "bulletin"} <= {line.split()[0] for line in listed.stdout.splitlines()[2:]}
    demo = run(venv, tmp_path, "briefing", "demo", "--as-of", "2024-01-17")
    assert demo.returncode == 0, demo.stderr
    made = sorted(p.name for p in (tmp_path / "data" / "briefings").iterdir())
    assert made == ["2024-01-17_兴安盟_帮扶成效.docx", "2024-01-17_兴安盟_帮扶成效.html",   # the sample's own template
                    "2024-W02_兴安盟_周报.docx", "2024-W02_兴安盟_周报.html"]
    result = run(venv, tmp_path, "briefing", "--db", "data/demo.db", "generate", "--period", "2024-W02", "--region",
                 "扎赉特旗", "--as-of", "2024-01-17", "-o", "out")
    assert result.returncode == 0, result.stderr
    written = tmp_path / result.stdout.strip()
    with Store(sample_db, create=False) as store:
        expected = make(store, settings.load(env={}), Request("weekly", parse_period("2024-W02"), "扎赉特旗", AS_OF))
    assert written == tmp_path / "out" / "2024-W02_扎赉特旗_周报.docx" and title_of(written) == expected.title
    monthly = run(venv, tmp_path, "briefing", "--db", "data/demo.db", "generate", "-t", "monthly", "-p", "2024-01")
    assert monthly.returncode == 0, monthly.stderr                 # monthly's files are links to weekly's
    assert title_of(tmp_path / monthly.stdout.strip()).startswith("兴安盟")


def test_installed_it_serves_another_office(venv, tmp_path):
    files = write_office(tmp_path / "files")
    assert run(venv, tmp_path, "briefing", "init").returncode == 0
    result = run(venv, tmp_path, "briefing", "ingest", *map(str, files))
    assert result.returncode == 0, result.stderr
    result = run(venv, tmp_path, "briefing", "generate", "-p", "2024-W12", "-f", "docx", "-f", "html")
    assert result.returncode == 0, result.stderr
    docx_file, html_file = (tmp_path / line for line in result.stdout.split())
    assert docx_file.name == f"2024-W12_{TOP}_周报.docx" and html_file.suffix == ".html"
    assert title_of(docx_file) == f"{TOP}工作周报（2024年第12周）"


def test_the_readme_set_up_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", readme, re.DOTALL)[1]
    commands = [line.split("   #")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    assert commands[0].endswith("&& briefing demo") and "pytest" in commands[1] and "[test]" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[0] in ci and commands[1] in ci and ci.index(commands[0]) < ci.index(commands[1])
