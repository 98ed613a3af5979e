"""User routes Azure treats specially: a gateway next hop with no VPN gateway to use, and a
route for 0.0.0.0/0, which removes the default None routes of the private ranges.

Every rule here is from "Virtual network traffic routing",
https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml

from azint.control import ids
from azint.data.endpoints import resolve_source
from azint.data.walk import Disposition
from azint.network import Network
from azint.topology.model import NextHopType
from tests.builders import Doc, build, circuit, peering, site, vnet, vpn
from tests.conftest import Run

TO_DC = {"name": "to-dc", "prefix": "10.2.0.0/24", "next_hop_type": "VirtualNetworkGateway"}


def _routed(doc: Doc, *routes: Doc) -> Doc:
    """``doc`` with a route table of ``routes`` on its default subnet."""
    doc["route_tables"] = [{"name": "rt", "routes": list(routes)}]
    doc["subnets"][0]["route_table"] = "rt"
    return doc


def _write(tmp_path: Path, networks: list[Doc], connections: list[Doc]) -> str:
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "udr", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    return str(path)


def _er(vnet_name: str) -> Doc:
    return circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce"),
                          ("er-s", "secondary", "192.168.0.20/30", "dc-ce")],
                   [("conn-er", vnet_name)])


_NO_VPN_GATEWAY = {
    "expressroute-only": ([_routed(vnet("hub", "10.10.0.0/24", er=True), TO_DC)], [_er("hub")],
                          "VNet 'hub' has only an ExpressRoute gateway"),
    "no-gateway": ([_routed(vnet("hub", "10.10.0.0/24"), TO_DC)], [],
                   "VNet 'hub' has no gateway, its own or a hub's through gateway transit"),
    "hub-expressroute-only": (
        [vnet("core", "10.9.0.0/24", er=True), _routed(vnet("hub", "10.10.0.0/24"), TO_DC)],
        [_er("core"), peering("core-hub", "core", "hub", transit=True)],
        "its gateway VNet 'core' has only an ExpressRoute gateway"),
}


@pytest.mark.parametrize("case", sorted(_NO_VPN_GATEWAY))
def test_gateway_user_route_without_a_vpn_gateway_drops_and_validate_warns(
        tmp_path: Path, azint: Callable[..., Run], case: str) -> None:
    """A user route's VirtualNetworkGateway next hop must be a VPN gateway; an ExpressRoute
    gateway cannot be one. With no VPN gateway the route has no next hop and Azure drops what
    matches it (it shows no next hop address)."""
    vnets, connections, why = _NO_VPN_GATEWAY[case]
    file = _write(tmp_path, [*vnets, site("dc", 65001, "10.2.0.0/24")], connections)
    report = azint("validate", file)
    assert report.code == 0  # the commands accept it, so validate only warns
    warning = next(line for line in report.out.splitlines() if "VirtualNetworkGateway" in line)
    route_line = next(n for n, text in enumerate(Path(file).read_text().splitlines(), 1)
                      if "VirtualNetworkGateway" in text)
    assert warning.startswith(f"{file}:{route_line}:")
    assert f"{why}: Azure drops that traffic" in warning
    trace = azint("tracert", "--json", "--topology", file, "hub", "10.2.0.10")
    assert trace.code == 1
    assert trace.json()["disposition"] == "NULL_ROUTED"
    assert "VirtualNetworkGateway" in trace.json()["reason"]
    rows = azint("routes", "--json", "--topology", file, "hub").json()["routes"]
    user = next(r for r in rows if r["source"] == "User")
    assert (user["state"], user["next_hop_type"], user["next_hop_ips"]) == \
        ("Active", "VirtualNetworkGateway", [])
    for command in (("ping", "-n", "1", "hub", "10.2.0.10"), ("explain", "hub", "dc-vm"),
                    ("matrix",), ("routes", "dc")):
        assert azint(*command, "--topology", file).code in (0, 1), command
    # explain names the user route that drops it (it used to say "nothing stops it")
    found = azint("explain", "--json", "--topology", file, "hub", "dc-vm").json()
    for way in found["missing"]["alternatives"]:
        assert (way["causes"][0]["kind"], way["causes"][0]["setting"]) == (
            "user-route", ["rt", "to-dc", "VirtualNetworkGateway"])


def test_gateway_user_route_with_coexisting_gateways_is_flagged(
        tmp_path: Path, azint: Callable[..., Run]) -> None:
    """"You can't specify Virtual Network Gateways if you have VPN and ExpressRoute coexisting
    connections either": validate warns; the commands send the traffic to the VPN gateway."""
    hub = _routed(vnet("hub", "10.10.0.0/24", er=True, vpn=True), TO_DC)
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    file = _write(tmp_path, [hub, dc], [_er("hub"), vpn("s2s", "hub", ("dc-ce", "tunnel"))])
    report = azint("validate", file)
    assert report.code == 0
    assert "has coexisting ExpressRoute and VPN gateways, where Azure does not support such a " \
           "route; azint sends the traffic to the VPN gateway" in report.out
    trace = azint("tracert", "--json", "--topology", file, "hub", "10.2.0.10").json()
    assert trace["hops"][0]["element"] == "vpngw:hub"


