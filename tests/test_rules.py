"""One test (or a few) per rule of docs/azure-routing.md, each on a small topology of its own.

Each test names its rule id and the Microsoft article the rule comes from.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from azint.control import ids
from azint.control.routes import Route
from azint.data.endpoints import resolve_source
from azint.data.walk import Disposition
from azint.network import Network
from azint.topology.model import NextHopType
from tests.builders import Doc, build, circuit, peering, site, vnet, vpn


def route_in(net: Network, network: str, address: str) -> Route:
    """The route the network's first VM uses for ``address``."""
    routes = net.plane.vnets[network]
    found = routes.lookup("default", IPv4Address(address))
    assert found is not None
    return found


def reaches(net: Network, source: str, address: str) -> bool:
    result = net.prober.ping(resolve_source(net.topology, source), IPv4Address(address))
    return bool(result.echo_replies)


def walk(net: Network, source: str, address: str) -> Disposition:
    result = net.prober.tracert(resolve_source(net.topology, source), IPv4Address(address))
    return result.walk.disposition


# A hub with both gateways, one on-premises site over ExpressRoute and the same site over VPN.
def _hub_er_site(tmp_path: Path, site_doc: Doc | None = None, extra: list[Doc] | None = None,
                 validated: bool = True, **hub: object) -> Network:
    return build(tmp_path,
                 [vnet("hub", "10.10.0.0/24", er=True, vpn=True, **hub),
                  site_doc or site("dc", 65001, "10.2.0.0/24")],
                 [circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")],
                          [("hub-er", "hub")]), *(extra or [])], validated=validated)


def test_longest_prefix_match_and_user_routes(tmp_path: Path) -> None:
    """Rules 1.1 and 1.7: longest prefix first; user routes to an appliance and to None.

    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    table = {"name": "rt", "routes": [
        {"prefix": "10.20.0.0/16", "next_hop_type": "None"},
        {"prefix": "10.20.1.0/24", "next_hop_type": "VirtualAppliance", "next_hop_ip": "10.1.0.5"}]}
    app = vnet("app", "10.1.0.0/24", route_tables=[table])
    app["subnets"][0]["route_table"] = "rt"
    app["endpoints"].append({"name": "nva", "address": "10.1.0.5", "os": "linux", "forwarding": True})
    net = build(tmp_path, [app], [])
    assert route_in(net, "app", "10.20.1.9").next_hop_type == NextHopType.APPLIANCE
    assert route_in(net, "app", "10.20.2.9").next_hop_type == NextHopType.NONE
    trace = net.prober.tracert(resolve_source(net.topology, "app"), IPv4Address("10.20.1.9"))
    assert trace.walk.hops[0].element == ids.vm("nva")  # the appliance is a hop
    assert walk(net, "app", "10.20.2.9") is Disposition.NULL_ROUTED


def test_equal_prefix_user_beats_gateway_beats_system(tmp_path: Path) -> None:
    """Rule 1.2: on equal prefixes a user route beats a gateway route beats a system route;
    the overridden system route stays, Invalid.

    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    net = _hub_er_site(tmp_path, site("dc", 65001, "10.2.0.0/24",
                                      advertise=["10.2.0.0/24", "0.0.0.0/0"]))
    default = route_in(net, "hub", "8.8.8.8")
    assert (default.prefix, default.next_hop_type) == (IPv4Network("0.0.0.0/0"), NextHopType.GATEWAY)
    states = {(r.route.source, r.route.next_hop_type): r.active
              for r in net.plane.vnets["hub"].effective("default") if r.route.prefix.prefixlen == 0}
    assert states == {("Default", "Internet"): False, ("VirtualNetworkGateway", "VirtualNetworkGateway"): True}
    table = {"name": "rt", "routes": [{"prefix": "0.0.0.0/0", "next_hop_type": "None"}]}
    hub = {"route_tables": [table]}
    net = _hub_er_site(tmp_path, site("dc", 65001, "10.2.0.0/24", advertise=["0.0.0.0/0"]), **hub)
    assert net.plane.vnets["hub"].lookup(None, IPv4Address("8.8.8.8")).next_hop_type == NextHopType.GATEWAY  # type: ignore[union-attr]


def test_own_range_beats_more_specific_bgp_route(tmp_path: Path) -> None:
    """Rule 1.3: the VNet's own range beats a more specific BGP route.

    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    VPN Gateway FAQ, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq
    """
    # validate rejects this overlap; Azure still has to route it
    net = _hub_er_site(tmp_path, site("dc", 65001, "10.2.0.0/24",
                                      advertise=["10.2.0.0/24", "10.10.0.0/28"]), validated=False)
    assert route_in(net, "hub", "10.10.0.4").next_hop_type == NextHopType.VNET_LOCAL
    assert walk(net, "hub", "10.2.0.10") is Disposition.DELIVERED
    # ...but the circuit's edge now sends the hub's own /28 to the customer: replies are lost.
    assert not reaches(net, "hub", "10.2.0.10")


