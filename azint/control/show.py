"""The control plane as Azure and router CLIs show it: rows, not text.

* a VNet subnet's effective routes (``az network nic show-effective-route-table``);
* an on-premises router's BGP best paths and routing table (``show ip bgp`` / ``show ip route``);
* a circuit's route table per MSEE (``az network express-route list-route-tables``);
* a gateway's learned routes and what it advertises to each peer
  (``az network vnet-gateway list-learned-routes`` / ``list-advertised-routes``).

Every row is computed from ``ControlPlane``; rendering lives in ``azint.render``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network

from azint.control import ids, routeserver
from azint.control.bgp import Path, Relation, Speaker, session_order
from azint.control.ids import Element, Kind, SessionKey
from azint.control.plane import ControlPlane
from azint.control.routes import Route
from azint.control.security import EffectiveView, effective_rules
from azint.errors import UsageError
from azint.topology import model as m


@dataclass(frozen=True)
class EffectiveRow:
    source: str
    state: str  # "Active" or "Invalid"
    prefix: IPv4Network
    next_hop_type: str
    next_hop_ips: tuple[IPv4Address, ...]
    origin: str


@dataclass(frozen=True)
class BgpRow:
    """One BGP path: a router's best path, a circuit row, or a gateway's learned route."""

    prefix: IPv4Network
    next_hop: IPv4Address | None
    local_preference: int
    weight: int
    as_path: tuple[int, ...]
    origin: str  # "EBgp", "IBgp" or "Network" (originated), as Azure names it
    peer: SessionKey | None  # the session it came from; None when originated
    best: bool = True
    local_address: IPv4Address | None = None  # an active-active gateway's own end of the session


@dataclass(frozen=True)
class RouterRow:
    protocol: str  # connected, static, ospf, bgp
    prefix: IPv4Network
    next_hops: tuple[str, ...]  # addresses, or "Null0" for a discard route
    local_preference: int | None
    as_path: tuple[int, ...]
    origin: str


@dataclass(frozen=True)
class RouterView:
    name: str
    site: str
    bgp: tuple[BgpRow, ...]
    routes: tuple[RouterRow, ...]


@dataclass(frozen=True)
class Advertisement:
    """What a speaker sends on one session."""

    session: str  # connection name
    peer: Element
    peer_address: IPv4Address | None
    paths: tuple[BgpRow, ...]


def network_kind(topology: m.Topology, name: str) -> str:
    """``vnet`` or ``onprem``; a usage error naming the closest network otherwise."""
    if name in topology.vnets:
        return "vnet"
    if name in topology.sites:
        return "onprem"
    hint = difflib.get_close_matches(name, topology.network_names, n=1)
    extra = (f"; did you mean '{hint[0]}'?" if hint
             else f"; networks: {', '.join(topology.network_names)}")
    raise UsageError(f"unknown network '{name}'{extra}")


# -- VNets ---------------------------------------------------------------------------------


def default_subnet(topology: m.Topology, vnet: str) -> str | None:
    """The subnet of the VNet's first endpoint (the NIC whose table Azure would show)."""
    found = topology.vnets[vnet]
    for endpoint in found.endpoints:
        subnet = found.subnet_of(endpoint.address)
        if subnet is not None:
            return subnet.name
    return found.subnets[0].name if found.subnets else None


def effective_routes(plane: ControlPlane, vnet: str, subnet: str | None) -> list[EffectiveRow]:
    """The subnet's effective routes, Invalid rows included, in Azure's order."""
    known = [s.name for s in plane.topology.vnets[vnet].subnets]
    if subnet is not None and subnet not in known:
        raise UsageError(f"VNet '{vnet}' has no subnet '{subnet}'; subnets: {', '.join(known)}")
    return [EffectiveRow(row.route.source, "Active" if row.active else "Invalid",
                         row.route.prefix, row.route.next_hop_type,
                         tuple(h.address for h in row.route.next_hops if h.address is not None),
                         row.route.origin)
            for row in plane.vnets[vnet].effective(subnet)]


