"""VPN tunnels: an active-active gateway builds one tunnel of every connection per instance.

A connection's tunnels pair each tunnel endpoint at one end with each at the other: an
active-standby gateway and an on-premises router have one endpoint, an active-active gateway one
per instance that is up (its BGP peer address). A site's connection to an active-active gateway
is thus two tunnels, a connection between two active-active gateways four (a full mesh). With
BGP each tunnel carries its own session, numbered by the ``tunnel`` of its session key.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address

from azint.control import ids
from azint.control.ids import Element, SessionKey
from azint.control.routes import NextHop
from azint.topology import model as m

# (VPN connection, element at one end) -> how that end reaches the other, one per tunnel
Tunnels = Mapping[tuple[str, Element], tuple[NextHop, ...]]


def gateway_ends(gateway: m.VpnGateway) -> tuple[IPv4Address, ...]:
    """Where a gateway's tunnels (and BGP sessions) end: one address per instance carrying them."""
    if gateway.active_active and len(gateway.bgp_peer_addresses) == len(gateway.instances):
        return gateway.bgp_peer_addresses
    if gateway.active_active:
        return gateway.instances
    return (gateway.bgp_peer_address or gateway.instances[0],)


def vpn_tunnels(topology: m.Topology) -> dict[tuple[str, Element], tuple[NextHop, ...]]:
    """Every VPN connection's tunnels, as each end's far end per tunnel (in the same order)."""
    found: dict[tuple[str, Element], tuple[NextHop, ...]] = {}
    for vpn in topology.vpns:
        a = topology.vnets[str(vpn.a.network)]
        assert a.vpn_gateway is not None
        a_id, a_ends = ids.vpngw(a.name), gateway_ends(a.vpn_gateway)
        if vpn.b.network is not None:
            b_gw = topology.vnets[vpn.b.network].vpn_gateway
            assert b_gw is not None
            b_id, b_port, b_ends = ids.vpngw(vpn.b.network), f"conn:{vpn.name}", gateway_ends(b_gw)
        else:
            router = topology.router(str(vpn.b.router))
            iface = next(i for i in router.interfaces if i.name == vpn.b.interface)
            b_id, b_port, b_ends = ids.router(router.name), iface.name, (iface.address.ip,)
        pairs = [(x, y) for x in a_ends for y in b_ends]
        found[(vpn.name, a_id)] = tuple(NextHop(b_id, b_port, y, vpn.latency_ms, vpn.up)
                                        for _, y in pairs)
        found[(vpn.name, b_id)] = tuple(NextHop(a_id, f"conn:{vpn.name}", x, vpn.latency_ms, vpn.up)
                                        for x, _ in pairs)
    return found


def far_end(tunnels: Tunnels, session: SessionKey, element: Element) -> NextHop:
    """How ``element`` reaches its peer over the tunnel a session runs in."""
    return tunnels[(session.connection, element)][session.tunnel]


def tunnel_instance(gateway: m.VpnGateway | None,
                    public: IPv4Address | None) -> IPv4Address | None:
    """The active-active instance that answers from ``public`` (None: not active-active)."""
    if gateway is None or public is None or not gateway.active_active \
            or public not in gateway.public_addresses:
        return None
    index = gateway.public_addresses.index(public)
    return gateway.instances[index] if index < len(gateway.instances) else None


def public_address(gateway: m.VpnGateway, arrived: IPv4Address | None) -> IPv4Address | None:
    """The public address a gateway answers from for a packet that came in by a tunnel ending
    at ``arrived``: that instance's own, with active-active."""
    if not gateway.active_active or arrived is None:
        return gateway.public_address
    for own in (gateway.bgp_peer_addresses, gateway.instances):
        if arrived in own and own.index(arrived) < len(gateway.public_addresses):
            return gateway.public_addresses[own.index(arrived)]
    return gateway.public_address
