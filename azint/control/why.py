"""Why a network has no route to a prefix: where BGP propagation stopped, and by which rule.

Starting from the speakers that feed a network (a VNet's gateways, a site's BGP routers), a
breadth-first search over BGP sessions — and over the silent boundary between the ExpressRoute
and VPN gateways of one VNet — finds the nearest speakers that do hold the prefix. Each edge from
such a holder towards the network is a *barrier*; the export rule of ``bgp.exportable`` (or the
receiver's ``bgp.accepts``) that refused the route names it. Nothing here matches names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from azint.control import ids
from azint.control.bgp import Path, Relation, Role, Session, accepts, advertised, exportable
from azint.control.ids import Element, Kind
from azint.control.plane import ControlPlane


@dataclass(frozen=True)
class Barrier:
    """``holder`` has ``prefix`` but does not pass it to ``receiver``, by ``rule``."""

    prefix: IPv4Network
    holder: Element
    receiver: Element
    learned: str  # how the holder got it, in words
    rule: str
    chain: tuple[Element, ...]  # receiver first, then on to the speaker feeding the network


def element_label(element: Element) -> str:
    """A forwarding element in words: ``ergw:hub`` -> ``the hub ExpressRoute gateway``."""
    if element.kind is Kind.MSEE:
        return f"the {element.role} MSEE of circuit {element.name}"
    words = {Kind.ERGW: "the {} ExpressRoute gateway", Kind.VPNGW: "the {} VPN gateway",
             Kind.ROUTER: "router {}", Kind.VM: "{}", Kind.VNET: "VNet {}", Kind.FABRIC: "VNet {}"}
    return words.get(element.kind, "{}").format(element.name or element.kind.value)


def covering_prefix(plane: ControlPlane, address: IPv4Address) -> IPv4Network | None:
    """The most specific prefix for ``address`` that any BGP speaker holds."""
    held = {p for s in plane.bgp.speakers.values() for p in s.best if address in p}
    held.discard(IPv4Network("0.0.0.0/0"))
    return max(held, key=lambda p: p.prefixlen, default=None)


def feeding_speakers(plane: ControlPlane, element: Element) -> list[Element]:
    """The BGP speakers whose routes the element forwards by."""
    if element.kind in (Kind.VM, Kind.VNET, Kind.FABRIC):
        vnet = _network_of(plane, element)
        if vnet is None:
            return _site_speakers(plane, element)
        gateway = plane.gateway_vnet.get(vnet)
        if gateway is None:
            return []
        return [s for s in (ids.ergw(gateway), ids.vpngw(gateway)) if s in plane.bgp.speakers]
    speaker = plane.bgp.speakers.get(element)
    if speaker is not None and speaker.sessions:
        return [element]
    return _site_speakers(plane, element)


def _network_of(plane: ControlPlane, element: Element) -> str | None:
    """The VNet an element forwards in, or None on-premises."""
    name = network_of(plane, element)
    return name if name in plane.topology.vnets else None


def network_of(plane: ControlPlane, element: Element) -> str:
    """The VNet or on-premises site an element belongs to."""
    kind, name = element.kind, element.name
    if kind in (Kind.VNET, Kind.FABRIC, Kind.ERGW, Kind.VPNGW):
        return name
    if kind is Kind.MSEE:
        return f"circuit {name}"
    if kind is Kind.ROUTER:
        return next(r.site for r in plane.topology.routers() if r.name == name)
    return next(e.network for e in plane.topology.endpoints() if e.name == name)


def _site_speakers(plane: ControlPlane, element: Element) -> list[Element]:
    """A router without BGP sessions (or a host on-premises): its site's BGP routers."""
    site = plane.topology.sites.get(network_of(plane, element))
    # a router without sessions learns BGP routes through the site IGP from one that has them
    routers = [ids.router(r.name) for r in (site.routers if site else ())]
    return [i for i in routers if i in plane.bgp.speakers and plane.bgp.speakers[i].sessions]


def barriers(plane: ControlPlane, prefix: IPv4Network, start: Iterable[Element]) -> list[Barrier]:
    """The nearest places where ``prefix`` stops on its way to the ``start`` speakers."""
    holds = {sid for sid, s in plane.bgp.speakers.items() if prefix in s.best}
    frontier: list[tuple[Element, tuple[Element, ...]]] = [(s, (s,)) for s in start
                                                          if s not in holds]
    seen = {sid for sid, _ in frontier}
    while frontier:
        found = [b for node, chain in frontier for b in _stops(plane, prefix, node, chain, holds)]
        if found:
            return found
        step: list[tuple[Element, tuple[Element, ...]]] = []
        for node, chain in frontier:
            for neighbour in _neighbours(plane, node):
                if neighbour not in seen and neighbour not in holds:
                    seen.add(neighbour)
                    step.append((neighbour, (neighbour, *chain)))
        frontier = step
    return []


