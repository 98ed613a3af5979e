"""BGP policies that never settle, or settle more than one way: the problems ``validate`` reports.

On-premises routers' local preference, with Azure's gateways passing routes between them, can
make a prefix's paths change forever: Griffin, Shepherd and Wilfong's "bad gadget", where each
router prefers a path through the next that exists only while the next one does not take the
same kind of path. ``BgpFabric.run`` finds such a prefix by its repeating state; it is an error
that every command refuses.

The same tools can give a prefix two stable states (a "BGP wedgie", RFC 4264): which one a
network is in depends on which session came up first, and it stays there. azint shows one,
always the same whatever the order of the file: the state reached when every session comes up
at once and the speakers decide in turn in order of their ids (``BgpFabric.run``). Bringing
the sessions up one at a time, in order of name and in the reverse order, finds a second state
where the outcome depends on that order; that is a warning.

Each problem is placed at a ``local_preference`` entry (or else a session) involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network

from azint.control.bgp import BgpFabric, Oscillation, Path, SpeakerId
from azint.control.ids import Kind, element_label
from azint.errors import Position
from azint.topology import model as m
from azint.topology.model import Locate
from azint.topology.problems import Problem, Severity


def unsettled_problem(topology: m.Topology, oscillation: Oscillation, at: Locate) -> Problem:
    """``BGP never settles for PREFIX: SPEAKERS keep changing … between sessions …``."""
    sessions = sorted({p.session.connection for _, paths in oscillation.paths
                       for p in paths if p.session is not None})
    preferences = _preferences(topology, oscillation.speakers, sessions)
    if preferences:
        router, key = preferences[0]
        where = at("router", router, "bgp", "local_preference", key)
        why = (f" (local_preference on {', '.join(sorted({k for _, k in preferences}))}: each "
               f"router prefers a path that vanishes once another router takes the path it "
               f"prefers)")
    else:
        where = session_position(topology, sessions[0], at) if sessions else Position(topology.file)
        why = ""
    alike = len(oscillation.prefixes) - 1
    more = f" (and {alike} more prefix{'es' if alike > 1 else ''} alike)" if alike else ""
    speakers = ", ".join(element_label(s) for s in oscillation.speakers)
    return Problem(where, Severity.ERROR,
                   f"BGP never settles for {oscillation.prefix}{more}: {speakers} keep changing "
                   f"their best path between sessions {', '.join(sessions)}{why}")


def several_states(topology: m.Topology, shown: BgpFabric, others: list[BgpFabric],
                   at: Locate) -> Iterator[Problem]:
    """A warning per group of alike prefixes that settles in another state in one of
    ``others`` (runs with the sessions brought up in other orders)."""
    for index, mine in enumerate(shown.groups):
        for other in others:
            if mine.prefixes in {o.prefixes for o in other.unsettled}:
                continue  # stuck on the way there: not a state a network stays in
            theirs = other.groups[index]
            if mine.best == theirs.best:
                continue
            differ = sorted(s for s in {*mine.best, *theirs.best}
                            if mine.best.get(s) != theirs.best.get(s))
            routers = [s for s in differ if s.kind is Kind.ROUTER] or differ
            yield _several_problem(topology, mine.prefixes, routers, mine.best, theirs.best, at)
            break


def _several_problem(topology: m.Topology, prefixes: tuple[IPv4Network, ...],
                     speakers: list[SpeakerId], shown: dict[SpeakerId, tuple[Path, ...]],
                     other: dict[SpeakerId, tuple[Path, ...]], at: Locate) -> Problem:
    sessions = sorted({c for best in (shown, other) for s in speakers
                       for c in _connections(best.get(s, ()))})
    preferences = _preferences(topology, speakers, sessions)
    if preferences:
        router, key = preferences[0]
        where = at("router", router, "bgp", "local_preference", key)
    else:
        where = session_position(topology, sessions[0], at) if sessions else Position(topology.file)
    alike = len(prefixes) - 1
    more = f" (and {alike} more prefix{'es' if alike > 1 else ''} alike)" if alike else ""
    return Problem(where, Severity.WARNING,
                   f"BGP has more than one stable state for {prefixes[0]}{more}: which one the "
                   f"network settles in depends on which session came up first. azint shows "
                   f"{_state(speakers, shown)} (the state reached with every session up at once "
                   f"and speakers deciding in order of name); another stable state has "
                   f"{_state(speakers, other)}")


def _connections(paths: tuple[Path, ...]) -> list[str]:
    return [p.session.connection for p in paths if p.session is not None]


def _state(speakers: list[SpeakerId], best: dict[SpeakerId, tuple[Path, ...]]) -> str:
    """``router r3 over er3-primary, router r4 over t-r4``: each speaker's best path(s)."""
    def over(speaker: SpeakerId) -> str:
        paths = best.get(speaker, ())
        if not paths:
            return "no route"
        names = _connections(paths)
        return f"over {' + '.join(names)}" if names else "its own route"
    return ", ".join(f"{element_label(s)} {over(s)}" for s in speakers)


def _preferences(topology: m.Topology, speakers: tuple[SpeakerId, ...] | list[SpeakerId],
                 sessions: list[str]) -> list[tuple[str, str]]:
    """(router, local_preference key) of those routers' preferences on those sessions."""
    circuits = {c.name for c in topology.circuits.values()
                if any(k.name in sessions for k in c.links)}
    found: list[tuple[str, str]] = []
    for speaker in speakers:
        if speaker.kind is Kind.ROUTER:
            router = topology.router(speaker.name)
            found.extend((router.name, key) for key in sorted(router.local_preference)
                         if key in sessions or key in circuits)
    return found


def session_position(topology: m.Topology, name: str, at: Locate) -> Position:
    """Where the connection a BGP session runs over is defined."""
    if any(v.name == name for v in topology.vpns):
        return at("vpn", name)
    if any(g.name == name for g in topology.global_reach):
        return at("global reach", name)
    for circuit in topology.circuits.values():
        if any(k.name == name for k in circuit.links):
            return at("link", name)
        if any(c.name == name for c in circuit.connections):
            return at("vnet link", name)
    for vnet in topology.vnets.values():  # Route Server branch-to-branch between its gateways
        if vnet.branch_to_branch and name == f"route-server:{vnet.name}":
            return at("network", vnet.name, "branch_to_branch")
    return Position(topology.file)
