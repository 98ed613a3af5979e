"""Why a network has no usable route to an address: the causes, as data, each tied to a rule.

A packet dropped at a VNet or router (by a ``None`` route, the Internet default or no route at
all) is explained by *alternatives*: each is a set of causes that, all undone together, would
give the dropping element a route that beats the one it used. A cause is a datum — what kind of
thing stopped the route (``Because``), the rule of ``docs/azure-routing.md`` behind it, the
element and the setting or prefix involved — and ``azint.render.explain`` puts it in words.

Causes are found, not written down:

* at the VNet: the user routes to ``None`` it met, gateway route propagation turned off in its
  route table, the gateway it does not use (gateway transit flags off, the peering down), and a
  peering it lacks towards the destination's VNet (peering is not transitive);
* along BGP: a breadth-first search from the speakers that would feed the element, over every
  session the topology *could* have (all links up, Route Server branch-to-branch wherever a VNet
  has both gateways), finds the nearest speakers holding the prefix — or that would hold it, had
  a spoke its gateway transit — and follows the path back, collecting every refusal on the way:
  a link down, branch-to-branch off, an export rule (``bgp.exportable``) or the receiver's
  ``bgp.accepts``.

Nothing here matches names or walks packets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from itertools import pairwise, product
from types import MappingProxyType
from typing import NamedTuple

from azint.control import ids
from azint.control.bgp import (
    BgpFabric,
    Path,
    Relation,
    Role,
    Session,
    Speaker,
    Terms,
    accepts,
    advertised,
    exportable,
)
from azint.control.ids import Element, Kind
from azint.control.plane import ControlPlane, carries_traffic, static_prefixes
from azint.control.routes import Route
from azint.control.vnet import SOURCE_DEFAULT, SOURCE_USER
from azint.errors import AzintError
from azint.topology import model as m

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")


class Because(StrEnum):
    """What kind of thing stops a route (the key for its words, and for undoing it)."""

    LINK_DOWN = "link-down"  # a connection or link is down (--down, or state: down)
    USER_ROUTE = "user-route"  # a user route to None (or the Internet) matched first
    PROPAGATION_OFF = "gateway-propagation-off"  # the subnet's route table drops gateway routes
    USE_REMOTE_GATEWAYS_OFF = "use-remote-gateways-off"  # the spoke side of a peering
    ALLOW_GATEWAY_TRANSIT_OFF = "allow-gateway-transit-off"  # the hub side of a peering
    NO_GATEWAY = "no-gateway"  # a VNet with no gateway of its own and none by gateway transit
    NOT_TRANSITIVE = "peering-not-transitive"  # peered to a VNet that is peered to the target
    NOT_PEERED = "not-peered"  # not peered with the destination's VNet (nor reached otherwise)
    NO_EXPRESSROUTE_VPN_TRANSIT = "no-expressroute-vpn-transit"  # branch-to-branch off
    NO_CIRCUIT_TRANSIT = "no-circuit-transit"  # a VNet does not pass one circuit's routes on
    GLOBAL_REACH_LIMITS = "global-reach-limits"  # not transitive, no VNet routes
    VPN_NO_DEFAULT_ROUTE = "vpn-no-default-route"  # a VPN gateway does not pass 0.0.0.0/0 on
    VPN_OWN_RANGE = "vpn-own-range"  # nor prefixes overlapping its VNet
    NO_READVERTISE = "router-no-readvertise"  # a router advertises only its own networks
    AS_PATH_LOOP = "as-path-loop"  # the receiver's ASN is already in the path
    REFUSES_OWN_RANGE = "refuses-own-range"  # a VPN gateway refuses its own VNet's prefix
    PREFIX_FILTER = "prefix-filter"  # a router's neighbour policy filters the prefix
    EXPORT_POLICY = "export-policy"  # another export rule of the exporter's role
    NOT_FORWARDING = "not-forwarding"  # an appliance without IP forwarding
    NOT_ADVERTISED = "not-advertised"  # nothing holds a prefix for the address
    NOT_CONNECTED = "not-connected"  # no session, up or down, leads from a holder to here
    ACCESS_OFF = "virtual-network-access-off"  # a peering side disallows virtual network access
    FORWARDED_TRAFFIC_OFF = "forwarded-traffic-off"  # a peering side refuses forwarded traffic


class Cause(NamedTuple):
    """One thing that stops the route, with the rule (``docs/azure-routing.md``) behind it.

    ``element`` is where it applies (a VNet as ``vnet:NAME``, a speaker, router or host);
    ``peer`` the element on the other side (the receiver of a refused advertisement, the peered
    VNet); ``setting`` names the object or flag involved: a link, peering or connection name,
    ``(route table, route, next hop type)``, or a setting such as ``branch_to_branch``.
    """

    kind: Because
    rule: str  # e.g. "5.2"; "" when no Azure rule is involved (a link taken down)
    element: Element
    peer: Element | None = None
    setting: tuple[str, ...] = ()
    prefix: IPv4Network | None = None


@dataclass(frozen=True)
class Alternative:
    """Causes that, all undone, would bring the prefix to the element that dropped the packet.

    For a route stopped in BGP, ``holder`` is the nearest speaker that holds the prefix (or
    would, once the gateway-transit causes are undone), ``path`` how it holds it (None when it
    would originate it), and ``chain`` the speakers from its first receiver on to the speaker
    feeding the element.
    """

    causes: tuple[Cause, ...]
    holder: Element | None = None
    path: Path | None = None
    chain: tuple[Element, ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    """Why an element has no usable route for ``address``: ``prefix`` (the most specific prefix
    that would beat the route it used, None if nothing holds one) and the ways to get it."""

    prefix: IPv4Network | None
    alternatives: tuple[Alternative, ...]


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


# -- entry points ---------------------------------------------------------------------------


def diagnose_vnet(plane: ControlPlane, vnet: str, subnet: str | None, address: IPv4Address,
                  matched: Route | None) -> Diagnosis:
    """Why a NIC in ``subnet`` of ``vnet`` drops ``address`` by ``matched`` (or no route)."""
    routes = plane.vnets[vnet]
    spec = routes.table_spec(subnet)
    skipped: list[Cause] = []
    while matched is not None and matched.source == SOURCE_USER and _drops(matched):
        assert spec is not None
        skipped.append(Cause(Because.USER_ROUTE, "1.7", ids.vnet(vnet), None,
                             (spec.name, _user_route_name(spec, matched.prefix),
                              matched.next_hop_type), matched.prefix))
        matched = routes.lookup(subnet, address, without={c.prefix for c in skipped
                                                          if c.prefix is not None})
    if matched is not None and not _drops(matched):
        return Diagnosis(matched.prefix, (Alternative(tuple(skipped)),))
    prefix, hypothetical = _wanted(plane, address, matched, equal_beats=_is_system(matched))
    if prefix is None:
        peer = list(_peering_ways(plane, vnet, address))
        unheld = [Alternative((_not_advertised(ids.vnet(vnet), address, matched),))]
        return Diagnosis(None, tuple(_with(skipped, a) for a in peer or unheld))
    possible = _possible(plane)
    found = [*_gateway_ways(plane, possible, vnet, spec, prefix, hypothetical),
             *_peering_ways(plane, vnet, address)]
    if not found and not plane.topology.vnets[vnet].has_gateway:
        found = [Alternative((Cause(Because.NO_GATEWAY, "2.3", ids.vnet(vnet), prefix=prefix),))]
    return Diagnosis(prefix, _distinct(_with(skipped, a) for a in found))


def diagnose_element(plane: ControlPlane, element: Element, address: IPv4Address,
                     matched: Route | None) -> Diagnosis:
    """Why a router, gateway or edge drops ``address`` by ``matched`` (or no route)."""
    prefix, hypothetical = _wanted(plane, address, matched, equal_beats=False)
    if prefix is None:
        return Diagnosis(None, (Alternative((_not_advertised(element, address, matched),)),))
    possible = _possible(plane)
    start = _feeding_speakers(plane, possible, element)
    ways = _bgp_ways(plane, possible, prefix, start, hypothetical)
    return Diagnosis(prefix, _distinct(ways) or (_unconnected(element, start, prefix),))


def gateway_down(plane: ControlPlane, host: m.Endpoint) -> Diagnosis | None:
    """An on-premises host whose default gateway is on a router that is down."""
    causes = tuple(Cause(Because.LINK_DOWN, "", ids.vm(host.name), ids.router(r.name),
                         (f"router:{r.name}",))
                   for r in plane.topology.routers()
                   if not r.up and any(i.address.ip == host.gateway for i in r.interfaces))
    return Diagnosis(None, (Alternative(causes),)) if causes else None


def site_links_down(plane: ControlPlane, router: str, address: IPv4Address,
                    matched: Route | None) -> Diagnosis | None:
    """A router that would have a better route for ``address`` were its site's IGP links that
    are down up: each link that alone would do, or else all of them together (None: bringing
    them up would not help, so they are not the cause)."""
    site = plane.topology.sites[network_of(plane, ids.router(router))]
    down = [k for k in site.links if not k.up]
    tries: list[tuple[m.SiteLink, ...]] = [(k,) for k in down]
    found = [(route, links) for links in tries
             if (route := _with_links_up(plane, site, links, router, address, matched))]
    if not found and len(down) > 1:
        every = tuple(down)
        route = _with_links_up(plane, site, every, router, address, matched)
        found = [(route, every)] if route is not None else []
    if not found:
        return None
    element = ids.router(router)
    return Diagnosis(found[0][0].prefix, tuple(
        Alternative(tuple(Cause(Because.LINK_DOWN, "", element, setting=(k.name,),
                                prefix=route.prefix) for k in links))
        for route, links in found))


def routers_down(plane: ControlPlane, router: str, address: IPv4Address, matched: Route | None,
                 restore: Callable[[str], ControlPlane | None]) -> Diagnosis | None:
    """A router that would have a better route for ``address`` were a router of its site that
    is down up again (``restore`` gives the control plane with one element brought back)."""
    site = plane.topology.sites[network_of(plane, ids.router(router))]
    found: list[tuple[Route, str]] = []
    for other in site.routers:
        if other.up or other.name == router:
            continue
        name = f"router:{other.name}"
        back = restore(name)
        route = back.routers[router].table.lookup(address) if back is not None else None
        if route is not None and (matched is None or
                                  route.prefix.prefixlen > matched.prefix.prefixlen):
            found.append((route, name))
    if not found:
        return None
    element = ids.router(router)
    return Diagnosis(found[0][0].prefix, tuple(
        Alternative((Cause(Because.LINK_DOWN, "", element, setting=(name,), prefix=route.prefix),))
        for route, name in found))


def _with_links_up(plane: ControlPlane, site: m.OnPremSite, links: tuple[m.SiteLink, ...],
                   router: str, address: IPv4Address, matched: Route | None) -> Route | None:
    """The route ``router`` would take to ``address`` with ``links`` of ``site`` up, if it is
    more specific than ``matched``."""
    changed = replace(site, links=tuple(replace(k, up=True) if k in links else k
                                        for k in site.links))
    topology = plane.topology
    try:
        other = ControlPlane.build(replace(topology, sites=MappingProxyType(
            {**topology.sites, site.name: changed})))
    except AzintError:  # a policy that never settles with the link up: not a cause to name
        return None
    route = other.routers[router].table.lookup(address)
    if route is None or (matched is not None and route.prefix.prefixlen <= matched.prefix.prefixlen):
        return None
    return route


def blamed(diagnosis: Diagnosis, culprits: Mapping[str, tuple[tuple[str, ...], ...]]
           ) -> Diagnosis:
    """The diagnosis with each link down named by what ``--down`` named that took it down (a
    circuit link by its router, a connection by its gateway or by each of its instances): a
    link that any of several names would bring back makes an alternative of each."""
    if not culprits:
        return diagnosis

    def ways(cause: Cause) -> list[tuple[Cause, ...]]:
        if cause.kind is not Because.LINK_DOWN or cause.setting[0] not in culprits:
            return [(cause,)]
        return [tuple(cause._replace(setting=(name,)) for name in group)
                for group in culprits[cause.setting[0]]]

    return replace(diagnosis, alternatives=_distinct(
        replace(a, causes=_unique(c for part in chosen for c in part))
        for a in diagnosis.alternatives for chosen in product(*map(ways, a.causes))))


def not_forwarding(element: Element) -> Diagnosis:
    """A packet reached an appliance that does not forward (IP forwarding off)."""
    return Diagnosis(None, (Alternative((Cause(Because.NOT_FORWARDING, "1.7", element,
                                               setting=("forwarding",)),)),))


def link_down(plane: ControlPlane, element: Element, route: Route | None) -> Diagnosis:
    """The route's next hop is a VPN tunnel that is down."""
    down = {hop for hop in (route.next_hops if route else ()) if not hop.up}
    names = sorted({vpn for (vpn, end), hops in plane.tunnels.items()
                    if end == element and down.intersection(hops)})
    causes = tuple(Cause(Because.LINK_DOWN, "", element, setting=(n,)) for n in names)
    return Diagnosis(route.prefix if route else None, (Alternative(causes),))