def _neighbours(plane: ControlPlane, node: Element) -> list[Element]:
    peers = [s.peer for s in plane.bgp.speakers[node].sessions]
    twin = _twin(plane, node)
    return sorted({*peers, *([twin] if twin else [])})


def _twin(plane: ControlPlane, node: Element) -> Element | None:
    """The other gateway of the same VNet when the two do not talk (no Route Server)."""
    other = {Kind.ERGW: Kind.VPNGW, Kind.VPNGW: Kind.ERGW}.get(node.kind)
    if other is None:
        return None
    twin = Element(other, node.name)
    if twin not in plane.bgp.speakers:
        return None
    talking = any(s.peer == twin for s in plane.bgp.speakers[node].sessions)
    return None if talking else twin


def _stops(plane: ControlPlane, prefix: IPv4Network, node: Element, chain: tuple[Element, ...],
           holds: set[Element]) -> list[Barrier]:
    found: list[Barrier] = []
    for holder in _neighbours(plane, node):
        if holder not in holds:
            continue
        path = plane.bgp.speakers[holder].best[prefix][0]
        rule = _refusal(plane, holder, node, path)
        found.append(Barrier(prefix, holder, node, _learned(plane, holder, path), rule, chain))
    return found


def _learned(plane: ControlPlane, holder: Element, path: Path) -> str:
    if path.session is None:
        static = path.relation is Relation.STATIC
        return "has it as a static VPN prefix" if static else "originates it"
    connection, peer = path.session.connection, path.session.peer
    if path.relation is Relation.MSEE:
        how = f"learned it from ExpressRoute circuit {peer.name}"
    elif path.relation is Relation.ROUTER:
        how = f"learned it from {element_label(peer)} over {connection}"
    else:
        how = f"learned it from {element_label(peer)} ({path.relation.value} session {connection})"
    return f"{how}, AS path {' '.join(map(str, path.as_path)) or '(empty)'}"


def _refusal(plane: ControlPlane, holder: Element, receiver: Element, path: Path) -> str:
    exporter = plane.bgp.speakers[holder]
    pair = next(((own, theirs) for own, theirs in plane.bgp.sessions_of(holder)
                 if theirs.speaker == receiver), None)
    if pair is None:
        return _NO_TRANSIT[exporter.role]
    own, theirs = pair
    if not exportable(exporter, own, path):
        return _export_rule(exporter.role, own, path, exporter.readvertise)
    offered = advertised(exporter, theirs, path)
    if not accepts(plane.bgp.speakers[receiver], theirs, offered):
        return _acceptance_rule(plane, receiver, offered)
    return "it is advertised, but the receiver prefers another path"


_NO_TRANSIT = {
    Role.ERGW: ("a VNet's VPN gateway does not advertise ExpressRoute-learned routes to its "
                "VPN peers (no transit between ExpressRoute and VPN without Route Server "
                "branch-to-branch)"),
    Role.VPNGW: ("a VNet's ExpressRoute gateway does not advertise VPN-learned routes into its "
                 "circuits (no transit between ExpressRoute and VPN without Route Server "
                 "branch-to-branch)"),
}


def _export_rule(role: Role, towards: Session, path: Path, readvertise: bool) -> str:
    if role is Role.ROUTER and not readvertise:
        return "the router advertises only its own networks (it does not re-advertise BGP routes)"
    if role is Role.ERGW and path.relation is Relation.MSEE:
        return ("an ExpressRoute gateway advertises only its VNet's ranges (and gateway-transit "
                "spokes') into a circuit, so a VNet does not pass routes from one circuit to "
                "another; circuits exchange routes only over Global Reach")
    if role is Role.MSEE and towards.relation is Relation.GLOBAL_REACH:
        return ("over Global Reach an edge passes only its own customer's on-premises routes "
                "(Global Reach is not transitive and carries no VNet routes)")
    if role is Role.MSEE and path.relation is Relation.GLOBAL_REACH:
        return "routes learned over Global Reach go to the customer edge only, not to the VNets"
    if role is Role.VPNGW and path.relation is Relation.MSEE:
        return _NO_TRANSIT[Role.ERGW]
    if role is Role.VPNGW:
        return ("a VPN gateway does not re-advertise the default route nor prefixes overlapping "
                "its VNet")
    return (f"the {role.value} export policy towards a {towards.relation.value} peer does not "
            f"include routes learned from a {path.relation.value} peer")


def _acceptance_rule(plane: ControlPlane, receiver: Element, offered: Path) -> str:
    speaker = plane.bgp.speakers[receiver]
    if speaker.asn in offered.as_path:
        return (f"the receiver drops it: AS path {' '.join(map(str, offered.as_path))} already "
                f"holds its own ASN {speaker.asn} (loop prevention)")
    return "a VPN gateway refuses a prefix equal to its own VNet's range"
