"""Whole-model checks one at a time: the reference passes each, and each catches its own case."""

from __future__ import annotations

import random
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azint.errors import Position
from azint.topology import checks
from azint.topology import model as m
from azint.topology.loader import TopologyBuilder, default_topology_path, load
from azint.topology.problems import Problem, Severity
from azint.topology.source import parse_document


def _where(kind: str, name: str, *inner: str | int) -> Position:
    """A stand-in locator whose 'file' spells what was located, so tests can see it."""
    return Position("/".join(map(str, (kind, name, *inner))))


def _built(text: str) -> tuple[m.Topology, checks.Locate]:
    document = parse_document(text.encode(), "t.yaml")
    builder = TopologyBuilder(document)
    topology = builder.build()
    assert topology is not None and builder.problems == []

    def at(kind: str, name: str, *inner: str | int) -> Position:
        return document.where((*builder.where(kind, name), *inner))

    return topology, at


def _messages(problems: list[Problem]) -> list[str]:
    return [f"{p.severity}: {p.message}" for p in problems]


REFERENCE = load()


@pytest.mark.parametrize("check", [c for c in checks.CHECKS if c is not checks.check_redundancy],
                         ids=lambda c: c.__name__)
def test_reference_topology_passes_every_check(check: checks.Check) -> None:
    assert list(check(REFERENCE, _where)) == []


def test_reference_secondary_link_down_is_the_only_redundancy_warning() -> None:
    found = list(checks.check_redundancy(REFERENCE, _where))
    assert [(p.severity, str(p.position)) for p in found] == [
        (Severity.WARNING, "link/er1-secondary/state")]


def test_redundancy_warning_goes_away_when_the_link_is_up() -> None:
    circuit = REFERENCE.circuits["er1"]
    up = replace(circuit, links=tuple(replace(link, up=True) for link in circuit.links))
    topology = replace(REFERENCE, circuits=MappingProxyType({**REFERENCE.circuits, "er1": up}))
    assert list(checks.check_redundancy(topology, _where)) == []


def test_locator_points_at_the_named_part_not_at_the_name() -> None:
    text = default_topology_path().read_text()
    topology, at = _built(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "name: spoke-vm" in row)
    where = at("endpoint", "spoke-vm", "address")
    assert (where.line, where.column) == (line, text.splitlines()[line - 1].index("10.11") + 1)
    assert topology.vnets["spoke"].endpoints[0].name == "spoke-vm"


# -- preference symmetry -------------------------------------------------------------------


def _with_loc1_preferences(preferences: dict[str, int]) -> m.Topology:
    site = REFERENCE.sites["location1"]
    routers = tuple(replace(r, local_preference=MappingProxyType(preferences))
                    if r.name == "loc1-ce" else r for r in site.routers)
    sites = {**REFERENCE.sites, "location1": replace(site, routers=routers)}
    return replace(REFERENCE, sites=MappingProxyType(sites))


@pytest.mark.parametrize(("preferences", "warned"), [
    ({}, True),                                                       # 100 vs 100
    ({"er1-primary": 200}, True),                                     # secondary left at 100
    ({"er1": 200}, False),                                            # the circuit's name counts
    ({"er1-primary": 200, "er1-secondary": 200, "loc1-vpn": 300}, True),
    ({"er1-primary": 200, "er1-secondary": 200}, False),              # the reference
])
def test_asymmetric_preference(preferences: dict[str, int], warned: bool) -> None:
    found = list(checks.check_preference_symmetry(_with_loc1_preferences(preferences), _where))
    assert [str(p.position) for p in found] == (["router/loc1-ce/bgp"] if warned else [])


# -- reserved ASNs and BGP sessions --------------------------------------------------------


@pytest.mark.parametrize(("asn", "reserved"), [
    (8073, False), (8074, True), (8075, True), (12076, True), (65514, False), (65515, True),
    (65516, False), (65517, True), (65520, True), (65521, False)])
