"""Compute every forwarding element's table from the topology: the whole control plane.

``ControlPlane.build(topology)`` wires BGP (``bgp``), runs it to a fixpoint, then turns each
speaker's best paths into forwarding tables: VNet effective routes (``vnet``), gateway, edge and
on-premises router tables (``onprem``). Nothing about reachability is written down anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import field
from ipaddress import IPv4Address, IPv4Network

from azint.control import ids, onprem, routeserver
from azint.control.bgp import NO_TERMS, BgpFabric, Path, Relation, Role, Speaker, Terms, by_group
from azint.control.ids import Element, Kind, SessionKey
from azint.control.routes import NextHop, Route, RouteTable
from azint.control.stability import several_states, unsettled_problem
from azint.control.tunnels import Tunnels, far_end, vpn_tunnels
from azint.control.vnet import SOURCE_GATEWAY, VNetRoutes, system_routes, user_routes
from azint.topology import model as m
from azint.topology.frozen import record
from azint.topology.model import Locate
from azint.topology.problems import InvalidTopology, Problem

MSEE_ROLES = ("primary", "secondary")


@record
class ControlPlane:
    """Every element's routes for one topology (with its links up or down as given)."""

    topology: m.Topology
    bgp: BgpFabric
    vnets: dict[str, VNetRoutes] = field(default_factory=dict)
    gateway_vnet: dict[str, str | None] = field(default_factory=dict)
    tables: dict[Element, RouteTable] = field(default_factory=dict)  # element -> its table
    owners: dict[Element, dict[IPv4Address, NextHop]] = field(default_factory=dict)  # VNet -> owners
    routers: dict[str, onprem.RouterRoutes] = field(default_factory=dict)
    peerings_of: dict[str, list[m.Peering]] = field(default_factory=dict)  # up peerings by VNet
    tunnels: Tunnels = field(default_factory=dict)  # (vpn, end) -> other end per tunnel

    @classmethod
    def build(cls, topology: m.Topology) -> ControlPlane:
        plane = cls.wired(topology)
        plane.bgp.run()
        if plane.bgp.unsettled:  # the same problems ``validate`` reports (``check_bgp``)
            raise InvalidTopology([unsettled_problem(topology, o, topology.where)
                                   for o in plane.bgp.unsettled])
        _vnet_tables(plane)
        _gateway_tables(plane)
        _msee_tables(plane)
        plane.routers = onprem.router_tables(topology, plane.bgp, plane.tunnels)
        _owners(plane)
        return plane

    @classmethod
    def wired(cls, topology: m.Topology) -> ControlPlane:
        """The plane with its BGP sessions wired but not run, and no tables yet."""
        plane = cls(topology, BgpFabric(), tunnels=vpn_tunnels(topology))
        for peering in topology.peerings:
            if peering.up and carries_traffic(peering):
                plane.peerings_of.setdefault(peering.a.network, []).append(peering)
                plane.peerings_of.setdefault(peering.b.network, []).append(peering)
        plane.gateway_vnet = {name: topology.gateway_vnet(name, plane.peerings_of.get(name, []))
                              for name in topology.vnets}
        _wire_bgp(plane)
        return plane

    def spokes_of(self, hub: str) -> list[str]:
        return [p.other(hub).network for p in self.peerings_of.get(hub, [])
                if self.gateway_vnet.get(p.other(hub).network) == hub]

    def local_ranges(self, hub: str) -> list[IPv4Network]:
        """What a gateway VNet's gateways advertise as their own: its ranges and its spokes'."""
        names = [hub, *self.spokes_of(hub)]
        return [r for n in names for r in self.topology.vnets[n].address_space]

    def vpn_far_end(self, connection: str, element: Element, tunnel: int = 0) -> NextHop | None:
        """How ``element`` (one end of VPN ``connection``) reaches the other end over the
        connection's ``tunnel``."""
        found = self.tunnels.get((connection, element), ())
        return found[tunnel] if tunnel < len(found) else None

    def msee_address(self, msee: Element) -> IPv4Address | None:
        """An edge router's address on its customer link."""
        return next((k.msee_address for k in self.topology.circuits[msee.name].links
                     if k.role == msee.role), None)

    def peering_between(self, a: str, b: str) -> m.Peering | None:
        return next((p for p in self.peerings_of.get(a, []) if p.other(a).network == b), None)


def carries_traffic(peering: m.Peering) -> bool:
    """A peering carries packets and routes only while both sides allow virtual network access
    (clearing it on either side stops communication between the two VNets)."""
    return peering.a.allow_virtual_network_access and peering.b.allow_virtual_network_access


