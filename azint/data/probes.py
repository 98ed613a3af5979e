"""tracert and ping as the data plane sees them: which probes come back, from whom, how fast.

A reply reaches the source only if (1) for a source in a VNet, the VNet has a real route for the
reply's address — not the Internet default nor a drop — which is why routers answering from
addresses not advertised into the VNet show ``Request timed out.``, and (2) the reply, walked
back from the replier, is delivered to the source. On-premises networks route by their own
tables (often a default route), so for them the walk back alone decides.

Round-trip times add the latency of every link on the way (the topology's round-trip figures)
plus a small deterministic jitter per probe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from functools import cached_property
from ipaddress import IPv4Address

from azint.control import ids
from azint.control.ids import Element, Kind
from azint.control.plane import ControlPlane
from azint.control.routes import Route
from azint.data.flowhash import Flow, unit
from azint.data.walk import Forwarder, Step, Walk
from azint.topology import model as m
from azint.topology.frozen import frozen, record

NETWORK_DEVICE_TTL = m.INITIAL_TTL["network"]


@frozen
class TraceHop:
    """One line of tracert: three probes (None = timed out) and who answered."""

    ttl: int
    probes: tuple[float | None, ...]
    address: IPv4Address | None
    kind: str  # "time-exceeded", "echo-reply", "unreachable", "timeout"
    unreachable: str | None = None  # "net" or "host"
    step: Step | None = None


@frozen
class TraceResult:
    source: m.Endpoint
    target: IPv4Address
    max_hops: int
    hops: tuple[TraceHop, ...]
    walk: Walk
    timeout_ms: int = 4000
    late_replies: bool = False  # the target's echo replies come back, but after the wait

    @property
    def reached(self) -> bool:
        return bool(self.hops) and self.hops[-1].kind == "echo-reply"

    @property
    def reason(self) -> str:
        return _reason(self.walk, self.reached, self.late_replies, self.timeout_ms)


def _reason(walk: Walk, answered: bool, late: bool, timeout_ms: int) -> str:
    """The walk's reason, and for a delivered probe nobody saw answered, why not."""
    if not walk.delivered or answered:
        return walk.reason
    if late:
        return f"{walk.reason}, but no echo reply within {timeout_ms} ms"
    return f"{walk.reason}, but the echo reply does not come back"


@frozen
class PingReply:
    kind: str  # "echo-reply", "ttl-expired", "unreachable", "timeout"
    address: IPv4Address | None = None
    rtt_ms: float | None = None
    ttl: int | None = None
    unreachable: str | None = None


@frozen
class PingResult:
    source: m.Endpoint
    target: IPv4Address
    size: int
    replies: tuple[PingReply, ...]
    walk: Walk
    timeout_ms: int = 4000
    late_replies: bool = False  # the target's echo replies come back, but after the wait

    @property
    def echo_replies(self) -> list[PingReply]:
        return [r for r in self.replies if r.kind == "echo-reply"]

    @property
    def reason(self) -> str:
        return _reason(self.walk, bool(self.echo_replies), self.late_replies, self.timeout_ms)

    @property
    def received(self) -> int:
        return sum(r.kind != "timeout" for r in self.replies)


def no_restore(_: str) -> ControlPlane | None:
    """For a control plane with nothing taken down by ``--down``: nothing to bring back."""
    return None