def gateway_no_transit(vnet: str, route: Route) -> Diagnosis:
    """A packet from one gateway of ``vnet`` routed to its other gateway (no Route Server)."""
    cause = Cause(Because.NO_EXPRESSROUTE_VPN_TRANSIT, "5.2", ids.vnet(vnet),
                  setting=("branch_to_branch",), prefix=route.prefix)
    return Diagnosis(route.prefix, (Alternative((cause,)),))


# -- the VNet ---------------------------------------------------------------------------------


def _drops(route: Route) -> bool:
    """A route that takes the packet nowhere it could reach: None, the Internet, or a user
    route to VirtualNetworkGateway in a VNet with no VPN gateway to use (no next hop)."""
    return route.next_hop_type in (m.NextHopType.NONE, m.NextHopType.INTERNET) or (
        route.next_hop_type == m.NextHopType.GATEWAY and not route.next_hops)


def _is_system(route: Route | None) -> bool:
    return route is not None and route.source == SOURCE_DEFAULT


def _user_route_name(spec: m.RouteTableSpec, prefix: IPv4Network) -> str:
    return next(r.name for r in spec.routes if r.prefix == prefix)


def _not_advertised(element: Element, address: IPv4Address, matched: Route | None) -> Cause:
    """Nothing holds a prefix for ``address`` that would beat ``matched`` (named in setting)."""
    beaten = (str(matched.prefix),) if matched is not None else ()
    rule = "1.6" if element.kind is Kind.VNET else "6.1"
    return Cause(Because.NOT_ADVERTISED, rule, element, setting=beaten,
                 prefix=IPv4Network(f"{address}/32"))


