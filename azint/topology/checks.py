"""Checks that need the whole model: references between parts, addresses, and Azure's rules.

Each check is a function from the topology to problems; ``check_topology`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from azint.errors import Position
from azint.topology import model as m
from azint.topology.problems import Problem, Severity


class Locate(Protocol):
    def __call__(self, kind: str, name: str, *inner: str | int) -> Position: ...


Check = Callable[[m.Topology, Locate], Iterator[Problem]]


def _error(where: Position, message: str) -> Problem:
    return Problem(where, Severity.ERROR, message)


def _warning(where: Position, message: str) -> Problem:
    return Problem(where, Severity.WARNING, message)


def check_references(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Every name a connection uses must exist, and be the right kind of thing."""
    for peering in topology.peerings:
        for side_key, side in (("a", peering.a), ("b", peering.b)):
            if side.network not in topology.vnets:
                yield _error(at("peering", peering.name, side_key, "network"),
                             f"peering '{peering.name}' names unknown VNet '{side.network}'")
        if peering.a.network == peering.b.network:
            yield _error(at("peering", peering.name), "a VNet cannot peer with itself")
    routers = {r.name: r for r in topology.routers()}
    for circuit in topology.circuits.values():
        for index, link in enumerate(circuit.links):
            if link.router is not None and link.router not in routers:
                yield _error(at("circuit", circuit.name, "links", index, "router"),
                             f"link '{link.name}' names unknown router '{link.router}'")
        for index, conn in enumerate(circuit.connections):
            vnet = topology.vnets.get(conn.network)
            if vnet is None:
                yield _error(at("circuit", circuit.name, "vnets", index, "network"),
                             f"circuit '{circuit.name}' links unknown VNet '{conn.network}'")
            elif vnet.expressroute_gateway is None:
                yield _error(at("circuit", circuit.name, "vnets", index, "network"),
                             f"VNet '{conn.network}' has no ExpressRoute gateway to link to "
                             f"circuit '{circuit.name}'")
    for vpn in topology.vpns:
        yield from _check_vpn(topology, vpn, routers, at)
    for reach in topology.global_reach:
        for index, name in enumerate(reach.circuits):
            if name not in topology.circuits:
                yield _error(at("global reach", reach.name, "circuits", index),
                             f"Global Reach '{reach.name}' names unknown circuit '{name}'")


def _check_vpn(topology: m.Topology, vpn: m.VpnConnection, routers: dict[str, m.Router],
               at: Locate) -> Iterator[Problem]:
    for key, end in (("a", vpn.a), ("b", vpn.b)):
        if end.network is not None:
            vnet = topology.vnets.get(end.network)
            if vnet is None:
                yield _error(at("vpn", vpn.name, key, "network"),
                             f"VPN '{vpn.name}' names unknown VNet '{end.network}'")
            elif vnet.vpn_gateway is None:
                yield _error(at("vpn", vpn.name, key, "network"),
                             f"VNet '{end.network}' has no VPN gateway for VPN '{vpn.name}'")
        elif end.router is not None:
            router = routers.get(end.router)
            if router is None:
                yield _error(at("vpn", vpn.name, key, "router"),
                             f"VPN '{vpn.name}' names unknown router '{end.router}'")
            elif end.interface not in {i.name for i in router.interfaces}:
                yield _error(at("vpn", vpn.name, key, "interface"),
                             f"router '{end.router}' has no interface '{end.interface}'")
    if vpn.a.network is not None and vpn.a.network == vpn.b.network:
        yield _error(at("vpn", vpn.name), "a VPN connection cannot join a VNet to itself")


def check_endpoints(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """VMs sit inside their VNet; on-premises hosts point at a router of their own site."""
    for vnet in topology.vnets.values():
        for endpoint in vnet.endpoints:
            if not vnet.contains(endpoint.address):
                yield _error(at("endpoint", endpoint.name, "address"),
                             f"endpoint '{endpoint.name}' address {endpoint.address} is outside "
                             f"VNet '{vnet.name}' ({', '.join(map(str, vnet.address_space))})")
    for site in topology.sites.values():
        owned = {i.address.ip for r in site.routers for i in r.interfaces}
        for endpoint in site.endpoints:
            if endpoint.gateway not in owned:
                yield _error(at("endpoint", endpoint.name, "gateway"),
                             f"gateway {endpoint.gateway} of '{endpoint.name}' is not an "
                             f"interface of a router in '{site.name}'")


def check_gateway_transit(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Use-remote-gateways needs allow-gateway-transit and a gateway on the other side."""
    users: dict[str, list[str]] = {}
    for peering in topology.peerings:
        for key, side in (("a", peering.a), ("b", peering.b)):
            if not side.use_remote_gateways:
                continue
            users.setdefault(side.network, []).append(peering.name)
            other = peering.other(side.network)
            remote = topology.vnets.get(other.network)
            own = topology.vnets.get(side.network)
            where = at("peering", peering.name, key, "use_remote_gateways")
            if not other.allow_gateway_transit:
                yield _error(where, f"'{side.network}' uses remote gateways over "
                                    f"'{peering.name}' but '{other.network}' does not allow "
                                    f"gateway transit")
            elif remote is not None and not remote.has_gateway:
                yield _error(where, f"'{other.network}' has no gateway for '{side.network}' "
                                    f"to use")
            if own is not None and own.has_gateway:
                yield _error(where, f"'{side.network}' has a gateway of its own and cannot use "
                                    f"remote gateways")
    for network, names in users.items():
        if len(names) > 1:
            yield _error(at("peering", names[1]),
                         f"'{network}' uses remote gateways on more than one peering "
                         f"({', '.join(names)})")


CHECKS: tuple[Check, ...] = (check_references, check_endpoints, check_gateway_transit)


def check_topology(topology: m.Topology, at: Locate) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(topology, at))
    return problems
