"""Where an on-premises router's BGP policy makes paths asymmetric (rule 6.8).

A site's routers steer both ways: their local preference decides how the site leaves for Azure,
their AS-path prepending, MED and prefix filters how Azure comes back. Set apart, the two can
disagree: packets leave over one connection and the answers return over another, which
stateful firewalls on the way drop. ``validate`` walks, for every site with a neighbour policy
and every VNet with a VM, the site's first endpoint to the VNet's first VM and back, and warns
where the circuits and VPN connections crossed differ.
"""

from __future__ import annotations

from collections.abc import Iterator

from azint.control import ids
from azint.control.plane import ControlPlane
from azint.data.flowhash import Flow
from azint.data.walk import Forwarder, Walk
from azint.gate.paths import Crossings
from azint.topology import model as m
from azint.topology.model import Locate
from azint.topology.problems import Problem, Severity

_TTL = 64


def check_policy_symmetry(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A warning per site and VNet whose two directions cross different connections."""
    sites = [s for s in topology.sites.values()
             if s.endpoints and any(r.neighbors for r in s.routers)]
    vnets = [v for v in topology.vnets.values() if v.endpoints]
    if not sites or not vnets:
        return
    forwarder = Forwarder(ControlPlane.build(topology))
    crossings = Crossings(topology)
    kinds = {f.name for f in topology.failables()
             if f.kind in (m.FailableKind.CIRCUIT, m.FailableKind.VPN)}
    for site in sites:
        host = site.endpoints[0]
        router = next(r for r in site.routers if r.neighbors)
        for vnet in vnets:
            vm = vnet.endpoints[0]
            out = _walk(forwarder, host, vm)
            back = _walk(forwarder, vm, host)
            if not (out.delivered and back.delivered):
                continue
            leaving = [n for n in crossings.of(out) if n in kinds]
            returning = [n for n in crossings.of(back) if n in kinds]
            if set(leaving) != set(returning):
                yield Problem(at("router", router.name, "bgp", "neighbors"), Severity.WARNING,
                              f"the BGP policy of site '{site.name}' makes paths asymmetric: "
                              f"{host.name} reaches {vm.name} over {_names(leaving)}, and the "
                              f"answers come back over {_names(returning)} (a stateful "
                              f"firewall on either path drops them)")


def _walk(forwarder: Forwarder, source: m.Endpoint, target: m.Endpoint) -> Walk:
    return forwarder.walk(ids.vm(source.name), Flow(source.address, target.address), _TTL)


def _names(names: list[str]) -> str:
    return " and ".join(names) if names else "no circuit or VPN"
