"""The documentation stays true: self-contained, its links resolve, every routing rule is tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
RULE_HEADING = re.compile(r"^### Rule (\d+\.\d+) ", re.M)
RULE_CITATION = re.compile(r"\bRules? (\d+\.\d+(?:(?:, | and )\d+\.\d+)*)")


def _project_files() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "Makefile", ROOT / "pyproject.toml"]
    for folder in ("docs", "azint", "tests"):
        found += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return found


def test_nothing_points_outside_the_project() -> None:
    """A user has the project only: no reference to the material it was built from."""
    outside = "shared" + "/"  # spelled apart so this file does not match itself
    offenders = [str(p.relative_to(ROOT)) for p in _project_files()
                 if outside in p.read_text(errors="replace")]
    assert offenders == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text())
    missing = [link for link in links if "://" not in link and not (page.parent / link).exists()]
    assert missing == []


def _documented_rules() -> list[str]:
    return RULE_HEADING.findall((ROOT / "docs" / "azure-routing.md").read_text())


def _cited_rules() -> set[str]:
    cited: set[str] = set()
    for test in (ROOT / "tests").glob("test_*.py"):
        for group in RULE_CITATION.findall(test.read_text()):
            cited.update(re.findall(r"\d+\.\d+", group))
    return cited


def test_rule_ids_are_unique_and_in_order() -> None:
    rules = _documented_rules()
    assert len(rules) >= 20
    assert rules == sorted(set(rules), key=lambda r: tuple(int(n) for n in r.split(".")))


def test_every_documented_rule_has_a_test() -> None:
    assert sorted(set(_documented_rules()) - _cited_rules()) == []


def test_every_cited_rule_is_documented() -> None:
    assert sorted(_cited_rules() - set(_documented_rules())) == []
