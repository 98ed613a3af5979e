"""Evaluating intents: every pair an intent names, under every failure it asks for, traced.

An intent expands to probes: each source endpoint to each target (both ways when asked), under
each set of failed elements (``when_down``, and with ``under: any_single_failure`` that set plus
each element ``whatif`` sweeps, one at a time). A probe is a tracert; the intent holds when every
probe gives what it expects. The first probe that does not (in file order of the patterns, then
the failures) is kept with the model's explanation, so the report can say why.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple

from azint.data.explain import Explanation, explain
from azint.data.forked import in_two, pays
from azint.data.probes import TraceResult
from azint.errors import Position
from azint.gate.intents import Expect, Intent, IntentsError, Names, Under
from azint.gate.paths import Crossings
from azint.network import Network
from azint.topology import model as m

# A whole gateway fails as its instances do; the sweep takes them one at a time.
SWEPT = frozenset(m.FailableKind) - {m.FailableKind.ER_GATEWAY, m.FailableKind.VPN_GATEWAY}


def single_failures(topology: m.Topology, down: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The elements a failure sweep takes down one at a time, in file order; what is already
    ``down`` is not failed again (nor the instances of a gateway that is down)."""
    gone = set(down)
    for vnet in topology.vnets.values():
        for kind, gateway in ((m.FailableKind.ER_GATEWAY, vnet.expressroute_gateway),
                              (m.FailableKind.VPN_GATEWAY, vnet.vpn_gateway)):
            if gateway is not None and m.gateway_name(kind, vnet.name) in down:
                gone.update(m.gateway_name(kind, vnet.name, a) for a in gateway.instances)
    return tuple(f.name for f in topology.failables() if f.kind in SWEPT and f.name not in gone)


class End(NamedTuple):
    """One end of a probe: what the report calls it, its address, its endpoint if it has one."""

    label: str
    address: IPv4Address
    endpoint: m.Endpoint | None


class Probe(NamedTuple):
    source: End
    target: End
    down: tuple[str, ...]


class Problem(StrEnum):
    UNREACHED = "unreached"  # expected reachable
    REACHED = "reached"  # expected unreachable
    NOT_VIA = "not-via"  # does not cross a name of via
    CROSSES = "crosses"  # crosses a name of avoid
    HOPS = "hops"  # more hops than max_hops
    RTT = "rtt"  # slower than max_rtt_ms


@dataclass(frozen=True)
class Finding:
    """Why one probe breaks its intent."""

    probe: Probe
    problem: Problem
    path: tuple[str, ...]  # the connections the packet crossed
    names: tuple[str, ...] = ()  # the via names it missed, or the avoided names it crossed
    measured: float | None = None  # hops or round trip, against the intent's limit
    explanation: Explanation | None = None  # reached or not when it must not be: the model's why


@dataclass(frozen=True)
class IntentResult:
    intent: Intent
    probes: int
    failed: int
    finding: Finding | None  # the first probe that broke the intent

    @property
    def passed(self) -> bool:
        return self.failed == 0


def check(topology: m.Topology, intents: tuple[Intent, ...]) -> list[IntentResult]:
    """Evaluate every intent (names are checked first, so a typo stops before any work).

    Probes are run grouped by their set of failed elements, one network at a time: a sweep
    under ``any_single_failure`` holds one computed network in memory, not one per element.
    """
    known = frozenset(topology.downable_names())
    plans = [_plan(topology, intent, known) for intent in intents]
    by_down: dict[frozenset[str], list[tuple[int, int]]] = {}
    for which, probes in enumerate(plans):
        for index, probe in enumerate(probes):
            by_down.setdefault(frozenset(probe.down), []).append((which, index))
    findings: list[list[Finding | None]] = [[None] * len(probes) for probes in plans]
    groups = list(by_down.items())

    def work(some: list[tuple[frozenset[str], list[tuple[int, int]]]]) -> list[list[Finding | None]]:
        found = []
        for down, members in some:
            network = Network.of(topology, down)
            crossings = Crossings(network.topology)
            found.append([_run(intents[which], plans[which][index], network, crossings)
                          for which, index in members])
        return found

    shared = pays(len(groups), PARALLEL_GROUPS)  # a sweep: half in a second process
    for (_, members), found in zip(groups, in_two(work, groups) if shared else work(groups),
                                   strict=True):
        for (which, index), finding in zip(members, found, strict=True):
            findings[which][index] = finding
    return [_result(intent, found) for intent, found in zip(intents, findings, strict=True)]


PARALLEL_GROUPS = 4  # fewer sets of failed elements: a second process costs more than it saves


def _result(intent: Intent, findings: list[Finding | None]) -> IntentResult:
    failing = [f for f in findings if f is not None]
    return IntentResult(intent, len(findings), len(failing), failing[0] if failing else None)


def _run(intent: Intent, probe: Probe, network: Network, crossings: Crossings) -> Finding | None:
    sender = probe.source.endpoint
    assert sender is not None  # _plan only makes probes from endpoints
    trace = network.prober.tracert(sender, probe.target.address)
    crossed = crossings.of(trace.walk)
    path = crossings.summary(crossed)
    if intent.expect is Expect.UNREACHABLE and not trace.reached:
        return None
    if intent.expect is Expect.UNREACHABLE or not trace.reached:
        problem = Problem.REACHED if trace.reached else Problem.UNREACHED
        return Finding(probe, problem, path,
                       explanation=explain(network.prober, sender, probe.target.address, trace))
    return _conditions(intent, probe, trace, crossed, path)