@record
class Prober:
    """Runs probes over one control plane, caching the return-path checks."""

    plane: ControlPlane
    forwarder: Forwarder = field(init=False)
    # elements down because of what --down named, with those names (see Network.culprits)
    culprits: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # the control plane with one element that --down named brought back (None: not down)
    restore: Callable[[str], ControlPlane | None] = no_restore
    _returns: dict[tuple[Element, IPv4Address, IPv4Address, int], Walk | None] = field(default_factory=dict)
    _hosts: dict[str, Element] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.forwarder = Forwarder(self.plane)

    @cached_property
    def seed(self) -> int:
        return self.plane.topology.flow_hash_seed

    def tracert(self, source: m.Endpoint, target: IPv4Address, max_hops: int = 30,
                timeout_ms: int = 4000, probes: int = 3) -> TraceResult:
        flow = Flow(source.address, target)
        # the last probe leaves with TTL max_hops: the walk of that probe is the trace's verdict
        walk = self.forwarder.walk(ids.vm(source.name), flow, max_hops)
        hops = walk.hops
        lines: list[TraceHop] = []
        for ttl in range(1, max_hops + 1):
            line = self._trace_line(source, walk, hops, ttl, timeout_ms, probes)
            lines.append(line)
            if line.kind in ("echo-reply", "unreachable"):
                break
        late = walk.delivered and self._echo_returns(source, walk.last, flow) is not None
        return TraceResult(source, target, max_hops, tuple(lines), walk, timeout_ms, late)

    def _trace_line(self, source: m.Endpoint, walk: Walk, hops: list[Step], ttl: int,
                    timeout_ms: int, probes: int) -> TraceHop:
        """One line; a probe slower than the wait is a ``*``, a line of only ``*`` times out.

        Once the target is within reach every later probe reaches it too, so a target whose
        replies all came too late can still answer on a later line (as tracert keeps sending).
        """
        flow = walk.flow
        silent: Step | None = None  # the element the probe reached that sent nothing back
        if ttl <= len(hops):
            step = silent = hops[ttl - 1]
            if self.reply_returns(source, step):
                times = self._times(flow, ttl, step.latency_ms, probes, timeout_ms)
                if any(t is not None for t in times):
                    return TraceHop(ttl, times, step.reply_address, "time-exceeded", step=step)
        elif walk.delivered:
            ended = silent = walk.last
            if self._echo_returns(source, ended, flow) is not None:
                times = self._times(flow, ttl, ended.latency_ms, probes, timeout_ms, walk.local)
                if any(t is not None for t in times):
                    return TraceHop(ttl, times, flow.dst, "echo-reply", step=ended)
        elif ttl == len(hops) + 1:
            silent = walk.last  # where the packet ended: it reported nothing
            if walk.unreachable and self.reply_returns(source, walk.last):
                return TraceHop(ttl, (), walk.last.reply_address, "unreachable",
                                walk.unreachable, step=walk.last)
        return TraceHop(ttl, (None,) * probes, None, "timeout", step=silent)

    def _times(self, flow: Flow, ttl: int, base: float, probes: int, timeout_ms: int,
               local: bool = False) -> tuple[float | None, ...]:
        return tuple(self._time(flow, ttl, base, index, timeout_ms, local)
                     for index in range(probes))

    def _time(self, flow: Flow, ttl: int, base: float, index: int, timeout_ms: int,
              local: bool = False) -> float | None:
        """One probe's round trip: the path's latency and a deterministic jitter, or a timeout.

        A host answering itself crosses no wire: no jitter, always under a millisecond.
        """
        if local:
            return 0.0
        rtt = max(0.0, base + unit(self.seed, flow.src, flow.dst, ttl, index) * self._spread(base))
        return rtt if rtt <= timeout_ms else None

    def _spread(self, base: float) -> float:
        """How far a probe's round trip may stray from ``base``: longer paths vary more."""
        return self.plane.topology.jitter_ms * (1 + base / 100)

    def ping(self, source: m.Endpoint, target: IPv4Address, count: int = 4, size: int = 32,
             timeout_ms: int = 4000, ttl: int | None = None) -> PingResult:
        flow = Flow(source.address, target)
        walk = self.forwarder.walk(ids.vm(source.name), flow, ttl or source.initial_ttl)
        replies = tuple(self._ping_reply(source, walk, index, timeout_ms) for index in range(count))
        late = walk.delivered and self._echo_returns(source, walk.last, flow) is not None
        return PingResult(source, target, size, replies, walk, timeout_ms, late)

    def probe_walk(self, source: m.Endpoint, target: IPv4Address, first: Route | None = None) -> Walk:
        """The walk of a probe as ``ping`` sends it (the source's own initial TTL); ``first``:
        the route a VNet host sends it by, when known to go on past it."""
        return self.forwarder.walk(self.host(source.name), Flow(source.address, target),
                                   source.initial_ttl, first=first)

    def host(self, name: str) -> Element:
        """The element of host ``name`` (made once: ``matrix`` sends from each host often)."""
        found = self._hosts.get(name)
        if found is None:
            found = self._hosts[name] = ids.vm(name)
        return found

    def _ping_reply(self, source: m.Endpoint, walk: Walk, index: int,
                    timeout_ms: int) -> PingReply:
        ended = walk.last
        if walk.delivered:
            back = self._echo_returns(source, ended, walk.flow)
            if back is not None:
                rtt = self._time(walk.flow, 0, ended.latency_ms, index, timeout_ms, walk.local)
                if rtt is not None:
                    return PingReply("echo-reply", walk.flow.dst, rtt,
                                     self._initial_ttl(ended.element) - len(back.hops))
        elif walk.ttl_expired and self.reply_returns(source, ended):
            return PingReply("ttl-expired", ended.reply_address)
        elif walk.unreachable and self.reply_returns(source, ended):
            return PingReply("unreachable", ended.reply_address, unreachable=walk.unreachable)
        return PingReply("timeout")

    # -- the way back ------------------------------------------------------------------------

    def reply_returns(self, source: m.Endpoint, step: Step) -> bool:
        """Whether an ICMP error from ``step`` gets back to ``source``."""
        address = step.reply_address
        if address is None or not self.source_knows(source, address):
            return False
        back = self._return_walk(step.element, address, source.address, NETWORK_DEVICE_TTL)
        return back is not None

    def echo_returns(self, source: m.Endpoint, ended: Step, flow: Flow) -> Walk | None:
        """The walk back of the target's answer to a probe that ``ended`` there (None: lost)."""
        return self._echo_returns(source, ended, flow)

    def probe_time(self, flow: Flow, ttl: int, base: float, index: int, timeout_ms: int,
                   local: bool = False) -> float | None:
        """One probe's round trip as tracert's are timed (None: slower than the wait)."""
        return self._time(flow, ttl, base, index, timeout_ms, local)

    def answers_in_time(self, flow: Flow, base: float, timeout_ms: int, local: bool = False) -> bool:
        """Whether the first probe of ``flow`` comes back within ``timeout_ms`` (as
        ``probe_time(flow, 0, base, 0, timeout_ms, local) is not None``), without hashing the
        flow when even the largest jitter keeps it in time (``matrix`` asks for every pair)."""
        spread = self._spread(base)
        if local or (spread >= 0 and base + spread <= timeout_ms):
            return True
        return self._time(flow, 0, base, 0, timeout_ms, local) is not None

    def _echo_returns(self, source: m.Endpoint, ended: Step, flow: Flow) -> Walk | None:
        return self._return_walk(ended.element, flow.dst, source.address,
                                 self._initial_ttl(ended.element))

    def _return_walk(self, element: Element, address: IPv4Address, to: IPv4Address,
                     ttl: int) -> Walk | None:
        key = (element, address, to, ttl)
        if key not in self._returns:
            back = self.forwarder.walk(element, Flow(address, to), ttl, is_reply=True)
            self._returns[key] = back if back.delivered else None
        return self._returns[key]

    def forget_returns(self) -> None:
        """Drop the cached return walks: those towards one source are of no use to another
        (``matrix`` forgets them after each source, so they do not grow with networks²)."""
        self._returns.clear()

    def _initial_ttl(self, element: Element) -> int:
        if element.kind is Kind.VM:
            return self.forwarder.endpoint(element.name).initial_ttl
        return NETWORK_DEVICE_TTL

    def source_knows(self, source: m.Endpoint, address: IPv4Address) -> bool:
        """Whether ``address`` is advertised into a VNet source's network (a real route for it)."""
        if source.network not in self.plane.vnets:
            return True
        vnet = self.plane.topology.vnets[source.network]
        subnet = vnet.subnet_of(source.address)
        route = self.plane.vnets[vnet.name].lookup(subnet.name if subnet else None, address)
        dead = (m.NextHopType.NONE, m.NextHopType.INTERNET)
        return route is not None and route.prefix.prefixlen > 0 and route.next_hop_type not in dead