def test_expressroute_beats_vpn_but_not_a_more_specific_vpn_route(tmp_path: Path) -> None:
    """Rules 1.4 and 5.1: ExpressRoute beats VPN for the same prefix; a more specific VPN
    prefix still wins.

    Configure ExpressRoute and site-to-site coexisting connections, https://learn.microsoft.com/azure/expressroute/expressroute-howto-coexist-resource-manager
    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250", advertise=["10.2.0.0/24"])
    net = _hub_er_site(tmp_path, dc, [vpn("dc-vpn", "hub", ("dc-ce", "tunnel"))])
    assert route_in(net, "hub", "10.2.0.10").next_hops[0].element == ids.ergw("hub")
    # a second router terminates the VPN and advertises a more specific /25 over it only
    dc["routers"][0]["interfaces"].pop()
    dc["routers"].append({"name": "dc-vpn-r", "interfaces": [
        {"name": "lan", "address": "10.2.0.2/24"}, {"name": "tunnel", "address": "10.2.0.250/32"}],
        "bgp": {"advertise": ["10.2.0.0/25"]}})
    net = _hub_er_site(tmp_path, dc, [vpn("dc-vpn", "hub", ("dc-vpn-r", "tunnel"))])
    assert route_in(net, "hub", "10.2.0.10").next_hops[0].element == ids.vpngw("hub")
    assert route_in(net, "hub", "10.2.0.200").next_hops[0].element == ids.ergw("hub")


@pytest.mark.parametrize(("weights", "circuits"), [({}, {"c1", "c2"}), ({"hub-c2": 100}, {"c2"})])
def test_circuit_weight_then_ecmp(tmp_path: Path, weights: dict[str, int], circuits: set[str]) -> None:
    """Rule 1.5: among several circuits the higher connection weight wins, else ECMP.

    Optimize ExpressRoute routing, https://learn.microsoft.com/azure/expressroute/expressroute-optimize-routing
    """
    dc = site("dc", 65001, "10.2.0.0/24")
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", er=True), dc], [
        circuit("c1", [("c1-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-c1", "hub")], **weights),
        circuit("c2", [("c2-p", "primary", "192.168.0.20/30", "dc-ce")], [("hub-c2", "hub")], **weights)])
    hops = net.plane.tables[ids.ergw("hub")].lookup(IPv4Address("10.2.0.10")).next_hops  # type: ignore[union-attr]
    assert {h.element.name for h in hops} == circuits


def test_default_system_routes(tmp_path: Path) -> None:
    """Rule 1.6: unlearned private ranges are dropped unless inside the VNet's own range.

    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    net = build(tmp_path, [vnet("aa", "10.1.0.0/24"), vnet("wide", "10.0.0.0/8")], [])
    assert route_in(net, "aa", "10.99.0.1").next_hop_type == NextHopType.NONE
    assert route_in(net, "aa", "192.168.1.1").next_hop_type == NextHopType.NONE
    assert route_in(net, "aa", "8.8.8.8").next_hop_type == NextHopType.INTERNET
    wide = {r.prefix for r in net.plane.vnets["wide"].system}
    assert IPv4Network("10.0.0.0/8") in wide and IPv4Network("172.16.0.0/12") in wide
    assert net.plane.vnets["wide"].lookup(None, IPv4Address("10.99.0.1")).next_hop_type == NextHopType.VNET_LOCAL  # type: ignore[union-attr]


