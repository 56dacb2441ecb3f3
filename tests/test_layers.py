"""The package's wings import only downwards (docs/architecture.md), checked on every import statement,
including those inside functions."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "briefing"

BASE = {"errors", "files", "settings", "i18n"}       # top-level modules every wing but figures may import
BELOW = {
    "i18n": set(),
    "errors": {"i18n"},
    "files": {"i18n"},
    "settings": {"errors", "i18n"},
    "figures": {"errors", "i18n"},
    "store": {"figures"} | BASE,
    "ingest": {"store", "figures"} | BASE,
    "documents": {"store", "figures"} | BASE,
    "archive": {"documents", "store", "figures"} | BASE,
    "delivery": {"archive", "documents", "store", "figures"} | BASE,
    "web": {"delivery", "archive", "documents", "ingest", "store", "figures"} | BASE,
    "demo": {"documents", "ingest", "store", "figures"} | BASE,
}
TOP = {"cli", "__main__", "__init__"}          # the entry points may import anything


def wing_of(module: str) -> str:
    """'briefing.store.facts' → 'store'; 'briefing.errors' → 'errors'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import of our package in one source file."""
    rel = path.relative_to(root.parent).with_suffix("")
    package = list(rel.parts[:-1])    # the package a relative import starts from, for modules and __init__ alike
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == root.name:      # from briefing import settings: each name is a module
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            elif target.startswith(root.name + "."):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith(root.name + ".")]
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import that goes up or sideways across the wings, as 'file:line: wing imports wing'."""
    wrong = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        here = wing_of(".".join(rel.parts))
        if here in TOP:
            continue
        allowed = BELOW.get(here)
        if allowed is None:
            wrong.append(f"{path.relative_to(root)}: wing {here!r} is not in the table of layers")
            continue
        for line, target in imported_modules(path, root):
            there = wing_of(target)
            if there != here and there not in allowed:
                wrong.append(f"{path.relative_to(root)}:{line}: {here} imports {there} ({target})")
    return wrong


def test_every_wing_imports_only_the_wings_below_it():
    wrong = upward_imports(PACKAGE)
    assert not wrong, "imports against the layers (docs/architecture.md):\n" + "\n".join(wrong)


@pytest.mark.parametrize("module, statement, expected", [
    ("figures/phrasing.py", "from ..store.db import Store", "figures imports store"),
    ("store/catalog.py", "from ..documents import markup", "store imports documents"),
    ("documents/views.py", "from ..archive.ledger import Ledger", "documents imports archive"),
    ("documents/make.py", "from ..ingest import ingest_files", "documents imports ingest"),
    ("archive/runner.py", "    from briefing.cli import base", "archive imports cli"),
    ("figures/numbers.py", "from .. import settings", "figures imports settings"),
])
def test_an_upward_import_is_caught(tmp_path, module, statement, expected):
    copy = tmp_path / "briefing"
    shutil.copytree(PACKAGE, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    source = target.read_text(encoding="utf-8")
    if statement.startswith(" "):   # inside a function: the check reads lazy imports too
        source += f"\n\ndef _late():\n{statement}\n"
    else:
        source += f"\n{statement}\n"
    target.write_text(source, encoding="utf-8")
    [problem] = upward_imports(copy)
    assert problem.startswith(module) and expected in problem


def test_a_new_folder_must_take_its_place_in_the_table(tmp_path):
    copy = tmp_path / "briefing"
    shutil.copytree(PACKAGE, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "reports").mkdir()
    (copy / "reports" / "__init__.py").write_text('"""new"""\n', encoding="utf-8")
    assert upward_imports(copy) == ["reports/__init__.py: wing 'reports' is not in the table of layers"]


def test_every_wing_says_what_it_may_import():
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "may import" in doc.lower(), f"{folder.name}/__init__.py does not say what it may import"
