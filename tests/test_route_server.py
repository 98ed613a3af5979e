"""Azure Route Server in a hub, with BGP peerings to network virtual appliances (Rules 5.4, 5.5).

"What is Azure Route Server?" (https://learn.microsoft.com/azure/route-server/overview): Route
Server exchanges routes with NVAs over BGP, programs the routes the NVAs advertise into the
virtual network (and peered spokes that use the remote Route Server) with the NVA as next hop,
and advertises the virtual network's address spaces to the NVAs.
"Azure Route Server support for ExpressRoute and Azure VPN"
(https://learn.microsoft.com/azure/route-server/expressroute-vpn-support): without branch-to-branch
Route Server does not pass routes between the NVAs and the gateways; with it they exchange them.
"Routing preference" (https://learn.microsoft.com/azure/route-server/hub-routing-preference):
ExpressRoute, VPN or AS path decides between copies of one prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from azint.control import ids
from azint.control.routes import Route
from azint.data.endpoints import resolve_source
from azint.data.walk import Disposition
from azint.network import Network
from azint.topology import loader
from azint.topology.problems import InvalidTopology
from tests.builders import Doc, build, circuit, peering, site, vnet, vpn
from tests.conftest import Run

NVA = IPv4Address("10.10.0.10")
SDWAN = "172.16.0.0/16"


def _hub(b2b: bool = False, preference: str = "ExpressRoute", **nva: object) -> Doc:
    hub = vnet("hub", "10.10.0.0/24", er=True, branch_to_branch=b2b,
               hub_routing_preference=preference)
    hub["subnets"] = [{"name": "default", "prefix": "10.10.0.0/26"},
                      {"name": "RouteServerSubnet", "prefix": "10.10.0.64/26"},
                      {"name": "GatewaySubnet", "prefix": "10.10.0.224/27"}]
    hub["endpoints"].append({"name": "sdwan", "address": str(NVA), "os": "linux",
                             "forwarding": True, "asn": 65100, "advertise": [SDWAN], **nva})
    hub["route_server"] = {"addresses": ["10.10.0.68", "10.10.0.69"], "peers": ["sdwan"]}
    return hub


def _network(tmp_path: Path, hub: Doc | None = None, transit: bool = True) -> Network:
    dc = site("dc", 65001, "10.1.0.0/24")
    er = circuit("er", [("er-1", "primary", "192.168.1.0/30", "dc-ce"),
                        ("er-2", "secondary", "192.168.1.4/30", "dc-ce")], [("hub-er", "hub")])
    networks = [hub or _hub(), vnet("spoke", "10.11.0.0/24"), vnet("lone", "10.12.0.0/24"), dc]
    return build(tmp_path, networks, [peering("hub-spoke", "hub", "spoke", transit=transit),
                                      peering("hub-lone", "hub", "lone"), er])


def _route(net: Network, network: str, prefix: str) -> Route | None:
    found = net.plane.vnets[network].lookup("default", IPv4Network(prefix).network_address)
    return found if found is not None and str(found.prefix) == prefix else None


def _learned(net: Network, speaker: object, prefix: str) -> bool:
    return IPv4Network(prefix) in net.plane.bgp.speakers[speaker].best  # type: ignore[index]


def test_appliance_routes_are_programmed_into_the_hub_and_its_spokes(tmp_path: Path) -> None:
    """Rule 5.4: the hub and the spoke that uses remote gateways or Route Server get the NVA's
    prefix as a VirtualNetworkGateway route to the NVA; a spoke without it does not."""
    net = _network(tmp_path)
    for network in ("hub", "spoke"):
        route = _route(net, network, SDWAN)
        assert route is not None, network
        assert (route.source, route.next_hop_type) == ("VirtualNetworkGateway",
                                                        "VirtualNetworkGateway")
        assert [h.address for h in route.next_hops] == [NVA]
    assert _route(net, "lone", SDWAN) is None


def test_route_server_tells_appliances_the_hub_and_spokes(tmp_path: Path) -> None:
    """Rule 5.4: the NVA learns the hub's and its spokes' ranges, AS path 65515."""
    net = _network(tmp_path)
    appliance = net.plane.bgp.speakers[ids.vm("sdwan")]
    for prefix in ("10.10.0.0/24", "10.11.0.0/24"):
        assert appliance.best[IPv4Network(prefix)][0].as_path == (65515,)
    assert IPv4Network("10.12.0.0/24") not in appliance.best  # peered, but not using the hub


def test_without_branch_to_branch_gateways_and_appliances_stay_apart(tmp_path: Path) -> None:
    """Rule 5.5: branch-to-branch off, on-premises does not learn the NVA's prefix nor the NVA
    on-premises'."""
    net = _network(tmp_path)
    assert not _learned(net, ids.router("dc-ce"), SDWAN)
    assert not _learned(net, ids.vm("sdwan"), "10.1.0.0/24")