def _distinct(ways: Iterable[Alternative]) -> tuple[Alternative, ...]:
    """One alternative per set of causes (equal-cost paths often share theirs)."""
    kept: dict[frozenset[tuple[object, ...]], Alternative] = {}
    for way in ways:
        kept.setdefault(frozenset(map(_identity, way.causes)), way)
    return tuple(kept.values())


def _with(first: list[Cause], alternative: Alternative) -> Alternative:
    return replace(alternative, causes=(*first, *alternative.causes))


def _peering_ways(plane: ControlPlane, vnet: str, address: IPv4Address) -> Iterator[Alternative]:
    """Peering the destination's VNet: a peering that is down, or one that is missing."""
    topology = plane.topology
    target = next((v.name for v in topology.vnets.values() if v.contains(address)), None)
    if target is None or target == vnet:
        return
    direct = [p for p in topology.peerings if {p.a.network, p.b.network} == {vnet, target}]
    for peering in direct:
        if not peering.up:
            yield Alternative((Cause(Because.LINK_DOWN, "", ids.vnet(vnet), ids.vnet(target),
                                     (peering.name,)),))
        elif not carries_traffic(peering):
            yield Alternative(tuple(_access_causes(peering)))
    if direct:
        return
    middles = sorted(_peered(topology, vnet) & _peered(topology, target))
    for middle in middles:
        yield Alternative((Cause(Because.NOT_TRANSITIVE, "2.1", ids.vnet(vnet), ids.vnet(target),
                                 (middle,)),))
    if not middles:
        yield Alternative((Cause(Because.NOT_PEERED, "2.2", ids.vnet(vnet), ids.vnet(target)),))


