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
from hypothesis import strategies as st

from azint.control import show
from azint.control.ids import Element, Kind
from azint.network import Network
from azint.sources.arm import index_documents
from azint.sources.export import export_arm
from azint.sources.resources import read_estate
from azint.sources.writer import write_topology
from azint.topology import loader
from tests import builders as b
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


def _rich_doc() -> Doc:
    """A hub with an NSG on a subnet and on a VM, a Route Server peering with an appliance, an
    active-active VPN gateway; spokes whose peerings clear access or forwarded traffic; a Local
    circuit."""
    hub = b.vnet("hub", "10.1.0.0/24", er=True, vpn=True)
    hub["subnets"] = [{"name": "default", "prefix": "10.1.0.0/26", "network_security_group": "web"},
                      {"name": "RouteServerSubnet", "prefix": "10.1.0.64/26"},
                      {"name": "GatewaySubnet", "prefix": "10.1.0.224/27"}]
    hub["endpoints"] = [{"name": "hub-vm", "address": "10.1.0.4", "network_security_group": "vm"},
                        {"name": "fw", "address": "10.1.0.10", "forwarding": True, "asn": 65100}]
    hub["route_server"] = {"addresses": ["10.1.0.68", "10.1.0.69"], "peers": ["fw"]}
    hub["network_security_groups"] = [
        {"name": "web", "rules": [
            {"name": "no-ping", "priority": 100, "direction": "Inbound", "access": "Deny",
             "protocol": "Icmp", "source": "10.40.0.0/24", "destination": "VirtualNetwork"},
            {"name": "https", "priority": 110, "direction": "Inbound", "access": "Allow",
             "protocol": "Tcp", "source": ["10.40.0.0/24", "10.2.0.4"],
             "destination_ports": [443, "8080-8081"]},
            {"name": "out", "priority": 200, "direction": "Outbound", "access": "Deny",
             "source_ports": 1024, "destination": "Internet"}]},
        {"name": "vm"}]
    hub["gateways"]["vpn"] = {"asn": 65515, "active_active": True,
                              "instances": ["10.1.0.238", "10.1.0.239"],
                              "bgp_peer_addresses": ["10.1.0.238", "10.1.0.250"],
                              "public_addresses": ["52.1.0.1", "52.1.0.2"]}
    spoke = b.peering("hub-spoke", "hub", "spoke", transit=True)
    spoke["a"]["allow_forwarded_traffic"] = False
    closed = b.peering("hub-closed", "hub", "closed")
    closed["b"]["allow_virtual_network_access"] = False
    dc = b.site("dc", 65001, "10.40.0.0/24", tunnel="10.40.0.250")
    er = b.circuit("c1", [("c1-p", "primary", "192.168.1.16/30", "dc-ce"),
                        ("c1-s", "secondary", "192.168.1.20/30", "dc-ce")], [("c1-hub", "hub")])
    er["sku"] = "Local"
    return {"azint": 1, "name": "rich", "networks": [
        hub, b.vnet("spoke", "10.2.0.0/24"), b.vnet("closed", "10.3.0.0/24"), dc],
        "connections": [spoke, closed, er, b.vpn("s2s", "hub", ("dc-ce", "tunnel"))]}


def _azure_settings(network: Network) -> list[object]:
    """What the new keys hold: NSGs and their associations, peering sides, the VPN gateway,
    the Route Server and its appliance, circuit SKUs."""
    topology = network.topology
    found: list[object] = [sorted(str(c.sku) for c in topology.circuits.values())]
    for name in sorted(topology.vnets):
        vnet = topology.vnets[name]
        found.append((name, dict(vnet.security_groups), vnet.subnets, vnet.vpn_gateway,
                      vnet.route_server, sorted((e.name, e.security_group, e.forwarding, e.asn)
                                                for e in vnet.endpoints)))
    found.append(sorted((sorted((p.a, p.b), key=lambda s: s.network) for p in topology.peerings),
                        key=lambda sides: [s.network for s in sides]))
    return found


def test_nsgs_peering_flags_active_active_route_server_and_sku_round_trip(tmp_path: Path) -> None:
    """Each NSG keeps its own rules and associations ("Network security groups",
    https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview); each
    peering side its access and forwarded-traffic settings ("Create, change, or delete a virtual
    network peering", https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering);
    an active-active gateway each instance's BGP and public address ("Configure active-active
    VPN gateways", https://learn.microsoft.com/azure/vpn-gateway/active-active-portal); a Route
    Server its addresses and BGP peers ("What is Azure Route Server?",
    https://learn.microsoft.com/azure/route-server/overview); a circuit its SKU ("ExpressRoute
    circuits and peering", https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings)."""
    original, again = round_trip(tmp_path, _rich_doc())
    assert _azure_settings(again) == _azure_settings(original)
    assert azure_tables(again) == azure_tables(original)
    hub = again.topology.vnets["hub"]
    assert hub.route_server is not None and hub.route_server.peers == ("fw",)
    assert [r.name for r in hub.security_groups["web"].rules] == ["no-ping", "https", "out"]


@st.composite
def _guarded_topologies(draw: st.DrawFn) -> Doc:
    """Generated topologies with an NSG on some subnets and VMs and peering flags drawn."""
    doc = draw(topologies())
    for network in doc["networks"]:
        if network["kind"] != "vnet" or not draw(st.booleans()):
            continue
        rule = {"name": "r1", "priority": draw(st.integers(100, 4096)),
                "direction": draw(st.sampled_from(["Inbound", "Outbound"])),
                "access": draw(st.sampled_from(["Allow", "Deny"])),
                "protocol": draw(st.sampled_from(["Tcp", "Udp", "Icmp", "*"])),
                "source": draw(st.sampled_from(["*", "VirtualNetwork", "10.40.0.0/24",
                                                ["10.40.0.0/24", "10.41.0.10"]])),
                "destination_ports": draw(st.sampled_from(["*", 443, "1000-2000", [80, 443]]))}
        network["network_security_groups"] = [{"name": f"{network['name']}-nsg", "rules": [rule]}]
        target = draw(st.sampled_from(["subnet", "endpoint", "both"]))
        if target != "endpoint":
            network["subnets"][0]["network_security_group"] = f"{network['name']}-nsg"
        if target != "subnet":
            network["endpoints"][0]["network_security_group"] = f"{network['name']}-nsg"
    for connection in doc["connections"]:
        if connection["type"] == "peering":
            for side in ("a", "b"):
                connection[side]["allow_forwarded_traffic"] = draw(st.booleans())
                connection[side]["allow_virtual_network_access"] = draw(
                    st.sampled_from([True, True, False]))
    return doc


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_guarded_topologies())
def test_generated_nsgs_and_peering_flags_round_trip(tmp_path: Path, doc: Doc) -> None:
    links = [link for c in doc["connections"] if c["type"] == "expressroute" for link in c["links"]]
    assume(all(link["router"] for link in links))
    original, again = round_trip(tmp_path, doc)
    assert _azure_settings(again) == _azure_settings(original)
    assert azure_tables(again) == azure_tables(original)
