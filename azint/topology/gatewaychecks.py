"""Checks of how Azure builds gateways and circuits: connection endpoints, circuit SKUs.

Each is a function from the topology to problems, like those of ``checks``, which runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from azint.errors import Position
from azint.topology import model as m
from azint.topology.model import Locate
from azint.topology.problems import Problem, Severity


def check_connection_instances(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A circuit connection's tunnel ends are instances of the gateway it links."""
    for circuit in topology.circuits.values():
        for index, conn in enumerate(circuit.connections):
            vnet = topology.vnets.get(conn.network)
            gateway = vnet.expressroute_gateway if vnet is not None else None
            if gateway is None:
                continue  # check_references reports it
            for position, address in enumerate(conn.gateway_instances):
                if address not in gateway.instances:
                    where = at("circuit", circuit.name, "vnets", index, "gateway_instances",
                               position)
                    yield Problem(where, Severity.ERROR,
                                  f"{address} is not an instance of the ExpressRoute gateway of "
                                  f"'{conn.network}' "
                                  f"({', '.join(map(str, gateway.instances))})")


ROUTE_SERVER_SUBNET = "RouteServerSubnet"
RESERVED_APPLIANCE_ASNS = (65515, 65517, 65518, 65519, 65520)  # Route Server FAQ


def check_route_servers(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A Route Server sits in a RouteServerSubnet of /26 or larger and peers with appliances.

    "Quickstart: Create and configure Route Server" and the Route Server FAQ
    (https://learn.microsoft.com/azure/route-server/route-server-faq): Route Server needs a
    dedicated subnet named RouteServerSubnet, /26 or larger; its BGP peers are NVAs in its VNet
    or a peered VNet, with ASNs other than Azure's reserved ones.
    """
    for vnet in topology.vnets.values():
        server = vnet.route_server
        if server is None:
            continue
        home = next((s for s in vnet.subnets if s.name == ROUTE_SERVER_SUBNET), None)
        where = at("network", vnet.name, "route_server")
        if home is None:
            yield _error(where, f"VNet '{vnet.name}' has a Route Server but no subnet named "
                                f"{ROUTE_SERVER_SUBNET}")
        elif home.prefix.prefixlen > 26:
            yield _error(at("subnet", f"{vnet.name}/{ROUTE_SERVER_SUBNET}", "prefix"),
                         f"{ROUTE_SERVER_SUBNET} {home.prefix} of '{vnet.name}' is smaller than "
                         f"/26, which Route Server needs")
        else:
            for index, address in enumerate(server.addresses):
                if address not in home.prefix:
                    yield _error(at("network", vnet.name, "route_server", "addresses", index),
                                 f"Route Server address {address} is outside "
                                 f"{ROUTE_SERVER_SUBNET} {home.prefix} of '{vnet.name}'")
        yield from _route_server_peers(topology, vnet, server, at)


def _route_server_peers(topology: m.Topology, vnet: m.VNet, server: m.RouteServer,
                        at: Locate) -> Iterator[Problem]:
    endpoints = {e.name: e for e in topology.endpoints()}
    reach = {vnet.name} | {p.other(vnet.name).network for p in topology.peerings
                           if vnet.name in (p.a.network, p.b.network)}
    for index, name in enumerate(server.peers):
        where = at("network", vnet.name, "route_server", "peers", index)
        endpoint = endpoints.get(name)
        if endpoint is None:
            yield _error(where, f"Route Server of '{vnet.name}' peers with unknown endpoint "
                                f"'{name}'")
        elif endpoint.network not in reach:
            yield _error(where, f"Route Server of '{vnet.name}' peers with '{name}', which is in "
                                f"'{endpoint.network}': its peers are in its VNet or a peered VNet")
        elif endpoint.asn is None or not endpoint.forwarding:
            yield _error(where, f"Route Server peer '{name}' needs forwarding: true and an asn "
                                f"(a network virtual appliance that speaks BGP)")
        elif endpoint.asn in RESERVED_APPLIANCE_ASNS:
            yield _error(where, f"Route Server peer '{name}' uses ASN {endpoint.asn}, which "
                                f"Azure reserves ({', '.join(map(str, RESERVED_APPLIANCE_ASNS))})")


def check_appliance_bgp(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """An endpoint that advertises prefixes needs an ASN to speak BGP with."""
    for endpoint in topology.endpoints():
        if endpoint.advertise and endpoint.asn is None:
            yield _error(at("endpoint", endpoint.name, "advertise"),
                         f"endpoint '{endpoint.name}' advertises prefixes but has no asn")


def _error(where: Position, message: str) -> Problem:
    return Problem(where, Severity.ERROR, message)


CHECKS: tuple[Callable[[m.Topology, Locate], Iterator[Problem]], ...] = (
    check_connection_instances, check_route_servers, check_appliance_bgp,
)
