"""Checks of how Azure builds gateways and circuits: connection endpoints, circuit SKUs.

Each is a function from the topology to problems, like those of ``checks``, which runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from azint.errors import Position
from azint.topology import geography
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


def check_circuit_reach(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A circuit links only the VNets its SKU reaches.

    "ExpressRoute FAQ" (https://learn.microsoft.com/azure/expressroute/expressroute-faqs): a
    Local circuit reaches the one or two Azure regions near its peering location, a Standard
    circuit every region of the location's geopolitical region, a Premium circuit every region.
    Regions and locations azint does not know (``geography``) are not checked.
    """
    for circuit in topology.circuits.values():
        local = geography.LOCAL_REGIONS.get(geography.key(circuit.peering_location))
        if circuit.sku is m.CircuitSku.LOCAL and local is not None and not local:
            yield _error(at("circuit", circuit.name, "sku"),
                         f"ExpressRoute Local is not available at peering location "
                         f"'{circuit.peering_location}' (circuit '{circuit.name}')")
            continue
        for index, conn in enumerate(circuit.connections):
            vnet = topology.vnets.get(conn.network)
            if vnet is not None:
                problem = _reach_problem(circuit, vnet, local)
                if problem is not None:
                    yield _error(at("circuit", circuit.name, "vnets", index, "network"), problem)


def _reach_problem(circuit: m.Circuit, vnet: m.VNet, local: frozenset[str] | None) -> str | None:
    where = f"peering location '{circuit.peering_location}'"
    if circuit.sku is m.CircuitSku.LOCAL:
        if local is None or geography.key(vnet.region) in local:
            return None
        return (f"{circuit.sku.value} circuit '{circuit.name}' at {where} reaches only "
                f"{', '.join(sorted(local))}, not VNet '{vnet.name}' in '{vnet.region}'")
    home = geography.location_geography(circuit.peering_location)
    there = geography.region_geography(vnet.region)
    if circuit.sku is m.CircuitSku.PREMIUM or home is None or there is None or home == there:
        return None
    return (f"Standard circuit '{circuit.name}' at {where} ({home}) cannot link VNet "
            f"'{vnet.name}' in '{vnet.region}' ({there}): it reaches its own geopolitical "
            f"region only; Premium (sku: Premium) reaches every region")


def check_global_reach_sku(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Global Reach needs no Local circuit, and Premium on both across geopolitical regions.

    "ExpressRoute FAQ" (https://learn.microsoft.com/azure/expressroute/expressroute-faqs):
    "ExpressRoute Global Reach is not available on Local"; circuits in different geopolitical
    regions need ExpressRoute Premium for both circuits to be joined.
    """
    for reach in topology.global_reach:
        circuits = [topology.circuits.get(name) for name in reach.circuits]
        found = [c for c in circuits if c is not None]
        if len(found) != 2 or found[0].name == found[1].name:
            continue  # check_references and check_global_reach report those
        where = at("global reach", reach.name, "circuits")
        locals_ = [c.name for c in found if c.sku is m.CircuitSku.LOCAL]
        if locals_:
            yield _error(where, f"Global Reach '{reach.name}' joins Local circuit "
                                f"'{locals_[0]}': Global Reach is not available on Local")
            continue
        regions = [geography.location_geography(c.peering_location) for c in found]
        if None in regions or regions[0] == regions[1]:
            continue
        standard = [c for c in found if c.sku is not m.CircuitSku.PREMIUM]
        if standard:
            yield _error(where, f"Global Reach '{reach.name}' joins circuits in {regions[0]} and "
                                f"{regions[1]}: across geopolitical regions both need Premium, "
                                f"and '{standard[0].name}' is {standard[0].sku.value}")


def _error(where: Position, message: str) -> Problem:
    return Problem(where, Severity.ERROR, message)


CHECKS: tuple[Callable[[m.Topology, Locate], Iterator[Problem]], ...] = (
    check_connection_instances, check_route_servers, check_appliance_bgp, check_circuit_reach,
    check_global_reach_sku,
)