def _peered(topology: m.Topology, vnet: str) -> set[str]:
    """The VNets peered with ``vnet``, up or down."""
    return {p.other(vnet).network for p in topology.peerings
            if vnet in (p.a.network, p.b.network)}


def _gateway_ways(plane: ControlPlane, possible: _Possible, vnet: str, spec: m.RouteTableSpec | None,
                  prefix: IPv4Network, hypothetical: dict[Element, tuple[Cause, ...]]
                  ) -> Iterator[Alternative]:
    """Through the gateways the VNet uses (or would use, given gateway transit)."""
    gating: list[Cause] = []
    if spec is not None and not spec.propagate_gateway_routes:
        gating.append(Cause(Because.PROPAGATION_OFF, "1.7", ids.vnet(vnet), setting=(spec.name,),
                            prefix=prefix))
    gateway = plane.gateway_vnet.get(vnet)
    if gateway is not None:
        starts = [(_gateway_speakers(plane, gateway), gating)]
    else:
        starts = [(_gateway_speakers(plane, hub), [*gating, *transit])
                  for hub, transit in _transit_ways(plane.topology, vnet)]
    for start, first in starts:
        speakers = possible.up.bgp.speakers
        held = {s: speakers[s].best[prefix][0].relation for s in start
                if s in speakers and prefix in speakers[s].best}
        learned = [s for s, relation in held.items() if relation in _INTO_VNET]
        if learned:
            for downs in _downs_ways(possible, learned[0], prefix):
                if first or downs:
                    yield Alternative(_unique((*first, *downs)))
            continue
        if held:
            continue  # its gateways' own ranges (and spokes'): gateways give a VNet only learned routes
        ways = _bgp_ways(plane, possible, prefix, start, hypothetical)
        for way in ways or [_unconnected(ids.vnet(vnet), start, prefix)]:
            yield _with(first, way)