def _conditions(intent: Intent, probe: Probe, trace: TraceResult, crossed: tuple[str, ...],
                path: tuple[str, ...]) -> Finding | None:
    missed = tuple(name for name in intent.via.values if name not in crossed)
    if missed:
        return Finding(probe, Problem.NOT_VIA, path, missed)
    hit = tuple(name for name in intent.avoid.values if name in crossed)
    if hit:
        return Finding(probe, Problem.CROSSES, path, hit)
    hops = len(trace.hops)
    if intent.max_hops is not None and hops > intent.max_hops:
        return Finding(probe, Problem.HOPS, path, measured=hops)
    rtt = max((p for p in trace.hops[-1].probes if p is not None), default=0.0)
    if intent.max_rtt_ms is not None and rtt > intent.max_rtt_ms:
        return Finding(probe, Problem.RTT, path, measured=round(rtt, 3))
    return None


# -- from names to probes ------------------------------------------------------------------------


def _plan(topology: m.Topology, intent: Intent, known: frozenset[str]) -> list[Probe]:
    crossable = known | {e.name for e in topology.endpoints() if e.forwarding}
    for names in (intent.via, intent.avoid):
        _check_names(names, crossable, "element")
    _check_names(intent.when_down, known, "element that can fail")
    sources = list(_ends(topology, intent.sources, targets=False))
    targets = list(_ends(topology, intent.targets, targets=True))
    bare = next((e for e in targets if e.endpoint is None), None)
    if intent.both_ways and bare is not None:
        raise IntentsError(f"both_ways needs endpoints at both ends; {bare.label} is an address "
                           f"with no endpoint to send from", intent.targets.positions[0])
    pairs = [(s, t) for s in sources for t in targets if s.address != t.address]
    if intent.both_ways:
        pairs = list(dict.fromkeys([*pairs, *((t, s) for s, t in pairs)]))  # each pair once
    if not pairs:
        raise IntentsError("the intent names no pair of different ends", intent.position)
    given = tuple(sorted(set(intent.when_down.values)))
    downs = [given]
    if intent.under is Under.ANY_SINGLE_FAILURE:
        downs += [(*given, f) for f in single_failures(topology, frozenset(given))]
    return [Probe(s, t, down) for down in downs for s, t in pairs]


def _check_names(names: Names, known: frozenset[str], what: str) -> None:
    for value, position in zip(names.values, names.positions, strict=True):
        if value not in known:
            raise IntentsError(_unknown(value, f"no {what} named", sorted(known)), position)


def _unknown(value: str, what: str, known: list[str]) -> str:
    hint = difflib.get_close_matches(value, known, n=1)
    return f"{what} '{value}'" + (f"; did you mean '{hint[0]}'?" if hint else "")


def _ends(topology: m.Topology, names: Names, targets: bool) -> Iterator[End]:
    seen: set[IPv4Address] = set()
    for value, position in zip(names.values, names.positions, strict=True):
        for end in _matches(topology, value, position, targets):
            if end.address not in seen:
                seen.add(end.address)
                yield end


def _matches(topology: m.Topology, value: str, position: Position, targets: bool) -> list[End]:
    """A pattern's ends: networks first (their first endpoint), then endpoints, then addresses."""
    endpoints = topology.endpoints()
    firsts: dict[str, m.Endpoint] = {}
    for endpoint in endpoints:
        firsts.setdefault(endpoint.network, endpoint)
    found = [End(n, firsts[n].address, firsts[n]) for n in topology.network_names
             if fnmatch.fnmatchcase(n, value) and n in firsts]
    found = found or [End(e.name, e.address, e) for e in endpoints
                      if fnmatch.fnmatchcase(e.name, value)]
    if found:
        return found
    if "/" in value:
        return _in_range(endpoints, value, position)
    try:
        address = IPv4Address(value)
    except ValueError:
        return _named(topology, value, position, targets)
    owner = next((e for e in endpoints if e.address == address), None)
    if owner is None and not targets:
        raise IntentsError(f"no endpoint has address {address} to send from", position)
    return [End(value, address, owner)]


def _in_range(endpoints: tuple[m.Endpoint, ...], value: str, position: Position) -> list[End]:
    try:
        network = IPv4Network(value)
    except ValueError:
        raise IntentsError(f"'{value}' is not an address range (like 10.2.30.0/25)",
                           position) from None
    found = [End(e.name, e.address, e) for e in endpoints if e.address in network]
    if not found:
        raise IntentsError(f"no endpoint in {network}", position)
    return found


def _named(topology: m.Topology, value: str, position: Position, targets: bool) -> list[End]:
    if targets:
        for address, name in topology.names.items():
            if name == value:
                return [End(value, address, None)]
    if value in topology.network_names:
        raise IntentsError(f"network '{value}' has no endpoint", position)
    known = [*topology.network_names, *(e.name for e in topology.endpoints())]
    raise IntentsError(_unknown(value, "no network or endpoint matches", known), position)
