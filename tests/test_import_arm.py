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
    assert ("warning: network security group 'app-nsg' is associated with no subnet or network "
            "interface of the input: left out") in run.err
    assert "not modelled: Microsoft.Network/networkSecurityGroups" not in run.err
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


# -- shapes beyond the estate fixture ---------------------------------------------------------------


def _vnet(name: str, space: str, *, gateway_subnet: bool = False, peerings: list[dict[str, object]] | None = None) -> dict[str, object]:
    base = f"{SUB}/virtualNetworks/{name}"
    net = space.rsplit(".", 2)[0]
    subnets = [{"name": "default", "id": f"{base}/subnets/default", "properties": {"addressPrefix": f"{net}.0.0/24"}}]
    if gateway_subnet:
        subnets.append({"name": "GatewaySubnet", "id": f"{base}/subnets/GatewaySubnet",
                        "properties": {"addressPrefix": f"{net}.255.0/27"}})
    return {"name": name, "id": base, "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": [space]}, "subnets": subnets,
                           "virtualNetworkPeerings": peerings or []}}


def _vpn_gateway(name: str, vnet: str, asn: int, bgp: str, public: str) -> dict[str, object]:
    base = f"{SUB}/virtualNetworkGateways/{name}"
    return {"name": name, "id": base, "type": "Microsoft.Network/virtualNetworkGateways", "location": "westeurope",
            "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": True, "activeActive": False,
                           "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
                           "ipConfigurations": [{"name": "default", "id": f"{base}/ipConfigurations/default", "properties": {
                               "privateIPAllocationMethod": "Dynamic",
                               "subnet": {"id": f"{SUB}/virtualNetworks/{vnet}/subnets/GatewaySubnet"}}}],
                           "bgpSettings": {"asn": asn, "bgpPeeringAddress": bgp, "peerWeight": 0, "bgpPeeringAddresses": [
                               {"ipconfigurationId": f"{base}/ipConfigurations/default", "defaultBgpIpAddresses": [bgp],
                                "customBgpIpAddresses": [], "tunnelIpAddresses": [public]}]}}}


def _v2v(name: str, one: str, two: str) -> dict[str, object]:
    return {"name": name, "id": f"{SUB}/connections/{name}", "type": "Microsoft.Network/connections",
            "location": "westeurope", "properties": {
                "virtualNetworkGateway1": {"id": f"{SUB}/virtualNetworkGateways/{one}"},
                "virtualNetworkGateway2": {"id": f"{SUB}/virtualNetworkGateways/{two}"},
                "connectionType": "Vnet2Vnet", "routingWeight": 0, "enableBgp": True}}


def test_vnet_to_vnet_connections_pair_into_one_vpn(tmp_path: Path) -> None:
    """Azure needs a connection from each gateway for a VNet-to-VNet tunnel ("Configure a
    VNet-to-VNet VPN gateway connection", https://learn.microsoft.com/azure/vpn-gateway/
    vpn-gateway-howto-vnet-vnet-resource-manager-portal)."""
    docs = [_vnet("east", "10.20.0.0/16", gateway_subnet=True), _vnet("west", "10.30.0.0/16", gateway_subnet=True),
            _vpn_gateway("east-gw", "east", 65020, "10.20.255.30", "20.0.0.1"),
            _vpn_gateway("west-gw", "west", 65030, "10.30.255.30", "20.0.0.2"),
            _v2v("east-to-west", "east-gw", "west-gw"), _v2v("west-to-east", "west-gw", "east-gw")]
    text = text_of(*docs)
    assert text.count("type: vpn") == 1
    assert "  - name: east-to-west\n    type: vpn\n    a: {network: east}\n    b: {network: west}\n    bgp: true\n" in text
    path = tmp_path / "v2v.yaml"
    path.write_text(text)
    assert validate(path).lines == ()
    one_sided = text_of(*docs[:-1])
    assert "    bgp: true\n    state: down\n" in one_sided


