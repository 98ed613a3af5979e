"""The network as a graph to draw: nodes in nested groups, labelled edges, and a trace's path.

Built from the topology (and a trace) alone, as data; ``render.mermaid`` and ``render.dot`` turn
one ``Diagram`` into their tongue. Groups are Azure regions holding VNets (each VNet a group of
its address space, endpoints, gateways and Route Server) and on-premises sites holding their
routers and machines; circuits stand between them. Edges point from Azure towards on-premises and
from a spoke to its hub, so a left-to-right layout puts spokes, hub, gateways, circuits and sites
in that order and a hub with its spokes reads as one.

Everything is sorted by name, so the drawing does not depend on the order of the topology file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum
from itertools import pairwise
from typing import NamedTuple

from azint.control.ids import Element, Kind
from azint.data.probes import TraceHop, TraceResult
from azint.topology import model as m


class NodeKind(IntEnum):
    """What a node is; the order is the order nodes are listed in within a group."""

    ENDPOINT = 1
    APPLIANCE = 2
    VNET = 3
    ROUTE_SERVER = 4
    ER_GATEWAY = 5
    VPN_GATEWAY = 6
    CIRCUIT = 7
    ROUTER = 8


class EdgeKind(IntEnum):
    """What an edge is; the order is the order edges are listed in."""

    ATTACH = 1  # an endpoint, gateway or Route Server in its VNet; a machine on its router
    PEERING = 2
    EXPRESSROUTE = 3  # a VNet's ExpressRoute gateway linked to a circuit
    CIRCUIT_LINK = 4  # a circuit's primary or secondary link to a customer edge router
    GLOBAL_REACH = 5
    VPN = 6
    IGP = 7  # a link between two routers of one site


class GroupKind(IntEnum):
    REGION = 1
    VNET = 2
    SITE = 3


class NodeKey(NamedTuple):
    kind: NodeKind
    name: str


class GroupKey(NamedTuple):
    kind: GroupKind
    name: str


class Line(NamedTuple):
    """One line of a label; ``struck`` for what is down."""

    text: str
    struck: bool = False


class Group(NamedTuple):
    key: GroupKey
    label: tuple[Line, ...]
    parent: GroupKey | None


class Mark(IntEnum):
    """How a node takes part in the drawn path (the highest mark wins)."""

    NONE = 0
    PATH = 1  # the packet crosses it
    ANSWERED = 2  # a hop whose reply comes back
    TIMEOUT = 3  # a hop that shows "Request timed out."
    DROP = 4  # where the packet ends without being delivered


class Node(NamedTuple):
    key: NodeKey
    label: tuple[Line, ...]
    group: GroupKey | None
    down: bool = False
    mark: Mark = Mark.NONE


class Edge(NamedTuple):
    a: NodeKey
    b: NodeKey
    kind: EdgeKind
    label: tuple[Line, ...] = ()
    down: bool = False


class PathEdge(NamedTuple):
    """A move of the packet, numbered in order (a loop makes the same move again: its later
    numbers); ``into`` says how the node it reaches fares."""

    a: NodeKey
    b: NodeKey
    number: int
    into: Mark
    again: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """``3``, or for a move made again and again ``2, 4 ... 30``."""
        numbers = (self.number, *self.again)
        if len(numbers) <= 3:
            return ", ".join(map(str, numbers))
        return f"{numbers[0]}, {numbers[1]} ... {numbers[-1]}"


class Diagram(NamedTuple):
    title: str
    groups: tuple[Group, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    path: tuple[PathEdge, ...] = ()
    caption: tuple[str, ...] = ()  # what the path shows, in words

    def node(self, key: NodeKey) -> Node:
        return next(n for n in self.nodes if n.key == key)


# -- the topology ----------------------------------------------------------------------------


def topology_diagram(written: m.Topology, down: Iterable[str] = ()) -> Diagram:
    """The network of ``written`` (the topology as loaded) with the ``down`` elements failed."""
    names = frozenset(down)
    now = written.with_down(names)
    groups = [*_region_groups(now), *_site_groups(now)]
    nodes = [*_vnet_nodes(written, names), *_circuit_nodes(now), *_site_nodes(now)]
    edges = [*_vnet_edges(now), *_peering_edges(now), *_expressroute_edges(now),
             *_global_reach_edges(now), *_vpn_edges(now), *_site_edges(now)]
    title = written.name + (f" (down: {', '.join(sorted(names))})" if names else "")
    return Diagram(title, tuple(sorted(groups)), tuple(sorted(nodes, key=_node_order)),
                   tuple(sorted(edges, key=_edge_order)))


def _node_order(node: Node) -> tuple[object, ...]:
    group = node.group or GroupKey(GroupKind.REGION, "")
    return (group, node.key)


def _edge_order(edge: Edge) -> tuple[object, ...]:
    return (edge.kind, edge.a, edge.b, edge.label)


def _region_groups(topology: m.Topology) -> Iterator[Group]:
    for region in sorted({v.region for v in topology.vnets.values()}):
        yield Group(GroupKey(GroupKind.REGION, region), (Line(f"Azure region {region}"),), None)
    for vnet in topology.vnets.values():
        yield Group(GroupKey(GroupKind.VNET, vnet.name), (Line(f"VNet {vnet.name}"),),
                    GroupKey(GroupKind.REGION, vnet.region))


def _site_groups(topology: m.Topology) -> Iterator[Group]:
    for site in topology.sites.values():
        label = (Line(f"on-premises {site.name}"), Line(f"ASN {site.asn}"))
        yield Group(GroupKey(GroupKind.SITE, site.name), label, None)


def _vnet_nodes(written: m.Topology, down: frozenset[str]) -> Iterator[Node]:
    for vnet in written.vnets.values():
        group = GroupKey(GroupKind.VNET, vnet.name)
        spaces = tuple(Line(str(space)) for space in vnet.address_space)
        yield Node(NodeKey(NodeKind.VNET, vnet.name), (Line(vnet.name), *spaces), group)
        yield from (_endpoint_node(e, group) for e in vnet.endpoints)
        if vnet.branch_to_branch:
            label = (Line("Route Server"), Line("branch-to-branch"))
            yield Node(NodeKey(NodeKind.ROUTE_SERVER, vnet.name), label, group)
        yield from _gateway_nodes(vnet, group, down)


def _endpoint_node(endpoint: m.Endpoint, group: GroupKey) -> Node:
    if endpoint.forwarding:
        label = (Line(endpoint.name), Line(f"NVA {endpoint.address}"), Line("IP forwarding"))
        return Node(NodeKey(NodeKind.APPLIANCE, endpoint.name), label, group)
    return Node(NodeKey(NodeKind.ENDPOINT, endpoint.name),
                (Line(endpoint.name), Line(str(endpoint.address))), group)


def _gateway_nodes(vnet: m.VNet, group: GroupKey, down: frozenset[str]) -> Iterator[Node]:
    gateways = ((NodeKind.ER_GATEWAY, m.FailableKind.ER_GATEWAY, vnet.expressroute_gateway,
                 "ExpressRoute gateway"),
                (NodeKind.VPN_GATEWAY, m.FailableKind.VPN_GATEWAY, vnet.vpn_gateway, "VPN gateway"))
    for kind, failable, gateway, title in gateways:
        if gateway is None:
            continue
        instances = tuple(Line(str(a), m.gateway_name(failable, vnet.name, a) in down)
                          for a in gateway.instances)
        whole = m.gateway_name(failable, vnet.name) in down or all(i.struck for i in instances)
        label = (Line(title), Line(f"ASN {gateway.asn}"), *instances, *_public(gateway))
        yield Node(NodeKey(kind, vnet.name), label, group, whole)


def _public(gateway: m.ExpressRouteGateway | m.VpnGateway) -> tuple[Line, ...]:
    if isinstance(gateway, m.VpnGateway) and gateway.public_address is not None:
        return (Line(f"public {gateway.public_address}"),)
    return ()


def _circuit_nodes(topology: m.Topology) -> Iterator[Node]:
    for circuit in topology.circuits.values():
        label = [Line(circuit.name), Line("ExpressRoute circuit"),
                 Line(f"at {circuit.peering_location}")]
        if circuit.premium:
            label.append(Line("Premium"))
        yield Node(NodeKey(NodeKind.CIRCUIT, circuit.name), tuple(label), None, not circuit.up)


def _site_nodes(topology: m.Topology) -> Iterator[Node]:
    for site in topology.sites.values():
        group = GroupKey(GroupKind.SITE, site.name)
        for router in site.routers:
            label = (Line(router.name), Line("router"))
            yield Node(NodeKey(NodeKind.ROUTER, router.name), label, group, not router.up)
        yield from (_endpoint_node(e, group) for e in site.endpoints)


def _vnet_edges(topology: m.Topology) -> Iterator[Edge]:
    for vnet in topology.vnets.values():
        here = NodeKey(NodeKind.VNET, vnet.name)
        for endpoint in vnet.endpoints:
            yield Edge(_endpoint_key(endpoint), here, EdgeKind.ATTACH)
        parts = ((NodeKind.ROUTE_SERVER, vnet.branch_to_branch),
                 (NodeKind.ER_GATEWAY, vnet.expressroute_gateway is not None),
                 (NodeKind.VPN_GATEWAY, vnet.vpn_gateway is not None))
        yield from (Edge(here, NodeKey(kind, vnet.name), EdgeKind.ATTACH)
                    for kind, present in parts if present)


def _endpoint_key(endpoint: m.Endpoint) -> NodeKey:
    kind = NodeKind.APPLIANCE if endpoint.forwarding else NodeKind.ENDPOINT
    return NodeKey(kind, endpoint.name)


def _peering_edges(topology: m.Topology) -> Iterator[Edge]:
    for peering in topology.peerings:
        spoke, hub = _spoke_and_hub(topology, peering)
        label = [Line(f"peering {peering.name}", not peering.up)]
        if topology.vnets[spoke.network].region != topology.vnets[hub.network].region:
            label.append(Line("global"))
        if spoke.use_remote_gateways and hub.allow_gateway_transit:
            label.append(Line(f"gateway transit via {hub.network}"))
        yield Edge(NodeKey(NodeKind.VNET, spoke.network), NodeKey(NodeKind.VNET, hub.network),
                   EdgeKind.PEERING, tuple(label), not peering.up)


def _spoke_and_hub(topology: m.Topology,
                   peering: m.Peering) -> tuple[m.PeeringSide, m.PeeringSide]:
    """The peering's two sides, the spoke first: the one using the other's gateways, else the
    one without a gateway, else the one with fewer peerings, else by name (so the file's a/b
    order does not matter)."""
    def hubness(side: m.PeeringSide) -> tuple[bool, bool, int, str]:
        peers = sum(side.network in (p.a.network, p.b.network) for p in topology.peerings)
        return (not side.use_remote_gateways, topology.vnets[side.network].has_gateway, peers,
                side.network)

    sides = sorted((peering.a, peering.b), key=hubness)
    return sides[0], sides[1]


def _expressroute_edges(topology: m.Topology) -> Iterator[Edge]:
    for circuit in topology.circuits.values():
        here = NodeKey(NodeKind.CIRCUIT, circuit.name)
        for connection in circuit.connections:
            label = [Line(connection.name, not connection.up)]
            if connection.weight:
                label.append(Line(f"weight {connection.weight}"))
            yield Edge(NodeKey(NodeKind.ER_GATEWAY, connection.network), here,
                       EdgeKind.EXPRESSROUTE, tuple(label), not connection.up)
        for link in circuit.links:
            if link.router is None:
                continue
            dead = not (link.up and circuit.up)
            shown = (Line(f"{link.name} ({link.role})", dead), Line(str(link.subnet)))
            yield Edge(here, NodeKey(NodeKind.ROUTER, link.router), EdgeKind.CIRCUIT_LINK,
                       shown, dead)


def _global_reach_edges(topology: m.Topology) -> Iterator[Edge]:
    for reach in topology.global_reach:
        a, b = sorted(reach.circuits)
        yield Edge(NodeKey(NodeKind.CIRCUIT, a), NodeKey(NodeKind.CIRCUIT, b),
                   EdgeKind.GLOBAL_REACH, (Line(f"Global Reach {reach.name}", not reach.up),),
                   not reach.up)


def _vpn_edges(topology: m.Topology) -> Iterator[Edge]:
    for vpn in topology.vpns:
        a = NodeKey(NodeKind.VPN_GATEWAY, vpn.a.network or "")
        if vpn.b.router is not None:
            b = NodeKey(NodeKind.ROUTER, vpn.b.router)
        else:
            b = NodeKey(NodeKind.VPN_GATEWAY, vpn.b.network or "")
        routing = "BGP" if vpn.bgp else "static"
        label = [Line(f"VPN {vpn.name}", not vpn.up), Line(f"IPsec, {routing}")]
        if not vpn.bgp:
            prefixes = (*vpn.a.prefixes, *vpn.b.prefixes)
            label.extend(Line(str(p)) for p in sorted(set(prefixes)))
        yield Edge(a, b, EdgeKind.VPN, tuple(label), not vpn.up)


def _site_edges(topology: m.Topology) -> Iterator[Edge]:
    for site in topology.sites.values():
        outward = _outward_routers(topology, site)
        for link in site.links:
            a, b = sorted((link.a_router, link.b_router), key=lambda r: (r not in outward, r))
            yield Edge(NodeKey(NodeKind.ROUTER, a), NodeKey(NodeKind.ROUTER, b), EdgeKind.IGP,
                       (Line("IGP", not link.up),), not link.up)
        for endpoint in site.endpoints:
            router = _default_router(site, endpoint)
            if router is not None:
                yield Edge(NodeKey(NodeKind.ROUTER, router), _endpoint_key(endpoint),
                           EdgeKind.ATTACH)


def _outward_routers(topology: m.Topology, site: m.OnPremSite) -> frozenset[str]:
    """The site's routers that end a circuit link or a tunnel: drawn nearer Azure."""
    ends = {k.router for c in topology.circuits.values() for k in c.links}
    ends.update(v.b.router for v in topology.vpns)
    return frozenset(r.name for r in site.routers if r.name in ends)


