"""Azure Route Server: BGP with network virtual appliances, and the routes it programs.

A Route Server (ASN 65515, two peer addresses in RouteServerSubnet) is a BGP speaker of the
fabric like the gateways, with export rules in ``bgp``:

* it has an eBGP session with each appliance it names (an endpoint with ``forwarding`` and an
  ``asn``), which advertises its ``advertise`` prefixes; it tells every appliance its VNet's and
  its spokes' ranges and what the other appliances advertise;
* with branch-to-branch it also exchanges routes with the VNet's ExpressRoute and VPN gateways:
  the appliances' routes go to on-premises, on-premises routes to the appliances;
* what it learns from appliances it programs into the VNet and its spokes (those that use remote
  gateways or Route Server) as ``VirtualNetworkGateway`` routes whose next hop is the appliance;
  where the VNet's gateways learned the same prefix, the hub routing preference decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from azint.control import ids
from azint.control.bgp import Path, Relation, Role, Speaker
from azint.control.ids import Element, Kind, SessionKey
from azint.control.routes import NextHop, Route
from azint.topology import model as m

if TYPE_CHECKING:
    from azint.control.plane import ControlPlane

SOURCE_GATEWAY = "VirtualNetworkGateway"

# What the Route Server ranks last for one prefix, by hub routing preference (``bgp.choose``).
_DEMOTED: dict[m.HubRoutingPreference, frozenset[Relation]] = {
    m.HubRoutingPreference.EXPRESSROUTE: frozenset({Relation.RS_VPN, Relation.APPLIANCE}),
    m.HubRoutingPreference.VPN_GATEWAY: frozenset({Relation.RS_EXPRESSROUTE, Relation.APPLIANCE}),
    m.HubRoutingPreference.AS_PATH: frozenset(),
}


def session_name(vnet: str) -> str:
    """The connection every session of a VNet's Route Server runs over (``bgp`` shows it)."""
    return f"route-server:{vnet}"


def appliances(topology: m.Topology, vnet: m.VNet) -> Iterator[m.Endpoint]:
    """The endpoints the VNet's Route Server peers with, in the order it names them."""
    if vnet.route_server is None:
        return
    endpoints = {e.name: e for e in topology.endpoints()}
    for name in vnet.route_server.peers:
        endpoint = endpoints.get(name)
        if endpoint is not None and endpoint.asn is not None:
            yield endpoint


def wire(plane: ControlPlane) -> None:
    """Add every Route Server, its appliances and their sessions to the plane's BGP fabric."""
    topology, fabric = plane.topology, plane.bgp
    for name, vnet in topology.vnets.items():
        if vnet.route_server is None:
            continue
        server = fabric.add(Speaker(ids.route_server(name), vnet.route_server.asn,
                                    Role.ROUTE_SERVER,
                                    demoted=_DEMOTED[vnet.hub_routing_preference]))
        for prefix in plane.local_ranges(name):
            server.originate(prefix)
        for appliance in appliances(topology, vnet):
            speaker = fabric.speakers.get(ids.vm(appliance.name))
            if speaker is None:
                speaker = fabric.add(Speaker(ids.vm(appliance.name), int(appliance.asn or 0),
                                             Role.APPLIANCE))
                for prefix in appliance.advertise:
                    speaker.originate(prefix)
            fabric.connect(session_name(name), server.id, speaker.id, Relation.APPLIANCE,
                           Relation.ROUTE_SERVER)
        if vnet.branch_to_branch:
            _demote_gateways(plane, name, vnet)
            for gateway, relation in ((vnet.expressroute_gateway, Relation.RS_EXPRESSROUTE),
                                      (vnet.vpn_gateway, Relation.RS_VPN)):
                if gateway is None:
                    continue
                element = ids.ergw(name) if relation is Relation.RS_EXPRESSROUTE \
                    else ids.vpngw(name)
                fabric.connect(session_name(name), server.id, element, relation,
                               Relation.BRANCH_TO_BRANCH)


def _demote_gateways(plane: ControlPlane, name: str, vnet: m.VNet) -> None:
    """With branch-to-branch, each gateway ranks what it hears from Route Server by the hub
    routing preference, as it does its sibling gateway's routes."""
    from azint.control.plane import GATEWAY_DEMOTED

    er_demoted, vpn_demoted = GATEWAY_DEMOTED[vnet.hub_routing_preference]
    for element, demoted in ((ids.ergw(name), er_demoted), (ids.vpngw(name), vpn_demoted)):
        speaker = plane.bgp.speakers.get(element)
        if speaker is not None:
            speaker.demoted = demoted


def program(plane: ControlPlane, name: str, er: dict[IPv4Network, tuple[Path, ...]],
            vpn: dict[IPv4Network, tuple[Path, ...]]) -> Iterator[Route]:
    """The appliance routes the Route Server of gateway VNet ``name`` programs into it (and its
    spokes): those whose copy the hub routing preference ranks above the gateways' copies."""
    vnet = plane.topology.vnets[name]
    server = plane.bgp.speakers.get(ids.route_server(name))
    if server is None:
        return
    endpoints = {e.name: e for e in plane.topology.endpoints()}
    for prefix, paths in sorted(server.best.items()):
        learned = [p for p in paths if p.relation is Relation.APPLIANCE]
        if not learned or not _preferred(vnet.hub_routing_preference, learned[0],
                                         er.get(prefix, ()), vpn.get(prefix, ())):
            continue
        hops = tuple(sorted(
            NextHop(peer, "nic", endpoints[peer.name].address, vnet.latency_ms)
            for peer in {_peer(p) for p in learned}))
        yield Route(prefix, SOURCE_GATEWAY, m.NextHopType.GATEWAY, hops, learned[0].as_path,
                    origin="route server " + ", ".join(sorted(h.element.name for h in hops)))


def _peer(path: Path) -> Element:
    assert path.session is not None
    return path.session.peer


def _preferred(preference: m.HubRoutingPreference, appliance: Path,
               er: tuple[Path, ...], vpn: tuple[Path, ...]) -> bool:
    """Whether an appliance's copy of a prefix wins over the gateways' copies in the VNet."""
    length = len(appliance.as_path)
    if preference is m.HubRoutingPreference.EXPRESSROUTE:
        return not er and (not vpn or length < len(vpn[0].as_path))
    if preference is m.HubRoutingPreference.VPN_GATEWAY:
        return not vpn and (not er or length < len(er[0].as_path))
    return all(length < len(copy[0].as_path) for copy in (er, vpn) if copy)


def peer_address(plane: ControlPlane, speaker: Element, session: SessionKey) -> IPv4Address | None:
    """The address ``speaker`` sees its peer at on a Route Server session (None: not one)."""
    peer = session.peer
    if peer.kind is Kind.ROUTE_SERVER:
        server = plane.topology.vnets[peer.name].route_server
        return server.addresses[0] if server is not None else None
    if speaker.kind is not Kind.ROUTE_SERVER:
        return None
    if peer.kind is Kind.VM:
        return next((e.address for e in plane.topology.endpoints() if e.name == peer.name), None)
    gateway = plane.topology.vnets[peer.name]
    if peer.kind is Kind.VPNGW and gateway.vpn_gateway is not None:
        return gateway.vpn_gateway.bgp_peer_address or gateway.vpn_gateway.instances[0]
    if peer.kind is Kind.ERGW and gateway.expressroute_gateway is not None:
        return gateway.expressroute_gateway.instances[0]
    return None
