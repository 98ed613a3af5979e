"""Walking one packet hop by hop: which element it reaches, who decrements its TTL, how it ends.

Which elements are a hop (decrement the TTL and can answer) follows the reference traces
("How the traces arise" in ``docs/reference-network.md``):

* the VNet fabric and peering never are;
* an ExpressRoute gateway always is; from the VNet it answers from the instance the packet
  reached, from the circuit side it has no address anyone can route (its tunnel endpoint lives
  in Microsoft's backbone), so it shows as ``Request timed out.``;
* an MSEE is a hop only for packets entering Azure from the customer edge;
* a VPN gateway is a hop, except for packets that entered Azure over a site-to-site tunnel from
  on-premises: those cross every Azure VPN gateway without one; from a tunnel it answers from
  its public address;
* a router answers from the interface the packet arrived on;
* a host is never a hop for its own packets: it sends to its own subnet directly (on a LAN an
  address nobody holds fails ARP, and the host itself reports the destination host
  unreachable), everything else to its gateway, and answers its own address and 127.0.0.0/8
  itself.

Dispositions are data: a walk always ends, with one of them.
"""

from __future__ import annotations

from collections.abc import KeysView, Sequence
from dataclasses import field
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from azint.control import ids
from azint.control.ids import Element, Kind
from azint.control.plane import ControlPlane
from azint.control.routes import NextHop, Route
from azint.control.tunnels import public_address
from azint.data.flowhash import Flow, choose
from azint.data.peeringflags import beyond_appliance, forwarded_refusal
from azint.data.tunnelends import TunnelEnds, leaving_instance, tunnel_ends
from azint.topology import model as m
from azint.topology.frozen import record

if TYPE_CHECKING:
    from azint.control.security import SecurityPolicy, Verdict

T = TypeVar("T")


class Disposition(StrEnum):
    DELIVERED = "DELIVERED"
    NO_ROUTE = "NO_ROUTE"
    NULL_ROUTED = "NULL_ROUTED"
    TTL_EXCEEDED = "TTL_EXCEEDED"
    LOOP = "LOOP"
    LINK_DOWN = "LINK_DOWN"
    NO_HOST = "NO_HOST"
    EXITS_TO_INTERNET = "EXITS_TO_INTERNET"
    NOT_FORWARDED = "NOT_FORWARDED"
    DENIED = "DENIED"  # a network security group's rule dropped it
    FORWARDED_NOT_ALLOWED = "FORWARDED_NOT_ALLOWED"  # a peering side refuses forwarded traffic
    BEYOND_APPLIANCE = "BEYOND_APPLIANCE"  # an NVA takes it on to what it advertises (not modelled)


class Step(NamedTuple):
    """The packet at one element: whether it was a hop there, and what decided where next (a
    hot record: a plain tuple, made for every element of every walk)."""

    element: Element
    port: str | None
    reply_address: IPv4Address | None
    is_hop: bool
    latency_ms: float  # round trip from the source to where this element's reply comes from
    route: Route | None = None
    note: str = ""


class Walk(NamedTuple):
    """A packet's path and how it ended (a hot record: a plain tuple)."""

    flow: Flow
    steps: tuple[Step, ...]
    disposition: Disposition
    reason: str
    unreachable: str | None = None  # "net" or "host" when the last router reports it
    ttl_expired: bool = False  # the last step is a hop where the TTL ran out (it answers so)
    denied: Verdict | None = None  # the security rule that dropped the packet

    @property
    def hops(self) -> list[Step]:
        return [s for s in self.steps if s.is_hop]

    @property
    def delivered(self) -> bool:
        return self.disposition is Disposition.DELIVERED

    @property
    def last(self) -> Step:
        return self.steps[-1]

    @property
    def local(self) -> bool:
        """The host answered itself (its own address, or loopback): nothing crossed a wire."""
        return self.delivered and len(self.steps) == 1


class _Packet:
    """The packet a walk follows: made per walk (a plain class: nothing to generate at
    start-up, and as quick to make as a dataclass)."""

    __slots__ = ("flow", "from_onprem_tunnel", "latency", "ttl")

    def __init__(self, flow: Flow, ttl: int) -> None:
        self.flow, self.ttl = flow, ttl
        self.from_onprem_tunnel = False
        self.latency = 0.0


class _Cursor:
    """Where a walk is: the packet, the element it is at, the steps so far."""

    __slots__ = (
        "arrived_as",
        "dst",
        "element",
        "flow",
        "limit",
        "originating",
        "packet",
        "port",
        "security",
        "steps",
        "visits",
    )

    def __init__(self, flow: Flow, ttl: int, start: Element,
                 security: SecurityPolicy | None) -> None:
        self.flow = flow
        self.dst = int(flow.dst)  # an address hashes slowly (through hex()); a number fast
        self.packet = _Packet(flow, ttl)
        self.steps: list[Step] = []
        self.security = security
        self.element = start
        self.port: str | None = None
        self.arrived_as: IPv4Address | None = None
        self.originating = True
        self.visits = _Visits()
        self.limit = 4 * ttl + 64