def test_disabled_propagation_drops_gateway_routes(tmp_path: Path) -> None:
    """Rule 1.7: a route table that disables gateway route propagation gets no gateway routes.

    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    hub = {"route_tables": [{"name": "rt", "propagate_gateway_routes": False}]}
    assert reaches(_hub_er_site(tmp_path, **hub), "hub", "10.2.0.10")  # table not associated yet
    doc = vnet("hub", "10.10.0.0/24", er=True, **hub)
    doc["subnets"][0]["route_table"] = "rt"
    net = build(tmp_path, [doc, site("dc", 65001, "10.2.0.0/24")],
                [circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-er", "hub")])])
    assert route_in(net, "hub", "10.2.0.10").next_hop_type == NextHopType.NONE
    assert not reaches(net, "hub", "10.2.0.10")


def test_peering_not_transitive_and_global(tmp_path: Path) -> None:
    """Rules 2.1 and 2.2: peering is not transitive; across regions it is global peering.

    Azure Virtual Network peering, https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview
    """
    net = build(tmp_path, [vnet("aa", "10.1.0.0/24"), vnet("bb", "10.2.0.0/24", region="r2"),
                           vnet("cc", "10.3.0.0/24", region="r2")],
                [peering("a-b", "aa", "bb"), peering("b-c", "bb", "cc")])
    assert reaches(net, "aa", "10.2.0.4") and reaches(net, "bb", "10.3.0.4")
    assert not reaches(net, "aa", "10.3.0.4")
    assert route_in(net, "aa", "10.2.0.4").next_hop_type == NextHopType.VNET_GLOBAL_PEERING
    assert route_in(net, "bb", "10.3.0.4").next_hop_type == NextHopType.VNET_PEERING


def test_peering_beats_gateway_connection(tmp_path: Path) -> None:
    """Rule 2.4: two VNets both peered and connected through gateways use the peering.

    Azure Virtual Network peering, https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview
    Virtual network traffic routing, https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    """
    net = build(tmp_path, [vnet("aa", "10.1.0.0/24", vpn=True), vnet("bb", "10.2.0.0/24", vpn=True, asn=65516)],
                [peering("a-b", "aa", "bb"), vpn("a-b-vpn", "aa", "bb")])
    assert route_in(net, "aa", "10.2.0.4").next_hop_type == NextHopType.VNET_PEERING
    trace = net.prober.tracert(resolve_source(net.topology, "aa"), IPv4Address("10.2.0.4"))
    assert [h.kind for h in trace.hops] == ["echo-reply"]  # peering adds no hop


@pytest.mark.parametrize("transit", [True, False])
def test_gateway_transit(tmp_path: Path, transit: bool) -> None:
    """Rule 2.3: with both flags the spoke uses the hub's gateways and is advertised by them.

    Configure VPN gateway transit for virtual network peering, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit
    """
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", er=True), vnet("spoke", "10.11.0.0/24"),
                           site("dc", 65001, "10.2.0.0/24")],
                [peering("hub-spoke", "hub", "spoke", transit=transit),
                 circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-er", "hub")])])
    assert reaches(net, "spoke", "10.10.0.4")
    assert reaches(net, "spoke", "10.2.0.10") is transit
    assert reaches(net, "dc", "10.11.0.4") is transit
    dc_routes = net.plane.routers["dc-ce"].table
    assert (dc_routes.get(IPv4Network("10.11.0.0/24")) is not None) is transit


def test_circuit_links_ecmp_and_shared_domain(tmp_path: Path) -> None:
    """Rules 3.1 and 3.2: both circuit links are used together; every VNet on a circuit
    shares one routing domain; on-premises sees AS path 12076.

    ExpressRoute routing requirements, https://learn.microsoft.com/azure/expressroute/expressroute-routing
    Interoperability in Azure - Control plane analysis, https://learn.microsoft.com/azure/networking/connectivty-interoperability-control-plane
    """
    dc = site("dc", 65001, "10.2.0.0/24")
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", er=True), vnet("far", "10.17.0.0/24", er=True, region="r2"), dc],
                [circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce"),
                                ("er-s", "secondary", "192.168.0.20/30", "dc-ce")],
                         [("hub-er", "hub"), ("far-er", "far")])])
    hops = net.plane.tables[ids.ergw("hub")].lookup(IPv4Address("10.2.0.10")).next_hops  # type: ignore[union-attr]
    assert {h.element for h in hops} == {ids.msee("er", "primary"), ids.msee("er", "secondary")}
    assert reaches(net, "hub", "10.17.0.4") and reaches(net, "far", "10.2.0.10")
    learned = net.plane.bgp.speakers[ids.router("dc-ce")].best[IPv4Network("10.10.0.0/24")]
    assert learned[0].as_path == (12076,)


def _two_circuits(tmp_path: Path, reach: list[Doc]) -> Network:
    return build(tmp_path, [vnet("hub", "10.10.0.0/24", er=True), site("dc1", 65001, "10.1.0.0/24"),
                            site("dc2", 65002, "10.2.0.0/24"), site("dc3", 65003, "10.3.0.0/24")],
                 [circuit("c1", [("c1-p", "primary", "192.168.0.16/30", "dc1-ce")], [("hub-c1", "hub")]),
                  circuit("c2", [("c2-p", "primary", "192.168.0.20/30", "dc2-ce")], [("hub-c2", "hub")]),
                  circuit("c3", [("c3-p", "primary", "192.168.0.24/30", "dc3-ce")], []), *reach])


def test_no_circuit_to_circuit_without_global_reach(tmp_path: Path) -> None:
    """Rule 3.3: a VNet on two circuits never passes routes between them; Global Reach
    does, not transitively.

    About ExpressRoute Global Reach, https://learn.microsoft.com/azure/expressroute/expressroute-global-reach
    Interoperability in Azure - Control plane analysis, https://learn.microsoft.com/azure/networking/connectivty-interoperability-control-plane
    """
    net = _two_circuits(tmp_path, [])
    assert reaches(net, "hub", "10.1.0.10") and reaches(net, "hub", "10.2.0.10")
    assert not reaches(net, "dc1", "10.2.0.10")
    reach = [{"name": "gr12", "type": "global_reach", "circuits": ["c1", "c2"]},
             {"name": "gr23", "type": "global_reach", "circuits": ["c2", "c3"]}]
    net = _two_circuits(tmp_path, reach)
    assert reaches(net, "dc1", "10.2.0.10") and reaches(net, "dc2", "10.3.0.10")
    assert not reaches(net, "dc1", "10.3.0.10")  # Global Reach is not transitive
    assert not reaches(net, "hub", "10.3.0.10")  # nor does it give VNets the other circuit


def test_vpn_transit_default_route_and_static(tmp_path: Path) -> None:
    """Rules 4.2 and 4.3: transit between a gateway's VPN connections, without the default
    route; a static connection's prefixes become gateway routes.

    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    VPN Gateway FAQ, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq
    """
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250", advertise=["10.2.0.0/24", "0.0.0.0/0"])
    static = site("shop", 65009, "10.9.0.0/24", tunnel="10.9.0.250")
    static["routers"][0]["static_routes"].append({"prefix": "10.0.0.0/8", "interface": "tunnel"})
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", vpn=True), vnet("branch", "10.11.0.0/24", vpn=True, asn=65516),
                           dc, static],
                [vpn("hub-branch", "hub", "branch"), vpn("dc-vpn", "hub", ("dc-ce", "tunnel")),
                 vpn("shop-vpn", "hub", ("shop-ce", "tunnel"), bgp=False, prefixes=["10.9.0.0/24"])])
    assert reaches(net, "branch", "10.2.0.10") and reaches(net, "dc", "10.11.0.4")
    branch_gw = net.plane.bgp.speakers[ids.vpngw("branch")].best
    assert IPv4Network("0.0.0.0/0") not in branch_gw
    assert route_in(net, "hub", "8.8.8.8").next_hop_type == NextHopType.GATEWAY  # hub itself uses it
    assert route_in(net, "hub", "10.9.0.10").next_hop_type == NextHopType.GATEWAY
    assert reaches(net, "hub", "10.9.0.10") and reaches(net, "branch", "10.9.0.10")


def test_same_asn_bgp_session_learns_nothing(tmp_path: Path) -> None:
    """Rule 4.1: both ends of a BGP session need different ASNs.

    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", vpn=True), vnet("branch", "10.11.0.0/24", vpn=True),
                           vnet("edge", "10.12.0.0/24", vpn=True, asn=65516)],
                [vpn("hub-branch", "hub", "branch"), vpn("hub-edge", "hub", "edge")], validated=False)
    assert not reaches(net, "hub", "10.11.0.4")
    assert reaches(net, "hub", "10.12.0.4")