def test_reserved_asns(asn: int, reserved: bool) -> None:
    site = replace(REFERENCE.sites["location2"], asn=asn)
    topology = replace(REFERENCE, sites=MappingProxyType({**REFERENCE.sites, "location2": site}))
    found = list(checks.check_reserved_asns(topology, _where))
    assert [str(p.position) for p in found] == (["network/location2/asn"] if reserved else [])


def test_vpn_without_bgp_may_join_equal_asns() -> None:
    hub_branch = next(v for v in REFERENCE.vpns if v.name == "hub-branch")
    branch = REFERENCE.vnets["branch"]
    assert branch.vpn_gateway is not None
    same = replace(branch, vpn_gateway=replace(branch.vpn_gateway, asn=65515))
    vnets = MappingProxyType({**REFERENCE.vnets, "branch": same})
    with_bgp = replace(REFERENCE, vnets=vnets)
    without_bgp = replace(with_bgp, vpns=tuple(replace(v, bgp=False) if v is hub_branch else v
                                                for v in REFERENCE.vpns))
    assert _messages(list(checks.check_bgp_asns(with_bgp, _where))) == [
        "error: BGP over VPN 'hub-branch' joins 'hub' and 'branch', which both use ASN 65515; "
        "give one of them another ASN"]
    assert list(checks.check_bgp_asns(without_bgp, _where)) == []


# -- prefix limits -------------------------------------------------------------------------


def _advertising(count: int) -> m.Topology:
    site = REFERENCE.sites["location2"]
    many = tuple(IPv4Network((0x0AC80000 + 4 * i, 30)) for i in range(count))
    routers = tuple(replace(r, advertise=many) if r.name == "loc2-ce1" else r
                    for r in site.routers)
    sites = {**REFERENCE.sites, "location2": replace(site, routers=routers)}
    return replace(REFERENCE, sites=MappingProxyType(sites))


def _premium(topology: m.Topology) -> m.Topology:
    circuits = {**topology.circuits, "er2": replace(topology.circuits["er2"], premium=True)}
    return replace(topology, circuits=MappingProxyType(circuits))


@pytest.mark.parametrize(("count", "premium", "over"), [
    (4_000, False, False), (4_001, False, True), (4_001, True, False),
    (10_000, True, False), (10_001, True, True)])
def test_onprem_prefix_limit(count: int, premium: bool, over: bool) -> None:
    """Rule 3.5: at most 4,000 on-premises prefixes into private peering, 10,000 with Premium.

    ExpressRoute routing requirements, https://learn.microsoft.com/azure/expressroute/expressroute-routing
    """
    topology = _advertising(count)
    topology = _premium(topology) if premium else topology
    found = list(checks.check_prefix_limits(topology, _where))
    assert [str(p.position) for p in found] == (["link/er2-primary"] if over else [])


def test_duplicate_advertisements_count_once() -> None:
    site = REFERENCE.sites["location2"]
    same = (IPv4Network("10.1.31.0/25"),) * 5_000
    routers = tuple(replace(r, advertise=same) for r in site.routers)
    sites = {**REFERENCE.sites, "location2": replace(site, routers=routers)}
    assert list(checks.check_prefix_limits(replace(REFERENCE, sites=MappingProxyType(sites)),
                                           _where)) == []


def _ranges(topology: m.Topology, vnet: str, count: int, first_octet: int) -> m.Topology:
    space = tuple(IPv4Network(((first_octet << 24) + 4 * i, 30)) for i in range(count))
    vnets = {**topology.vnets, vnet: replace(topology.vnets[vnet], address_space=space)}
    return replace(topology, vnets=MappingProxyType(vnets))