def _default_router(site: m.OnPremSite, endpoint: m.Endpoint) -> str | None:
    for router in site.routers:
        if any(i.address.ip == endpoint.gateway for i in router.interfaces):
            return router.name
    return None


# -- a trace's path over it ---------------------------------------------------------------------


def path_diagram(diagram: Diagram, trace: TraceResult) -> Diagram:
    """``diagram`` with the path of ``trace`` drawn over it: each move numbered, each hop marked
    with what tracert shows for it, and where an undelivered packet ends."""
    keys = {n.key.name: n.key for n in diagram.nodes
            if n.key.kind in (NodeKind.ENDPOINT, NodeKind.APPLIANCE)}
    visits = _visits(trace, keys)
    marks: dict[NodeKey, Mark] = {}
    notes: dict[NodeKey, list[str]] = {}
    for key, mark, note in visits:
        marks[key] = max(marks.get(key, Mark.NONE), mark)
        if note:
            notes.setdefault(key, []).append(note)
    nodes = tuple(_marked(n, marks.get(n.key, Mark.NONE), notes.get(n.key, []))
                  for n in diagram.nodes)
    return diagram._replace(nodes=nodes, path=_moves(visits, marks), caption=_caption(trace))


def _moves(visits: list[tuple[NodeKey, Mark, str]],
           marks: dict[NodeKey, Mark]) -> tuple[PathEdge, ...]:
    """The moves between consecutive nodes, numbered; a move made again is drawn once."""
    moves: dict[tuple[NodeKey, NodeKey], PathEdge] = {}
    number = 0
    for (before, _, _), (key, _, _) in pairwise(visits):
        if before == key:
            continue
        number += 1
        made = moves.get((before, key))
        moves[(before, key)] = made._replace(again=(*made.again, number)) if made else \
            PathEdge(before, key, number, marks[key])
    return tuple(moves.values())


