"""The shipped JSON Schema: valid, printed by ``azint schema``, equal to the loader's keys, and
satisfied by every topology the project ships or documents."""

from __future__ import annotations

import copy
import functools
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from azint.schema import topology_schema_text
from azint.topology import loader, naming
from tests.conftest import TOPOLOGIES
from tests.test_docs import ROOT, documented_keys, yaml_examples

SCHEMA: dict[str, Any] = json.loads(topology_schema_text())
VALIDATOR = Draft202012Validator(SCHEMA)


def _def_name(section: str) -> str:
    return section.replace(" ", "_")


def _schema_errors(document: Any) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in VALIDATOR.iter_errors(document))


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_schema_command_prints_the_shipped_file(azint: Callable[..., Any]) -> None:
    run = azint("schema")
    assert run.code == 0 and run.err == ""
    assert run.out == topology_schema_text()
    assert json.loads(run.out) == SCHEMA


# -- the schema and the loader cannot drift ----------------------------------------------------


def test_every_object_of_the_schema_is_a_section_of_the_loader() -> None:
    objects = {name for name, d in SCHEMA["$defs"].items() if "properties" in d}
    assert objects == {_def_name(s) for s in loader.SECTIONS}


@pytest.mark.parametrize("section", sorted(loader.SECTIONS))
def test_schema_properties_are_the_keys_the_loader_accepts(section: str) -> None:
    definition = SCHEMA["$defs"][_def_name(section)]
    assert definition["additionalProperties"] is False
    assert sorted(definition["properties"]) == sorted(loader.SECTIONS[section].keys)
    assert sorted(definition.get("required", [])) == sorted(loader.SECTIONS[section].required)


def _default(prop: dict[str, Any]) -> Any:
    if "default" in prop:
        return prop["default"]
    target = prop.get("$ref", "").removeprefix("#/$defs/")
    return SCHEMA["$defs"].get(target, {}).get("default", ...)


@pytest.mark.parametrize("section", sorted(loader.SECTIONS))
def test_schema_defaults_are_the_documented_defaults(section: str) -> None:
    properties = SCHEMA["$defs"][_def_name(section)]["properties"]
    for key, documented in documented_keys()[section].items():
        default = _default(properties[key])
        literal = documented.startswith("`") and documented.endswith("`")
        if default is ...:
            assert not literal, f"{section}.{key}: documented {documented}, no schema default"
        else:
            shown = default if isinstance(default, str) else json.dumps(default)
            assert documented == f"`{shown}`", f"{section}.{key}"


# -- every topology the project ships or documents satisfies it --------------------------------