def test_azure_limit_counts_transit_spokes_with_the_hub() -> None:
    """Rule 3.5: Azure advertises at most 1,000 prefixes per connection, spokes included.

    ExpressRoute FAQ, https://learn.microsoft.com/azure/expressroute/expressroute-faqs
    """
    topology = _ranges(_ranges(REFERENCE, "hub", 600, 20), "spoke", 401, 21)
    positions = [str(p.position) for p in checks.check_prefix_limits(topology, _where)]
    # hub's gateways advertise 1,001 prefixes on each of its connections; remote's stay small
    assert positions == ["vnet link/hub-er1", "vnet link/hub-er2", "vpn/hub-branch",
                         "vpn/loc1-vpn"]
    alone = _ranges(_ranges(REFERENCE, "hub", 600, 20), "spoke", 400, 21)
    assert list(checks.check_prefix_limits(alone, _where)) == []


# -- overlaps --------------------------------------------------------------------------------


def test_spoke_without_transit_does_not_exchange_routes_over_the_hub_circuits() -> None:
    # location2 advertises 10.1.31.0/25; a spoke holding it conflicts only when it uses the hub
    spoke = replace(REFERENCE.vnets["spoke"], address_space=(IPv4Network("10.1.31.0/26"),),
                    endpoints=(), subnets=())
    transit = replace(REFERENCE, vnets=MappingProxyType({**REFERENCE.vnets, "spoke": spoke}))
    no_transit = replace(transit, peerings=tuple(
        replace(p, b=replace(p.b, use_remote_gateways=False)) for p in transit.peerings))
    assert _messages(list(checks.check_exchange_overlaps(transit, _where))) == [
        "error: 10.1.31.0/26 of 'spoke' overlaps 10.1.31.0/25 of 'location2', and they "
        "exchange routes over 'er2'"]
    assert list(checks.check_exchange_overlaps(no_transit, _where)) == []


def test_one_site_advertising_a_prefix_from_two_routers_is_no_overlap() -> None:
    advertised = [r.advertise for r in REFERENCE.sites["location2"].routers if r.advertise]
    assert advertised == [(IPv4Network("10.1.31.0/25"),)] * 2
    assert list(checks.check_exchange_overlaps(REFERENCE, _where)) == []


prefixes = st.builds(lambda address, length: IPv4Network((address, length), strict=False),
                     st.integers(0, 2**32 - 1), st.integers(0, 32))


@given(st.lists(prefixes, max_size=40))
def test_nested_finds_exactly_the_prefixes_inside_an_earlier_one(nets: list[IPv4Network]) -> None:
    items = list(enumerate(nets))
    found = dict(checks._nested((net, i) for i, net in items))
    order = sorted(items, key=lambda x: (x[1].network_address, x[1].prefixlen))
    rank = {i: r for r, (i, _) in enumerate(order)}
    for i, net in items:
        holders = [j for j, other in items if rank[j] < rank[i] and net.subnet_of(other)]
        assert (i in found) == bool(holders)
        if i in found:
            assert net.subnet_of(nets[found[i]])


@given(st.lists(prefixes, max_size=40), st.randoms())
def test_nested_reports_the_same_prefixes_in_any_input_order(nets: list[IPv4Network],
                                                             rng: random.Random) -> None:
    shuffled = nets[:]
    rng.shuffle(shuffled)
    inner = sorted(net for net, _ in checks._nested((n, n) for n in nets))
    assert inner == sorted(net for net, _ in checks._nested((n, n) for n in shuffled))


def test_overlap_checks_stay_fast_on_many_subnets() -> None:
    # 20,000 distinct /30s: a pairwise check would do 2e8 comparisons; the sweep does not
    subnets = tuple(m.Subnet(f"s{i}", IPv4Network((0x0A000000 + 4 * i, 30)))
                    for i in range(20_000))
    vnet = replace(REFERENCE.vnets["hub"], address_space=(IPv4Network("10.0.0.0/8"),),
                   subnets=subnets)
    topology = replace(REFERENCE, vnets=MappingProxyType({**REFERENCE.vnets, "hub": vnet}))
    assert list(checks.check_subnets(topology, _where)) == []


