"""Linux ``traceroute`` and ``mtr`` as the data plane sees them: every probe its own flow.

Windows tracert sends ICMP echoes that all share one flow, so equal-cost routers send them all
the same way. Linux traceroute sends UDP by default, to destination port 33434 and one more for
every probe, so each probe is a flow of its own and ECMP can send consecutive probes of one hop
through different routers; ``-I`` sends ICMP echoes, one flow, as tracert does. mtr sends ICMP
echoes by default, one flow, over and over (one round per cycle); with ``-u``, UDP probes whose
port is their sequence number, a flow each.

What one probe meets is what the walk of its flow meets at its TTL, judged as tracert's probes
are (``Prober``): who answers, whether the answer comes back, and how long it took. The round
trip of probe ``index`` at ``ttl`` is tracert's (same seed, same jitter), so ``traceroute -I``
and tracert agree on every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import NamedTuple

from azint.control import ids
from azint.data.flowhash import Flow
from azint.data.probes import Prober
from azint.data.walk import Step, Walk
from azint.topology import model as m

FIRST_PORT = 33434  # traceroute's default base destination port for UDP probes
MTR_FIRST_SEQUENCE = 33000  # mtr numbers its probes from here up to 65535, then wraps
MTR_SEQUENCES = 65536 - MTR_FIRST_SEQUENCE
REACHED = frozenset({"port-unreachable", "echo-reply"})  # the target itself answered
FINAL = REACHED | {"unreachable"}  # an answer that ends the trace


class Probe(NamedTuple):
    """One probe: who answered (None: nobody within the wait) and how."""

    rtt_ms: float | None
    address: IPv4Address | None
    # "time-exceeded", "port-unreachable" (UDP at the target), "echo-reply" (ICMP at the
    # target), "unreachable" (a router's destination unreachable), "timeout"
    kind: str
    unreachable: str | None = None  # "net" or "host"
    step: Step | None = None  # the element that answered, or that stayed silent

    @property
    def final(self) -> bool:
        return self.kind in FINAL


class RouteHop(NamedTuple):
    """The probes sent with one TTL: a line of traceroute, a row of mtr."""

    ttl: int
    probes: tuple[Probe, ...]

    @property
    def final(self) -> bool:
        return any(p.final for p in self.probes)

    @property
    def reached(self) -> bool:
        return any(p.kind in REACHED for p in self.probes)

    @property
    def addresses(self) -> list[IPv4Address]:
        """Every address that answered, first answer first."""
        return list(dict.fromkeys(p.address for p in self.probes if p.address is not None))


@dataclass(frozen=True)
class RouteTrace:
    """A traceroute, or an mtr report (``protocol`` icmp, one probe per cycle on each row)."""

    source: m.Endpoint
    target: IPv4Address
    protocol: str  # "udp" or "icmp"
    max_hops: int
    hops: tuple[RouteHop, ...]
    walk: Walk  # the walk of the last flow sent: the verdict
    wait_ms: float

    @property
    def reached(self) -> bool:
        return bool(self.hops) and self.hops[-1].reached

    @property
    def reason(self) -> str:
        if self.walk.delivered and not self.reached:
            return f"{self.walk.reason}, but no answer from the target within {self.wait_ms:g} ms"
        return self.walk.reason


@dataclass
class LinuxProber:
    """Probes flow by flow over one ``Prober``, walking each flow once."""

    prober: Prober
    _walks: dict[tuple[str, Flow, int], Walk] = field(default_factory=dict)

    def traceroute(self, source: m.Endpoint, target: IPv4Address, protocol: str = "udp",
                   max_hops: int = 30, probes: int = 3, wait_ms: float = 5000.0,
                   first_ttl: int = 1, port: int = FIRST_PORT) -> RouteTrace:
        """Probes TTL by TTL until one answers finally (the target, or an unreachable).

        UDP probe number *n* (from 0, counted from the first TTL sent) goes to ``port`` + *n*.
        """
        hops: list[RouteHop] = []
        flow = Flow(source.address, target)
        for ttl in range(first_ttl, max_hops + 1):
            sent = []
            for index in range(probes):
                sequence = (ttl - first_ttl) * probes + index
                flow = self._flow(source, target, protocol, port + sequence)
                sent.append(self.probe(source, flow, ttl, index, wait_ms, max_hops))
            hops.append(RouteHop(ttl, tuple(sent)))
            if hops[-1].final:
                break
        return RouteTrace(source, target, protocol, max_hops, tuple(hops),
                          self.walk(source, flow, max_hops), wait_ms)

    def mtr(self, source: m.Endpoint, target: IPv4Address, cycles: int = 10,
            max_hops: int = 30, wait_ms: float = 5000.0, protocol: str = "icmp") -> RouteTrace:
        """One probe per cycle at every TTL, up to the first row that answers finally.

        ICMP echoes share one flow. mtr's UDP probes (``-u``) carry their sequence number as
        the destination port: a flow each, numbered from 33000 in sending order (a cycle
        probes every TTL in turn).
        """
        rows: list[RouteHop] = []
        flow = Flow(source.address, target)
        for ttl in range(1, max_hops + 1):
            sent = []
            for cycle in range(cycles):
                sequence = MTR_FIRST_SEQUENCE + (cycle * max_hops + ttl - 1) % MTR_SEQUENCES
                flow = self._flow(source, target, protocol, sequence)
                sent.append(self.probe(source, flow, ttl, cycle, wait_ms, max_hops))
            rows.append(RouteHop(ttl, tuple(sent)))
            if rows[-1].final:
                break
        return RouteTrace(source, target, protocol, max_hops, tuple(rows),
                          self.walk(source, flow, max_hops), wait_ms)

    @staticmethod
    def _flow(source: m.Endpoint, target: IPv4Address, protocol: str, port: int) -> Flow:
        if protocol == "udp":
            return Flow(source.address, target, "udp", port % 65536)
        return Flow(source.address, target)

    def walk(self, source: m.Endpoint, flow: Flow, ttl: int) -> Walk:
        key = (source.name, flow, ttl)
        if key not in self._walks:
            self._walks[key] = self.prober.forwarder.walk(ids.vm(source.name), flow, ttl)
        return self._walks[key]

    def probe(self, source: m.Endpoint, flow: Flow, ttl: int, index: int, wait_ms: float,
              max_hops: int) -> Probe:
        """What the probe of ``flow`` sent with ``ttl`` brings back."""
        walk = self.walk(source, flow, max_hops)
        hops = walk.hops
        if ttl <= len(hops):
            step = hops[ttl - 1]
            if self.prober.reply_returns(source, step):
                return self._answer(flow, ttl, index, wait_ms, step, "time-exceeded",
                                    step.reply_address)
            return Probe(None, None, "timeout", step=step)
        ended = walk.last
        if walk.delivered:
            if self.prober.echo_returns(source, ended, flow) is None:
                return Probe(None, None, "timeout", step=ended)
            kind = "port-unreachable" if flow.protocol == "udp" else "echo-reply"
            return self._answer(flow, ttl, index, wait_ms, ended, kind, flow.dst, walk.local)
        if ttl == len(hops) + 1:
            if walk.unreachable and self.prober.reply_returns(source, ended):
                answer = self._answer(flow, ttl, index, wait_ms, ended, "unreachable",
                                      ended.reply_address)
                return answer._replace(unreachable=walk.unreachable)
            return Probe(None, None, "timeout", step=ended)
        return Probe(None, None, "timeout")

    def _answer(self, flow: Flow, ttl: int, index: int, wait_ms: float, step: Step, kind: str,
                address: IPv4Address | None, local: bool = False) -> Probe:
        """An answer, or a ``*`` when it comes after the wait."""
        rtt = self.prober.probe_time(flow, ttl, step.latency_ms, index, int(wait_ms), local)
        if rtt is None:
            return Probe(None, None, "timeout", step=step)
        return Probe(rtt, address, kind, step=step)