def test_gateway_user_route_with_a_vpn_gateway_uses_it(tmp_path: Path,
                                                       azint: Callable[..., Run]) -> None:
    """The route-based VPN gateway is a valid VirtualNetworkGateway next hop: no warning, and
    the packet goes through it (the gateway instance is the first hop)."""
    hub = _routed(vnet("hub", "10.10.0.0/24", vpn=True), TO_DC)
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    file = _write(tmp_path, [hub, dc], [vpn("s2s", "hub", ("dc-ce", "tunnel"))])
    assert "VirtualNetworkGateway" not in azint("validate", file).out
    trace = azint("tracert", "--json", "--topology", file, "hub", "10.2.0.10").json()
    assert trace["reached"] and trace["hops"][0]["element"] == "vpngw:hub"


def _firewalled_hub(tmp_path: Path, *routes: Doc) -> Network:
    """A hub whose default subnet has ``routes``; a firewall appliance in its own subnet."""
    hub = vnet("hub", "10.10.0.0/24")
    hub["subnets"].append({"name": "nva", "prefix": "10.10.0.64/27"})
    hub["endpoints"].append({"name": "fw", "address": "10.10.0.70", "os": "linux",
                             "forwarding": True})
    return build(tmp_path, [_routed(hub, *routes)], [], validated=False)


def _to_fw(prefix: str) -> Doc:
    return {"name": "via-fw", "prefix": prefix, "next_hop_type": "VirtualAppliance",
            "next_hop_ip": "10.10.0.70"}


def test_default_user_route_removes_the_reserved_none_routes(tmp_path: Path) -> None:
    """"Routing example": Azure removed the routes for 10.0.0.0/8, 192.168.0.0/16 and
    100.64.0.0/10 from Subnet1's table when the user route for 0.0.0.0/0 was added to it; the
    "Default" section lists 172.16.0.0/12 among the same reserved None routes. Traffic to
    other private networks then follows the user's 0.0.0.0/0 route to the appliance."""
    reserved = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"}
    net = _firewalled_hub(tmp_path, _to_fw("0.0.0.0/0"))
    routes = net.plane.vnets["hub"]
    listed = {str(r.route.prefix) for r in routes.effective("default")}
    assert not reserved & listed  # removed, not merely Invalid
    assert reserved <= {str(r.route.prefix) for r in routes.effective("nva")}  # no 0/0 there
    source = resolve_source(net.topology, "hub-vm")
    for private in ("192.168.5.5", "172.16.1.1", "10.99.0.1", "100.64.0.1"):
        route = routes.lookup("default", IPv4Address(private))
        assert route is not None and route.next_hop_type == NextHopType.APPLIANCE, private
        walk = net.prober.tracert(source, IPv4Address(private)).walk
        assert walk.hops[0].element == ids.vm("fw"), private  # on to the firewall
    assert routes.lookup("default", IPv4Address("10.10.0.5")).next_hop_type == \
        NextHopType.VNET_LOCAL  # type: ignore[union-attr]


def test_a_narrower_user_route_keeps_the_reserved_none_routes(tmp_path: Path) -> None:
    """Only a user route for 0.0.0.0/0 removes them ("Routing example"): with a route for a
    narrower prefix, another private network is still dropped by the None route."""
    net = _firewalled_hub(tmp_path, _to_fw("10.99.0.0/16"))
    source = resolve_source(net.topology, "hub-vm")
    assert net.prober.tracert(source, IPv4Address("192.168.5.5")).walk.disposition is \
        Disposition.NULL_ROUTED
    assert net.prober.tracert(source, IPv4Address("10.99.0.1")).walk.hops[0].element == \
        ids.vm("fw")


def test_default_route_on_a_vpn_gateway_subnet_is_flagged(tmp_path: Path,
                                                          azint: Callable[..., Run]) -> None:
    """"0.0.0.0/0 address prefix": with a VPN gateway, don't associate a route table that holds
    0.0.0.0/0 to the gateway subnet; it can prevent the gateway from functioning properly.
    validate warns (the commands still route by the table)."""
    hub = vnet("hub", "10.10.0.0/24", vpn=True)
    hub["route_tables"] = [{"name": "gw-rt", "routes": [_to_fw("0.0.0.0/0")]}]
    hub["subnets"][1]["route_table"] = "gw-rt"  # the GatewaySubnet
    hub["endpoints"].append({"name": "fw", "address": "10.10.0.70", "os": "linux",
                             "forwarding": True})
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    file = _write(tmp_path, [hub, dc], [vpn("s2s", "hub", ("dc-ce", "tunnel"))])
    report = azint("validate", file)
    assert report.code == 0
    assert "route 'via-fw' for 0.0.0.0/0 is on the GatewaySubnet of 'hub', which has a VPN " \
           "gateway: Azure warns this can stop the gateway from working" in report.out
    assert azint("tracert", "--topology", file, "dc", "hub-vm").code in (0, 1)
