"""Probes that end where they start: their VNet's own route has none for the destination, routes
it to ``None``, or sends it to the Internet. Nothing is crossed and nothing delivered, so such a
probe is answered without walking it; ``matrix`` asks it of every pair, and most pairs of a
landing zone (spoke to spoke) are such probes.

Each VNet's table is read for all destinations at once (``VNetRoutes.lookup_each``), a hub's
gateway layer only once for all the spokes that share it; the reasons are worded only for the
cells somebody reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address

from azint.control.routes import Route
from azint.control.vnet import Matches
from azint.data.walk import ENDS_AT_ONCE, LOOPBACK_FIRST_OCTET, Forwarder


class EndedAtOnce:
    """Which probes from hosts to destinations their VNet's route ends at once. ``routes``: a row
    per host of the route each probe leaves by; ``goes_on``: whether it goes on past it (also
    for a host's own address and loopback, which it answers itself). A row is None for a host
    it cannot tell for: one not in a VNet, or any host when security groups are in play."""

    def __init__(self, forwarder: Forwarder, hosts: Sequence[str], dsts: Sequence[IPv4Address],
                 routes: list[list[Route | None] | None],
                 goes_on: list[list[bool] | None]) -> None:
        self._forwarder, self._hosts, self._dsts = forwarder, hosts, dsts
        self.routes, self.goes_on = routes, goes_on

    def ends(self, i: int, j: int) -> bool:
        row = self.goes_on[i]
        return row is not None and not row[j]

    def first_route(self, i: int, j: int) -> Route | None:
        """The route a probe from host ``i`` to destination ``j`` that goes on leaves by."""
        row, going = self.routes[i], self.goes_on[i]
        return row[j] if row is not None and going is not None and going[j] else None

    def reason(self, i: int, j: int) -> str | None:
        """The reason the walk of the probe from host ``i`` to destination ``j`` gives when it
        ends at once; None when it goes on."""
        row = self.routes[i]
        if row is None or not self.ends(i, j):
            return None
        network = self._forwarder.endpoint(self._hosts[i]).network
        return self._forwarder.ended_reason(network, row[j], self._dsts[j])


def ended_at_once(forwarder: Forwarder, hosts: Sequence[str],
                  dsts: Sequence[IPv4Address]) -> EndedAtOnce:
    """Which probes from each of ``hosts`` to each of ``dsts`` their VNet's route ends at once."""
    if not forwarder.replies_as_probes:  # security groups: a probe may be denied first
        return EndedAtOnce(forwarder, hosts, dsts, [None] * len(hosts), [None] * len(hosts))
    plane = forwarder.plane
    values = sorted({int(dst) for dst in dsts})
    position = {value: index for index, value in enumerate(values)}
    columns = [position[int(dst)] for dst in dsts]
    loopback = [j for j, dst in enumerate(dsts) if int(dst) >> 24 == LOOPBACK_FIRST_OCTET]
    seen: dict[int, Matches] = {}
    rows: list[list[Route | None] | None] = []
    goes_on: list[list[bool] | None] = []
    for host in hosts:
        endpoint = forwarder.endpoint(host)
        routes = plane.vnets.get(endpoint.network)
        if routes is None:
            rows.append(None)
            goes_on.append(None)
            continue
        found = routes.lookup_each(forwarder.subnet(endpoint, routes.vnet), values, seen)
        row = [found[column] for column in columns]
        going = [route is not None and route.next_hop_type not in ENDS_AT_ONCE for route in row]
        own = position.get(int(endpoint.address))
        for j in [*loopback, *(j for j, c in enumerate(columns) if c == own)]:
            going[j] = True  # the host answers its own address and loopback itself
        rows.append(row)
        goes_on.append(going)
    return EndedAtOnce(forwarder, hosts, dsts, rows, goes_on)
