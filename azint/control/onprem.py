"""On-premises routers: connected, static, BGP and IGP routes, chosen by administrative distance.

The IGP (OSPF in the reference sites) runs over a site's point-to-point links: every router
learns what the others redistribute (connected, static, BGP) along shortest paths, with ECMP.
A router's IGP routes and its table are computed when first read: a trace through a site of a
thousand routers touches a few of them, and all of them cost time and memory that grow with
the square of the site.
"""

from __future__ import annotations

from dataclasses import field
from functools import cached_property
from ipaddress import IPv4Interface, IPv4Network

from azint.collector import paused
from azint.control import ids
from azint.control.bgp import BgpFabric, Relation, by_group
from azint.control.routes import NextHop, Route, RouteTable
from azint.control.tunnels import Tunnels, far_end
from azint.topology import model as m
from azint.topology.frozen import record

DISTANCE = {"connected": 0, "static": 1, "bgp": 20, "ospf": 110}


@record
class RouterRoutes:
    """A router's interfaces (declared ones plus its circuit links) and its routing table."""

    router: m.Router
    interfaces: dict[str, IPv4Interface]
    up: dict[str, bool]
    candidates: dict[IPv4Network, list[Route]] = field(default_factory=dict)
    igp: SiteIgp | None = None  # offers this router its IGP routes when the table is first read

    @cached_property
    def table(self) -> RouteTable:
        with paused():
            if self.igp is not None:
                self.igp.offer(self)
            table = RouteTable()
            for routes in self.candidates.values():
                table.add(_preferred(routes))
            return table

    def offer(self, route: Route) -> None:
        self.candidates.setdefault(route.prefix, []).append(route)

    def by_protocol(self, protocol: str) -> list[Route]:
        return [r for routes in self.candidates.values() for r in routes if r.source == protocol]


def _preferred(routes: list[Route]) -> Route:
    """The route a router installs for one prefix: the lowest administrative distance; equal
    routes of one kind (two static routes, say) share the load over all their next hops, so the
    order they were offered in never matters."""
    if len(routes) == 1:  # most prefixes: nothing to choose between
        return routes[0]
    distance = min(DISTANCE[r.source] for r in routes)
    tied = sorted((r for r in routes if DISTANCE[r.source] == distance),
                  key=lambda r: (r.next_hop_type, r.next_hops, r.origin))
    alike = [r for r in tied if r.next_hop_type == tied[0].next_hop_type]
    if len(alike) == 1:
        return alike[0]
    return alike[0]._replace(next_hops=tuple(sorted({h for r in alike for h in r.next_hops})))


def router_tables(topology: m.Topology, bgp: BgpFabric,
                  tunnels: Tunnels) -> dict[str, RouterRoutes]:
    found: dict[str, RouterRoutes] = {}
    circuit_links = {k.name: (c, k) for c in topology.circuits.values() for k in c.links}
    for site in topology.sites.values():
        cut = {end for k in site.links if not k.up
               for end in ((k.a_router, k.a_interface), (k.b_router, k.b_interface))}
        site_routers = {r.name: _interfaces(topology, r, cut) for r in site.routers}
        on_subnet = _subnets(site_routers)
        latency = _link_latencies(site)
        router_ids = {name: ids.router(name) for name in site_routers}  # made once, not per link
        for routes in site_routers.values():
            _connected(site, circuit_links, router_ids, latency, routes, on_subnet)
            _static(topology, routes, tunnels)
            _bgp(topology, bgp, routes, tunnels)
        igp = SiteIgp(site, site_routers)
        for routes in site_routers.values():
            routes.igp = igp
        found.update(site_routers)
    return found


def _interfaces(topology: m.Topology, router: m.Router,
                cut: set[tuple[str, str]]) -> RouterRoutes:
    """``cut``: (router, interface) ends of the site's IGP links that are down."""
    interfaces = {i.name: i.address for i in router.interfaces}
    up = {name: router.up and (router.name, name) not in cut for name in interfaces}
    for circuit in topology.circuits.values():
        for link in circuit.links:
            if link.router == router.name:
                interfaces[link.name] = IPv4Interface(f"{link.ce_address}/30")
                up[link.name] = link.up and circuit.up
    return RouterRoutes(router, interfaces, up)