def _unconnected(element: Element, start: Iterable[Element], prefix: IPv4Network) -> Alternative:
    """Nothing that holds the prefix is joined to the speakers feeding ``element``."""
    return Alternative(tuple(Cause(Because.NOT_CONNECTED, "", element, speaker, prefix=prefix)
                             for speaker in start) or
                       (Cause(Because.NOT_CONNECTED, "", element, prefix=prefix),))


_INTO_VNET = (Relation.MSEE, Relation.VPNGW, Relation.ROUTER, Relation.STATIC)


def _gateway_speakers(plane: ControlPlane, vnet: str) -> list[Element]:
    return [s for s in (ids.ergw(vnet), ids.vpngw(vnet)) if s in plane.bgp.speakers]


def _transit_ways(topology: m.Topology, spoke: str) -> Iterator[tuple[str, list[Cause]]]:
    """Each VNet with gateways the spoke is peered with, and what keeps it from using them."""
    for peering in topology.peerings:
        if spoke not in (peering.a.network, peering.b.network):
            continue
        hub = peering.other(spoke).network
        if hub == spoke or not topology.vnets[hub].has_gateway:
            continue
        yield hub, list(_transit_causes(peering, spoke, hub))


def _access_causes(peering: m.Peering) -> Iterator[Cause]:
    """The sides of a peering that disallow virtual network access (rule 2.5)."""
    for side, other in ((peering.a, peering.b), (peering.b, peering.a)):
        if not side.allow_virtual_network_access:
            yield Cause(Because.ACCESS_OFF, "2.5", ids.vnet(side.network),
                        ids.vnet(other.network), (peering.name,))


def forwarded_refused(plane: ControlPlane, element: Element, route: Route | None) -> Diagnosis:
    """An appliance's packet refused by the peered VNet it forwards into (rule 2.5)."""
    hop = route.next_hops[0] if route is not None and route.next_hops else None
    host = next((e for e in plane.topology.endpoints() if e.name == element.name), None)
    peering = plane.peering_between(host.network, hop.element.name) \
        if host is not None and hop is not None else None
    if peering is None or hop is None:
        return Diagnosis(None, ())
    receiver = peering.side(hop.element.name).network
    cause = Cause(Because.FORWARDED_TRAFFIC_OFF, "2.5", ids.vnet(receiver),
                  ids.vnet(peering.other(receiver).network), (peering.name,))
    return Diagnosis(None, (Alternative((cause,)),))


def _transit_causes(peering: m.Peering, spoke: str, hub: str) -> Iterator[Cause]:
    if not peering.up:
        yield Cause(Because.LINK_DOWN, "", ids.vnet(spoke), ids.vnet(hub), (peering.name,))
    yield from _access_causes(peering)
    if not peering.side(spoke).use_remote_gateways:
        yield Cause(Because.USE_REMOTE_GATEWAYS_OFF, "2.3", ids.vnet(spoke), ids.vnet(hub),
                    (peering.name,))
    if not peering.other(spoke).allow_gateway_transit:
        yield Cause(Because.ALLOW_GATEWAY_TRANSIT_OFF, "2.3", ids.vnet(hub), ids.vnet(spoke),
                    (peering.name,))


# -- which prefix, and who holds it ----------------------------------------------------------


def _wanted(plane: ControlPlane, address: IPv4Address, matched: Route | None,
            equal_beats: bool) -> tuple[IPv4Network | None, dict[Element, tuple[Cause, ...]]]:
    """The most specific prefix for ``address`` that would beat ``matched``, and the speakers
    that do not hold it but would, were a spoke's gateway transit on (with what that takes)."""

    def beats(prefix: IPv4Network) -> bool:
        if matched is None or prefix.prefixlen > matched.prefix.prefixlen:
            return True
        return equal_beats and prefix.prefixlen == matched.prefix.prefixlen

    held = {p for s in plane.bgp.speakers.values() for p in s.best if address in p and beats(p)}
    would = {p: causes for p, causes in _spoke_ranges(plane, address).items() if beats(p)}
    best = max(held | set(would), key=lambda p: p.prefixlen, default=None)
    if best is None or best in held:
        return best, {}
    return best, dict(would[best])


