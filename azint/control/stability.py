"""BGP policies that never settle: the problem ``validate`` reports and every command refuses.

On-premises routers' local preference, with Azure's gateways passing routes between them, can
make a prefix's paths change forever: Griffin, Shepherd and Wilfong's "bad gadget", where each
router prefers a path through the next that exists only while the next one does not take the
same kind of path. ``BgpFabric.run`` finds such a prefix by its repeating state; this module
words it as one problem, placed at a ``local_preference`` entry (or else a session) involved.
"""

from __future__ import annotations

from azint.control.bgp import Oscillation
from azint.control.ids import Kind, element_label
from azint.errors import Position
from azint.topology import model as m
from azint.topology.model import Locate
from azint.topology.problems import Problem, Severity


def unsettled_problem(topology: m.Topology, oscillation: Oscillation, at: Locate) -> Problem:
    """``BGP never settles for PREFIX: SPEAKERS keep changing … between sessions …``."""
    sessions = sorted({p.session.connection for _, paths in oscillation.paths
                       for p in paths if p.session is not None})
    preferences = _preferences(topology, oscillation, sessions)
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


def _preferences(topology: m.Topology, oscillation: Oscillation,
                 sessions: list[str]) -> list[tuple[str, str]]:
    """(router, local_preference key) of the flapping routers' preferences on those sessions."""
    circuits = {c.name for c in topology.circuits.values()
                if any(k.name in sessions for k in c.links)}
    found: list[tuple[str, str]] = []
    for speaker in oscillation.speakers:
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