# -- connections Azure refuses -------------------------------------------------------------


def _with_circuit(topology: m.Topology, name: str, **changes: object) -> m.Topology:
    circuits = {**topology.circuits, name: replace(topology.circuits[name], **changes)}
    return replace(topology, circuits=MappingProxyType(circuits))


def test_global_reach_needs_two_peering_locations() -> None:
    """Global Reach joins circuits created at different peering locations ("Configure
    ExpressRoute Global Reach",
    https://learn.microsoft.com/azure/expressroute/expressroute-howto-set-global-reach)."""
    reach = m.GlobalReach("gr", ("er1", "er2"))
    joined = replace(REFERENCE, global_reach=(reach,))
    assert list(checks.check_global_reach(joined, _where)) == []
    same = _with_circuit(joined, "er2", peering_location="er1-location")
    assert [str(p.position) for p in checks.check_global_reach(same, _where)] == [
        "global reach/gr/circuits/1"]


def test_a_circuit_with_one_link_is_no_error_but_one_without_links_is() -> None:
    """Every circuit is a primary and a secondary link ("ExpressRoute circuits and peering",
    https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings); a file may
    leave out the one that is not connected, but not both."""
    er1 = REFERENCE.circuits["er1"]
    one = _with_circuit(REFERENCE, "er1", links=er1.links[:1])
    assert list(checks.check_circuit_shape(one, _where)) == []
    none = _with_circuit(REFERENCE, "er1", links=())
    assert [str(p.position) for p in checks.check_circuit_shape(none, _where)] == [
        "circuit/er1/links"]


def test_one_site_on_both_links_of_a_circuit_faces_one_asn() -> None:
    """Both links of er2 end at location2's two routers: one site, one ASN, no error."""
    routers = {link.router for link in REFERENCE.circuits["er2"].links}
    assert routers == {"loc2-ce1", "loc2-ce2"}
    assert list(checks.check_circuit_shape(REFERENCE, _where)) == []


# -- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "reserved"), [
    ("10.0.0.0", True), ("10.0.0.1", True), ("10.0.0.2", True), ("10.0.0.3", True),
    ("10.0.0.4", False), ("10.0.0.30", False), ("10.0.0.31", True)])
def test_azure_reserves_the_first_four_and_the_last_address_of_a_subnet(address: str,
                                                                        reserved: bool) -> None:
    """"Azure Virtual Network frequently asked questions (FAQ)": "Are there any restrictions on
    using IP addresses within these subnets?" (x.x.x.0-x.x.x.3 and the last address,
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq)."""
    assert checks._reserved(IPv4Address(address), IPv4Network("10.0.0.0/27")) is reserved


def test_a_vpn_gateway_may_peer_from_its_own_instance_address() -> None:
    hub = REFERENCE.vnets["hub"]
    assert hub.vpn_gateway is not None
    own = replace(hub.vpn_gateway, bgp_peer_address=hub.vpn_gateway.instances[0])
    er = hub.expressroute_gateway
    assert er is not None
    other = replace(hub.vpn_gateway, bgp_peer_address=er.instances[0])
    for gateway, positions in ((own, []), (other, ["network/hub/gateways/vpn/bgp_peer_address"])):
        vnets = MappingProxyType({**REFERENCE.vnets, "hub": replace(hub, vpn_gateway=gateway)})
        found = checks.check_shared_addresses(replace(REFERENCE, vnets=vnets), _where)
        assert [str(p.position) for p in found] == positions