def security_view(plane: ControlPlane, vnet: str, subnet: str | None,
                  endpoint: str | None) -> EffectiveView:
    """The effective security rules of a VM: ``endpoint``, else the first VM of ``subnet``,
    else the VNet's first VM; a subnet without VMs shows its own NSG."""
    found = plane.topology.vnets[vnet]
    known = [s.name for s in found.subnets]
    if subnet is not None and subnet not in known:
        raise UsageError(f"VNet '{vnet}' has no subnet '{subnet}'; subnets: {', '.join(known)}")
    vms = [e for e in found.endpoints if subnet is None or _subnet_name(found, e) == subnet]
    if endpoint is not None:
        vm = next((e for e in vms if e.name == endpoint), None)
        if vm is None:
            where = f"subnet '{subnet}' of VNet '{vnet}'" if subnet else f"VNet '{vnet}'"
            names = ", ".join(e.name for e in vms) or "none"
            raise UsageError(f"{where} has no VM '{endpoint}'; VMs: {names}")
    else:
        vm = vms[0] if vms else None
    home = found.subnet_of(vm.address) if vm is not None else \
        next((s for s in found.subnets if s.name == subnet), None)
    return effective_rules(plane, found, home, vm)


def _subnet_name(vnet: m.VNet, endpoint: m.Endpoint) -> str | None:
    subnet = vnet.subnet_of(endpoint.address)
    return subnet.name if subnet else None


# -- on-premises routers -------------------------------------------------------------------


def router_views(plane: ControlPlane, site: str, router: str | None) -> list[RouterView]:
    """Each router of ``site`` (or just ``router``): BGP best paths and routing table."""
    names = [r.name for r in plane.topology.sites[site].routers]
    if router is not None and router not in names:
        raise UsageError(f"site '{site}' has no router '{router}'; routers: {', '.join(names)}")
    return [_router_view(plane, site, name) for name in names if router in (None, name)]


def _router_view(plane: ControlPlane, site: str, name: str) -> RouterView:
    speaker = plane.bgp.speakers.get(ids.router(name))
    bgp: list[BgpRow] = []
    if speaker is not None and speaker.sessions:
        bgp = [_bgp_row(plane, speaker, path) for _, paths in sorted(speaker.best.items())
               for path in paths]
    routes = [_router_row(route) for route in plane.routers[name].table]
    return RouterView(name, site, tuple(bgp), tuple(sorted(routes, key=lambda r: r.prefix)))


def _router_row(route: Route) -> RouterRow:
    hops = tuple(str(h.address) for h in route.next_hops if h.address is not None)
    if route.source == "connected":
        hops = ()  # directly connected: its next hops are the neighbours on the interface
    if route.next_hop_type == "discard":
        hops = ("Null0",)
    return RouterRow(route.source, route.prefix, hops, route.local_preference, route.as_path,
                     route.origin)


# -- BGP speakers --------------------------------------------------------------------------


def peer_address(plane: ControlPlane, speaker: Element,
                 session: SessionKey) -> IPv4Address | None:
    """The address ``speaker`` sees its peer on the session at: the BGP next hop."""
    connection, peer = session.connection, session.peer
    if Kind.ROUTE_SERVER in (peer.kind, speaker.kind):
        return routeserver.peer_address(plane, speaker, session)
    if peer.kind is Kind.MSEE:
        return plane.msee_address(peer)
    if peer.kind is Kind.ROUTER and speaker.kind is Kind.MSEE:
        links = plane.topology.circuits[speaker.name].links
        return next((k.ce_address for k in links if k.name == connection), None)
    far = plane.vpn_far_end(connection, speaker, session.tunnel)
    return far.address if far is not None else None


def _bgp_row(plane: ControlPlane, speaker: Speaker, path: Path, best: bool = True) -> BgpRow:
    session = path.session
    hop = peer_address(plane, speaker.id, session) if session else None
    peer_asn = plane.bgp.speakers[session.peer].asn if session else None
    origin = "Network" if not session else ("IBgp" if peer_asn == speaker.asn else "EBgp")
    return BgpRow(path.prefix, hop, path.local_preference, path.weight, path.as_path, origin,
                  path.session, best)


