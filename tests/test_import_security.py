"""``azint import``: network security groups, peering flags, active-active VPN gateways, Route
Server BGP peers and the circuit SKU, read from one small estate in every input form.

Fixture shapes follow the Azure REST API reference examples (Network Security Groups - Get,
Virtual Network Gateways - Get (active-active), Virtual Hub Bgp Connection - Get, Express Route
Circuits - Get: https://learn.microsoft.com/rest/api/virtualnetwork/) and the azurerm provider
documentation (azurerm_network_security_group, azurerm_network_security_rule,
azurerm_subnet_network_security_group_association,
azurerm_network_interface_security_group_association, azurerm_route_server_bgp_connection).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from azint.control import show
from azint.network import Network, validate
from azint.sources.pipeline import import_arm, import_terraform
from azint.sources.terraform import read_terraform
from azint.sources.writer import write_topology
from azint.topology import model as m
from tests.conftest import Run
from tests.test_import_terraform import config, plan, ref, resource, vnet

MORE = Path(__file__).parent / "fixtures" / "arm" / "more"
STATE = Path(__file__).parent / "fixtures" / "terraform" / "more-state.json"
FORMS = ("rest", "az", "graph", "template", "terraform")


def _text(form: str) -> str:
    return (import_terraform(STATE) if form == "terraform" else import_arm([MORE / form])).text


def _without_comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Network:
    path = tmp_path_factory.mktemp("more") / "core.yaml"
    path.write_text(_text("rest"))
    assert validate(path).lines == ()
    return Network.open(path)


@pytest.mark.parametrize("form", FORMS[1:])
def test_every_form_reads_the_same_topology(form: str) -> None:
    assert _without_comments(_text(form)) == _without_comments(_text("rest"))


def test_own_security_rules_and_associations_are_read_defaults_left_to_azint(estate: Network) -> None:
    """An NSG's own rules are kept; its default rules are Azure's, which azint adds to every
    group ("Network security groups", "Default security rules",
    https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview); the
    group filters the subnet and the NIC it is associated with."""
    core = estate.topology.vnets["core"]
    assert sorted(core.security_groups) == ["app-nsg", "fw-nsg"]
    app = core.security_groups["app-nsg"]
    assert app.rules == (
        m.SecurityRule("deny-ping-from-dc", 100, m.Direction.INBOUND, m.Access.DENY, m.IpProtocol.ICMP,
                       (IPv4Network("10.70.0.0/16"),), m.ALL_PORTS, ("VirtualNetwork",), m.ALL_PORTS),
        m.SecurityRule("allow-https", 110, m.Direction.INBOUND, m.Access.ALLOW, m.IpProtocol.TCP,
                       (IPv4Network("10.70.1.0/24"), IPv4Network("10.61.0.4/32")), m.ALL_PORTS,
                       ("*",), ((443, 443), (8443, 8444))))
    assert core.security_groups["fw-nsg"].rules == ()
    assert {s.name: s.security_group for s in core.subnets}["app"] == "app-nsg"
    assert {e.name: e.security_group for e in core.endpoints} == {"app-vm-nic": None, "fw-nic": "fw-nsg"}


def test_a_rule_with_a_service_tag_azint_does_not_model_is_left_out_with_a_warning() -> None:
    imported = import_arm([MORE / "rest"])
    assert ("network security group 'app-nsg': rule 'deny-storage' left out: 'Storage' is not a "
            "prefix nor a service tag azint models (VirtualNetwork, Internet, AzureLoadBalancer)"
            ) in imported.warnings
    assert "Microsoft.Network/networkSecurityGroups" not in dict(imported.not_modelled)


def test_peering_flags_are_carried_not_turned_into_down(estate: Network) -> None:
    """"Allow access to the remote virtual network" off on one side: the peering is Connected but
    carries nothing; "Allow forwarded traffic" is a setting of each side ("Create, change, or
    delete a virtual network peering",
    https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering)."""
    peerings = {p.name: p for p in estate.topology.peerings}
    lab = peerings["core-to-lab"]
    assert lab.up and not lab.b.allow_virtual_network_access and lab.a.allow_virtual_network_access
    edge = peerings["core-to-edge"]
    assert (edge.a.allow_forwarded_traffic, edge.b.allow_forwarded_traffic) == (False, True)
    prefixes = {str(r.prefix) for r in show.effective_routes(estate.plane, "lab", "default")}
    assert "10.60.0.0/16" not in prefixes
    assert "10.60.0.0/16" in {str(r.prefix) for r in show.effective_routes(estate.plane, "edge", "default")}


def test_an_active_active_gateway_keeps_both_instances_addresses(estate: Network) -> None:
    """Active-active: two IP configurations, each instance with its own BGP and public address
    ("Configure active-active VPN gateways",
    https://learn.microsoft.com/azure/vpn-gateway/active-active-portal)."""
    gateway = estate.topology.vnets["core"].vpn_gateway
    assert gateway is not None and gateway.active_active
    assert gateway.instances == gateway.bgp_peer_addresses == (IPv4Address("10.60.255.4"),
                                                               IPv4Address("10.60.255.5"))
    assert gateway.public_addresses == (IPv4Address("20.60.0.1"), IPv4Address("20.60.0.2"))


def test_route_server_peers_become_appliances(estate: Network) -> None:
    """A Route Server's BGP connections name a peer's address and ASN ("Configure Route Server
    peering with an NVA", https://learn.microsoft.com/azure/route-server/quickstart-configure-route-server-portal):
    the NIC holding the address is the appliance; an address no NIC holds is an appliance
    assumed in the subnet holding it, said in the file and as a warning."""
    core = estate.topology.vnets["core"]
    assert core.route_server == m.RouteServer((IPv4Address("10.60.2.4"), IPv4Address("10.60.2.5")),
                                              ("fw-nic", "nva-10-61-0-20"))
    endpoints = {e.name: e for e in estate.topology.endpoints()}
    assert (endpoints["fw-nic"].forwarding, endpoints["fw-nic"].asn) == (True, 65100)
    assert (endpoints["nva-10-61-0-20"].network, endpoints["nva-10-61-0-20"].asn) == ("edge", 65200)
    text = _text("rest")
    assert ("      # assumption: 10.61.0.20, a Route Server's BGP peer (AS 65200), is a virtual "
            "appliance with IP forwarding (no network interface of the input holds it)\n") in text


def test_a_peer_whose_nic_has_no_ip_forwarding_is_assumed_an_appliance(tmp_path: Path) -> None:
    source = tmp_path / "rest"
    shutil.copytree(MORE / "rest", source)
    nic = json.loads((source / "nic-fw.json").read_text())
    nic["properties"]["enableIPForwarding"] = False
    (source / "nic-fw.json").write_text(json.dumps(nic))
    imported = import_arm([source])
    assert ("assumption: endpoint 'fw-nic' is a Route Server's BGP peer: an appliance, with IP "
            "forwarding though its network interface has it off") in imported.warnings
    assert "{name: fw-nic, address: 10.60.1.10, forwarding: true," in imported.text


def test_a_circuit_keeps_its_sku_tier(estate: Network) -> None:
    """ExpressRoute Local, Standard and Premium reach different regions ("ExpressRoute FAQ",
    https://learn.microsoft.com/azure/expressroute/expressroute-faq)."""
    assert estate.topology.circuits["er-local"].sku is m.CircuitSku.LOCAL


def test_a_plan_joins_nsg_associations_and_bgp_connections_by_configuration() -> None:
    """In a plan, new resources have no id: the associations and the BGP connection are joined by
    the configuration's references."""
    subnet = resource("azurerm_subnet", "app", {"name": "app", "resource_group_name": "rg",
                                                "virtual_network_name": "hub",
                                                "address_prefixes": ["10.0.1.0/24"]})
    server_subnet = resource("azurerm_subnet", "rs", {"name": "RouteServerSubnet",
                                                      "resource_group_name": "rg",
                                                      "virtual_network_name": "hub",
                                                      "address_prefixes": ["10.0.2.0/26"]})
    nsg = resource("azurerm_network_security_group", "app", {
        "name": "app-nsg", "resource_group_name": "rg", "security_rule": [
            {"name": "web", "priority": 200, "direction": "Inbound", "access": "Allow",
             "protocol": "Tcp", "source_address_prefix": "Internet", "source_port_range": "*",
             "destination_address_prefix": "*", "destination_port_range": "80"}]})
    nic = resource("azurerm_network_interface", "nva", {
        "name": "nva-nic", "resource_group_name": "rg", "ip_forwarding_enabled": True,
        "ip_configuration": [{"name": "ipconfig1", "private_ip_address": "10.0.1.10"}]})
    associations = [resource("azurerm_subnet_network_security_group_association", "app", {}),
                    resource("azurerm_network_interface_security_group_association", "nva", {})]
    server = resource("azurerm_route_server", "hub", {"name": "hub-rs", "resource_group_name": "rg"})
    peer = resource("azurerm_route_server_bgp_connection", "nva", {
        "name": "nva", "peer_asn": 65010, "peer_ip": "10.0.1.10"})
    configured = [
        config("azurerm_network_interface", "nva", ip_configuration=[{"subnet_id": ref("azurerm_subnet.app")}]),
        config("azurerm_subnet_network_security_group_association", "app",
               subnet_id=ref("azurerm_subnet.app"),
               network_security_group_id=ref("azurerm_network_security_group.app")),
        config("azurerm_network_interface_security_group_association", "nva",
               network_interface_id=ref("azurerm_network_interface.nva"),
               network_security_group_id=ref("azurerm_network_security_group.app")),
        config("azurerm_route_server", "hub", subnet_id=ref("azurerm_subnet.rs")),
        config("azurerm_route_server_bgp_connection", "nva", route_server_id=ref("azurerm_route_server.hub"))]
    text = write_topology(read_terraform("plan.json", plan(
        [vnet("hub", "10.0.0.0/16"), subnet, server_subnet, nsg, nic, *associations, server, peer],
        configured))).text
    assert "      - {name: app, prefix: 10.0.1.0/24, network_security_group: app-nsg}\n" in text
    assert ("      - {name: nva-nic, address: 10.0.1.10, forwarding: true, network_security_group: "
            "app-nsg, asn: 65010}\n") in text
    assert ("          - {name: web, priority: 200, direction: Inbound, access: Allow, protocol: Tcp, "
            "source: Internet, destination_ports: 80}\n") in text
    assert "    route_server: {addresses: [10.0.2.4, 10.0.2.5], peers: [nva-nic]}\n" in text
    assert "# assumption: Route Server 'hub-rs': its peer addresses are not in the input" in text


def test_import_cli_reads_the_terraform_fixture(azint: Callable[..., Run], tmp_path: Path) -> None:
    run = azint("import", "terraform", str(STATE), "-o", str(tmp_path / "core.yaml"))
    assert run.code == 0
    assert azint("validate", str(tmp_path / "core.yaml")).code == 0


def test_associations_with_groups_the_input_lacks_and_default_rules_on_their_own(tmp_path: Path) -> None:
    """A subnet may name an NSG of another resource group that was not exported: the association
    is left out with a warning, not an error; Azure's default rules listed on their own
    (Default Security Rules - List) are Azure's, not counted as not modelled."""
    source = tmp_path / "rest"
    shutil.copytree(MORE / "rest", source)
    (source / "nsg-app.json").unlink()
    fw = json.loads((source / "nsg-fw.json").read_text())
    (source / "default-rules.json").write_text(json.dumps(
        {"value": fw["properties"].pop("defaultSecurityRules")}))
    (source / "nsg-fw.json").write_text(json.dumps(fw))
    imported = import_arm([source])
    assert ("'app' uses network security group /subscriptions/11111111-2222-3333-4444-555555555555/"
            "resourceGroups/core-rg/providers/Microsoft.Network/networkSecurityGroups/app-nsg, which "
            "the input does not hold: it filters nothing here") in imported.warnings
    assert "{name: app, prefix: 10.60.1.0/24}" in imported.text
    assert imported.not_modelled == []


def test_a_vnet_subnet_block_names_its_security_group() -> None:
    """azurerm 3.x: a virtual network's inline ``subnet`` block carries ``security_group``, the
    NSG's id."""
    group_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/edge-nsg"
    hub = vnet("hub", "10.0.0.0/16", id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub",
               subnet=[{"name": "edge", "address_prefixes": ["10.0.1.0/24"], "security_group": group_id}])
    nsg = resource("azurerm_network_security_group", "edge", {
        "id": group_id, "name": "edge-nsg", "resource_group_name": "rg", "security_rule": []})
    text = write_topology(read_terraform("state.json", {"values": {"root_module": {
        "resources": [hub, nsg]}}})).text
    assert "      - {name: edge, prefix: 10.0.1.0/24, network_security_group: edge-nsg}\n" in text
    assert "      - {name: edge-nsg}\n" in text
