"""Checks of how Azure builds gateways and circuits: connection endpoints, circuit SKUs.

Each is a function from the topology to problems, like those of ``checks``, which runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


CHECKS: tuple[Callable[[m.Topology, Locate], Iterator[Problem]], ...] = (
    check_connection_instances,
)