def _spoke_ranges(plane: ControlPlane, address: IPv4Address
                  ) -> dict[IPv4Network, list[tuple[Element, tuple[Cause, ...]]]]:
    """A gateway-less VNet's range holding ``address``: the hub speakers that would originate
    it, each with the causes that keep the VNet from using their gateways."""
    topology = plane.topology
    found: dict[IPv4Network, list[tuple[Element, tuple[Cause, ...]]]] = {}
    for vnet in topology.vnets.values():
        ranges = [r for r in vnet.address_space if address in r]
        if not ranges or vnet.has_gateway or plane.gateway_vnet.get(vnet.name) is not None:
            continue
        for hub, causes in _transit_ways(topology, vnet.name):
            for speaker in _gateway_speakers(plane, hub):
                found.setdefault(ranges[0], []).append((speaker, tuple(causes)))
    return found


def _feeding_speakers(plane: ControlPlane, possible: _Possible, element: Element
                      ) -> list[Element]:
    """The BGP speakers whose routes the element forwards by (or would, its links up)."""
    speakers = possible.fabric.speakers
    if element in speakers and (speakers[element].sessions or element.kind is not Kind.ROUTER):
        return [element]
    site = plane.topology.sites.get(network_of(plane, element))
    # a router without sessions learns BGP routes through the site IGP from one that has them
    routers = [ids.router(r.name) for r in (site.routers if site else ())]
    return [i for i in routers if i in speakers and speakers[i].sessions]


# -- BGP: where the prefix stops ----------------------------------------------------------------


@dataclass(frozen=True)
class _Possible:
    """Every session the topology could have, and which of them are missing now and why; and
    the control plane with every link up (who would hold what, were the links down brought up).
    """

    fabric: BgpFabric
    up: ControlPlane
    real: m.Topology  # with its links down
    missing: dict[tuple[Element, Element, str], tuple[Cause, ...]]  # (from, to, name) -> why


def _bgp_ways(plane: ControlPlane, possible: _Possible, prefix: IPv4Network,
              start: Iterable[Element], hypothetical: dict[Element, tuple[Cause, ...]]
              ) -> list[Alternative]:
    """The nearest places where ``prefix`` stops on its way to the ``start`` speakers."""
    holds = {sid for sid, s in possible.up.bgp.speakers.items() if prefix in s.best}
    holds |= set(hypothetical)
    ready = [downs for s in start if s in holds for downs in _downs_ways(possible, s, prefix)]
    if any(ready):  # it would have the prefix, were the links down up
        return [Alternative(_unique(downs)) for downs in ready if downs]
    frontier: list[tuple[Element, tuple[Element, ...]]] = [
        (s, (s,)) for s in start if s not in holds and s in possible.fabric.speakers]
    seen = {sid for sid, _ in frontier}
    while frontier:
        found = [way for node, chain in frontier
                 for way in _stops(plane, possible, prefix, node, chain, holds, hypothetical)]
        if found:
            return found
        step: list[tuple[Element, tuple[Element, ...]]] = []
        for node, chain in frontier:
            for neighbour in _neighbours(possible.fabric, node):
                if neighbour not in seen and neighbour not in holds:
                    seen.add(neighbour)
                    step.append((neighbour, (neighbour, *chain)))
        frontier = step
    return []


def _neighbours(fabric: BgpFabric, node: Element) -> list[Element]:
    return sorted({s.peer for s in fabric.speakers[node].sessions})


def _stops(plane: ControlPlane, possible: _Possible, prefix: IPv4Network, node: Element,
           chain: tuple[Element, ...], holds: set[Element],
           hypothetical: dict[Element, tuple[Cause, ...]]
           ) -> Iterator[Alternative]:
    for holder in _neighbours(possible.fabric, node):
        if holder not in holds:
            continue
        if holder in hypothetical:
            path, first = None, hypothetical[holder]
            start = Path(prefix, (), 100, 0, None, Relation.LOCAL)
        else:
            path = start = possible.up.bgp.speakers[holder].best[prefix][0]
            first = _downs_behind(possible, holder, prefix)
        causes = _along(plane, possible, start, (holder, *chain))
        yield Alternative(_unique((*first, *causes)), holder, path, chain)


def _along(plane: ControlPlane, possible: _Possible, path: Path, speakers: tuple[Element, ...]
           ) -> list[Cause]:
    """Every refusal ``path`` meets from ``speakers[0]`` on, each refusal assumed undone."""
    causes: list[Cause] = []
    for exporter_id, receiver_id in pairwise(speakers):
        exporter = possible.fabric.speakers[exporter_id]
        receiver = possible.fabric.speakers[receiver_id]
        own, theirs = next((o, t) for o, t in possible.fabric.sessions_of(exporter_id)
                           if t.speaker == receiver_id)
        missing = possible.missing.get((exporter_id, receiver_id, own.name), ())
        causes.extend(c._replace(prefix=path.prefix) for c in missing)
        if not exportable(exporter, own, path):
            causes.append(_export_cause(exporter, own, path, receiver_id))
        offered = advertised(exporter, theirs, path)
        if not accepts(receiver, theirs, offered):
            causes.append(_acceptance_cause(receiver, offered, exporter_id, theirs))
        path = offered
    return causes


