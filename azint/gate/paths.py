"""What a walk crosses, by the names the topology gives it: what ``via`` and ``avoid`` match.

A walk visits forwarding elements; an intent speaks of connections (peerings, circuits, circuit
links and VNet connections, VPNs, Global Reach), gateways and their instances, routers, IGP links
and appliances (an endpoint that forwards). ``crossings`` turns one into the other, each name once,
in the order the packet first meets it. The names are those of ``Topology.failables`` (plus the
appliances' endpoint names), so everything ``--down`` takes down can be asked for in ``via``.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address

from azint.control.ids import Kind
from azint.control.tunnels import tunnel_instance
from azint.data.walk import Step, Walk
from azint.topology import model as m


class Crossings:
    """Names what walks cross in one topology (indexes built once, walks named many times)."""

    def __init__(self, topology: m.Topology) -> None:
        self.topology = topology
        self.home = {e.name: e.network for e in topology.endpoints()}
        self.forwarders = {e.name for e in topology.endpoints() if e.forwarding}
        self.links = {(c.name, k.role): k.name for c in topology.circuits.values() for k in c.links}
        self.attached = {(c.name, x.network): x.name for c in topology.circuits.values()
                         for x in c.connections}
        self.reach = {frozenset(g.circuits): g.name for g in topology.global_reach}
        self.tunnels = {(v.b.router, v.b.interface): v.name for v in topology.vpns if v.b.router}
        self.peerings = {frozenset((p.a.network, p.b.network)): p.name for p in topology.peerings}
        self.connections = {f.name for f in topology.failables() if f.kind in _SUMMARY_KINDS}
        self.site_links = {(end_router, end_port): k.name for s in topology.sites.values()
                           for k in s.links
                           for end_router, end_port in ((k.a_router, k.a_interface),
                                                        (k.b_router, k.b_interface))}

    def of(self, walk: Walk) -> tuple[str, ...]:
        """Every name the walk crosses, once each, in crossing order."""
        found: dict[str, None] = {}
        for before, step in zip(walk.steps, walk.steps[1:], strict=False):
            for name in self._step(before, step, step is walk.steps[-1]):
                if name:
                    found.setdefault(name, None)
        return tuple(found)

    def _step(self, before: Step, step: Step, last: bool) -> Iterator[str]:
        kind, name, role = step.element.kind, step.element.name, step.element.role
        before_kind, before_name = before.element.kind, before.element.name
        port = step.port or ""
        if not port.startswith(("peering:", "conn:")):
            # straight into another VNet's element (a spoke's packet to its hub's gateway or to
            # an appliance in the hub): over the peering between the two
            came_from, here = self._vnet_of(before), self._vnet_of(step)
            if came_from is not None and here is not None and came_from != here:
                yield self.peerings.get(frozenset((came_from, here)), "")
        if kind is Kind.MSEE:
            yield name
            yield self.links.get((name, role), "")
            if before_kind is Kind.ERGW:
                yield self.attached.get((name, before_name), "")
            if before_kind is Kind.MSEE:
                yield self.reach.get(frozenset((before_name, name)), "")
        elif kind in (Kind.ERGW, Kind.VPNGW):
            yield from self._gateway(kind, name, port, step.reply_address)
        elif kind is Kind.ROUTER:
            yield f"router:{name}"
            if before_kind is Kind.ROUTER:
                yield self.site_links.get((name, port), "")
            if before_kind is Kind.VPNGW:
                yield self.tunnels.get((name, port), "")
        elif kind is Kind.VNET and port.startswith("peering:"):
            yield port.removeprefix("peering:")
        elif kind is Kind.VM and not last and name in self.forwarders:
            yield name

    def _gateway(self, kind: Kind, vnet: str, port: str, reply: IPv4Address | None) -> Iterator[str]:
        gateway = f"{kind.value}:{vnet}"  # the names of Topology.failables
        yield gateway
        if port == "vnet" and reply is not None:  # from the VNet: the instance it reached
            yield f"{gateway}@{reply}"
        if port.startswith("circuit:"):
            yield self.attached.get((port.removeprefix("circuit:"), vnet), "")
        if port.startswith("conn:"):
            yield port.removeprefix("conn:")
            # from a tunnel of an active-active gateway: the instance the tunnel ends at
            instance = tunnel_instance(self.topology.vnets[vnet].vpn_gateway, reply) \
                if kind is Kind.VPNGW else None
            if instance is not None:
                yield f"{gateway}@{instance}"

    def _vnet_of(self, step: Step) -> str | None:
        kind, name = step.element.kind, step.element.name
        if kind is Kind.VM:
            network = self.home.get(name)
            return network if network in self.topology.vnets else None
        return name if kind in (Kind.VNET, Kind.FABRIC, Kind.ERGW, Kind.VPNGW) else None


    def summary(self, crossed: tuple[str, ...]) -> tuple[str, ...]:
        """The connections among ``crossed`` (no gateways, routers, circuit parts): a short path."""
        return tuple(name for name in crossed if name in self.connections)


_SUMMARY_KINDS = frozenset({m.FailableKind.PEERING, m.FailableKind.CIRCUIT, m.FailableKind.VPN,
                            m.FailableKind.GLOBAL_REACH})