def test_branch_to_branch_exchanges_routes_with_the_gateways(tmp_path: Path) -> None:
    """Rule 5.5: branch-to-branch on, on-premises reaches the NVA's prefix over ExpressRoute
    (path 12076 65100) and the NVA learns on-premises through Route Server."""
    net = _network(tmp_path, _hub(b2b=True))
    assert net.plane.bgp.speakers[ids.router("dc-ce")].best[IPv4Network(SDWAN)][0].as_path == \
        (12076, 65100)
    assert _learned(net, ids.vm("sdwan"), "10.1.0.0/24")
    trace = net.prober.tracert(resolve_source(net.topology, "dc"), IPv4Address("172.16.1.1"))
    assert NVA in [s.reply_address for s in trace.walk.hops]
    assert trace.walk.disposition is Disposition.BEYOND_APPLIANCE


def test_a_trace_to_an_appliance_prefix_reaches_the_appliance(tmp_path: Path) -> None:
    """From the spoke the first hop is the NVA; what lies behind it is not modelled."""
    net = _network(tmp_path)
    trace = net.prober.tracert(resolve_source(net.topology, "spoke"), IPv4Address("172.16.1.1"),
                               max_hops=3)
    assert trace.hops[0].address == NVA
    assert trace.walk.disposition is Disposition.BEYOND_APPLIANCE


@pytest.mark.parametrize(("preference", "via_appliance"), [
    ("ExpressRoute", False), ("ASPath", True), ("VpnGateway", True)])
def test_hub_routing_preference_decides_between_copies(tmp_path: Path, preference: str,
                                                       via_appliance: bool) -> None:
    """Rule 5.4: the NVA also advertises on-premises' 10.1.0.0/24 (AS path 65100, shorter than
    ExpressRoute's 12076 65001). ExpressRoute preference keeps the ExpressRoute route; AS path
    takes the shorter NVA copy; VpnGateway, with no VPN copy, compares AS paths too."""
    hub = _hub(b2b=True, preference=preference, advertise=[SDWAN, "10.1.0.0/24"])
    net = _network(tmp_path, hub)
    route = _route(net, "spoke", "10.1.0.0/24")
    assert route is not None
    assert (route.next_hops[0].address == NVA) is via_appliance


def test_bgp_shows_the_route_servers_sessions(azint: Callable[..., Run], tmp_path: Path) -> None:
    """``azint bgp routeserver:hub``: what it learned, and what it tells each peer."""
    _network(tmp_path, _hub(b2b=True))
    run = azint("bgp", "--topology", str(tmp_path / "topology.yaml"), "routeserver:hub")
    assert run.code == 0, run.err
    assert run.out.startswith("Route Server routeserver:hub (ASN 65515)\n")
    assert "172.16.0.0/16  10.10.0.10   EBgp     vm:sdwan  65100" in run.out
    assert "Advertised to vm:sdwan (10.10.0.10) on route-server:hub" in run.out
    assert "Advertised to ergw:hub (10.10.0.228) on route-server:hub" in run.out


def test_routes_show_the_appliance_as_next_hop(azint: Callable[..., Run], tmp_path: Path) -> None:
    _network(tmp_path)
    run = azint("routes", "--topology", str(tmp_path / "topology.yaml"), "spoke")
    line = next(x for x in run.out.splitlines() if "172.16.0.0/16" in x)
    assert line.split() == ["VirtualNetworkGateway", "Active", SDWAN, "VirtualNetworkGateway",
                            str(NVA)]


