"""The documentation stays true: self-contained, its links resolve, every routing rule is tested."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from azint.gate.check import check
from azint.gate.intents import load_intents
from azint.topology import loader
from azint.topology.source import PathKey, read_document

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



PROJECT_TOP_LEVEL = {".ci", ".gitignore", "Makefile", "README.md", "pyproject.toml", "azint", "docs",
                     "tests", "topologies"}


def test_the_top_level_holds_only_the_project() -> None:
    """A fresh clone shows the project only: no stray topologies or scratch files at the top."""
    import subprocess

    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout")
    top = {line.split("/", 1)[0] for line in listed.stdout.splitlines()}
    assert top <= PROJECT_TOP_LEVEL
    assert sorted(p.name for p in (ROOT / "topologies").iterdir()) == [
        "azure-interop.intents.yaml", "azure-interop.yaml"]


def test_top_level_reference_topology_is_the_packaged_one() -> None:
    """topologies/azure-interop.yaml (a link) and the installed copy are one file's content."""
    top = ROOT / "topologies" / "azure-interop.yaml"
    assert top.read_bytes() == loader.default_topology_path().read_bytes()

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



def test_every_rule_id_the_code_names_is_documented() -> None:
    """``azint explain`` prints rule ids (``[rule 5.2]``): each must lead to a rule in the docs."""
    named = {rule for source in (ROOT / "azint").rglob("*.py")
             for rule in re.findall(r"Cause\(Because\.\w+, \"(\d+\.\d+)\"", source.read_text())}
    assert named, "no rule ids found in the code: has the Cause signature changed?"
    assert sorted(named - set(_documented_rules())) == []


# -- the README --------------------------------------------------------------------------------


def test_readme_opens_with_make_run_and_make_test() -> None:
    first_block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make run", "make test"]


def test_readme_layout_names_every_package_and_cli_module() -> None:
    text = (ROOT / "README.md").read_text()
    layout = text[text.index("## How it works"):text.index("## Documentation")]
    packages = [p.name + "/" for p in (ROOT / "azint").iterdir()
                if p.is_dir() and p.name != "__pycache__"]
    modules = [p.name for p in (ROOT / "azint" / "cli").glob("*.py")]
    assert [name for name in packages + modules if name not in layout] == []


def test_readme_links_every_doc() -> None:
    text = (ROOT / "README.md").read_text()
    assert [d.name for d in DOCS if f"(docs/{d.name})" not in text] == []

# -- the topology format: docs/topology.md against the loader ----------------------------------

KEY_TABLE = re.compile(r"<!-- keys: ([a-z_ ]+) -->\n((?:\|.*\n)+)")
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)


def documented_keys() -> dict[str, dict[str, str]]:
    """section -> {key: its default column}, from the key tables of docs/topology.md."""
    text = (ROOT / "docs" / "topology.md").read_text()
    tables: dict[str, dict[str, str]] = {}
    for section, table in KEY_TABLE.findall(text):
        assert section not in tables, f"two tables for {section}"
        rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in table.splitlines()]
        tables[section] = {row[0].strip("`"): row[2] for row in rows[2:]}
    return tables


def test_every_section_of_the_format_is_documented() -> None:
    assert sorted(documented_keys()) == sorted(loader.SECTIONS)


@pytest.mark.parametrize("section", sorted(loader.SECTIONS))
def test_documented_keys_are_the_keys_the_loader_accepts(section: str) -> None:
    documented = documented_keys().get(section, {})
    assert sorted(documented) == sorted(loader.SECTIONS[section].keys)
    required = sorted(k for k, default in documented.items() if default == "*required*")
    assert required == sorted(loader.SECTIONS[section].required)


def yaml_examples() -> list[tuple[str, str]]:
    """(page:index, text) of every YAML block in the docs and the README."""
    return [(f"{page.name}:{i}", block) for page in PAGES
            for i, block in enumerate(YAML_BLOCK.findall(page.read_text()))]


def test_the_docs_hold_yaml_examples() -> None:
    assert any(name.startswith("topology.md") for name, _ in yaml_examples())


@pytest.mark.parametrize(("name", "text"), yaml_examples(), ids=[n for n, _ in yaml_examples()])
def test_yaml_example_validates_without_problems(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(text)
    if "steps:" in text:  # a CI job: tests/test_ci_jobs.py runs its commands
        return
    if text.startswith("azint-intents:"):  # an intents file: it loads, and names real things
        (tmp_path / "azure-interop.yaml").write_text(loader.default_topology_path().read_text())
        intents = load_intents(path)
        assert len(check(loader.load(), intents.intents)) == len(intents.intents)
        return
    topology, problems = loader.load_with_problems(path)
    assert topology is not None
    assert [f"{p.position}: {p.message}" for p in problems] == []


def test_the_complete_example_uses_every_key(tmp_path: Path) -> None:
    """The example in docs/topology.md shows every key the loader accepts, in its place."""
    used: dict[str, set[str]] = {section: set() for section in loader.SECTIONS}

    class Recorder(loader.TopologyBuilder):
        def mapping(self, value: Any, path: PathKey, section: str) -> dict[str, Any]:
            found = super().mapping(value, path, section)
            used[section].update(found)
            return found

    path = tmp_path / "example.yaml"
    path.write_text(YAML_BLOCK.findall((ROOT / "docs" / "topology.md").read_text())[0])
    assert Recorder(read_document(path)).build() is not None
    assert {s: sorted(keys) for s, keys in used.items()} == {
        s: sorted(section.keys) for s, section in loader.SECTIONS.items()}


JSON_DOCUMENTS = {
    "routes": [("routes", "hub"), ("routes", "location1")],
    "bgp": [("bgp", "er1"), ("bgp", "hub")],
    "matrix": [("matrix",)],
    "explain": [("explain", "branch", "10.17.30.4"), ("explain", "hub", "10.2.30.10")],
}


def _json_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _json_keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _json_keys(item)}
    return set()


@pytest.mark.parametrize("command", sorted(JSON_DOCUMENTS))
def test_every_field_of_the_json_documents_is_documented(command: str) -> None:
    """docs/json.md names each field routes, bgp, matrix and explain print, in the command's
    section (the common fields once, at the top)."""
    import json

    from click.testing import CliRunner

    from azint.cli import cli

    text = (ROOT / "docs" / "json.md").read_text()
    common, sections = text.split("\n## ", 1)
    section = next(s for s in sections.split("\n## ") if s.startswith(f"{command}\n"))
    for args in JSON_DOCUMENTS[command]:
        result = CliRunner().invoke(cli, [*args, "--json"])
        document = json.loads(result.output)
        assert document["schema"] == 1 and document["command"] == command
        undocumented = sorted(k for k in _json_keys(document)
                              if f"`{k}`" not in section and f"`{k}`" not in common)
        assert undocumented == [], args


def test_the_exit_code_table_names_every_command() -> None:
    """README's exit codes table has a column for each command (verify routes came later)."""
    from azint.cli import COMMANDS

    header = next(line for line in (ROOT / "README.md").read_text().splitlines()
                  if line.startswith("| code |"))
    named = {word for cell in header.split("|")[2:] for word in cell.replace(",", " ").split()}
    assert set(COMMANDS) <= named