# elements whose forwarding depends on the side a packet came in on (see ``_decide``)
_SIDED = frozenset({Kind.ERGW, Kind.VPNGW, Kind.FABRIC})


class _Visits:
    """Where a packet has been, to find forwarding loops.

    Where the packet goes next depends only on the element (the destination is the walk's),
    whether it came out of an on-premises tunnel and, for gateways and a VNet's gateway-side
    routing, the side it came in on: arriving twice in the same state means it goes round
    forever. The walk still goes on until the TTL runs out, since tracert and ping show the hops
    repeating; only a loop no hop is on (the TTL would never run out) ends the walk at once.
    """

    __slots__ = ("_first", "loop")

    @property
    def seen(self) -> KeysView[tuple[Element, str | None, bool]]:
        """Where the packet arrived, in order (from the walk's second element on)."""
        return self._first.keys()

    def __init__(self) -> None:
        self._first: dict[tuple[Element, str | None, bool], tuple[int, int]] = {}
        self.loop: str | None = None  # the reason, once a loop is found

    def endless(self, hop: NextHop, packet: _Packet, steps: list[Step]) -> bool:
        """Note the packet's arrival at ``hop``; true when it is on a loop without a hop."""
        port = hop.port if hop.element.kind in _SIDED else None
        state = (hop.element, port, packet.from_onprem_tunnel)
        first = self._first.get(state)
        if first is None:
            self._first[state] = (packet.ttl, len(steps))
            return False
        if self.loop is None:
            cycle = [str(step.element) for step in steps[first[1]:]] + [str(hop.element)]
            self.loop = f"forwarding loop: {' -> '.join(cycle)}"
        return first[0] == packet.ttl


class _Onward(NamedTuple):
    """A way on kept from one element: its steps, how the walk ended, the places it went
    through after that element, and whether the walk met no loop."""

    steps: tuple[Step, ...]
    ending: tuple[Any, ...]  # a walk's fields from ``disposition`` on
    places: tuple[tuple[Element, str | None, bool], ...]
    loop_free: bool


class _Alike(NamedTuple):
    """What an element does with a packet it forwards by a route with given hops, kept by
    ``_advance`` for packets to other destinations arriving alike (see ``_route_alike``)."""

    hops: tuple[NextHop, ...]  # the route's hops: kept, so their id is not reused
    from_onprem_tunnel: bool
    is_hop: bool
    reply: IPv4Address | None
    hop: NextHop
    note: str
    answers_beyond: bool  # the reply's time includes the hop on (a gateway to its circuit)


class _Decision(NamedTuple):
    route: Route | None
    next_hop: NextHop | None
    disposition: Disposition = Disposition.NO_ROUTE
    reason: str = ""
    unreachable: str | None = None
    note: str = ""  # for the step: a fixed behaviour that decided, when no route did