def _unique(causes: Iterable[Cause]) -> tuple[Cause, ...]:
    """Each cause once: a link down however many sessions it takes away, Route Server per VNet."""
    kept: dict[tuple[object, ...], Cause] = {}
    for cause in causes:
        kept.setdefault(_identity(cause), cause)
    return tuple(kept.values())


def _identity(cause: Cause) -> tuple[object, ...]:
    """What undoing ``cause`` changes: causes that share it are one cause."""
    if cause.kind is Because.LINK_DOWN:
        return (cause.kind, cause.setting)
    if cause.kind is Because.NO_EXPRESSROUTE_VPN_TRANSIT:
        return (cause.kind, cause.element)
    return tuple(cause)


def _export_cause(exporter: Speaker, towards: Session, path: Path, receiver: Element) -> Cause:
    at, prefix = exporter.id, path.prefix
    if exporter.role is Role.ROUTER:
        return Cause(Because.NO_READVERTISE, "6.1", at, receiver, ("readvertise",), prefix)
    if exporter.role is Role.ERGW and path.relation is Relation.MSEE \
            and towards.relation is Relation.MSEE:
        return Cause(Because.NO_CIRCUIT_TRANSIT, "3.3", at, receiver, prefix=prefix)
    if exporter.role is Role.MSEE and Relation.GLOBAL_REACH in (towards.relation, path.relation):
        return Cause(Because.GLOBAL_REACH_LIMITS, "3.3", at, receiver, prefix=prefix)
    if exporter.role is Role.VPNGW and path.prefix == DEFAULT_ROUTE:
        return Cause(Because.VPN_NO_DEFAULT_ROUTE, "4.2", at, receiver, prefix=prefix)
    if exporter.role is Role.VPNGW and any(path.prefix.overlaps(r) for r in exporter.own_ranges):
        return Cause(Because.VPN_OWN_RANGE, "4.2", at, receiver, prefix=prefix)
    rule = {Role.MSEE: "3.2", Role.ERGW: "3.2", Role.VPNGW: "4.2"}[exporter.role]
    return Cause(Because.EXPORT_POLICY, rule, at, receiver,
                 (towards.relation.value, path.relation.value), prefix)


def _acceptance_cause(receiver: Speaker, offered: Path, exporter: Element,
                      session: Session) -> Cause:
    terms, prefix = session.terms, offered.prefix
    if not terms.admits(prefix):  # a neighbour policy's filter: the sender's, else the receiver's
        sender_filters = not Terms(exported=terms.exported).admits(prefix)
        at, other = (exporter, receiver.id) if sender_filters else (receiver.id, exporter)
        setting = "announce" if sender_filters else "accept"
        return Cause(Because.PREFIX_FILTER, "6.7", at, other, (session.name, setting), prefix)
    if receiver.asn in offered.as_path:
        rule = "4.1" if receiver.role in (Role.ERGW, Role.VPNGW) else "6.2"
        return Cause(Because.AS_PATH_LOOP, rule, receiver.id, exporter, (str(receiver.asn),),
                     offered.prefix)
    return Cause(Because.REFUSES_OWN_RANGE, "1.3", receiver.id, exporter, prefix=offered.prefix)


# -- every session the topology could have -----------------------------------------------------


_LAST: list[tuple[ControlPlane, _Possible]] = []  # the last plane asked about, and its answer


def _possible(plane: ControlPlane) -> _Possible:
    """What ``_possible_for`` finds, kept for the last plane (explaining many drops of one
    network asks the same question again and again)."""
    if not _LAST or _LAST[0][0] is not plane:
        _LAST[:] = [(plane, _possible_for(plane))]
    return _LAST[0][1]


def _possible_for(plane: ControlPlane) -> _Possible:
    """Wire BGP (without running it) for the topology with every link up and Route Server
    branch-to-branch wherever a VNet has both gateways; note why each missing session is."""
    topology = plane.topology
    whole = _all_up(topology)
    fabric = ControlPlane.wired(whole).bgp
    present = {(s.peer, s.speaker, s.name) for speaker in plane.bgp.speakers.values()
               for s in speaker.sessions}
    missing: dict[tuple[Element, Element, str], tuple[Cause, ...]] = {}
    for speaker in fabric.speakers.values():
        for session in speaker.sessions:
            key = (session.peer, session.speaker, session.name)
            if key not in present:
                missing[key] = _why_missing(topology, session)
    return _Possible(fabric, _links_up(plane), topology, missing)


