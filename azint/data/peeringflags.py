"""What an appliance does with a packet beyond its VNet's routes: peering settings that act on
packets ("allow forwarded traffic"), and the networks an appliance advertises behind itself.

A packet an appliance forwards over a peering that did not start in the appliance's VNet (a
spoke's packet through a hub firewall to another spoke) is forwarded traffic: the receiving VNet
takes it only if its side of the peering allows forwarded traffic. Packets a VNet's gateways
send to spokes (gateway transit) are not forwarded traffic in this sense.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from azint.control import ids
from azint.control.ids import Kind
from azint.control.plane import ControlPlane
from azint.control.routes import NextHop, Route
from azint.topology import model as m


def forwarded_refusal(plane: ControlPlane, vnet: m.VNet, hop: NextHop | None,
                      source: IPv4Address) -> str | None:
    """Why the peered VNet ``hop`` leads to refuses a packet from ``source`` that an appliance
    in ``vnet`` forwards; None when it takes it (or ``hop`` crosses no peering)."""
    if hop is None or hop.element.kind is not Kind.VNET or hop.element.name == vnet.name:
        return None
    if vnet.contains(source):
        return None  # it started in the appliance's VNet: not forwarded traffic
    peering = plane.peering_between(vnet.name, hop.element.name)
    if peering is None or peering.side(hop.element.name).allow_forwarded_traffic:
        return None
    return (f"'{hop.element.name}' does not allow forwarded traffic from '{vnet.name}' on "
            f"peering '{peering.name}', so it drops the packet from {source} that an appliance "
            f"in '{vnet.name}' forwards")


def beyond_appliance(appliance: m.Endpoint, route: Route | None,
                     destination: IPv4Address) -> str | None:
    """Why ``appliance`` keeps ``destination`` rather than forwarding it by its VNet's route:
    the route leads back to the appliance itself (Route Server programmed what it advertises),
    so it takes the packet on over whatever lies behind it (an SD-WAN, the Internet), which
    azint does not model; None when it forwards as usual."""
    if route is None or all(h.element != ids.vm(appliance.name) for h in route.next_hops):
        return None
    covering = [p for p in appliance.advertise if destination in p]
    if not covering:
        return None
    prefix = max(covering, key=lambda p: p.prefixlen)
    return (f"{appliance.name} takes {destination} on towards {prefix}, which it advertises: "
            f"what lies behind the appliance is not part of the topology")