@pytest.mark.parametrize(("change", "message"), [
    ({"subnets": [{"name": "default", "prefix": "10.10.0.0/25"}]}, "no subnet named RouteServerSubnet"),
    ({"route_server": {"addresses": ["10.10.0.68", "10.10.0.69"], "peers": ["hub-vm"]}},
     "needs forwarding: true and an asn"),
    ({"route_server": {"addresses": ["10.10.0.68", "10.10.0.200"], "peers": ["sdwan"]}},
     "is outside RouteServerSubnet"),
    ({"route_server": {"addresses": ["10.10.0.68"]}}, "two peer addresses, got 1"),
])
def test_route_server_settings_azure_refuses(tmp_path: Path, change: Doc, message: str) -> None:
    hub = _hub()
    hub.update(change)
    with pytest.raises(InvalidTopology, match=message):
        _network(tmp_path, hub)


@pytest.mark.parametrize("b2b", [False, True])
def test_branch_to_branch_with_a_vpn_gateway(tmp_path: Path, b2b: bool) -> None:
    """Rule 5.5 over VPN: with branch-to-branch the VPN site learns the NVA's prefix from the hub's
    VPN gateway and the NVA the site's through Route Server; without it, neither."""
    hub = _hub(b2b=b2b)
    hub["gateways"]["vpn"] = {"asn": 65515, "instances": ["10.10.0.238"],
                              "bgp_peer_address": "10.10.0.254", "public_address": "52.0.0.9"}
    branch = site("br", 65005, "10.5.0.0/24", tunnel="10.5.1.1")
    branch["routers"][0]["static_routes"].append({"prefix": "10.10.0.254/32",
                                                 "interface": "tunnel"})
    net = build(tmp_path, [hub, branch], [vpn("br-vpn", "hub", ("br-ce", "tunnel"))])
    learned = net.plane.bgp.speakers[ids.router("br-ce")].best.get(IPv4Network(SDWAN))
    heard = net.plane.bgp.speakers[ids.vm("sdwan")].best.get(IPv4Network("10.5.0.0/24"))
    if not b2b:
        assert learned is None and heard is None
        return
    assert learned is not None and learned[0].as_path == (65515, 65100)
    assert heard is not None and heard[0].as_path == (65515, 65005)


def test_an_appliance_in_a_spoke_serves_the_hub_but_not_other_spokes(tmp_path: Path) -> None:
    """Route Server may peer with an NVA in a peered VNet; its routes reach every VNet using the
    Route Server, but a spoke not peered with the NVA's VNet cannot send to it."""
    hub = _hub()
    hub["endpoints"] = hub["endpoints"][:1]
    spoke = vnet("spoke", "10.11.0.0/24")
    spoke["endpoints"].append({"name": "sdwan", "address": "10.11.0.10", "forwarding": True,
                               "asn": 65100, "advertise": [SDWAN]})
    other = vnet("other", "10.13.0.0/24")
    net = build(tmp_path, [hub, spoke, other],
                [peering("hub-spoke", "hub", "spoke", transit=True),
                 peering("hub-other", "hub", "other", transit=True)])
    from_hub = net.prober.tracert(resolve_source(net.topology, "hub"), IPv4Address("172.16.1.1"))
    assert from_hub.walk.disposition is Disposition.BEYOND_APPLIANCE
    route = _route(net, "other", SDWAN)
    assert route is not None and route.next_hops[0].address == IPv4Address("10.11.0.10")
    from_other = net.prober.tracert(resolve_source(net.topology, "other"),
                                    IPv4Address("172.16.1.1"))
    assert from_other.walk.disposition is Disposition.NO_HOST
    assert "not peered" in from_other.walk.reason


def test_hub_routing_preference_is_not_unused_with_a_route_server(tmp_path: Path) -> None:
    """With appliances, the preference ranks their copies against the gateways' (rule 5.4), so
    ``validate`` does not call it unused, as it does for a hub with one gateway and no Route
    Server."""
    _network(tmp_path, _hub(preference="ASPath"))
    _, problems = loader.load_with_problems(tmp_path / "topology.yaml")
    assert not [p for p in problems if "hub_routing_preference" in p.message]
    plain = _hub(preference="ASPath")
    del plain["route_server"]
    _network(tmp_path, plain)
    _, problems = loader.load_with_problems(tmp_path / "topology.yaml")
    assert [p for p in problems if "hub_routing_preference" in p.message]