def test_a_peering_without_its_other_half_is_written_down() -> None:
    """A peering stays Initiated until the other VNet peers back ("Create, change, or delete a
    virtual network peering", https://learn.microsoft.com/azure/virtual-network/
    virtual-network-manage-peering)."""
    peering = {"name": "a-to-b", "id": f"{SUB}/virtualNetworks/a/virtualNetworkPeerings/a-to-b",
               "properties": {"remoteVirtualNetwork": {"id": f"{SUB}/virtualNetworks/b"},
                              "allowVirtualNetworkAccess": True, "allowGatewayTransit": False,
                              "useRemoteGateways": False, "allowForwardedTraffic": False}}
    text = text_of(_vnet("a", "10.40.0.0/16", peerings=[peering]), _vnet("b", "10.41.0.0/16"))
    assert ("  - name: a-to-b\n    type: peering\n    a: {network: a}\n"
            "    b: {network: b}\n    state: down\n") in text


def _circuit(name: str, asn: int, primary: str, secondary: str, connections: list[dict[str, object]]) -> dict[str, object]:
    base = f"{SUB}/expressRouteCircuits/{name}"
    return {"name": name, "id": base, "type": "Microsoft.Network/expressRouteCircuits", "location": "westeurope",
            "sku": {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"},
            "properties": {"serviceProviderProperties": {"serviceProviderName": "Equinix", "peeringLocation": "Frankfurt",
                                                         "bandwidthInMbps": 200},
                           "peerings": [{"name": "AzurePrivatePeering", "id": f"{base}/peerings/AzurePrivatePeering",
                                         "properties": {"peeringType": "AzurePrivatePeering", "azureASN": 12076,
                                                        "peerASN": asn, "primaryPeerAddressPrefix": primary,
                                                        "secondaryPeerAddressPrefix": secondary, "vlanId": 200,
                                                        "state": "Enabled", "connections": connections}}]}}


def test_global_reach_from_a_circuit_peering_connection() -> None:
    """Global Reach is a connection on one circuit's private peering to another's
    ("ExpressRoute Global Reach", https://learn.microsoft.com/azure/expressroute/expressroute-global-reach)."""
    reach = {"name": "fra-to-ams", "id": f"{SUB}/expressRouteCircuits/er-fra/peerings/AzurePrivatePeering/connections/fra-to-ams",
             "properties": {"expressRouteCircuitPeering": {"id": f"{SUB}/expressRouteCircuits/er-fra/peerings/AzurePrivatePeering"},
                            "peerExpressRouteCircuitPeering": {"id": f"{SUB}/expressRouteCircuits/ER-AMS/peerings/AzurePrivatePeering"},
                            "addressPrefix": "192.168.99.0/29", "circuitConnectionStatus": "Connected"}}
    text = text_of(_circuit("er-fra", 65100, "192.168.20.0/30", "192.168.20.4/30", [reach]),
                   _circuit("er-ams", 65200, "192.168.21.0/30", "192.168.21.4/30", []))
    assert "  - name: fra-to-ams\n    type: global_reach\n    circuits: [er-ams, er-fra]\n" in text
    assert "    peering_location: Frankfurt\n    sku: Premium\n" in text
    assert "# assumption: site 'er-fra-peer': Azure does not record the prefixes" in text


def test_route_server_sets_branch_to_branch_on_its_vnet() -> None:
    """Route Server's branch-to-branch setting lets the VNet's ExpressRoute and VPN gateways
    exchange routes ("About Azure Route Server support for ExpressRoute and Azure VPN",
    https://learn.microsoft.com/azure/route-server/expressroute-vpn-support)."""
    hub = {"name": "rs", "id": f"{SUB}/virtualHubs/rs", "type": "Microsoft.Network/virtualHubs", "location": "westeurope",
           "properties": {"sku": "Standard", "allowBranchToBranchTraffic": True, "hubRoutingPreference": "ASPath",
                          "virtualRouterAsn": 65515, "virtualRouterIps": ["10.40.1.4", "10.40.1.5"]}}
    config = {"name": "ipconfig1", "id": f"{SUB}/virtualHubs/rs/ipConfigurations/ipconfig1",
              "type": "Microsoft.Network/virtualHubs/ipConfigurations",
              "properties": {"subnet": {"id": f"{SUB}/virtualNetworks/a/subnets/RouteServerSubnet"}}}
    text = text_of(_vnet("a", "10.40.0.0/16"), hub, config)
    assert "    branch_to_branch: true\n    hub_routing_preference: ASPath\n" in text


def test_template_expression_not_supported_names_the_resource(tmp_path: Path, azint: Callable[..., Run]) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                                    "contentVersion": "1.0.0.0", "resources": [
                                        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
                                         "name": "[reference('x').name]", "properties": {}}]}))
    run = azint("import", "arm", str(template))
    assert run.code == 2
    assert run.err == (f"{template}: error: template expression: template function reference() is not "
                       "supported by the import at $.resources[0]\n")