def node_of(element: Element, endpoints: dict[str, NodeKey]) -> NodeKey:
    """The node a forwarding element of the walk is drawn as."""
    kind = element.kind
    if kind is Kind.VM:
        return endpoints[element.name]
    kinds = {Kind.VNET: NodeKind.VNET, Kind.FABRIC: NodeKind.VNET, Kind.ERGW: NodeKind.ER_GATEWAY,
             Kind.VPNGW: NodeKind.VPN_GATEWAY, Kind.MSEE: NodeKind.CIRCUIT,
             Kind.ROUTER: NodeKind.ROUTER}
    return NodeKey(kinds[kind], element.name)


def _visits(trace: TraceResult, endpoints: dict[str, NodeKey]) -> list[tuple[NodeKey, Mark, str]]:
    """Each step of the walk as (node, how it fares, what tracert shows there)."""
    walk = trace.walk
    lines = {line.ttl: line for line in trace.hops}
    hop = 0
    found: list[tuple[NodeKey, Mark, str]] = []
    for number, step in enumerate(walk.steps):
        key = node_of(step.element, endpoints)
        mark, note = Mark.PATH, "source" if number == 0 else ""
        if step.is_hop:
            hop += 1
            mark, note = _hop(hop, lines.get(hop))
        elif step.note == "delivered" and number:
            mark, note = _delivered(hop + 1, lines.get(hop + 1))
        found.append((key, mark, note))
    if not walk.delivered:
        key, mark, note = found[-1]
        ending = walk.disposition.value.lower().replace("_", " ")
        found[-1] = (key, Mark.DROP, f"{note}; {ending}" if note else ending)
    return found


