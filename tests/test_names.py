"""Names are data: any character a name may hold leaves every answer as it was.

Element and session ids are structured values, so a name holding ``:`` or ``|`` (the characters
azint prints ids with) is just a longer name. Azure's naming rules refuse both in resource
names, but on-premises names (sites, routers, interfaces, hosts) and circuit links are free
text. The reference topology is renamed with such a prefix on every one of those; every command
must then answer as for the plain names once the prefix is taken out of its JSON output (text
tables only differ in column widths, so for them the exit code is compared).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from azint.schema import topology_schema_text
from azint.topology import naming
from tests.conftest import Run

REFERENCE = Path(__file__).parent.parent / "topologies" / "azure-interop.yaml"
PREFIX = "x:y|"


def _all_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "name" and isinstance(value, str):
                yield value
            elif key != "name":
                yield from _all_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _all_names(item)


def _free_names(doc: dict[str, Any]) -> frozenset[str]:
    """The names no Azure rule governs: everything on-premises, and circuit links."""
    sites = [n for n in doc["networks"] if n["kind"] == "onprem"]
    links = [k for c in doc["connections"] if c["type"] == "expressroute" for k in c["links"]]
    return frozenset(_all_names(sites)) | frozenset(_all_names(links))


def _renamed(node: Any, names: frozenset[str]) -> Any:
    """The document with every reference to a name prefixed (``ROUTER/INTERFACE`` too)."""
    if isinstance(node, dict):
        return {_renamed(k, names): _renamed(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(item, names) for item in node]
    if isinstance(node, str):
        if node in names:
            return PREFIX + node
        router, slash, interface = node.partition("/")
        if slash and router in names and interface in names:
            return f"{PREFIX}{router}/{PREFIX}{interface}"
    return node


@pytest.fixture(scope="module")
def topologies(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    doc = yaml.safe_load(REFERENCE.read_text())
    names = _free_names(doc)
    folder = tmp_path_factory.mktemp("names")
    plain, odd = folder / "plain.yaml", folder / "odd.yaml"
    plain.write_text(yaml.safe_dump(doc))
    odd.write_text(yaml.safe_dump(_renamed(doc, names)))
    return doc, str(plain), str(odd)


def _commands(doc: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    """Every command on every network, gateway, circuit and pair of endpoints."""
    networks = doc["networks"]
    endpoints = [(e["name"], e["address"]) for n in networks for e in n.get("endpoints", [])]
    yield ("validate",)
    yield ("matrix",)
    for network in networks:
        yield ("routes", network["name"])
        for kind, element in (("vpn", "vpngw"), ("expressroute", "ergw")):
            if kind in network.get("gateways", {}):
                yield ("bgp", f"{element}:{network['name']}")
    for circuit in (c for c in doc["connections"] if c["type"] == "expressroute"):
        for role in ("primary", "secondary"):
            yield ("bgp", circuit["name"], "--path", role)
    for source, _ in endpoints:
        for target, address in endpoints:
            if source != target:
                yield ("tracert", source, address)
                yield ("ping", "-n", "1", source, address)
                yield ("explain", source, target)


def _rename(argument: str, names: frozenset[str]) -> str:
    if argument in names:
        return PREFIX + argument
    kind, colon, name = argument.partition(":")
    if colon and kind in ("vpngw", "ergw") and name in names:
        return f"{kind}:{PREFIX}{name}"
    return argument




def _answer(command: str, run: Run) -> Any:
    """What a command answers, without the path an ECMP choice took.

    ECMP choices hash each element's name (as routers hash their own id), so renaming may move
    a flow to another equal-cost path; tables, BGP and every verdict must not change.
    """
    document = run.json()
    if command == "matrix":
        return [(c["source"], c["target"], c["reachable"], c["delivered"], c["text"])
                for c in document["cells"]]
    if command in ("tracert", "ping", "explain"):
        return (document.get("reached"), document.get("disposition"), document.get("received"))
    return document


def test_names_with_colons_and_bars_give_the_same_answers(
        azint: Callable[..., Run], topologies: tuple[dict[str, Any], str, str]) -> None:
    doc, plain, odd = topologies
    names = _free_names(doc)
    compared = 0
    for command in _commands(doc):
        renamed = tuple(_rename(a, names) for a in command)
        if command[0] == "validate":
            expected, found = azint("validate", plain), azint("validate", odd)
            assert found.out.replace(odd, plain).replace(PREFIX, "") == expected.out
            continue
        expected = azint(*command, "--json", "--topology", plain)
        found = azint(*renamed, "--json", "--topology", odd)
        assert found.code == expected.code != 70, (renamed, found.err)
        unprefixed = Run(found.code, found.out.replace(PREFIX, ""), found.err)
        assert _answer(command[0], unprefixed) == _answer(command[0], expected), renamed
        text = azint(*renamed, "--topology", odd)  # the text renderers take the names too
        assert text.code == found.code, (renamed, text.err)
        compared += 1
    assert compared > 100


@pytest.mark.parametrize(("name", "rule"), [
    ("hub", naming.VIRTUAL_NETWORKS), ("ab", naming.VIRTUAL_NETWORKS), ("Hub.Net-1_", naming.VIRTUAL_NETWORKS),
    ("GatewaySubnet", naming.SUBNETS), ("x", naming.SUBNETS), ("a" * 80, naming.CONNECTIONS),
    ("fw 01 (NVA)", naming.VIRTUAL_MACHINES), ("a" * 64, naming.VIRTUAL_MACHINES)])
def test_names_azure_accepts_pass(name: str, rule: naming.AzureNaming) -> None:
    """Naming rules and restrictions for Azure resources (Microsoft.Network, Microsoft.Compute),
    https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
    """
    assert naming.azure_name_problem(name, rule) is None


@pytest.mark.parametrize(("name", "rule", "problem"), [
    ("a", naming.VIRTUAL_NETWORKS, "it has 1 character"),
    ("a" * 65, naming.VIRTUAL_NETWORKS, "it has 65 characters"),
    ("hub:1", naming.VIRTUAL_NETWORKS, "':' is not allowed"),
    ("hub|1", naming.CONNECTIONS, "'|' is not allowed"),
    ("héllo", naming.SUBNETS, "'é' is not allowed"),
    ("_rt", naming.ROUTE_TABLES, "it starts with '_'"),
    ("rt-", naming.ROUTES, "it ends with '-'"),
    ("a" * 81, naming.CIRCUITS, "it has 81 characters"),
    ("vm:1", naming.VIRTUAL_MACHINES, "':' is not allowed"),
    ("vm.", naming.VIRTUAL_MACHINES, "it ends with '.'")])
def test_names_azure_refuses_say_why(name: str, rule: naming.AzureNaming, problem: str) -> None:
    """Naming rules and restrictions for Azure resources (Microsoft.Network, Microsoft.Compute),
    https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
    """
    assert naming.azure_name_problem(name, rule) == problem


@pytest.mark.parametrize(("text", "address_like"), [
    ("10.1.0.5", True), ("10.1", True), ("10.0.0.300", True), ("hub", False), ("r1.dc", False),
    ("10.1.0.5-vm", False)])
def test_names_that_read_as_addresses(text: str, address_like: bool) -> None:
    assert naming.looks_like_address(text) is address_like


def test_the_schema_refuses_the_names_the_loader_refuses() -> None:
    """Editors flag the same bad names as the loader (``azint schema``), the VM rule included (a
    VNet's endpoints are VMs; tests/test_schema.py checks each name pattern against the rules)."""
    validator = Draft202012Validator(json.loads(topology_schema_text()))
    bad = Path(__file__).parent / "bad"
    for case in ("azure-names", "onprem-names"):
        refused = {ast.literal_eval(m.group(1)) for m in re.finditer(
            r"name(?: record)? ('[^']*') (?:breaks|reads|holds|is not)",
            (bad / f"{case}.expected").read_text())}
        document = yaml.safe_load((bad / f"{case}.yaml").read_text())
        flagged = {e.instance for e in _leaves(validator.iter_errors(document))
                   if isinstance(e.instance, str)}
        assert refused <= flagged, case
        assert not flagged & {"hub", "branch", "GatewaySubnet", "Gi0/0", "dc vm (rack 4)"}


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The innermost errors (a network is one of two shapes, so its errors nest)."""
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        else:
            yield error


def test_an_element_is_made_once_and_survives_pickling_and_copying() -> None:
    """Elements are shared (a dictionary finds one by identity), and what a forked process
    sends back pickled is the same element, as is a copy; session keys compare by fields."""
    import copy
    import pickle

    from azint.control.ids import Element, Kind, SessionKey

    element = Element(Kind.MSEE, "er:1", "primary")
    assert Element(Kind.MSEE, "er:1", "primary") is element
    assert pickle.loads(pickle.dumps(element)) is element
    assert copy.copy(element) is element and copy.deepcopy(element) is element
    assert str(element) == "msee:er:1:primary" and element != Element(Kind.MSEE, "er:1", "secondary")
    session = SessionKey("hub-er|1", element, 1)
    again = pickle.loads(pickle.dumps(session))
    assert again == session and hash(again) == hash(session) and str(again) == str(session)
