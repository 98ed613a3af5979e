"""``azint import arm``: ARM JSON in each form engineers get it, written as a topology.

Fixture shapes follow the Azure REST API reference examples for Microsoft.Network (Virtual
Networks - Get, Route Tables - Get, Network Interfaces - Get, Virtual Network Gateways - Get,
Local Network Gateways - List, Virtual Network Gateway Connections - Get, Express Route
Circuits - Get: https://learn.microsoft.com/rest/api/virtualnetwork/).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from azint.network import Network, validate
from azint.sources.arm import index_documents
from azint.sources.resources import read_estate
from azint.sources.writer import write_topology
from azint.topology import loader
from tests.conftest import Run

FIXTURES = Path(__file__).parent / "fixtures" / "arm"
REST = FIXTURES / "rest"
SUB = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/net-rg/providers/Microsoft.Network"


def imported(tmp_path: Path, azint: Callable[..., Run], *sources: Path | str) -> tuple[Path, Run]:
    target = tmp_path / "imported.yaml"
    run = azint("import", "arm", *map(str, sources), "-o", str(target))
    assert run.code == 0, run.err
    return target, run


def text_of(*documents: object) -> str:
    index = index_documents((f"doc{i}.json", d) for i, d in enumerate(documents))
    return write_topology(read_estate(index)).text


def test_rest_bodies_give_a_topology_validate_accepts(tmp_path: Path, azint: Callable[..., Run]) -> None:
    target, run = imported(tmp_path, azint, REST)
    report = validate(target)
    assert report.lines == ()
    assert "not modelled: Microsoft.Network/networkSecurityGroups: 1 resource" in run.err
    topology = loader.load(target)
    hub = topology.vnets["hub"]
    assert [str(e.address) for e in hub.endpoints] == ["10.10.1.4", "10.10.1.68"]
    assert hub.vpn_gateway is not None and str(hub.vpn_gateway.public_address) == "20.50.1.10"
    assert topology.vnets["spoke2"].endpoints[0].name == "spoke2-vm"  # joined by "Spoke2"


def test_each_element_carries_its_resource_id(tmp_path: Path, azint: Callable[..., Run]) -> None:
    target, _ = imported(tmp_path, azint, REST)
    text = target.read_text()
    for resource in ("virtualNetworks/hub", "routeTables/rt-spoke1", "expressRouteCircuits/er-dc",
                     "connections/hub-dc-vpn", "localNetworkGateways/branch-lng",
                     "networkInterfaces/spoke1-vm-nic", "virtualNetworkGateways/hub-ergw"):
        assert f"# {SUB}/{resource}\n" in text


def test_what_azure_cannot_know_is_an_assumption_in_the_file_and_a_warning(
        tmp_path: Path, azint: Callable[..., Run]) -> None:
    target, run = imported(tmp_path, azint, REST)
    text = target.read_text()
    for fact in ("ExpressRoute gateway 'hub-ergw'", "site 'branch-lng': its local network gateway "
                 "has no BGP", "site 'dc-lng': a host at 10.1.0.10"):
        assert f"# assumption: {fact}" in text
        assert f"azint: warning: assumption: {fact}" in run.err


def test_imported_estate_routes_as_azure_does(tmp_path: Path, azint: Callable[..., Run]) -> None:
    """A spoke using its hub's gateways learns the on-premises prefixes with the gateway as next
    hop ("Virtual network traffic routing", https://learn.microsoft.com/azure/virtual-network/
    virtual-networks-udr-overview); a peering is not transitive, so the spokes do not reach
    each other ("Virtual network peering", https://learn.microsoft.com/azure/virtual-network/
    virtual-network-peering-overview)."""
    target, _ = imported(tmp_path, azint, REST)
    routes = azint("routes", "spoke1", "--topology", str(target), "--json").json()
    rows = {(r["address_prefix"], r["next_hop_type"]) for r in routes["routes"]}
    assert ("10.1.0.0/16", "VirtualNetworkGateway") in rows
    assert ("10.2.0.0/24", "VirtualNetworkGateway") in rows
    assert ("10.99.0.0/16", "None") in rows
    from azint.data.matrix import reachability

    found = reachability(Network.open(target).prober)
    assert "er-dc" in found.cell("spoke1", "dc-lng").text
    assert "vpn" in found.cell("spoke1", "branch-lng").text
    assert found.cell("spoke1", "spoke2").text == "no"


def test_output_does_not_depend_on_file_order(tmp_path: Path) -> None:
    files = sorted(REST.glob("*.json"))
    documents = [(f.name, json.loads(f.read_text())) for f in files]
    forward = write_topology(read_estate(index_documents(documents))).text
    backward = write_topology(read_estate(index_documents(reversed(documents)))).text
    assert forward == backward


def test_ids_join_case_insensitively() -> None:
    vnet = {"id": f"{SUB}/virtualNetworks/Hub", "name": "Hub", "type": "Microsoft.Network/virtualNetworks",
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                                      "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    nic = {"id": f"{SUB}/networkInterfaces/vm-nic", "name": "vm-nic", "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"privateIPAddress": "10.0.1.4",
                                             "subnet": {"id": f"{SUB.upper()}/VIRTUALNETWORKS/HUB/SUBNETS/APP"}}}]}}
    assert "- {name: vm-nic, address: 10.0.1.4}" in text_of(vnet, nic)


def test_malformed_json_is_one_line_naming_file_line_and_column(
        tmp_path: Path, azint: Callable[..., Run]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x",\n  "name": }\n')
    run = azint("import", "arm", str(bad))
    assert run.code == 2
    assert run.err == f"{bad}:2:11: error: malformed JSON: Expecting value\n"


def test_dangling_reference_names_file_and_json_path(tmp_path: Path, azint: Callable[..., Run]) -> None:
    source = tmp_path / "in"
    shutil.copytree(REST, source)
    (source / "vnet-spoke2.json").unlink()
    run = azint("import", "arm", str(source))
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert run.err == (f"{source / 'vnet-hub.json'}: error: refers to {SUB}/virtualNetworks/SPOKE2, "
                       "which the input does not hold at "
                       "$.properties.virtualNetworkPeerings[1].properties.remoteVirtualNetwork.id\n")


def test_output_file_is_never_overwritten_without_force(tmp_path: Path, azint: Callable[..., Run]) -> None:
    target = tmp_path / "net.yaml"
    target.write_text("mine\n")
    run = azint("import", "arm", str(REST), "-o", str(target))
    assert run.code == 2 and "exists; add --force" in run.err
    assert target.read_text() == "mine\n"
    assert azint("import", "arm", str(REST), "-o", str(target), "--force").code == 0
    assert target.read_text().startswith("# Imported by azint")


def test_stdout_by_default(azint: Callable[..., Run]) -> None:
    run = azint("import", "arm", str(REST / "vnet-hub.json"), str(REST / "vnet-spoke1.json"),
                str(REST / "vnet-spoke2.json"), str(REST / "routetable-rt-spoke1.json"))
    assert run.code == 0
    assert "  - name: hub-to-spoke1\n    type: peering\n" in run.out