def _hop(number: int, line: TraceHop | None) -> tuple[Mark, str]:
    if line is None or line.kind == "timeout":
        return Mark.TIMEOUT, f"hop {number}: * timed out"
    return Mark.ANSWERED, f"hop {number}: {line.address}"


def _delivered(number: int, line: TraceHop | None) -> tuple[Mark, str]:
    if line is not None and line.kind == "echo-reply":
        return Mark.ANSWERED, f"hop {number}: {line.address} (target)"
    return Mark.TIMEOUT, f"hop {number}: target, reply not seen"


def _marked(node: Node, mark: Mark, notes: list[str]) -> Node:
    if mark is Mark.NONE:
        return node
    shown = notes if len(notes) <= 4 else [*notes[:2], f"... {len(notes) - 3} more", notes[-1]]
    return node._replace(mark=mark, label=(*node.label, *(Line(n) for n in shown)))


def _caption(trace: TraceResult) -> tuple[str, ...]:
    head = f"path: tracert {trace.source.name} ({trace.source.address}) to {trace.target}"
    return (head, f"{trace.walk.disposition.value}: {trace.reason}")


# the palette both tongues draw with: edges by kind, the path by how the node it reaches fares
COLOURS = {
    EdgeKind.ATTACH: "#9e9e9e", EdgeKind.PEERING: "#2e7d32", EdgeKind.EXPRESSROUTE: "#ef6c00",
    EdgeKind.CIRCUIT_LINK: "#ef6c00", EdgeKind.GLOBAL_REACH: "#00838f", EdgeKind.VPN: "#6a1b9a",
    EdgeKind.IGP: "#616161",
}
PATH_COLOUR = "#1565c0"
PATH_COLOURS = {Mark.TIMEOUT: "#ef6c00", Mark.DROP: "#c62828"}