def test_template_nested_children_take_their_parent_type_and_name() -> None:
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "parameters": {"vnet": {"type": "String", "defaultValue": "lab"}},
                "variables": {"space": "10.60.0.0/16"},
                "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
                               "name": "[parameters('vnet')]", "location": "northeurope",
                               "properties": {"addressSpace": {"addressPrefixes": ["[variables('space')]"]}},
                               "resources": [{"type": "subnets", "apiVersion": "2023-09-01", "name": "web",
                                              "properties": {"addressPrefix": "[format('{0}.1.0/24', '10.60')]"}}]}]}
    text = text_of(template)
    assert "  - name: lab\n    kind: vnet\n    region: northeurope\n    address_space: [10.60.0.0/16]\n" in text
    assert "providers/Microsoft.Network/virtualNetworks/lab/subnets/web\n      - {name: web, prefix: 10.60.1.0/24}" in text


def test_resource_graph_and_az_shapes_read_the_same_keys() -> None:
    graph = json.loads((FIXTURES / "graph" / "resources.json").read_text())
    assert graph["data"][0]["type"] == graph["data"][0]["type"].lower()
    az = json.loads((FIXTURES / "az" / "express-route-show.json").read_text())
    assert "peerAsn" in az["peerings"][0] and "properties" not in az
    assert "peerASN" in (FIXTURES / "rest" / "circuit-er-dc.json").read_text()
    assert text_of(graph).split("connections:")[1] == text_of(az, *[
        json.loads(f.read_text()) for f in sorted((FIXTURES / "az").glob("*.json")) if f.name != "express-route-show.json"
    ]).split("connections:")[1]


def test_extras_fixture_global_reach_route_server_and_vnet_to_vnet(
        tmp_path: Path, azint: Callable[..., Run]) -> None:
    """The resource types the estate lacks, in their own shapes: circuits listed in REST
    ("Express Route Circuits - List All") with Global Reach as its own body ("Express Route Circuit
    Connections - Get", https://learn.microsoft.com/azure/expressroute/expressroute-global-reach),
    a Route Server from 'az network routeserver show' and its IP configuration in REST ("Virtual
    Hub Ip Configuration - Get", https://learn.microsoft.com/azure/route-server/overview), and
    the two connections of a VNet-to-VNet tunnel from 'az network vpn-connection list'."""
    target, _ = imported(tmp_path, azint, FIXTURES / "extras")
    assert validate(target).lines[0].endswith("changes nothing without both an ExpressRoute and a "
                                              "VPN gateway: its gateways do not exchange routes, "
                                              "and ExpressRoute wins over VPN")
    topology = loader.load(target)
    hub = topology.vnets["wan-hub"]
    assert (hub.branch_to_branch, str(hub.hub_routing_preference)) == (True, "ASPath")
    assert [g.circuits for g in topology.global_reach] == [("er-ams", "er-fra")]
    assert [(v.name, v.a.network, v.b.network, v.bgp) for v in topology.vpns] == [
        ("dr-to-hub", "dr", "wan-hub", True)]
    assert topology.circuits["er-fra"].premium and topology.circuits["er-fra"].peering_location == "Frankfurt"


def test_odd_gateway_bgp_values_are_errors_not_tracebacks(tmp_path: Path, azint: Callable[..., Run]) -> None:
    """Found by mutating the fixtures: lists of the wrong JSON type in a gateway's bgpSettings."""
    source = tmp_path / "in"
    shutil.copytree(REST, source)
    gateway = json.loads((source / "gateway-hub-vpngw.json").read_text())
    gateway["properties"]["bgpSettings"]["bgpPeeringAddresses"][0]["defaultBgpIpAddresses"] = 3.5
    gateway["properties"]["bgpSettings"]["bgpPeeringAddresses"][0]["customBgpIpAddresses"] = [["x"]]
    (source / "gateway-hub-vpngw.json").write_text(json.dumps(gateway))
    run = azint("import", "arm", str(source))
    assert run.code == 2
    assert run.err == (f"{source / 'gateway-hub-vpngw.json'}: error: Expected 4 octets in \"['x']\" "
                       "at $.properties.bgpSettings\n")