def check_bgp(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """What BGP makes of the topology: prefixes that never settle (errors), and prefixes with
    more than one stable state (warnings naming the one azint shows).

    ``validate`` runs this after the file's own checks pass, so it reports, with a position,
    exactly what ``ControlPlane.build`` refuses. Two more runs bring the sessions up one at a
    time, in order of name and in the reverse order: a prefix that settles differently in
    either has another stable state, which a network reaches when its sessions come up so.
    """
    shown = ControlPlane.wired(topology).bgp
    shown.run()
    for oscillation in shown.unsettled:
        yield unsettled_problem(topology, oscillation, at)
    if shown.unsettled:
        return
    others = []
    for order in (shown.session_names(), shown.session_names()[::-1]):
        other = ControlPlane.wired(topology).bgp
        other.run(bring_up=order)
        others.append(other)
    yield from several_states(topology, shown, others, at)


# -- BGP wiring ------------------------------------------------------------------------------


# Route Server's hub routing preference, as what each gateway's selection ranks last (before AS
# paths are compared): (the ExpressRoute gateway's, the VPN gateway's). Across branch-to-branch
# the ExpressRoute gateway hears VPN routes and the VPN gateway ExpressRoute routes.
GATEWAY_DEMOTED: dict[m.HubRoutingPreference, tuple[frozenset[Relation], frozenset[Relation]]] = {
    m.HubRoutingPreference.EXPRESSROUTE: (frozenset({Relation.BRANCH_TO_BRANCH}),
                                          frozenset({Relation.VPNGW, Relation.ROUTER})),
    m.HubRoutingPreference.VPN_GATEWAY: (frozenset({Relation.MSEE}),
                                         frozenset({Relation.BRANCH_TO_BRANCH})),
    m.HubRoutingPreference.AS_PATH: (frozenset(), frozenset()),
}


def _wire_bgp(plane: ControlPlane) -> None:
    topology, fabric = plane.topology, plane.bgp
    for name, vnet in topology.vnets.items():
        ranges = plane.local_ranges(name)
        if vnet.expressroute_gateway is not None:
            er = fabric.add(Speaker(ids.ergw(name), vnet.expressroute_gateway.asn, Role.ERGW))
            for prefix in ranges:
                er.originate(prefix)
        if vnet.vpn_gateway is not None:
            vpn_gw = fabric.add(Speaker(ids.vpngw(name), vnet.vpn_gateway.asn, Role.VPNGW,
                                        own_ranges=vnet.address_space))
            for prefix in ranges:
                vpn_gw.originate(prefix)
        if vnet.branch_to_branch and vnet.expressroute_gateway and vnet.vpn_gateway:
            fabric.connect(f"route-server:{name}", ids.ergw(name), ids.vpngw(name),
                           Relation.BRANCH_TO_BRANCH, Relation.BRANCH_TO_BRANCH)
            er.demoted, vpn_gw.demoted = GATEWAY_DEMOTED[vnet.hub_routing_preference]
    for site in topology.sites.values():
        for router in site.routers:
            speaker = fabric.add(Speaker(ids.router(router.name), site.asn, Role.ROUTER,
                                         multipath=router.multipath,
                                         readvertise=router.readvertise))
            for prefix in router.advertise:
                speaker.originate(prefix)
    for circuit in topology.circuits.values():
        if circuit.up:
            _wire_circuit(plane, circuit)
    for reach in topology.global_reach:
        first, second = (topology.circuits.get(c) for c in reach.circuits)
        if reach.up and first and second and first.up and second.up:
            for role in MSEE_ROLES:
                fabric.connect(reach.name, ids.msee(first.name, role),
                               ids.msee(second.name, role),
                               Relation.GLOBAL_REACH, Relation.GLOBAL_REACH)
    for vpn in topology.vpns:
        if vpn.up and vpn.bgp:
            _wire_vpn(plane, vpn)
        elif vpn.up:
            _originate_static(plane, vpn)
    routeserver.wire(plane)


def _wire_circuit(plane: ControlPlane, circuit: m.Circuit) -> None:
    fabric, topology = plane.bgp, plane.topology
    for role in MSEE_ROLES:
        fabric.add(Speaker(ids.msee(circuit.name, role), m.MSEE_ASN, Role.MSEE))
    for link in circuit.links:
        if link.up and link.router is not None:
            router = topology.router(link.router)
            pref = router.preference(link.name, circuit.name)
            sent, heard = _terms(router.policy(link.name, circuit.name))
            fabric.connect(link.name, ids.msee(circuit.name, link.role), ids.router(router.name),
                           Relation.ROUTER, Relation.MSEE, b_policy=(pref, 0), a_terms=sent,
                           b_terms=heard)
    for conn in circuit.connections:
        vnet = topology.vnets.get(conn.network)
        if conn.up and vnet is not None and vnet.expressroute_gateway is not None:
            for role in MSEE_ROLES:
                fabric.connect(conn.name, ids.msee(circuit.name, role), ids.ergw(conn.network),
                               Relation.ERGW, Relation.MSEE, b_policy=(100, conn.weight))


def _wire_vpn(plane: ControlPlane, vpn: m.VpnConnection) -> None:
    """One session per tunnel of the connection (rule 4.5: one per active-active instance)."""
    a = ids.vpngw(str(vpn.a.network))
    for tunnel in range(len(plane.tunnels[(vpn.name, a)])):
        _wire_tunnel(plane, vpn, a, tunnel)


def _wire_tunnel(plane: ControlPlane, vpn: m.VpnConnection, a: Element, tunnel: int) -> None:
    if vpn.b.network is not None:
        plane.bgp.connect(vpn.name, a, ids.vpngw(vpn.b.network), Relation.VPNGW, Relation.VPNGW,
                          tunnel=tunnel)
        return
    assert vpn.b.router is not None
    router = plane.topology.router(vpn.b.router)
    pref = router.preference(vpn.name)
    sent, heard = _terms(router.policy(vpn.name))
    plane.bgp.connect(vpn.name, a, ids.router(router.name), Relation.ROUTER, Relation.VPNGW,
                      b_policy=(pref, 0), a_terms=sent, b_terms=heard, tunnel=tunnel)


def _terms(policy: m.NeighborPolicy) -> tuple[Terms, Terms]:
    """A router's neighbour policy as the terms of (what its peer hears, what it hears)."""
    if policy is m.NO_POLICY:
        return NO_TERMS, NO_TERMS
    return (Terms(policy.prepend, policy.med, exported=policy.announce),
            Terms(imported=policy.accept))


def static_prefixes(topology: m.Topology, vpn: m.VpnConnection) -> list[tuple[str, tuple[IPv4Network, ...]]]:
    """(gateway VNet, prefixes it routes into the tunnel) for a connection without BGP."""
    if vpn.b.network is None:
        return [(str(vpn.a.network), vpn.b.prefixes)]
    a, b = topology.vnets[str(vpn.a.network)], topology.vnets[vpn.b.network]
    return [(a.name, vpn.b.prefixes or b.address_space), (b.name, vpn.a.prefixes or a.address_space)]


def _originate_static(plane: ControlPlane, vpn: m.VpnConnection) -> None:
    for network, prefixes in static_prefixes(plane.topology, vpn):
        speaker = plane.bgp.speakers[ids.vpngw(network)]
        for prefix in prefixes:
            speaker.originate(prefix, Relation.STATIC)


# -- tables ----------------------------------------------------------------------------------


def _vnet_tables(plane: ControlPlane) -> None:
    topology = plane.topology
    shared: dict[str, RouteTable] = {}
    for name, vnet in topology.vnets.items():
        peers: list[tuple[m.VNet, m.Peering]] = []
        for peering in plane.peerings_of.get(name, []):
            other = topology.vnets.get(peering.other(name).network)
            if other is not None:
                peers.append((other, peering))
        gateway = plane.gateway_vnet[name]
        if gateway is not None and gateway not in shared:
            shared[gateway] = _gateway_layer(plane, gateway)
        layer = shared.get(gateway) if gateway else None
        vpn_hops = _instance_hops(topology.vnets[gateway], "vpn") if gateway else ()
        users = {t.name: user_routes(vnet, t, vpn_hops) for t in vnet.route_tables.values()}
        plane.vnets[name] = VNetRoutes(vnet, system_routes(vnet, peers), layer, gateway, users)


def _instance_hops(vnet: m.VNet, kind: str) -> tuple[NextHop, ...]:
    gateway = vnet.expressroute_gateway if kind == "er" else vnet.vpn_gateway
    if gateway is None:
        return ()
    element = ids.ergw(vnet.name) if kind == "er" else ids.vpngw(vnet.name)
    return tuple(NextHop(element, "vnet", ip, vnet.latency_ms) for ip in gateway.instances)


Learned = list[tuple[Sequence[IPv4Network], tuple[Path, ...]]]


def _learned(speaker: Speaker | None) -> Learned:
    """A gateway's best paths learned from outside (not its own ranges, not route-server), per
    group of alike prefixes (``by_group``: the paths are to the group's first prefix)."""
    if speaker is None:
        return []
    keep = (Relation.MSEE, Relation.VPNGW, Relation.ROUTER, Relation.STATIC)
    return [(ps, paths) for ps, paths in by_group(speaker.best) if paths[0].relation in keep]


def _gateway_layer(plane: ControlPlane, name: str) -> RouteTable:
    """Gateway routes of a gateway VNet: ExpressRoute wins over VPN for the same prefix."""
    vnet = plane.topology.vnets[name]
    er = _learned(plane.bgp.speakers.get(ids.ergw(name)))
    vpn = _learned(plane.bgp.speakers.get(ids.vpngw(name)))
    table = RouteTable()
    vpn_hops, er_hops = _instance_hops(vnet, "vpn"), _instance_hops(vnet, "er")
    for prefixes, paths in vpn:
        origin = "vpn " + ", ".join(_names(paths))
        table.add_each(prefixes, Route(prefixes[0], SOURCE_GATEWAY, m.NextHopType.GATEWAY,
                                       vpn_hops, paths[0].as_path, origin=origin))
    for prefixes, paths in er:
        origin = "expressroute " + ", ".join(_circuits(plane, paths))
        table.add_each(prefixes, Route(prefixes[0], SOURCE_GATEWAY, m.NextHopType.GATEWAY,
                                       er_hops, paths[0].as_path, origin=origin))
    if ids.route_server(name) in plane.bgp.speakers:
        for route in routeserver.program(plane, name, _by_prefix(er), _by_prefix(vpn)):
            table.add(route)
    return table


def _by_prefix(learned: Learned) -> dict[IPv4Network, tuple[Path, ...]]:
    return {prefix: paths for prefixes, paths in learned for prefix in prefixes}


def _names(paths: tuple[Path, ...]) -> list[str]:
    return sorted({p.session.connection if p.session else "static" for p in paths})


def _circuits(plane: ControlPlane, paths: tuple[Path, ...]) -> list[str]:
    return sorted({_session(p).peer.name for p in paths})


def _session(path: Path) -> SessionKey:
    """The session of a path learned from a peer (never an originated one)."""
    assert path.session is not None
    return path.session


def _gateway_tables(plane: ControlPlane) -> None:
    topology = plane.topology
    latency = {c.name: c.latency_ms for circuit in topology.circuits.values()
               for c in circuit.connections}
    static = _static_hops(plane)
    for name, vnet in topology.vnets.items():
        if vnet.expressroute_gateway is not None:
            plane.tables[ids.ergw(name)] = _er_egress(plane, name, latency)
        if vnet.vpn_gateway is not None:
            into_vnet = NextHop(ids.fabric(name), "from:vpngw", None, vnet.latency_ms)
            table = RouteTable()
            # a group of alike prefixes has the same hops (but static ones, kept per prefix)
            for prefixes, paths in by_group(plane.bgp.speakers[ids.vpngw(name)].best):
                each = prefixes if paths[0].relation is Relation.STATIC else prefixes[:1]
                for prefix in each:
                    hops = _vpn_hops(plane, name, prefix, paths, static.get(name, {}), into_vnet)
                    route = Route(prefix, "bgp" if paths[0].session else "local",
                                  paths[0].relation.value, hops, paths[0].as_path,
                                  origin=", ".join(_names(paths)))
                    table.add_each([prefix] if len(each) > 1 else prefixes, route)
            plane.tables[ids.vpngw(name)] = table


def _static_hops(plane: ControlPlane) -> dict[str, dict[IPv4Network, list[NextHop]]]:
    """Per gateway VNet: each static VPN prefix and the tunnels that carry it."""
    found: dict[str, dict[IPv4Network, list[NextHop]]] = {}
    for vpn in plane.topology.vpns:
        if vpn.up and not vpn.bgp:
            for network, prefixes in static_prefixes(plane.topology, vpn):
                ends = dict.fromkeys(plane.tunnels[(vpn.name, ids.vpngw(network))])
                for prefix in prefixes:
                    found.setdefault(network, {}).setdefault(prefix, []).extend(ends)
    return found


def _vpn_hops(plane: ControlPlane, name: str, prefix: IPv4Network, paths: tuple[Path, ...],
              static: dict[IPv4Network, list[NextHop]], into_vnet: NextHop) -> tuple[NextHop, ...]:
    if paths[0].relation in (Relation.LOCAL, Relation.BRANCH_TO_BRANCH):
        return (into_vnet,)
    if paths[0].relation is Relation.STATIC:
        return tuple(sorted(static.get(prefix, ())))
    return tuple(sorted({far_end(plane.tunnels, _session(p), ids.vpngw(name)) for p in paths}))


def _er_egress(plane: ControlPlane, name: str, latency: dict[str, float]) -> RouteTable:
    table = RouteTable()
    # Thousands of prefixes share a few sets of sessions: their hops and origin are built once.
    shared: dict[tuple[int, ...], tuple[tuple[NextHop, ...], str]] = {}  # by sessions' identities
    for prefixes, paths in _learned(plane.bgp.speakers[ids.ergw(name)]):
        sessions = tuple(map(_session, paths))
        key = tuple(map(id, sessions))
        known = shared.get(key)
        if known is None:
            hops = tuple(sorted(NextHop(s.peer, f"gw:{name}", plane.msee_address(s.peer),
                                        latency[s.connection]) for s in sessions))
            known = shared[key] = (hops, "expressroute " + ", ".join(_circuits(plane, paths)))
        table.add_each(prefixes, Route(prefixes[0], "bgp", "bgp", known[0], paths[0].as_path,
                                       weight=paths[0].weight, origin=known[1]))
    return table


def _msee_tables(plane: ControlPlane) -> None:
    topology = plane.topology
    links = {k.name: k for c in topology.circuits.values() for k in c.links}
    conns = {k.name: k for c in topology.circuits.values() for k in c.connections}
    for speaker in plane.bgp.speakers.values():
        if speaker.role is not Role.MSEE:
            continue
        table = RouteTable()
        # Thousands of prefixes share a few sets of sessions: their hops and origin are built once.
        shared: dict[tuple[tuple[int, int], ...],  # by the relations' and sessions' identities
                     tuple[str, tuple[NextHop, ...], str]] = {}
        for prefixes, paths in by_group(speaker.best):
            key = tuple((id(p.relation), id(p.session)) for p in paths)
            known = shared.get(key)
            if known is None:
                hops: list[NextHop] = []
                for path in paths:
                    conn, peer = _session(path).connection, _session(path).peer
                    if path.relation is Relation.ROUTER:
                        link = links[conn]
                        hops.append(NextHop(peer, link.name, link.ce_address, link.latency_ms))
                    elif path.relation is Relation.ERGW:
                        vnet = topology.vnets[conns[conn].network]
                        circuit = speaker.id.name
                        hops.extend(NextHop(peer, f"circuit:{circuit}", ip, conns[conn].latency_ms)
                                    for ip in vnet.expressroute_gateway.instances)  # type: ignore[union-attr]
                    else:
                        hops.append(NextHop(peer, f"gr:{speaker.id.name}", None, 1.0))
                known = shared[key] = (path.relation.value, tuple(sorted(hops)),
                                       ", ".join(_names(paths)))
            table.add_each(prefixes, Route(prefixes[0], "bgp", known[0], known[1],
                                           paths[0].as_path, origin=known[2]))
        plane.tables[speaker.id] = table


def _owners(plane: ControlPlane) -> None:
    """Who answers for each address: per VNet, and per on-premises site."""
    topology = plane.topology
    for name, vnet in topology.vnets.items():
        owned: dict[IPv4Address, NextHop] = {}
        for endpoint in vnet.endpoints:
            owned[endpoint.address] = NextHop(ids.vm(endpoint.name), "nic", endpoint.address)
        for kind, gateway in ((Kind.ERGW, vnet.expressroute_gateway),
                              (Kind.VPNGW, vnet.vpn_gateway)):
            if gateway is None:
                continue
            for ip in gateway.instances:
                owned[ip] = NextHop(Element(kind, name), "vnet", ip)
            if isinstance(gateway, m.VpnGateway) and gateway.bgp_peer_address is not None:
                owned[gateway.bgp_peer_address] = NextHop(Element(kind, name), "vnet",
                                                          gateway.instances[0])
            if isinstance(gateway, m.VpnGateway):  # active-active: each instance's BGP address
                for ip, peer in zip(gateway.instances, gateway.bgp_peer_addresses, strict=False):
                    owned[peer] = NextHop(Element(kind, name), "vnet", ip)
        plane.owners[ids.vnet(name)] = owned