def _connected(site: m.OnPremSite, circuit_links: dict[str, tuple[m.Circuit, m.CircuitLink]],
               router_ids: dict[str, ids.Element],
               latency: dict[frozenset[tuple[str, str]], float],
               routes: RouterRoutes, on_subnet: dict[IPv4Network, list[tuple[RouterRoutes, str]]]) -> None:
    me = routes.router.name
    for name, address in routes.interfaces.items():
        if not routes.up[name]:
            continue
        hops: list[NextHop] = []
        if name in circuit_links:
            circuit, link = circuit_links[name]
            hops.append(NextHop(ids.msee(circuit.name, link.role), "ce", link.msee_address,
                                link.latency_ms))
        for other, other_name in on_subnet.get(address.network, ()):
            if other is not routes:
                hops.append(NextHop(router_ids[other.router.name], other_name,
                                    other.interfaces[other_name].ip,
                                    latency.get(frozenset({(me, name),
                                                           (other.router.name, other_name)}),
                                                site.lan_latency_ms)))
        hops.extend(NextHop(ids.vm(e.name), "nic", e.address, site.lan_latency_ms)
                    for e in site.endpoints if e.address in address.network)
        network = address.network  # offered as ``offer`` would, a plain tuple without a call
        routes.candidates.setdefault(network, []).append(tuple.__new__(
            Route, (network, "connected", "connected", tuple(sorted(hops)), (), None, None,
                    f"interface {name}")))


def _subnets(routers: dict[str, RouterRoutes]) -> dict[IPv4Network, list[tuple[RouterRoutes, str]]]:
    """Which router interfaces (up) sit on each subnet of a site."""
    found: dict[IPv4Network, list[tuple[RouterRoutes, str]]] = {}
    for routes in routers.values():
        for name, address in routes.interfaces.items():
            if routes.up[name]:
                found.setdefault(address.network, []).append((routes, name))
    return found


def _link_latencies(site: m.OnPremSite) -> dict[frozenset[tuple[str, str]], float]:
    """The latency of each site link by its two (router, interface) ends (the first link
    listed, if two join the same ends); ends that no link joins share the LAN's latency.

    Matched by interface, not just by router: two routers joined by parallel links of
    different latency keep each link's own, whatever their order in the file.
    """
    found: dict[frozenset[tuple[str, str]], float] = {}
    for link in site.links:
        ends = frozenset({(link.a_router, link.a_interface), (link.b_router, link.b_interface)})
        found.setdefault(ends, link.latency_ms)
    return found


def _static(topology: m.Topology, routes: RouterRoutes,
            tunnels: Tunnels) -> None:
    for static in routes.router.static_routes:
        if static.discard:
            routes.offer(Route(static.prefix, "static", "discard", origin="static to null"))
            continue
        hops = _static_hops(topology, routes, static, tunnels)
        if hops:
            routes.offer(Route(static.prefix, "static", "static", hops, origin="static route"))


def _static_hops(topology: m.Topology, routes: RouterRoutes, static: m.StaticRoute,
                 tunnels: Tunnels) -> tuple[NextHop, ...]:
    me = routes.router.name
    if static.interface is not None:
        for vpn in topology.vpns:  # a tunnel interface: the VPN's far end
            if vpn.b.router == me and vpn.b.interface == static.interface:
                return tunnels[(vpn.name, ids.router(me))]  # every tunnel (rule 4.5)
        connected = routes.candidates.get(routes.interfaces[static.interface].network, []) \
            if static.interface in routes.interfaces and routes.up[static.interface] else []
        return connected[0].next_hops if connected else ()
    for route in routes.by_protocol("connected"):
        if static.next_hop in route.prefix:
            return tuple(h for h in route.next_hops if h.address == static.next_hop)
    return ()


def _bgp(topology: m.Topology, bgp: BgpFabric, routes: RouterRoutes,
         tunnels: Tunnels) -> None:
    speaker = bgp.speakers.get(ids.router(routes.router.name))
    if speaker is None:
        return
    links = {k.name: (c, k) for c in topology.circuits.values() for k in c.links}
    for prefixes, paths in by_group(speaker.best):  # hops and origin once per group
        if paths[0].relation is Relation.LOCAL:
            continue
        hops: list[NextHop] = []
        for path in paths:
            assert path.session is not None  # learned, not originated
            conn, peer = path.session.connection, path.session.peer
            if path.relation is Relation.MSEE:
                _, link = links[conn]
                hops.append(NextHop(peer, "ce", link.msee_address, link.latency_ms))
            else:
                hops.append(far_end(tunnels, path.session, speaker.id))
        rest = Route(prefixes[0], "bgp", "bgp", tuple(sorted(hops)), paths[0].as_path,
                     paths[0].local_preference,
                     origin=", ".join(sorted({p.session.connection for p in paths if p.session})))[1:]
        for prefix in prefixes:
            routes.offer(tuple.__new__(Route, (prefix, *rest)))


