"""Peering settings that act on packets: "allow forwarded traffic".

A packet an appliance forwards over a peering that did not start in the appliance's VNet (a
spoke's packet through a hub firewall to another spoke) is forwarded traffic: the receiving VNet
takes it only if its side of the peering allows forwarded traffic. Packets a VNet's gateways
send to spokes (gateway transit) are not forwarded traffic in this sense.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from azint.control.ids import Kind
from azint.control.plane import ControlPlane
from azint.control.routes import NextHop
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
