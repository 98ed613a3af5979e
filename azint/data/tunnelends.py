"""Which ExpressRoute gateway instance a packet leaves from: the circuit connection's tunnel end.

A VNet spreads the flows it sends to its ExpressRoute gateway over all of the gateway's instances
(its effective route lists them all). A circuit connection may name the instances that are its
tunnel endpoints towards the circuit's edge (``gateway_instances``): a flow leaving by that
connection leaves from the instance it reached when that instance is one of them, and is handed
to one of them otherwise (chosen per flow). That instance is the trace's hop. A connection that
names none, or whose named instances are all down, leaves from whichever instance the flow
reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address

from azint.control.ids import Element, Kind
from azint.data.flowhash import Flow, choose
from azint.topology import model as m

# (VNet, circuit) -> the gateway instances that are the connection's tunnel ends (those up)
TunnelEnds = Mapping[tuple[str, str], tuple[IPv4Address, ...]]


def tunnel_ends(topology: m.Topology) -> dict[tuple[str, str], tuple[IPv4Address, ...]]:
    """Each circuit connection's named tunnel-end instances that are still up."""
    ends: dict[tuple[str, str], tuple[IPv4Address, ...]] = {}
    for circuit in topology.circuits.values():
        for conn in circuit.connections:
            vnet = topology.vnets.get(conn.network)
            gateway = vnet.expressroute_gateway if vnet is not None else None
            if gateway is None or not conn.gateway_instances:
                continue
            alive = tuple(a for a in conn.gateway_instances if a in gateway.instances)
            if alive:
                ends[(conn.network, circuit.name)] = alive
    return ends


def leaving_instance(ends: TunnelEnds, seed: int, gateway: Element, egress: Element | None,
                     flow: Flow, arrived: IPv4Address | None) -> IPv4Address | None:
    """The instance of ExpressRoute ``gateway`` a flow that reached it at ``arrived`` leaves
    from towards the MSEE ``egress`` (None: it does not leave by a circuit)."""
    if egress is None or egress.kind is not Kind.MSEE:
        return arrived
    serving = ends.get((gateway.name, egress.name))
    if not serving or arrived in serving:
        return arrived
    return choose(seed, gateway, flow, serving)