def test_two_sites_may_reuse_an_internal_address() -> None:
    """Addresses are owned per network: unrelated sites commonly reuse private link addresses."""
    loc1, loc2 = REFERENCE.sites["location1"], REFERENCE.sites["location2"]
    switch = next(r for r in loc2.routers if r.name == "loc2-switch")
    reused = m.RouterInterface("to-ce1", loc1.routers[0].interfaces[1].address)
    routers = tuple(replace(r, interfaces=(r.interfaces[0], reused, *r.interfaces[2:]))
                    if r is switch else r for r in loc2.routers)
    sites = MappingProxyType({**REFERENCE.sites, "location2": replace(loc2, routers=routers)})
    assert list(checks.check_shared_addresses(replace(REFERENCE, sites=sites), _where)) == []


# -- local preference ----------------------------------------------------------------------


def _loc1_ce_best(preferences: dict[str, int]) -> dict[IPv4Network, tuple[int, ...]]:
    from azint.control import ids
    from azint.network import Network

    speaker = Network.of(_with_loc1_preferences(preferences)).plane.bgp.speakers[
        ids.router("loc1-ce")]
    return {prefix: tuple(p.local_preference for p in paths)
            for prefix, paths in speaker.best.items()}


def test_a_circuit_name_sets_the_preference_of_all_its_links() -> None:
    """BGP applies a circuit's name to each of its links on the router, and a link's own name
    before it; until now it ignored circuit names, which the symmetry check counted."""
    reference = _loc1_ce_best({"er1-primary": 200, "er1-secondary": 200})
    assert _loc1_ce_best({"er1": 200}) == reference
    assert _loc1_ce_best({"er1": 50, "er1-primary": 200, "er1-secondary": 200}) == reference
    assert _loc1_ce_best({}) != reference


@pytest.mark.parametrize(("key", "message"), [
    ("er1", None), ("er1-primary", None), ("loc1-vpn", None),
    ("er2", "local_preference names 'er2', which is not a BGP session of router 'loc1-ce' "
            "(its sessions: er1-primary, er1, er1-secondary, loc1-vpn); did you mean 'er1'?"),
    ("hub-spoke", "local_preference names 'hub-spoke', which is not a BGP session of router "
                  "'loc1-ce' (its sessions: er1-primary, er1, er1-secondary, loc1-vpn)"),
    ("er1-primry", "local_preference names unknown connection or circuit link 'er1-primry'; "
                   "did you mean 'er1-primary'?")])
def test_local_preference_keys_are_the_routers_own_sessions(key: str, message: str | None) -> None:
    found = list(checks.check_router_names(_with_loc1_preferences({key: 200}), _where))
    assert [p.message for p in found] == ([message] if message else [])


# -- BGP over VPN ------------------------------------------------------------------------------


def _router(*statics: m.StaticRoute) -> m.Router:
    from ipaddress import IPv4Interface
    return m.Router("r", "s", (m.RouterInterface("lan", IPv4Interface("10.9.0.1/24")),
                               m.RouterInterface("tunnel", IPv4Interface("10.9.0.254/32"))),
                    statics)


@pytest.mark.parametrize(("statics", "out"), [
    ((), None),
    ((m.StaticRoute(IPv4Network("0.0.0.0/0"), discard=True),), None),
    ((m.StaticRoute(IPv4Network("10.1.255.30/32"), interface="tunnel"),), "tunnel"),
    ((m.StaticRoute(IPv4Network("10.1.0.0/16"), interface="tunnel"),
      m.StaticRoute(IPv4Network("10.1.255.0/24"), discard=True)), None),   # more specific wins
    ((m.StaticRoute(IPv4Network("10.0.0.0/8"), next_hop=IPv4Address("10.9.0.2")),), "lan"),
])
def test_the_route_a_router_takes_to_its_bgp_peer(statics: tuple[m.StaticRoute, ...],
                                                 out: str | None) -> None:
    assert checks._exit_interface(_router(*statics), IPv4Address("10.1.255.30")) == out


def test_a_bgp_peer_on_a_connected_subnet_needs_no_static_route() -> None:
    assert checks._exit_interface(_router(), IPv4Address("10.9.0.7")) == "lan"