def _links_up(plane: ControlPlane) -> ControlPlane:
    topology = plane.topology
    whole = _all_up(topology, branch_to_branch=False)
    if whole == topology:
        return plane
    try:
        return ControlPlane.build(whole)
    except AzintError:  # a policy that never settles with every link up: judge by the links as they are
        return plane


def _downs_ways(possible: _Possible, holder: Element, prefix: IPv4Network
                ) -> list[tuple[Cause, ...]]:
    """The links down on each equal-cost way the holder would learn ``prefix``, were they up."""
    best = possible.up.bgp.speakers[holder].best.get(prefix, ())
    ways = [_downs_behind(possible, holder, prefix, path) for path in best] or [()]
    return list(dict.fromkeys(ways))


def _origin_downs(possible: _Possible, origin: Element, path: Path | None,
                  prefix: IPv4Network) -> tuple[Cause, ...]:
    """What a gateway needs up to originate ``prefix``: a spoke's peering (gateway transit),
    a static VPN connection (its prefixes)."""
    topology = possible.real
    if origin.kind not in (Kind.ERGW, Kind.VPNGW) or path is None:
        return ()
    if path.relation is Relation.STATIC:
        names = [v.name for v in topology.vpns if not v.up and not v.bgp
                 and any(net == origin.name and prefix in held
                         for net, held in static_prefixes(topology, v))]
    else:
        spokes = {v.name for v in topology.vnets.values()
                  if v.name != origin.name and prefix in v.address_space}
        names = [p.name for p in topology.peerings if not p.up
                 and {p.a.network, p.b.network} in ({s, origin.name} for s in spokes)]
    return tuple(Cause(Because.LINK_DOWN, "", origin, None, (name,), prefix) for name in names)


def _downs_behind(possible: _Possible, holder: Element, prefix: IPv4Network,
                  first: Path | None = None) -> tuple[Cause, ...]:
    """The links down on the way the holder would learn ``prefix`` (by path ``first``)."""
    causes: list[Cause] = []
    node, seen = holder, {holder}
    while True:
        best = possible.up.bgp.speakers[node].best.get(prefix)
        path = first if first is not None and node == holder else (best[0] if best else None)
        if path is None or path.session is None:
            return tuple(causes) + _origin_downs(possible, node, path, prefix)
        session = path.session
        causes += [c._replace(prefix=prefix)
                   for c in possible.missing.get((session.peer, node, session.connection), ())]
        node = session.peer
        if node in seen:
            return tuple(causes)
        seen.add(node)


def _all_up(topology: m.Topology, branch_to_branch: bool = True) -> m.Topology:
    circuits = {name: replace(c, up=True, links=tuple(replace(k, up=True) for k in c.links),
                              connections=tuple(replace(x, up=True) for x in c.connections))
                for name, c in topology.circuits.items()}
    vnets = {name: replace(v, branch_to_branch=(branch_to_branch and bool(
        v.expressroute_gateway and v.vpn_gateway)) or v.branch_to_branch)
             for name, v in topology.vnets.items()}
    return replace(topology, vnets=MappingProxyType(vnets),
                   peerings=tuple(replace(p, up=True) for p in topology.peerings),
                   circuits=MappingProxyType(circuits),
                   vpns=tuple(replace(v, up=True) for v in topology.vpns),
                   global_reach=tuple(replace(g, up=True) for g in topology.global_reach))


def _why_missing(topology: m.Topology, session: Session) -> tuple[Cause, ...]:
    if session.relation is Relation.BRANCH_TO_BRANCH:
        return (Cause(Because.NO_EXPRESSROUTE_VPN_TRANSIT, "5.2", ids.vnet(session.speaker.name),
                      setting=("branch_to_branch",)),)
    return tuple(Cause(Because.LINK_DOWN, "", session.speaker, session.peer, (name,))
                 for name in _down_names(topology, session.name))


def _down_names(topology: m.Topology, name: str) -> list[str]:
    """The links and connections that are down and that session ``name`` needs up."""
    found: list[str] = []
    for circuit in topology.circuits.values():
        parts = [(k.name, k.up) for k in circuit.links]
        parts += [(x.name, x.up) for x in circuit.connections]
        if any(part == name for part, _ in parts):
            found += [circuit.name] if not circuit.up else []
            found += [part for part, up in parts if part == name and not up]
    for reach in topology.global_reach:
        if reach.name == name:
            found += [reach.name] if not reach.up else []
            found += [c for c in reach.circuits if not topology.circuits[c].up]
    found += [v.name for v in topology.vpns if v.name == name and not v.up]
    return found