# -- names the tongues give nodes and groups ------------------------------------------------------

_PREFIXES = {NodeKind.ENDPOINT: "vm", NodeKind.APPLIANCE: "nva", NodeKind.VNET: "vnet",
             NodeKind.ROUTE_SERVER: "rs", NodeKind.ER_GATEWAY: "ergw",
             NodeKind.VPN_GATEWAY: "vpngw", NodeKind.CIRCUIT: "circuit", NodeKind.ROUTER: "router"}
_GROUP_PREFIXES = {GroupKind.REGION: "region", GroupKind.VNET: "in_vnet", GroupKind.SITE: "site"}


class Ids:
    """Identifiers safe in Mermaid and DOT: the kind and the name's letters, digits and ``_``,
    numbered when two names come out the same; assigned in the diagram's (sorted) order."""

    __slots__ = ("_groups", "_nodes")

    def __init__(self, diagram: Diagram) -> None:
        taken: set[str] = set()
        self._groups = {g.key: _unique(f"{_GROUP_PREFIXES[g.key.kind]}_{_slug(g.key.name)}", taken)
                        for g in diagram.groups}
        self._nodes = {n.key: _unique(f"{_PREFIXES[n.key.kind]}_{_slug(n.key.name)}", taken)
                       for n in diagram.nodes}

    def node(self, key: NodeKey) -> str:
        return self._nodes[key]

    def group(self, key: GroupKey) -> str:
        return self._groups[key]


def _slug(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in name)


def _unique(wanted: str, taken: set[str]) -> str:
    found, number = wanted, 1
    while found in taken:
        number += 1
        found = f"{wanted}_{number}"
    taken.add(found)
    return found


# -- as JSON: the graph itself, for tools that draw their own ------------------------------------


def diagram_document(diagram: Diagram) -> dict[str, object]:
    """The graph as plain data (``azint diagram --json``): ids as the tongues write them."""
    ids = Ids(diagram)
    return {
        "title": diagram.title,
        "groups": [{"id": ids.group(g.key), "kind": g.key.kind.name.lower(), "name": g.key.name,
                    "label": _lines(g.label),
                    "parent": ids.group(g.parent) if g.parent is not None else None}
                   for g in diagram.groups],
        "nodes": [{"id": ids.node(n.key), "kind": n.key.kind.name.lower(), "name": n.key.name,
                   "group": ids.group(n.group) if n.group is not None else None,
                   "label": _lines(n.label), "down": n.down, "mark": n.mark.name.lower()}
                  for n in diagram.nodes],
        "edges": [{"a": ids.node(e.a), "b": ids.node(e.b), "kind": e.kind.name.lower(),
                   "label": _lines(e.label), "down": e.down} for e in diagram.edges],
        "path": [{"a": ids.node(p.a), "b": ids.node(p.b), "moves": [p.number, *p.again],
                  "into": p.into.name.lower()} for p in diagram.path],
        "caption": list(diagram.caption),
    }


def _lines(lines: tuple[Line, ...]) -> list[dict[str, object]]:
    return [{"text": x.text, "struck": x.struck} for x in lines]