SHIPPED = [loader.default_topology_path(), *sorted(TOPOLOGIES.glob("*.yaml"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_topology_satisfies_the_schema(path: Path) -> None:
    assert _schema_errors(yaml.safe_load(path.read_text())) == []


# not intents files, nor the README's CI jobs (tests/test_ci_jobs.py runs those)
TOPOLOGY_EXAMPLES = [(n, t) for n, t in yaml_examples()
                     if not t.startswith("azint-intents:") and "steps:" not in t]


@pytest.mark.parametrize(("name", "text"), TOPOLOGY_EXAMPLES, ids=[n for n, _ in TOPOLOGY_EXAMPLES])
def test_documented_example_satisfies_the_schema(name: str, text: str) -> None:
    assert _schema_errors(yaml.safe_load(text)) == []


# -- and it rejects what the loader rejects ----------------------------------------------------

EXAMPLE: dict[str, Any] = yaml.safe_load(
    next(text for name, text in yaml_examples() if name == "topology.md:0"))


def _mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    change(document)
    return document


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown key": lambda d: d["networks"][0].update(adress_space=["10.0.0.0/8"]),
    "missing required key": lambda d: d["networks"][0].pop("address_space"),
    "bad state": lambda d: d["connections"][0].update(state="sideways"),
    "bad address": lambda d: d["networks"][0]["endpoints"][0].update(address="10.10.0.300"),
    "bad kind": lambda d: d["networks"][1].update(kind="cloud"),
    "bad connection type": lambda d: d["connections"][0].update(type="tunnel"),
    "weight out of range": lambda d: d["connections"][1]["vnets"][0].update(weight=40000),
    "circuit link not a /30": lambda d: d["connections"][1]["links"][0].update(subnet="192.168.40.0/29"),
    "vpn end with both sides": lambda d: d["connections"][4]["b"].update(router="paris-ce"),
    "wrong format version": lambda d: d.update(azint=2),
    "VNet name against Azure's rule": lambda d: d["networks"][0].update(name="-hub"),
    "VM name against Azure's rule": lambda d: d["networks"][0]["endpoints"][0].update(name="vm:1"),
    "security rule priority out of range": lambda d: d["networks"][0][
        "network_security_groups"][0]["rules"][0].update(priority=5000),
    "security rule with an unknown service tag": lambda d: d["networks"][0][
        "network_security_groups"][0]["rules"][0].update(source="VirtualNetworks"),
    "security rule with a bad port": lambda d: d["networks"][0][
        "network_security_groups"][0]["rules"][1].update(destination_ports=["http"]),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_schema_and_loader_both_reject(tmp_path: Path, mutation: str) -> None:
    document = _mutated(MUTATIONS[mutation])
    assert _schema_errors(document) != []
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    _, problems = loader.load_with_problems(path)
    assert any(p.severity.name == "ERROR" for p in problems)


def test_the_example_itself_passes_both() -> None:
    assert _schema_errors(EXAMPLE) == []
    assert (ROOT / "azint" / "schema" / "topology.schema.json").read_text() == topology_schema_text()


# -- names: the schema's patterns are the loader's naming rules --------------------------------

# Characters where names go wrong: the rules' own, the VM rule's forbidden ones, whitespace and
# unprintable ones (a final newline, which '$' lets through in Python's regex dialect, included).
NAME_CHARS = [*"aZ09_.-/", " ", "\t", "\n", "\r", "\x00", "\x1c", "\x7f", "\x85", "\xa0", "\u2028", "\u200b",
              "é", *'\\"[]:|<>+=;,?*@&']
NAME_TEXT = st.text(st.sampled_from(NAME_CHARS) | st.characters(min_codepoint=0, max_codepoint=127), max_size=90)
ADDRESS_LIKE = st.lists(st.text("0123456789", min_size=1, max_size=3), min_size=2, max_size=4).map(".".join)


@functools.cache
def _validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"})


def _valid(definition: str, name: str) -> bool:
    return _validator(definition).is_valid(name)


def _loader_accepts(rule: naming.AzureNaming | None, typed: bool, name: str) -> bool:
    if not name.strip():
        return False
    problem = naming.azure_name_problem(name, rule) if rule else naming.free_name_problem(name)
    return problem is None and not (typed and naming.looks_like_address(name))


NAME_DEFINITIONS = {  # each name definition of the schema: the loader's rule and its ``typed``
    "vnet_name": (naming.VIRTUAL_NETWORKS, True),
    "azure_name": (naming.SUBNETS, False),
    "vm_name": (naming.VIRTUAL_MACHINES, True),
    "free_name": (None, True),
    "link_name": (None, False),
}


@pytest.mark.parametrize("definition", sorted(NAME_DEFINITIONS))
@settings(max_examples=150, deadline=None, database=None)
@given(name=NAME_TEXT | ADDRESS_LIKE | st.sampled_from(["hub", "a" * 64, "a" * 65, "a" * 80, "a" * 81, "_x", "x_", "x.", "x-", "1.2.3.4"]))
def test_schema_name_patterns_match_the_loaders_rules(definition: str, name: str) -> None:
    assert _valid(definition, name) == _loader_accepts(*NAME_DEFINITIONS[definition], name), name


@settings(max_examples=100, deadline=None, database=None)
@given(name=NAME_TEXT | ADDRESS_LIKE)
def test_schema_router_names_are_the_loaders(name: str) -> None:
    """Routers: a free name without '/', which site links use to write ROUTER/INTERFACE."""
    assert _valid("router_name", name) == (_loader_accepts(None, True, name) and "/" not in name), name


def test_schema_name_patterns_match_the_loaders_rules_on_every_short_name() -> None:
    """Exhaustively, every name of one or two of those characters (hypothesis above goes longer)."""
    names = ["".join(t) for n in (1, 2) for t in itertools.product(NAME_CHARS, repeat=n)]
    for definition, (rule, typed) in NAME_DEFINITIONS.items():
        wrong = [n for n in names if _valid(definition, n) != _loader_accepts(rule, typed, n)]
        assert wrong == [], definition
    wrong = [n for n in names
             if _valid("router_name", n) != (_loader_accepts(None, True, n) and "/" not in n)]
    assert wrong == []


def test_every_azure_network_rule_is_the_one_pattern() -> None:
    """azure_name stands for every 1-80 network rule: they must stay the same rule."""
    rules = [naming.SUBNETS, naming.PEERINGS, naming.ROUTE_TABLES, naming.ROUTES, naming.CONNECTIONS,
             naming.CIRCUITS]
    assert {(r.low, r.high, r.virtual_machine) for r in rules} == {(1, 80, False)}
