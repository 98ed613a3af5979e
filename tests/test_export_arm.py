"""``azint export arm``: the Azure side of a topology as ARM JSON, which ``azint import arm`` reads
back to the same VNet, gateway and circuit route tables.

A VNet's effective routes come from its address space, peerings and gateways ("Virtual network
traffic routing", https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview);
a gateway learns on-premises prefixes from its BGP peers ("About BGP and VPN Gateway",
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview) and a circuit's MSEEs
from the customer edge ("ExpressRoute routing requirements",
https://learn.microsoft.com/azure/expressroute/expressroute-routing). Exported, a site is a local
network gateway holding its ASN and prefixes; imported back, one edge router advertises them, so
the Azure side's tables are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings

from azint.control import show
from azint.control.ids import Element, Kind
from azint.network import Network
from azint.sources.arm import index_documents
from azint.sources.export import export_arm
from azint.sources.resources import read_estate
from azint.sources.writer import write_topology
from azint.topology import loader
from tests.builders import Doc, reference_doc
from tests.conftest import Run
from tests.test_properties import topologies

Tables = dict[tuple[str, ...], list[tuple[object, ...]]]


def azure_tables(network: Network) -> Tables:
    """Every VNet subnet's effective routes, every gateway's learned routes, every circuit's
    route table per MSEE; BGP rows without the session's name (the import names sessions)."""
    plane, topology = network.plane, network.topology
    found: Tables = {}
    for vnet in topology.vnets.values():
        for subnet in vnet.subnets:
            found[("vnet", vnet.name, subnet.name)] = [
                (r.source, r.state, r.prefix, r.next_hop_type, r.next_hop_ips)
                for r in show.effective_routes(plane, vnet.name, subnet.name)]
        for kind, gateway in ((Kind.ERGW, vnet.expressroute_gateway), (Kind.VPNGW, vnet.vpn_gateway)):
            speaker = plane.bgp.speakers.get(Element(kind, vnet.name))
            if gateway is not None and speaker is not None:
                found[(kind.value, vnet.name)] = _bgp(show.learned_routes(plane, speaker))
    for circuit in topology.circuits:
        for role in ("primary", "secondary"):
            found[("circuit", circuit, role)] = _bgp(show.circuit_table(plane, circuit, role))
    return found


def _bgp(rows: list[show.BgpRow]) -> list[tuple[object, ...]]:
    return sorted((r.prefix, str(r.next_hop), r.local_preference, r.weight, r.as_path, r.origin,
                   r.best) for r in rows)


def round_trip(tmp_path: Path, doc: Doc) -> tuple[Network, Network]:
    source = tmp_path / "topology.yaml"
    source.write_text(yaml.safe_dump(doc, sort_keys=False))
    original = loader.load(source)
    resources = json.loads(json.dumps(export_arm(original).resources))  # as a file holds them
    again = tmp_path / "again.yaml"
    again.write_text(write_topology(read_estate(index_documents([("net.json", resources)]))).text)
    return Network.of(original), Network.open(again)


def all_up(value: Any) -> Any:
    """The document without failures (``state: down``): ARM has no field for them."""
    if isinstance(value, dict):
        return {k: all_up(v) for k, v in value.items() if k != "state"}
    if isinstance(value, list):
        return [all_up(v) for v in value]
    return value


def test_bundled_topology_round_trips_its_azure_route_tables(tmp_path: Path) -> None:
    original, again = round_trip(tmp_path, all_up(reference_doc()))
    before, after = azure_tables(original), azure_tables(again)
    assert set(before) == set(after)
    for key, rows in before.items():
        assert after[key] == rows, key
    assert any(r[3] == "VirtualNetworkGateway" for r in before[("vnet", "spoke", "default")])
    assert before[("circuit", "er1", "secondary")]  # a table with rows is compared, not two empties
    for vnet in ("hub", "branch"):  # a custom BGP address (customBgpIpAddresses) comes back
        assert again.topology.vnets[vnet].vpn_gateway == original.topology.vnets[vnet].vpn_gateway


def test_export_cli_writes_json_and_names_what_arm_cannot_hold(tmp_path: Path,
                                                               azint: Callable[..., Run]) -> None:
    target = tmp_path / "net.json"
    run = azint("export", "arm", "-o", str(target), "--resource-group", "lab-rg")
    assert run.code == 0
    assert run.err == ("azint: warning: down in the topology, exported as up (ARM records no such "
                       "state): er1-secondary\n")
    resources = json.loads(target.read_text())
    kinds = {r["type"] for r in resources}
    assert {"Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworkGateways",
            "Microsoft.Network/localNetworkGateways", "Microsoft.Network/connections",
            "Microsoft.Network/expressRouteCircuits", "Microsoft.Network/networkInterfaces"} == kinds
    assert all("/resourceGroups/lab-rg/" in r["id"] for r in resources)
    assert azint("export", "arm", "-o", str(target)).code == 2  # never over a file without --force
    imported = azint("import", "arm", str(target))
    assert imported.code == 0 and "  - name: loc1-vpn\n    type: vpn\n" in imported.out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=topologies())
def test_generated_topologies_round_trip(tmp_path: Path, doc: Doc) -> None:
    links = [link for c in doc["connections"] if c["type"] == "expressroute" for link in c["links"]]
    assume(all(link["router"] for link in links))  # an unconnected link is the site's own config
    original, again = round_trip(tmp_path, doc)
    assert azure_tables(again) == azure_tables(original)