def test_active_active_vpn_gateway_spreads_flows_over_both_instances(tmp_path: Path) -> None:
    """Rule 4.4: an active-active VPN gateway has two instances and spreads flows over both.

    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    VPN Gateway FAQ, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq
    """
    hub = vnet("hub", "10.10.0.0/24", vpn=True)
    hub["gateways"]["vpn"]["instances"] = ["10.10.0.238", "10.10.0.239"]
    hub["endpoints"] += [{"name": f"vm{i}", "address": f"10.10.0.{10 + i}"} for i in range(8)]
    net = build(tmp_path, [hub, vnet("branch", "10.11.0.0/24", vpn=True, asn=65516)],
                [vpn("hub-branch", "hub", "branch")])
    first_hops = {net.prober.tracert(resolve_source(net.topology, f"vm{i}"), IPv4Address("10.11.0.4")).hops[0].address
                  for i in range(8)}
    assert first_hops == {IPv4Address("10.10.0.238"), IPv4Address("10.10.0.239")}


@pytest.mark.parametrize("b2b", [False, True])
def test_no_expressroute_vpn_transit_without_branch_to_branch(tmp_path: Path, b2b: bool) -> None:
    """Rule 5.2: no transit between ExpressRoute and VPN, unless Route Server
    branch-to-branch.

    Azure Route Server support for ExpressRoute and Azure VPN, https://learn.microsoft.com/azure/route-server/expressroute-vpn-support
    Interoperability in Azure - Control plane analysis, https://learn.microsoft.com/azure/networking/connectivty-interoperability-control-plane
    """
    net = build(tmp_path, [vnet("hub", "10.10.0.0/24", er=True, vpn=True, branch_to_branch=b2b),
                           vnet("branch", "10.11.0.0/24", vpn=True, asn=65516), site("dc", 65001, "10.2.0.0/24")],
                [vpn("hub-branch", "hub", "branch"),
                 circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-er", "hub")])])
    assert reaches(net, "hub", "10.11.0.4") and reaches(net, "hub", "10.2.0.10")
    assert reaches(net, "branch", "10.2.0.10") is b2b
    assert reaches(net, "dc", "10.11.0.4") is b2b


def test_onprem_local_preference_and_loop_prevention(tmp_path: Path) -> None:
    """Rules 6.1, 6.2 and 5.1: on-premises the highest local preference wins (the CE's
    preference keeps traffic on ExpressRoute); a route carrying the router's own ASN is dropped.

    Interoperability in Azure - Control plane analysis, https://learn.microsoft.com/azure/networking/connectivty-interoperability-control-plane
    """
    for preference, expected in ((200, ids.msee("er", "primary")), (50, ids.vpngw("hub"))):
        dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250",
                  local_preference={"er-p": preference})
        net = _hub_er_site(tmp_path, dc, [vpn("dc-vpn", "hub", ("dc-ce", "tunnel"))])
        hop = net.plane.routers["dc-ce"].table.lookup(IPv4Address("10.10.0.4")).next_hops[0]  # type: ignore[union-attr]
        assert hop.element == expected
        ce = net.plane.bgp.speakers[ids.router("dc-ce")]
        assert all(65001 not in p.as_path for table in ce.adj_in.values() for p in table.values())


def test_routing_loop_terminates(tmp_path: Path) -> None:
    a = site("dc", 65001, "10.2.0.0/24")
    a["routers"][0]["static_routes"] = [{"prefix": "10.50.0.0/16", "next_hop": "10.2.0.2"}]
    a["routers"].append({"name": "dc-r2", "interfaces": [{"name": "lan", "address": "10.2.0.2/24"}],
                         "static_routes": [{"prefix": "10.50.0.0/16", "next_hop": "10.2.0.1"}]})
    net = build(tmp_path, [a], [])
    result = net.prober.tracert(resolve_source(net.topology, "dc"), IPv4Address("10.50.0.1"), max_hops=12)
    assert len(result.hops) == 12 and not result.reached
    assert [h.address for h in result.hops[:4]] == [IPv4Address(x) for x in
                                                    ("10.2.0.1", "10.2.0.2", "10.2.0.1", "10.2.0.2")]


@pytest.mark.parametrize(("preference", "via"), [
    (None, "ergw"), ("ExpressRoute", "ergw"), ("VpnGateway", "vpngw"), ("ASPath", "vpngw")])
def test_hub_routing_preference_with_branch_to_branch(tmp_path: Path, preference: str | None,
                                                      via: str) -> None:
    """Rule 5.3: with Route Server branch-to-branch, a prefix learned over both ExpressRoute
    and VPN follows the hub routing preference: ExpressRoute by default (the VPN copy's shorter
    AS path does not win), VpnGateway the other way, ASPath the shortest AS path (here the VPN's:
    ExpressRoute adds 12076).

    Routing preference (Azure Route Server), https://learn.microsoft.com/azure/route-server/hub-routing-preference
    Azure Route Server support for ExpressRoute and Azure VPN, https://learn.microsoft.com/azure/route-server/expressroute-vpn-support
    """
    hub = {"branch_to_branch": True}
    if preference is not None:
        hub["hub_routing_preference"] = preference
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    dc["routers"][0]["static_routes"].append({"prefix": "10.10.0.254/32", "interface": "tunnel"})
    net = _hub_er_site(tmp_path, dc, [vpn("dc-vpn", "hub", ("dc-ce", "tunnel"))], **hub)
    route = net.plane.vnets["hub"].lookup(None, IPv4Address("10.2.0.10"))
    assert route is not None and route.next_hop_type == NextHopType.GATEWAY
    assert {h.element for h in route.next_hops} == {ids.Element(ids.Kind(via), "hub")}
    trace = net.prober.tracert(resolve_source(net.topology, "hub"), IPv4Address("10.2.0.10"))
    assert trace.reached