def circuit_table(plane: ControlPlane, circuit: str, role: str) -> list[BgpRow]:
    """A circuit's route table on its primary or secondary MSEE, one row per next hop.

    A VNet prefix lists each ExpressRoute gateway instance as a next hop, with path 65515.
    """
    if circuit not in plane.topology.circuits:
        raise UsageError(f"no ExpressRoute circuit '{circuit}'")
    speaker = plane.bgp.speakers.get(ids.msee(circuit, role))
    if speaker is None:
        return []  # the circuit is down: its edge routers hold nothing
    rows: list[BgpRow] = []
    for _, paths in sorted(speaker.best.items()):
        for path in paths:
            row = _bgp_row(plane, speaker, path)
            rows.extend(BgpRow(row.prefix, hop, row.local_preference, row.weight, row.as_path,
                               row.origin, row.peer) for hop in _circuit_hops(plane, path, row))
    return rows


def _circuit_hops(plane: ControlPlane, path: Path, row: BgpRow) -> list[IPv4Address | None]:
    if path.relation is Relation.ERGW and path.session is not None:
        gateway = plane.topology.vnets[path.session.peer.name]
        if gateway.expressroute_gateway is not None:
            return list(gateway.expressroute_gateway.instances)
    return [row.next_hop]


def gateway_speaker(plane: ControlPlane, name: str) -> Speaker:
    """``vpngw:VNET`` / ``ergw:VNET`` / ``routeserver:VNET``, or a VNet name for its VPN gateway."""
    speaker = plane.bgp.speakers.get(_gateway_element(plane.topology, name))
    if speaker is None or speaker.role.value not in ("vpngw", "ergw", "route-server"):
        known = [str(s) for s in plane.bgp.speakers
                 if s.kind in (Kind.VPNGW, Kind.ERGW, Kind.ROUTE_SERVER)]
        circuits = ", ".join(plane.topology.circuits) or "none"
        raise UsageError(f"'{name}' is neither a circuit nor a VNet with a VPN gateway; "
                         f"circuits: {circuits}; gateways: {', '.join(known)}")
    return speaker


def _gateway_element(topology: m.Topology, name: str) -> Element:
    """A VNet name means its VPN gateway; ``KIND:VNET`` names a gateway of either kind."""
    kind, _, vnet = name.partition(":")
    if name not in topology.vnets and kind in (Kind.VPNGW, Kind.ERGW, Kind.ROUTE_SERVER):
        return Element(Kind(kind), vnet)
    return ids.vpngw(name)


def learned_routes(plane: ControlPlane, speaker: Speaker) -> list[BgpRow]:
    """Every path the gateway holds: its own ranges and each peer's, best ones flagged."""
    rows: list[BgpRow] = []
    for prefix in sorted({*speaker.originated, *(p for t in speaker.adj_in.values() for p in t)}):
        best = speaker.best.get(prefix, ())
        for path in sorted(speaker.candidates(prefix), key=lambda p: (session_order(p), p.as_path)):
            rows.append(_bgp_row(plane, speaker, path, path in best))
    return _with_local_addresses(plane, speaker, rows)


def _with_local_addresses(plane: ControlPlane, speaker: Speaker, rows: list[BgpRow]) -> list[BgpRow]:
    """An active-active VPN gateway's rows with the instance (its BGP address) each path was
    learned on: the ``LocalAddress`` Azure lists learned routes with (rule 4.5)."""
    vnet = plane.topology.vnets.get(speaker.id.name)
    gateway = vnet.vpn_gateway if vnet is not None and speaker.id.kind is Kind.VPNGW else None
    if gateway is None or not gateway.active_active:
        return rows
    return [replace(row, local_address=peer_address(
        plane, row.peer.peer, SessionKey(row.peer.connection, speaker.id, row.peer.tunnel)))
        if row.peer is not None else row for row in rows]


def advertised_routes(plane: ControlPlane, speaker: Speaker) -> list[Advertisement]:
    """What the gateway advertises on each of its sessions (by Azure's export rules)."""
    found: list[Advertisement] = []
    for theirs, paths in plane.bgp.advertisements(speaker.id):
        # the next hop the receiver sees is this speaker's address on the session
        own = peer_address(plane, theirs.speaker, theirs.key)
        rows = tuple(BgpRow(p.prefix, own, p.local_preference,
                            p.weight, p.as_path, "EBgp" if theirs.external else "IBgp", theirs.key)
                     for p in paths)
        address = peer_address(plane, speaker.id, SessionKey(theirs.name, theirs.speaker,
                                                                theirs.tunnel))
        found.append(Advertisement(theirs.name, theirs.speaker, address, rows))
    return sorted(found, key=lambda a: (a.session, a.peer))