@record
class Forwarder:
    """Forwarding for one control plane; ``walk`` follows a packet until it ends."""

    plane: ControlPlane
    _owned: dict[Element, frozenset[IPv4Address]] = field(default_factory=dict)
    _owned_values: dict[Element, frozenset[int]] = field(default_factory=dict)  # the same, as numbers
    _endpoints: dict[str, m.Endpoint] = field(default_factory=dict)
    _onprem_tunnel: dict[str, bool] = field(default_factory=dict)
    _security: SecurityPolicy | None = None  # None: no VM has a network security group
    _tunnel_ends: TunnelEnds = field(default_factory=dict)
    _gateways: dict[str, tuple[str, str, IPv4Interface] | None] = field(default_factory=dict)
    _subnets: dict[str, str | None] = field(default_factory=dict)  # a VNet host's, by name
    _texts: dict[int, str] = field(default_factory=dict)  # addresses printed, by number
    _drops: dict[tuple[str, int], tuple[Route, str]] = field(default_factory=dict)  # reasons
    # ways on from a walk's second element that read nothing of the source (see ``walk``)
    _onward: dict[tuple[object, ...], _Onward] = field(default_factory=dict)
    _source_read: bool = False  # whether the walk so far read its source (see ``_choose``)
    _alike: dict[tuple[object, ...], _Alike] = field(default_factory=dict)  # see ``_advance``
    _gateway_hops: dict[tuple[str, int], tuple[tuple[NextHop, ...], NextHop]] = field(
        default_factory=dict)  # see ``_to_gateway``
    # the route a VNet host sends a destination by, as last found (see ``_route_at_host``)
    _first_route: tuple[str, IPv4Address | None, Route | None] = ("", None, None)
    reuse: bool = True  # keep and reuse ways on (off: every walk from scratch, for tests)

    def __post_init__(self) -> None:
        topology = self.plane.topology
        self._tunnel_ends = tunnel_ends(topology)
        if any(vnet.security_groups for vnet in topology.vnets.values()):  # else none is attached
            from azint.control.security import SecurityPolicy  # a trace without NSGs never needs it

            policy = SecurityPolicy(self.plane)
            self._security = policy if policy.active else None
        self._endpoints = {e.name: e for e in topology.endpoints()}
        self._onprem_tunnel = {v.name: v.b.is_onprem for v in topology.vpns}
        owned: dict[Element, set[IPv4Address]] = {}
        for endpoint in self._endpoints.values():
            owned[ids.vm(endpoint.name)] = {endpoint.address}
        for vnet in topology.vnets.values():
            if vnet.expressroute_gateway:
                owned[ids.ergw(vnet.name)] = set(vnet.expressroute_gateway.instances)
            gw = vnet.vpn_gateway
            if gw:
                extra = {a for a in (gw.bgp_peer_address, gw.public_address) if a is not None}
                extra.update(gw.public_addresses, gw.bgp_peer_addresses)  # active-active
                owned[ids.vpngw(vnet.name)] = set(gw.instances) | extra
        for circuit in topology.circuits.values():
            for link in circuit.links:
                owned.setdefault(ids.msee(circuit.name, link.role), set()).add(link.msee_address)
        for name, routes in self.plane.routers.items():
            owned[ids.router(name)] = {a.ip for i, a in routes.interfaces.items() if routes.up[i]}
        self._owned = {k: frozenset(v) for k, v in owned.items()}
        self._owned_values = {k: frozenset(int(a) for a in v) for k, v in owned.items()}

    @property
    def replies_as_probes(self) -> bool:
        """Whether a reply is walked as a probe with the same flow would be: true unless
        network security groups (stateful: they let replies through) are in play."""
        return self._security is None

    # -- the walk --------------------------------------------------------------------------

    def walk(self, start: Element, flow: Flow, ttl: int, *, is_reply: bool = False,
             first: Route | None = None) -> Walk:
        """Follow a packet that ``start`` originates (a host, or a router replying).

        A reply (``is_reply``) answers a flow that went the other way (an echo reply, or an ICMP error
        about it): network security groups are stateful and let it through (rule 8.4).

        Past its first element a packet's way depends on where it is, its TTL and latency so
        far and its destination, and on its source only where an ECMP choice, a tunnel end or
        a security or forwarding rule reads it: a way on that read none is kept and reused
        for packets from other sources arriving alike (``matrix``: every spoke's packet to one
        destination goes the same way after the hub's gateway).
        """
        if start.kind is Kind.VM and self._answers_itself(start.name, flow.dst):
            step = Step(start, None, flow.dst, False, 0.0, note="delivered")
            return Walk(flow, (step,), Disposition.DELIVERED,
                        f"delivered to {start}: the host's own address")
        security = None if is_reply else self._security
        if first is not None and security is None:  # known to go on past the VNet's route
            self._first_route = (start.name, flow.dst, first)
        elif start.kind is Kind.VM and security is None:
            kept_in = self._kept_in_vnet(start, flow, ttl)
            if kept_in is not None:
                return kept_in
        cursor = _Cursor(flow, ttl, start, security)
        ended = self._advance(cursor)
        if ended is not None:
            return ended
        if cursor.security is not None or not self.reuse:
            while ended is None:
                ended = self._advance(cursor)
            return ended
        return self._onward_walk(cursor, ttl)

    def _onward_walk(self, cursor: _Cursor, ttl: int) -> Walk:
        """The walk on from its second element, reusing a way on kept from another walk.

        A way on is kept at every element the walk reached, unless the walk read its source
        from there on. It is reused by a packet arriving alike (same element, side, address,
        TTL, latency, tunnel and destination): at once from the second element, where nothing
        came before that a loop could meet; further on only when the way on met no loop and
        goes through none of the places this packet has already been, so that the walk
        finds no loop it would not have found (and hence every step is the same).
        """
        flow, packet, steps, visits = cursor.flow, cursor.packet, cursor.steps, cursor.visits
        onward, dst, seen = self._onward, cursor.dst, visits.seen
        keys: list[tuple[object, ...]] = []
        reads: list[bool] = []
        ended: Walk | None = None
        kept: _Onward | None = None
        while ended is None:
            arrived = cursor.arrived_as
            key = (cursor.element, cursor.port, None if arrived is None else int(arrived),
                   packet.ttl, packet.latency, packet.from_onprem_tunnel, ttl, dst,
                   flow.protocol, flow.port)
            kept = onward.get(key)
            if kept is not None and (not keys or (
                    kept.loop_free and seen.isdisjoint(kept.places)
                    and len(steps) + len(kept.steps) <= cursor.limit)):
                ended = Walk(flow, (*steps, *kept.steps), *kept.ending)
                break
            kept = None
            keys.append(key)
            self._source_read = False
            ended = self._advance(cursor)
            reads.append(self._source_read)
        self._keep(keys, reads, ended, visits, kept)
        return ended

    def _keep(self, keys: list[tuple[object, ...]], reads: list[bool], ended: Walk,
              visits: _Visits, kept: _Onward | None) -> None:
        """Keep the ways on of a walk from each element it walked from its second on."""
        loop_free = visits.loop is None and ended.disposition is not Disposition.LOOP \
            and (kept is None or kept.loop_free)
        places = (*visits.seen, *kept.places) if kept is not None else tuple(visits.seen)
        ending = ended[2:]
        for index in range(len(keys) - 1, -1, -1):  # from the end: what reads the source
            if reads[index]:
                break
            if loop_free or index == 0:  # a loop's way on may hold only from the second element
                self._onward[keys[index]] = _Onward(ended.steps[index + 1:], ending,
                                                    places[index + 1:], loop_free)

    def _kept_in_vnet(self, start: Element, flow: Flow, ttl: int) -> Walk | None:
        """The walk of a packet a VNet host sends that its VNet's route ends at once (no route,
        ``None``, the Internet), as ``_advance`` would find it; None when it goes on (or the
        host is not in a VNet). Most of a large ``matrix`` is such pairs."""
        decision = self._ended_at_host(start.name, flow.dst)
        if decision is None:
            return None
        step = Step(start, None, self._endpoints[start.name].address, False, 0.0,
                    decision.route, decision.note)
        return Walk(flow, (step,), decision.disposition, decision.reason, decision.unreachable)

    def _ended_at_host(self, host: str, dst: IPv4Address) -> _Decision | None:
        found = self._route_at_host(host, dst)
        if found is None:
            return None
        return self._ended_in_vnet(self._endpoints[host].network, found[0], dst)

    def _route_at_host(self, host: str, dst: IPv4Address) -> tuple[Route | None] | None:
        """The route VNet host ``host`` sends ``dst`` by, when it ends the packet at once."""
        endpoint = self._endpoints[host]
        routes = self.plane.vnets.get(endpoint.network)
        if routes is None:
            return None
        route = routes.lookup(self.subnet(endpoint, routes.vnet), dst)
        if route is not None and route.next_hop_type not in ENDS_AT_ONCE:
            self._first_route = (host, dst, route)  # the walk goes on, and starts with it
            return None
        return (route,)

    def _advance(self, cursor: _Cursor) -> Walk | None:
        """The packet at ``cursor``'s element: the walk when it ends there, else None (moved on)."""
        flow, packet, steps, security = cursor.flow, cursor.packet, cursor.steps, cursor.security
        element, port, originating = cursor.element, cursor.port, cursor.originating
        visits = cursor.visits
        if security is not None and not originating and element.kind is Kind.VM:
            denied = security.denial(element.name, m.Direction.INBOUND, flow.src, flow.dst,
                                     flow.protocol)
            if denied is not None:
                return _denied(flow, steps, Step(element, port, None, False, packet.latency,
                                                 note=DENIED_NOTE), denied)
        if not originating and cursor.dst in self._owned_values.get(element, ()):
            steps.append(Step(element, port, flow.dst, False, packet.latency, note="delivered"))
            return Walk(flow, tuple(steps), Disposition.DELIVERED, f"delivered to {element}")
        # forwarding by a route whose hops this element met before, arriving alike: it does
        # what it did then (see ``_route_alike``); else the decision below is kept for next time
        alike: tuple[object, ...] | None = None
        if self.reuse and security is None:
            route = self._route_alike(element, port, packet, originating)
            if route is not None:
                arrived = cursor.arrived_as
                alike = (element, port, None if arrived is None else int(arrived),
                         packet.from_onprem_tunnel, originating, route.next_hop_type,
                         id(route.next_hops))
                known = self._alike.get(alike)
                if known is not None and not (known.is_hop and packet.ttl <= 1):
                    packet.from_onprem_tunnel = known.from_onprem_tunnel
                    if known.is_hop:
                        packet.ttl -= 1
                    latency = packet.latency + known.hop.latency_ms if known.answers_beyond \
                        else packet.latency
                    steps.append(Step(element, port, known.reply, known.is_hop, latency, route,
                                      known.note))
                    return self._move(cursor, known.hop)
                self._source_read = False  # (per advance: ``_onward_walk`` reads it after each)
        self._note_tunnel(element, port, packet)
        is_hop = not originating and self._is_hop(element, port, packet)
        reply = self._reply_address(element, port, cursor.arrived_as, packet)
        if is_hop:
            packet.ttl -= 1
            if packet.ttl <= 0:
                answered = packet.latency
                if element.kind is Kind.ERGW:  # as when it forwards (below): same reply time
                    answered = self._answer_latency(
                        element, self._decide(element, port, packet, originating), packet)
                steps.append(Step(element, port, reply, True, answered, note="TTL exceeded"))
                if visits.loop is not None:  # it went round until the TTL ran out
                    return Walk(flow, tuple(steps), Disposition.LOOP, visits.loop,
                                ttl_expired=True)
                return Walk(flow, tuple(steps), Disposition.TTL_EXCEEDED,
                            f"TTL expired at {element}", ttl_expired=True)
        if security is not None and element.kind is Kind.VM and \
                (originating or self._endpoints[element.name].forwarding):
            denied = security.denial(element.name, m.Direction.OUTBOUND, flow.src, flow.dst,
                                     flow.protocol)
            if denied is not None:
                return _denied(flow, steps, Step(element, port, reply, is_hop, packet.latency,
                                                 note=DENIED_NOTE), denied)
        decision = self._decide(element, port, packet, originating)
        answered = self._answer_latency(element, decision, packet)
        steps.append(Step(element, port, reply, is_hop, answered, decision.route, decision.note))
        hop = decision.next_hop
        if alike is not None and hop is not None and not self._source_read \
                and decision.route is not None:
            self._alike[alike] = _Alike(decision.route.next_hops, packet.from_onprem_tunnel,
                                        is_hop, reply, hop, decision.note,
                                        element.kind is Kind.ERGW and hop.element.kind is Kind.MSEE)
        if hop is None:
            return Walk(flow, tuple(steps), decision.disposition, decision.reason,
                        decision.unreachable)
        return self._move(cursor, hop)

    def _move(self, cursor: _Cursor, hop: NextHop) -> Walk | None:
        """The packet on to ``hop``: the walk when the link is down or it goes round, else
        None (moved on)."""
        flow, packet, steps, element = cursor.flow, cursor.packet, cursor.steps, cursor.element
        visits = cursor.visits
        if not hop.up:
            return Walk(flow, tuple(steps), Disposition.LINK_DOWN,
                        f"{element} forwards into a connection that is down")
        if visits.endless(hop, packet, steps) or len(steps) > cursor.limit:
            return Walk(flow, tuple(steps), Disposition.LOOP,
                        visits.loop or f"forwarding loop through {hop.element}")
        packet.latency += hop.latency_ms
        cursor.element, cursor.port, cursor.arrived_as = hop.element, hop.port, hop.address
        cursor.originating = False
        return None

    def _route_alike(self, element: Element, port: str | None, packet: _Packet,
                     originating: bool) -> Route | None:
        """The route ``element`` forwards the packet by, where the rest of what it does
        depends only on where the packet is and that route's hops (so ``_advance`` can do it
        again for another destination by the same hops); None elsewhere."""
        kind, dst = element.kind, packet.flow.dst
        route: Route | None = None
        if kind is Kind.VM:
            first = self._first_route  # an originating VNet host's route, found before the walk
            if originating and first[0] == element.name and first[1] == dst:
                route = first[2]
        elif kind is Kind.VPNGW or kind is Kind.MSEE or kind is Kind.ROUTER:
            route = self._table_route(element, dst)  # as ``_decide`` finds it
        elif kind is Kind.ERGW and not (port is not None and port.startswith("circuit:")) \
                and not (port == "vnet" and self._tunnel_ends):  # that reply reads the flow
            route = self.plane.tables[element].lookup(dst)
        if route is None or route.next_hop_type == "connected":  # a LAN's hop is by address
            return None
        return route

    def _choose(self, element: Element, flow: Flow, options: Sequence[T]) -> T:
        """The ECMP choice of ``flow`` at ``element`` (noting when it read the source)."""
        if len(options) > 1:
            self._source_read = True
        return choose(self.plane.topology.flow_hash_seed, element, flow, options)

    @staticmethod
    def _answer_latency(element: Element, decision: _Decision, packet: _Packet) -> float:
        """The round trip to where ``element``'s reply comes from: an ExpressRoute gateway
        sending towards its circuit answers from the circuit's edge."""
        hop = decision.next_hop
        if hop is not None and element.kind is Kind.ERGW and hop.element.kind is Kind.MSEE:
            return packet.latency + hop.latency_ms
        return packet.latency

    # -- hop rules -------------------------------------------------------------------------

    def endpoint(self, name: str) -> m.Endpoint:
        return self._endpoints[name]

    def _note_tunnel(self, element: Element, port: str | None, packet: _Packet) -> None:
        if element.kind is Kind.VPNGW and port and port.startswith("conn:") \
                and self._onprem_tunnel.get(port[5:], False):
            packet.from_onprem_tunnel = True

    def _is_hop(self, element: Element, port: str | None, packet: _Packet) -> bool:
        kind = element.kind
        if kind in (Kind.ERGW, Kind.ROUTER):
            return True
        if kind is Kind.MSEE:
            return port == "ce"
        if kind is Kind.VPNGW:
            return not packet.from_onprem_tunnel
        if kind is Kind.VM:
            return True  # only reached as a hop when it forwards (an NVA)
        return False

    def _reply_address(self, element: Element, port: str | None, arrived_as: IPv4Address | None,
                       packet: _Packet) -> IPv4Address | None:
        kind, name = element.kind, element.name
        if kind is Kind.VM:
            return self._endpoints[name].address
        if kind in (Kind.ERGW, Kind.VPNGW):
            if port == "vnet" and kind is Kind.ERGW and self._tunnel_ends:
                return self._leaving_instance(element, arrived_as, packet)
            if port == "vnet":
                return arrived_as
            gateway = self.plane.topology.vnets[name].vpn_gateway
            return public_address(gateway, arrived_as) if kind is Kind.VPNGW and gateway else None
        if kind is Kind.MSEE:
            return next(iter(self._owned.get(element, ())), None) if port == "ce" else None
        if kind is Kind.ROUTER and port is not None:
            interface = self.plane.routers[name].interfaces.get(port)
            return interface.ip if interface else None
        return None

    def _leaving_instance(self, element: Element, arrived_as: IPv4Address | None,
                          packet: _Packet) -> IPv4Address | None:
        """An ExpressRoute gateway answers from the instance the flow leaves by (see
        ``tunnelends``): its circuit connection's tunnel end."""
        route = self.plane.tables[element].lookup(packet.flow.dst)
        egress = None
        if route is not None and route.next_hops:
            egress = self._choose(element, packet.flow, sorted(route.next_hops)).element
        self._source_read = True  # the tunnel end may depend on the flow
        return leaving_instance(self._tunnel_ends, self.plane.topology.flow_hash_seed, element,
                                egress, packet.flow, arrived_as)

    # -- forwarding decisions ----------------------------------------------------------------

    def _decide(self, element: Element, port: str | None, packet: _Packet,
                originating: bool) -> _Decision:
        kind, name = element.kind, element.name
        dst = packet.flow.dst
        if kind is Kind.VM:
            return self._from_host(name, packet, originating)
        if kind is Kind.VNET:
            owner = self.plane.owners[element].get(dst)
            if owner is None:
                return _Decision(None, None, Disposition.NO_HOST,
                                 f"nothing in VNet '{name}' has address {dst}")
            return _Decision(None, owner)
        if kind is Kind.FABRIC:
            vnet = self.plane.topology.vnets[name]
            subnet = "GatewaySubnet" if any(s.name == "GatewaySubnet" for s in vnet.subnets) else None
            route = self.plane.vnets[name].lookup(subnet, dst)
            return self._vnet_route(name, route, packet, came_from=port)
        if kind is Kind.ERGW:
            # from the circuit, into the VNet; from the VNet, out by the learned routes (a reply
            # the gateway itself sends to its own VNet also goes in)
            from_circuit = port is not None and port.startswith("circuit:")
            route = None if from_circuit else self.plane.tables[element].lookup(dst)
            if route is None and (from_circuit or originating):
                vnet = self.plane.topology.vnets[name]
                return _Decision(None, NextHop(ids.fabric(name), "from:ergw", None, vnet.latency_ms))
        else:
            route = self._table_route(element, dst)
        return self._by_route(element, route, packet, originating)

    def _table_route(self, element: Element, dst: IPv4Address) -> Route | None:
        if element.kind is Kind.ROUTER:
            return self.plane.routers[element.name].table.lookup(dst)
        table = self.plane.tables.get(element)
        return table.lookup(dst) if table is not None else None

    def _by_route(self, element: Element, route: Route | None, packet: _Packet,
                  originating: bool) -> _Decision:
        dst = packet.flow.dst
        router = element.kind is Kind.ROUTER
        if route is None:
            unreachable = "net" if router and self._sends_unreachables(element) else None
            return _Decision(None, None, Disposition.NO_ROUTE, f"{element} has no route to {dst}",
                             unreachable)
        if route.next_hop_type == "discard":
            return _Decision(route, None, Disposition.NULL_ROUTED,
                             f"{element} discards {route.prefix} (static route to null)")
        hops = route.next_hops
        if route.next_hop_type == "connected":
            hops = tuple(h for h in hops if h.address == dst)
            if not hops:
                unreachable = "host" if self._sends_unreachables(element) else None
                return _Decision(route, None, Disposition.NO_HOST,
                                 f"no host {dst} on {route.prefix}", unreachable)
        if not hops:
            return _Decision(route, None, Disposition.NO_ROUTE, f"{element}: no next hop")
        return _Decision(route, self._choose(element, packet.flow, sorted(hops)))

    def _sends_unreachables(self, element: Element) -> bool:
        return self.plane.routers[element.name].router.icmp_unreachables

    def _from_host(self, name: str, packet: _Packet, originating: bool) -> _Decision:
        endpoint = self._endpoints[name]
        if not originating and not endpoint.forwarding:
            return _Decision(None, None, Disposition.NOT_FORWARDED,
                             f"{name} is not the destination and does not forward (IP forwarding off)")
        if endpoint.network in self.plane.vnets:
            vnet = self.plane.topology.vnets[endpoint.network]
            first = self._first_route
            if originating and first[0] == name and first[1] == packet.flow.dst:
                route: Route | None = first[2]
            else:
                route = self.plane.vnets[vnet.name].lookup(self.subnet(endpoint, vnet),
                                                           packet.flow.dst)
            decision = self._vnet_route(vnet.name, route, packet, came_from=None)
            return decision if originating else self._forwarded(endpoint, vnet, decision, packet)
        return self._from_onprem_host(endpoint, packet.flow.dst)

    def _text(self, address: IPv4Address) -> str:
        """``address`` printed (once: ``matrix`` names each destination many times)."""
        key = int(address)  # an address hashes slowly (in Python, through hex()); a number fast
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = str(address)
        return text

    def subnet(self, endpoint: m.Endpoint, vnet: m.VNet) -> str | None:
        """The name of the subnet a VNet host is in (a scan of the subnets, once per host)."""
        if endpoint.name not in self._subnets:
            subnet = vnet.subnet_of(endpoint.address)
            self._subnets[endpoint.name] = subnet.name if subnet else None
        return self._subnets[endpoint.name]

    def _forwarded(self, appliance: m.Endpoint, vnet: m.VNet, decision: _Decision,
                   packet: _Packet) -> _Decision:
        """An appliance forwarding: over a peering, the far side must accept forwarded traffic
        (traffic that did not start in the appliance's VNet); what it advertises itself it
        takes on beyond the topology."""
        beyond = beyond_appliance(appliance, decision.route, packet.flow.dst)
        if beyond is not None:
            return _Decision(decision.route, None, Disposition.BEYOND_APPLIANCE, beyond)
        self._source_read = True  # whether it is forwarded traffic depends on the source
        refusal = forwarded_refusal(self.plane, vnet, decision.next_hop, packet.flow.src)
        if refusal is None:
            return decision
        return _Decision(decision.route, None, Disposition.FORWARDED_NOT_ALLOWED, refusal)

    def _answers_itself(self, name: str, dst: IPv4Address) -> bool:
        return dst == self._endpoints[name].address or int(dst) >> 24 == LOOPBACK_FIRST_OCTET

    def _from_onprem_host(self, endpoint: m.Endpoint, dst: IPv4Address) -> _Decision:
        """A machine on a LAN: its own subnet directly (found by ARP), the rest to its gateway."""
        site = self.plane.topology.sites[endpoint.network]
        gateway = self._gateway_interface(site, endpoint)
        if gateway is None or dst not in gateway[2].network:
            return self._to_default_gateway(site, endpoint, gateway)
        for neighbour in site.endpoints:
            if neighbour.address == dst:
                return _Decision(None, NextHop(ids.vm(neighbour.name), "nic", dst,
                                               site.lan_latency_ms), note=OWN_SUBNET)
        for router in site.routers:
            routes = self.plane.routers[router.name]
            for iface, address in routes.interfaces.items():
                if address.ip == dst and routes.up[iface]:
                    return _Decision(None, NextHop(ids.router(router.name), iface, dst,
                                                   site.lan_latency_ms), note=OWN_SUBNET)
        return _Decision(None, None, Disposition.NO_HOST,
                         f"no host on {gateway[2].network} answers {endpoint.name}'s ARP for "
                         f"{dst}", "host", OWN_SUBNET)

    def _gateway_interface(self, site: m.OnPremSite,
                           endpoint: m.Endpoint) -> tuple[str, str, IPv4Interface] | None:
        """The router, interface and address that are the host's default gateway."""
        if endpoint.name in self._gateways:  # a scan of the site's interfaces, once per host
            return self._gateways[endpoint.name]
        found, wanted = None, -1 if endpoint.gateway is None else int(endpoint.gateway)
        for router in site.routers:
            for iface, address in self.plane.routers[router.name].interfaces.items():
                if int(address) == wanted:  # the interface's own address, without building it
                    found = router.name, iface, address
                    break
            if found is not None:
                break
        self._gateways[endpoint.name] = found
        return found

    def _to_default_gateway(self, site: m.OnPremSite, endpoint: m.Endpoint,
                            gateway: tuple[str, str, IPv4Interface] | None) -> _Decision:
        if gateway is not None and self.plane.routers[gateway[0]].up[gateway[1]]:
            name, iface, address = gateway
            return _Decision(None, NextHop(ids.router(name), iface, address.ip,
                                           site.lan_latency_ms))
        return _Decision(None, None, Disposition.NO_ROUTE,
                         f"default gateway {endpoint.gateway} of {endpoint.name} is down")

    def _vnet_route(self, vnet: str, route: Route | None, packet: _Packet,
                    came_from: str | None) -> _Decision:
        if route is None or route.next_hop_type in ENDS_AT_ONCE:
            return self._ended_in_vnet(vnet, route, packet.flow.dst)
        kind = route.next_hop_type
        if kind == m.NextHopType.APPLIANCE:
            return self._to_appliance(vnet, route)
        if kind == m.NextHopType.GATEWAY:
            return self._to_gateway(vnet, route, packet, came_from)
        return _Decision(route, self._choose(ids.vnet(vnet), packet.flow, route.next_hops))

    def _ended_in_vnet(self, vnet: str, route: Route | None, dst: IPv4Address) -> _Decision:
        """Where a VNet's route (none, ``None``, the Internet) ends a packet at once."""
        disposition = Disposition.NO_ROUTE if route is None else ENDS_AT_ONCE[route.next_hop_type]
        return _Decision(route, None, disposition, self.ended_reason(vnet, route, dst))

    def ended_reason(self, vnet: str, route: Route | None, dst: IPv4Address) -> str:
        """Why VNet ``vnet``'s route (none, ``None``, the Internet) ends a packet to ``dst``."""
        if route is None:
            return f"VNet '{vnet}' has no route"
        if route.next_hop_type == m.NextHopType.NONE:  # the same for every address it drops
            kept = self._drops.get((vnet, id(route)))
            if kept is None:  # kept with the route: its id is not reused
                kept = self._drops[(vnet, id(route))] = (
                    route, f"VNet '{vnet}' routes {route.prefix} to None")
            return kept[1]
        return f"VNet '{vnet}' sends {self._text(dst)} to the Internet"

    def _to_gateway(self, vnet: str, route: Route, packet: _Packet,
                    came_from: str | None) -> _Decision:
        if route.next_hops and route.next_hops[0].element.kind is Kind.VM:
            return self._to_announcing_appliance(vnet, route, packet)  # Route Server's route
        if not route.next_hops:  # a user route to a gateway where no VPN gateway serves
            return _Decision(route, None, Disposition.NULL_ROUTED,
                             f"VNet '{vnet}' routes {route.prefix} to VirtualNetworkGateway, but "
                             f"has no VPN gateway to use (a user route's gateway must be a VPN "
                             f"gateway), so Azure drops it")
        target = route.next_hops[0].element.kind.value
        if came_from is not None:
            arrived = came_from.removeprefix("from:")
            b2b = self.plane.topology.vnets[vnet].branch_to_branch
            if arrived == target or not b2b:
                return _Decision(route, None, Disposition.NO_ROUTE,
                                 f"the {_GATEWAY_NAMES[arrived]} gateway of '{vnet}' does not "
                                 f"pass traffic to its {_GATEWAY_NAMES[target]} gateway "
                                 f"(no transit without Route Server branch-to-branch)")
        if len(route.next_hops) == 1:  # no choice: the hop depends on the VNet and hops alone
            key = (vnet, id(route.next_hops))
            kept = self._gateway_hops.get(key)
            if kept is None:  # kept with the hops it is for: their id is not reused
                kept = self._gateway_hops[key] = (route.next_hops,
                                                  self._over_peering(vnet, route.next_hops[0]))
            return _Decision(route, kept[1])
        options = sorted(route.next_hops, key=lambda h: (h.element, h.address or 0))
        return _Decision(route, self._over_peering(
            vnet, self._choose(ids.vnet(vnet), packet.flow, options)))

    def _over_peering(self, vnet: str, hop: NextHop) -> NextHop:
        """``hop`` to a gateway as VNet ``vnet`` reaches it: a spoke reaches its hub's gateway
        over the peering, whose latency it adds."""
        gateway_vnet = hop.element.name
        if gateway_vnet == vnet:
            return hop
        peering = self.plane.peering_between(vnet, gateway_vnet)
        extra = peering.latency_ms if peering else 0.0
        return NextHop(hop.element, hop.port, hop.address, hop.latency_ms + extra, hop.up)

    def _to_announcing_appliance(self, vnet: str, route: Route, packet: _Packet) -> _Decision:
        """A route Route Server programmed: to one of the appliances that advertised it."""
        hop = self._choose(ids.vnet(vnet), packet.flow, route.next_hops)
        home = self._endpoints[hop.element.name].network
        peering = self.plane.peering_between(vnet, home) if home != vnet else None
        if home != vnet and peering is None:
            return _Decision(route, None, Disposition.NO_HOST,
                             f"appliance {hop.element.name} ({hop.address}) is in VNet '{home}', "
                             f"which VNet '{vnet}' is not peered with")
        extra = peering.latency_ms if peering else 0.0
        return _Decision(route, NextHop(hop.element, hop.port, hop.address,
                                        hop.latency_ms + extra, hop.up))

    def _to_appliance(self, vnet: str, route: Route) -> _Decision:
        address = route.next_hops[0].address
        scopes = [vnet, *(p.other(vnet).network for p in self.plane.peerings_of.get(vnet, []))]
        for scope in scopes:
            owner = self.plane.owners.get(ids.vnet(scope), {}).get(address)  # type: ignore[arg-type]
            if owner is not None:
                return _Decision(route, NextHop(owner.element, owner.port, owner.address,
                                                route.next_hops[0].latency_ms))
        return _Decision(route, None, Disposition.NO_HOST,
                         f"virtual appliance {address} does not exist")


def _denied(flow: Flow, steps: list[Step], step: Step, verdict: Verdict) -> Walk:
    steps.append(step)
    return Walk(flow, tuple(steps), Disposition.DENIED, verdict.reason(step.element.name),
                denied=verdict)


ENDS_AT_ONCE: dict[str, Disposition] = {  # a VNet route's types that end a packet at once
    m.NextHopType.NONE: Disposition.NULL_ROUTED,
    m.NextHopType.INTERNET: Disposition.EXITS_TO_INTERNET}
LOOPBACK_FIRST_OCTET = 127  # 127.0.0.0/8: a host answers it itself
DENIED_NOTE = "denied by a network security group"  # a step's note: an NSG dropped it there
OWN_SUBNET = "own subnet"  # a host's step note: it sent on its own subnet, not to its gateway
_GATEWAY_NAMES = {"ergw": "ExpressRoute", "vpngw": "VPN"}