class SiteIgp:
    """A site's IGP: who neighbours whom over its links (up), and what each router
    redistributes (from its connected, static and BGP routes, before any IGP route)."""

    def __init__(self, site: m.OnPremSite, routers: dict[str, RouterRoutes]) -> None:
        # Each router's links (up) as (neighbour, its interface, its address, latency), in the
        # order of the site's links; next hops are made only for the routers asked about.
        ends: dict[str, list[tuple[str, str, IPv4Interface, float]]] = {n: [] for n in routers}
        for link in site.links:
            if not link.up:
                continue
            a, b = routers[link.a_router], routers[link.b_router]
            ends[a.router.name].append((b.router.name, link.b_interface,
                                        b.interfaces[link.b_interface], link.latency_ms))
            ends[b.router.name].append((a.router.name, link.a_interface,
                                        a.interfaces[link.a_interface], link.latency_ms))
        self.ends = ends
        self.adjacent = {name: [end[0] for end in found] for name, found in ends.items()}
        # What each router redistributes, as numbers standing for the site's prefixes: each
        # router's IGP table meets every prefix once per origin, and a number hashes fast.
        index: dict[IPv4Network, int] = {}
        self.exported = {name: tuple(index.setdefault(prefix, len(index))
                                     for prefix in _redistributed(r))
                         for name, r in routers.items()}
        self.prefixes = list(index)

    def offer(self, routes: RouterRoutes) -> None:
        """Offer ``routes`` its IGP route to each prefix another router redistributes: along
        the fewest links, over every neighbour that starts such a path."""
        name = routes.router.name
        first = [NextHop(ids.router(other), interface, address.ip, latency)
                 for other, interface, address, latency in self.ends[name]]
        first_hops = _first_hops(name, first, self.adjacent)
        # The first hops' sets are shared, never changed: a prefix that two origins at the same
        # distance export gets a new set, the union; each set is sorted into next hops once.
        best: dict[int, tuple[int, set[NextHop]]] = {}
        for origin, (distance, hops) in first_hops.items():
            for prefix in self.exported[origin]:
                known = best.get(prefix)
                if known is None or distance < known[0]:
                    best[prefix] = (distance, hops)
                elif distance == known[0] and not hops <= known[1]:
                    best[prefix] = (distance, known[1] | hops)
        sorted_hops: dict[int, tuple[NextHop, ...]] = {}
        origins: dict[int, str] = {}
        candidates, prefixes = routes.candidates, self.prefixes
        for prefix, (distance, via) in best.items():
            next_hops = sorted_hops.get(id(via))
            if next_hops is None:
                next_hops = sorted_hops[id(via)] = tuple(sorted(via))
            said = origins.get(distance)
            if said is None:
                said = origins[distance] = f"OSPF, {distance} hop{'s' if distance > 1 else ''}"
            network = prefixes[prefix]  # offered as ``offer`` would, a plain tuple without a call
            candidates.setdefault(network, []).append(
                tuple.__new__(Route, (network, "ospf", "ospf", next_hops, (), None, None, said)))


def _redistributed(routes: RouterRoutes) -> set[IPv4Network]:
    kinds = routes.router.redistribute
    found: set[IPv4Network] = set()
    for protocol in ("connected", "static", "bgp"):  # a kind not redistributed is not read
        if protocol in kinds:
            found.update(r.prefix for r in routes.by_protocol(protocol))
    return found


def _first_hops(start: str, first: list[NextHop],
                adjacent: dict[str, list[str]]) -> dict[str, tuple[int, set[NextHop]]]:
    """For every other router: its distance in links and every neighbour that starts a shortest
    path to it (equal-cost multipath, as OSPF installs it).

    Breadth first, one distance at a time: a router's first hops are the union of those of
    every router one link nearer that links to it, so every equal-cost path counts, however
    many hops away they join, and the order of the site's links changes nothing. ``first``:
    the next hops to ``start``'s neighbours; ``adjacent``: every router's neighbours.
    """
    found: dict[str, tuple[int, set[NextHop]]] = {}
    layer: dict[str, set[NextHop]] = {}
    for hop in first:
        if hop.element.name != start:
            layer.setdefault(hop.element.name, set()).add(hop)
    distance = 1
    while layer:
        for name, hops in layer.items():
            found[name] = (distance, hops)
        following: dict[str, set[NextHop]] = {}
        for name, hops in layer.items():
            for further in adjacent[name]:
                if further != start and further not in found:
                    following.setdefault(further, set()).update(hops)
        layer, distance = following, distance + 1
    return found
