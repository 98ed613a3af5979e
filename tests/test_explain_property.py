"""``explain`` cannot ship a wrong reason: undoing the causes it names changes the outcome.

For generated topologies (hubs, spokes, sites, with gateway-transit flags, spoke-to-spoke
peerings, route tables — routes to None, the Internet, a VirtualNetworkGateway that may not
exist or an appliance that may not forward —, Route Server branch-to-branch, re-advertising
routers, and links, whole routers and gateways taken down all drawn at random) and every pair of
endpoints (and every endpoint and an Internet address) whose packet — or whose echo reply — is
dropped, each alternative ``explain`` gives is undone as a whole: the link brought up, the flag
turned on (the router or gateway --down named, not the links it took with it), the user route
removed, the missing peering added, the router set to re-advertise; a fixed Azure rule (a VPN
gateway not passing a default route on, a VNet not passing one circuit's routes to another, loop
prevention) is suspended at the one session it names. The walk must then end somewhere else, or
in another way, or be delivered and answered.

Causes with nothing to undo (nothing advertises the address; a VNet with no gateway peered with
none; no session, up or down, joining the holders of the prefix to the element) are checked
against the topology instead.

Measured (2 cores, shared with other jobs): 200 topologies, about 2,100 dropped pairs, 600
distinct undos each rebuilt and walked again, in about 10 s.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from azint.control import bgp, ids
from azint.control.ids import Element
from azint.control.plane import ControlPlane
from azint.control.why import Because, Cause
from azint.data.explain import diagnose
from azint.data.flowhash import Flow
from azint.data.probes import NETWORK_DEVICE_TTL
from azint.data.walk import Disposition, Walk
from azint.network import Network
from azint.topology import loader
from azint.topology import model as m
from azint.topology.problems import InvalidTopology
from tests.builders import Doc, circuit, peering, site, vnet, vpn

EXAMPLES = 200
INTERNET_HOST = IPv4Address("8.8.8.8")  # reached only by a default route, if any
EXPLAINED = (Disposition.NO_ROUTE, Disposition.NULL_ROUTED, Disposition.EXITS_TO_INTERNET,
             Disposition.LINK_DOWN, Disposition.NOT_FORWARDED)
# a fixed rule, suspended at one session: (exporter or receiver, the other end, prefix)
RULES = {Because.NO_CIRCUIT_TRANSIT, Because.GLOBAL_REACH_LIMITS, Because.VPN_NO_DEFAULT_ROUTE,
         Because.VPN_OWN_RANGE, Because.EXPORT_POLICY}
REFUSALS = {Because.AS_PATH_LOOP, Because.REFUSES_OWN_RANGE}
CLAIMS = {Because.NOT_ADVERTISED, Because.NO_GATEWAY, Because.NOT_CONNECTED}


@st.composite
def networks(draw: st.DrawFn) -> tuple[Doc, tuple[str, ...]]:
    """A small valid topology with its settings drawn at random, and a set of links to take down."""
    networks: list[Doc] = []
    connections: list[Doc] = []
    er_hubs, vpn_hubs = [], []
    for i in range(draw(st.integers(1, 2))):
        er, use_vpn = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
        doc = vnet(f"hub{i}", f"10.{i + 1}.0.0/24", er=er, vpn=use_vpn, asn=64600 + i)
        if er:
            doc["gateways"]["expressroute"]["asn"] = 65515
            er_hubs.append(f"hub{i}")
        if use_vpn:
            vpn_hubs.append(f"hub{i}")
        if er and use_vpn:
            doc["branch_to_branch"] = draw(st.booleans())
        if i == 0:  # an appliance the spokes' route tables may send traffic to
            doc["endpoints"].append({"name": "fw", "address": "10.1.0.5", "os": "linux",
                                     "forwarding": draw(st.booleans())})
        networks.append(doc)
    hubs = [n["name"] for n in networks]
    spokes = [f"spoke{j}" for j in range(draw(st.integers(0, 2)))]
    for j, name in enumerate(spokes):
        doc = vnet(name, f"10.{20 + j}.0.0/24")
        if draw(st.booleans()):
            lan = f"10.{40 + draw(st.integers(0, 1))}.0.0/25"
            hop = draw(st.sampled_from(["None", "Internet", "VirtualAppliance",
                                        "VirtualNetworkGateway"]))
            route = {"name": "drop", "prefix": lan, "next_hop_type": hop}
            if hop == "VirtualAppliance":
                route.update(name="via-fw", prefix="10.0.0.0/8", next_hop_ip="10.1.0.5")
            routes = [route] if draw(st.booleans()) else []
            doc["route_tables"] = [{"name": "rt", "routes": routes,
                                    "propagate_gateway_routes": draw(st.booleans())}]
            doc["subnets"][0]["route_table"] = "rt"
        networks.append(doc)
        link = peering(f"p{j}", draw(st.sampled_from(hubs)), name)
        # use_remote_gateways needs allow_gateway_transit on the hub's side (validate says so)
        allow, use = draw(st.sampled_from([(False, False), (True, False), (True, True)]))
        link["a"]["allow_gateway_transit"], link["b"]["use_remote_gateways"] = allow, use
        connections.append(link)
    if len(spokes) > 1 and draw(st.booleans()):
        connections.append(peering("spokes", spokes[0], spokes[1]))
    if len(vpn_hubs) > 1 and draw(st.booleans()):
        connections.append(vpn("v-hubs", vpn_hubs[0], vpn_hubs[1], bgp=draw(st.booleans())))
    for k in range(draw(st.integers(1, 2))):
        name = f"dc{k}"
        advertise = [f"10.{40 + k}.0.0/24", *(["0.0.0.0/0"] if draw(st.booleans()) else [])]
        doc = site(name, 65001 + k, f"10.{40 + k}.0.0/24", tunnel=f"10.{40 + k}.0.250",
                   advertise=advertise, readvertise=draw(st.booleans()))
        networks.append(doc)
        on_er = er_hubs and (not vpn_hubs or draw(st.booleans()))
        if on_er:
            hubs_on = draw(st.sets(st.sampled_from(er_hubs), min_size=1))
            links = [(f"c{k}-p", "primary", f"192.168.{k}.16/30", f"{name}-ce"),
                     (f"c{k}-s", "secondary", f"192.168.{k}.20/30", f"{name}-ce")]
            connections.append(circuit(f"c{k}", links, [(f"c{k}-{h}", h) for h in sorted(hubs_on)]))
        if vpn_hubs and (not on_er or draw(st.booleans())):
            connections.append(vpn(f"s2s{k}", draw(st.sampled_from(vpn_hubs)), (f"{name}-ce", "tunnel")))
    circuits = [c["name"] for c in connections if c["type"] == "expressroute"]
    if len(circuits) > 1 and draw(st.booleans()):
        connections.append({"name": "gr", "type": "global_reach", "circuits": circuits[:2]})
    downable = [c["name"] for c in connections]
    downable += [link["name"] for c in connections if c["type"] == "expressroute"
                 for link in [*c["links"], *c["vnets"]]]
    # whole elements: what they take with them (a router its circuit links and tunnels, a
    # gateway its connections) is theirs to name, not the links'
    downable += [f"router:{n['name']}-ce" for n in networks if n["kind"] == "onprem"]
    downable += [f"{kind}:{hub}" for kind, hubs_of in (("ergw", er_hubs), ("vpngw", vpn_hubs))
                 for hub in hubs_of]
    downable += [f"{short}:{n['name']}@{address}" for n in networks
                 for kind, short in (("expressroute", "ergw"), ("vpn", "vpngw"))
                 for address in n.get("gateways", {}).get(kind, {}).get("instances", [])]
    down = draw(st.sets(st.sampled_from(sorted(downable)), max_size=2)) if downable else set()
    return ({"azint": 1, "name": "random", "jitter_ms": 0.0, "networks": networks,
             "connections": connections}, tuple(sorted(down)))


# -- the outcome at the point of loss ----------------------------------------------------------


Point = tuple[str, Disposition, Element]


def outcome(network: Network, source: m.Endpoint, target: IPv4Address) -> tuple[Point, Walk, IPv4Address]:
    """Where (and how) the packet or its echo reply ends, the walk that ends there, and the
    address that walk was for."""
    forwarder = network.prober.forwarder
    there = forwarder.walk(ids.vm(source.name), Flow(source.address, target), source.initial_ttl)
    if not there.delivered:
        return ("forward", there.disposition, there.last.element), there, target
    back = forwarder.walk(there.last.element, Flow(target, source.address), NETWORK_DEVICE_TTL)
    return ("reply", back.disposition, back.last.element), back, source.address


# -- undoing a cause ---------------------------------------------------------------------------


def undo(topology: m.Topology, down: frozenset[str], cause: Cause
         ) -> tuple[m.Topology, frozenset[str]]:
    """The topology (and links down) with ``cause`` undone."""
    kind, where = cause.kind, cause.element.name
    if kind is Because.LINK_DOWN:
        return topology, down - {cause.setting[0]}
    if kind is Because.USER_ROUTE:
        return _vnet(topology, where, lambda v: replace(v, route_tables=MappingProxyType({
            n: replace(t, routes=tuple(r for r in t.routes if r.name != cause.setting[1]))
            if n == cause.setting[0] else t for n, t in v.route_tables.items()}))), down
    if kind is Because.PROPAGATION_OFF:
        return _vnet(topology, where, lambda v: replace(v, route_tables=MappingProxyType({
            n: replace(t, propagate_gateway_routes=True) if n == cause.setting[0] else t
            for n, t in v.route_tables.items()}))), down
    if kind in (Because.USE_REMOTE_GATEWAYS_OFF, Because.ALLOW_GATEWAY_TRANSIT_OFF):
        return replace(topology, peerings=tuple(_flag(p, where, kind) if p.name == cause.setting[0]
                                                else p for p in topology.peerings)), down
    if kind in (Because.NOT_TRANSITIVE, Because.NOT_PEERED):
        assert cause.peer is not None
        added = m.Peering(f"undo-{where}-{cause.peer.name}", m.PeeringSide(where),
                          m.PeeringSide(cause.peer.name))
        return replace(topology, peerings=(*topology.peerings, added)), down
    if kind is Because.NO_EXPRESSROUTE_VPN_TRANSIT:
        return _vnet(topology, where, lambda v: replace(v, branch_to_branch=True)), down
    if kind is Because.NO_READVERTISE:
        return _router(topology, where, lambda r: replace(r, readvertise=True)), down
    if kind is Because.NOT_FORWARDING:
        return _host(topology, where, lambda e: replace(e, forwarding=True)), down
    raise AssertionError(f"no undo for {cause}")


def _flag(peering: m.Peering, vnet: str, kind: Because) -> m.Peering:
    side = peering.side(vnet)
    if kind is Because.USE_REMOTE_GATEWAYS_OFF:
        side = replace(side, use_remote_gateways=True)
    else:
        side = replace(side, allow_gateway_transit=True)
    return replace(peering, a=side) if peering.a.network == vnet else replace(peering, b=side)


def _vnet(topology: m.Topology, name: str, change: Any) -> m.Topology:
    vnets = {n: change(v) if n == name else v for n, v in topology.vnets.items()}
    return replace(topology, vnets=MappingProxyType(vnets))


def _router(topology: m.Topology, name: str, change: Any) -> m.Topology:
    sites = {n: replace(s, routers=tuple(change(r) if r.name == name else r for r in s.routers))
             for n, s in topology.sites.items()}
    return replace(topology, sites=MappingProxyType(sites))


def _host(topology: m.Topology, name: str, change: Any) -> m.Topology:
    vnets = {n: replace(v, endpoints=tuple(change(e) if e.name == name else e
                                           for e in v.endpoints))
             for n, v in topology.vnets.items()}
    return replace(topology, vnets=MappingProxyType(vnets))


@contextmanager
def suspended(rules: frozenset[tuple[Because, Element, Element | None, IPv4Network | None]]
              ) -> Iterator[None]:
    """BGP with the named export rules and refusals suspended at their one session each."""
    exportable, accepts = bgp.exportable, bgp.accepts

    def export(exporter: bgp.Speaker, towards: bgp.Session, path: bgp.Path) -> bool:
        return exportable(exporter, towards, path) or any(
            kind in RULES and exporter.id == at and towards.peer == peer and path.prefix == prefix
            and path.session != towards.key for kind, at, peer, prefix in rules)

    def accept(receiver: bgp.Speaker, session: bgp.Session, path: bgp.Path) -> bool:
        return accepts(receiver, session, path) or any(
            kind in REFUSALS and receiver.id == at and session.peer == peer
            and path.prefix == prefix for kind, at, peer, prefix in rules)

    def one_by_one(speakers: Any) -> list[tuple[tuple[IPv4Network, ...], list[Element]]]:
        # a rule is suspended for one prefix: alike prefixes no longer travel alike
        return [((prefix,), origins) for group, origins in alike(speakers) for prefix in group]

    alike = bgp._alike
    bgp.exportable, bgp.accepts = export, accept  # type: ignore[assignment]
    bgp._alike = one_by_one
    try:
        yield
    finally:
        bgp.exportable, bgp.accepts = exportable, accepts  # type: ignore[assignment]
        bgp._alike = alike


def undo_key(cause: Cause) -> tuple[object, ...]:
    """What undoing ``cause`` changes (two causes that change the same thing share a key)."""
    if cause.kind is Because.LINK_DOWN:
        return (cause.kind, cause.setting)
    if cause.kind in RULES | REFUSALS:
        return (cause.kind, cause.element, cause.peer, cause.prefix)
    if cause.kind in (Because.NOT_TRANSITIVE, Because.NOT_PEERED):
        return ("peering", frozenset({cause.element, cause.peer}))
    return (cause.kind, cause.element, cause.peer, cause.setting)


def undone(topology: m.Topology, down: frozenset[str], causes: tuple[Cause, ...]
           ) -> Network | None:
    rules = frozenset((c.kind, c.element, c.peer, c.prefix) for c in causes
                      if c.kind in RULES | REFUSALS)
    for cause in causes:
        if cause.kind not in RULES | REFUSALS:
            topology, down = undo(topology, down, cause)
    with suspended(rules):
        try:
            return Network.of(topology, down)
        except InvalidTopology:  # e.g. Route Server turned on makes a policy oscillate
            STATS["unsettled"] += 1
            return None


# -- causes that have nothing to undo: true of the topology ---------------------------------------


def check_claim(network: Network, cause: Cause, address: IPv4Address) -> None:
    topology = network.topology
    if cause.kind is Because.NOT_ADVERTISED:
        beaten = IPv4Network(cause.setting[0]).prefixlen if cause.setting else -1
        assert not any(v.contains(address) for v in topology.vnets.values())
        assert not any(address in p and p.prefixlen > beaten
                       for r in topology.routers() for p in r.advertise)
        return
    if cause.kind is Because.NOT_CONNECTED:
        assert cause.prefix is not None
        holders = {i for i, s in network.plane.bgp.speakers.items() if cause.prefix in s.best}
        assert not holders & reachable(topology, cause.peer or cause.element), cause
        return
    assert cause.kind is Because.NO_GATEWAY, cause
    vnet = topology.vnets[cause.element.name]
    assert not vnet.has_gateway
    assert not any(topology.vnets[p.other(vnet.name).network].has_gateway
                   for p in topology.peerings if vnet.name in (p.a.network, p.b.network))


def reachable(topology: m.Topology, start: Element) -> set[Element]:
    """Every BGP speaker joined to ``start`` by sessions, with every link of the topology up."""
    fabric = _wired_up(topology)
    seen, todo = {start}, [start]
    while todo:
        speaker = fabric.speakers.get(todo.pop())
        for session in speaker.sessions if speaker is not None else ():
            if session.peer not in seen:
                seen.add(session.peer)
                todo.append(session.peer)
    return seen


_WIRED: list[tuple[m.Topology, bgp.BgpFabric]] = []


def _wired_up(topology: m.Topology) -> bgp.BgpFabric:
    """The sessions of ``topology`` with every link up (kept for the last topology asked)."""
    if not _WIRED or _WIRED[0][0] is not topology:
        _WIRED[:] = [(topology, ControlPlane.wired(_up(topology)).bgp)]
    return _WIRED[0][1]


def _up(topology: m.Topology) -> m.Topology:
    """Every link and connection up, and Route Server branch-to-branch wherever it can be."""
    circuits = {n: replace(c, up=True, links=tuple(replace(k, up=True) for k in c.links),
                           connections=tuple(replace(x, up=True) for x in c.connections))
                for n, c in topology.circuits.items()}
    vnets = {n: replace(v, branch_to_branch=True) for n, v in topology.vnets.items()}
    return replace(topology, circuits=MappingProxyType(circuits), vnets=MappingProxyType(vnets),
                   peerings=tuple(replace(p, up=True) for p in topology.peerings),
                   vpns=tuple(replace(v, up=True) for v in topology.vpns),
                   global_reach=tuple(replace(g, up=True) for g in topology.global_reach))


# -- the property --------------------------------------------------------------------------------


STATS = {"topologies": 0, "dropped": 0, "undone": 0, "unsettled": 0}  # figures for the record
KINDS: Counter[Because] = Counter()  # which causes the run met


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=networks())
def test_undoing_the_named_causes_changes_the_outcome(tmp_path: Path,
                                                      drawn: tuple[Doc, tuple[str, ...]]) -> None:
    doc, down_names = drawn
    path = tmp_path / "t.yaml"
    path.write_text(json.dumps(doc))  # JSON is YAML, and far quicker to write
    try:
        topology, down = loader.load(path), frozenset(down_names)
    except InvalidTopology:
        reject()  # a policy with no stable state: validate refuses it, so does every command
    network = Network.of(topology, down)
    cache: dict[frozenset[tuple[object, ...]], Network | None] = {}
    STATS["topologies"] += 1
    sources = {e.network: e for e in reversed(network.topology.endpoints())}.values()
    targets = [e.address for e in network.topology.endpoints()] + [INTERNET_HOST]
    for source in sources:
        for target in targets:
            if target == source.address:
                continue
            point, walk, address = outcome(network, source, target)
            if point[1] not in EXPLAINED:
                continue
            found = diagnose(network.plane, walk.disposition, walk.last, address,
                             network.culprits, network.restore)
            assert found is not None and found.alternatives, (source.name, str(target), point)
            STATS["dropped"] += 1
            for way in found.alternatives:
                KINDS.update(c.kind for c in way.causes)
                fixed = tuple(c for c in way.causes
                              if c.kind not in CLAIMS)
                for cause in set(way.causes) - set(fixed):
                    check_claim(network, cause, address)
                if len(fixed) < len(way.causes):
                    continue  # a claim, checked above: nothing to undo
                key = frozenset(map(undo_key, fixed))
                if key not in cache:
                    cache[key] = undone(topology, down, fixed)
                    STATS["undone"] += 1
                if cache[key] is None:
                    continue  # BGP never settles once undone: nothing to compare with
                after, _, _ = outcome(cache[key], source, target)
                assert after != point, (source.name, str(target), point, way.causes)
