"""Every link in the README and docs/, and every doc a message or docstring points to, names a file that is
there: a person following one never lands on nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md",
         ROOT / "data" / "sample" / "README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
NAMED = re.compile(r"\b((?:docs|deploy|bench|templates|data/sample)/[\w./-]+\.(?:md|toml|py|service|timer))")


def links(page: Path) -> list[str]:
    return [target for target in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in target]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_of_a_page_leads_to_a_file(page):
    missing = [target for target in links(page) if not (page.parent / target).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to files that are not there: {missing}"


def test_every_file_the_code_points_to_is_there():
    named = {(m, path.relative_to(ROOT)) for path in (ROOT / "service").rglob("*.py")
             for m in NAMED.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 5
    missing = sorted(f"{where}: {target}" for target, where in named if not (ROOT / target).exists())
    assert not missing, missing


def test_the_architecture_page_is_linked_from_the_readme():
    assert "docs/architecture.md" in links(ROOT / "README.md")
