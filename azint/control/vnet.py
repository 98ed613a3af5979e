"""A VNet's effective routes: system routes, peering, gateway routes and user routes.

Selection follows rules 1.1 to 1.7 of ``docs/azure-routing.md``: longest prefix first; on equal
prefixes a user route beats a gateway (BGP) route, which beats a system route; but the VNet's own
ranges and its peered VNets' ranges beat any gateway route, even a more specific one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import field
from ipaddress import IPv4Address, IPv4Network

from azint.control import ids
from azint.control.routes import NextHop, Route, RouteTable
from azint.topology import model as m
from azint.topology.frozen import frozen, record

SOURCE_DEFAULT = "Default"
SOURCE_USER = "User"
SOURCE_GATEWAY = "VirtualNetworkGateway"

RESERVED_DROPS = tuple(IPv4Network(p) for p in
                       ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
INTERNET = IPv4Network("0.0.0.0/0")

_PRIORITY = {SOURCE_USER: 2, SOURCE_GATEWAY: 1, SOURCE_DEFAULT: 0}
_SHADOWS_GATEWAY = frozenset({m.NextHopType.VNET_LOCAL, m.NextHopType.VNET_PEERING,
                              m.NextHopType.VNET_GLOBAL_PEERING})


@frozen
class EffectiveRoute:
    """A row of ``show-effective-route-table``."""

    route: Route
    active: bool


@record
class VNetRoutes:
    """The layers a VNet routes by; the gateway layer is shared with spokes using this gateway."""

    vnet: m.VNet
    system: RouteTable
    gateway: RouteTable | None
    gateway_vnet: str | None
    user: dict[str, RouteTable] = field(default_factory=dict)  # by route table name
    _undropped: RouteTable | None = field(default=None, repr=False)
    # each subnet's layers, found once (a scan of the subnets): every probe sent looks them up
    _by_subnet: dict[str | None, tuple[RouteTable | None, RouteTable | None]] = field(
        default_factory=dict, repr=False)

    def _system(self, user: RouteTable | None) -> RouteTable:
        """The default routes a subnet keeps: a user route for 0.0.0.0/0 makes Azure remove
        the ``None`` routes of the reserved private ranges, so that traffic to them follows
        the user's default route instead of being dropped."""
        if user is None or user.get(INTERNET) is None:
            return self.system
        if self._undropped is None:
            self._undropped = RouteTable.of(r for r in self.system if not _reserved_drop(r))
        return self._undropped

    def _layers(self, subnet: str | None) -> tuple[RouteTable | None, RouteTable | None]:
        found = self._by_subnet.get(subnet)
        if found is None:
            spec = self.table_spec(subnet)
            user = self.user.get(spec.name) if spec else None
            propagate = spec.propagate_gateway_routes if spec else True
            found = self._by_subnet[subnet] = (user, self.gateway if propagate else None)
        return found

    def table_spec(self, subnet: str | None) -> m.RouteTableSpec | None:
        """The route table associated with ``subnet``, if any."""
        if subnet is None:
            return None
        found = next((s for s in self.vnet.subnets if s.name == subnet), None)
        if found is None or found.route_table is None:
            return None
        return self.vnet.route_tables.get(found.route_table)

    def lookup(self, subnet: str | None, address: IPv4Address,
               without: Collection[IPv4Network] = ()) -> Route | None:
        """The route a NIC in ``subnet`` uses for ``address`` (as if the user routes for the
        prefixes ``without`` were not there)."""
        user, gateway = self._layers(subnet)
        if user is not None and without:
            user = RouteTable.of(r for r in user if r.prefix not in without)
        value = int(address)
        best = (self.system if user is None else self._system(user)).lookup_value(value)
        shadows = best is not None and best.next_hop_type in _SHADOWS_GATEWAY
        for layer in (user, None if shadows else gateway):
            route = layer.lookup_value(value) if layer is not None else None
            if route is not None and (best is None or _rank(route) > _rank(best)):
                best = route
        return best

    def lookup_each(self, subnet: str | None, values: Sequence[int],
                    seen: dict[int, Matches]) -> list[Route | None]:
        """``lookup`` of each of ``values`` (ascending numbers) at once, by position.

        ``seen`` keeps each layer's matches by the layer's identity while the caller holds the
        tables: spokes share their hub's gateway layer, which is then read once for them all.
        """
        user, gateway = self._layers(subnet)
        system = _matches(self.system if user is None else self._system(user), values, seen)
        best = list(system.dense)
        for layer in (user, gateway):
            if layer is None:
                continue
            for position, route in _matches(layer, values, seen).sparse:
                if layer is gateway:
                    held = system.dense[position]
                    if held is not None and held.next_hop_type in _SHADOWS_GATEWAY:
                        continue
                held = best[position]
                if held is None or _rank(route) > _rank(held):
                    best[position] = route
        return best

    def effective(self, subnet: str | None) -> list[EffectiveRoute]:
        """Every route of the subnet's table with its state, ordered as Azure lists them."""
        user, gateway = self._layers(subnet)
        rows: list[EffectiveRoute] = []
        overridden = {r.prefix for r in user} if user else set()
        learned = {r.prefix for r in gateway} if gateway else set()
        for route in self._system(user):
            is_invalid = route.prefix in overridden or (
                route.prefix in learned and route.next_hop_type not in _SHADOWS_GATEWAY)
            rows.append(EffectiveRoute(route, not is_invalid))
        if gateway is not None:
            rows.extend(EffectiveRoute(r, r.prefix not in overridden) for r in gateway)
        if user is not None:
            rows.extend(EffectiveRoute(r, True) for r in user)
        order = {SOURCE_DEFAULT: 0, SOURCE_USER: 1, SOURCE_GATEWAY: 2}
        rows.sort(key=lambda row: (order[row.route.source], row.route.prefix))
        return rows


class Matches:
    """A table's longest match for each of some values: by position, and only those found."""

    def __init__(self, dense: list[Route | None]) -> None:
        self.dense = dense
        self._sparse: list[tuple[int, Route]] | None = None

    @property
    def sparse(self) -> list[tuple[int, Route]]:
        if self._sparse is None:
            self._sparse = [(i, r) for i, r in enumerate(self.dense) if r is not None]
        return self._sparse


def _matches(table: RouteTable, values: Sequence[int], seen: dict[int, Matches]) -> Matches:
    found = seen.get(id(table))
    if found is None:
        found = seen[id(table)] = Matches(table.matches(values))
    return found


def _rank(route: Route) -> tuple[int, int]:
    """Longest prefix first, then user over gateway over system (rules 1.1 and 1.2)."""
    return route.prefix.prefixlen, _PRIORITY[route.source]


def _reserved_drop(route: Route) -> bool:
    return (route.source == SOURCE_DEFAULT and route.next_hop_type is m.NextHopType.NONE
            and route.prefix in RESERVED_DROPS)


def system_routes(vnet: m.VNet, peers: list[tuple[m.VNet, m.Peering]]) -> RouteTable:
    """Default routes of a VNet: its ranges, its peers' ranges, Internet and the reserved drops."""
    local = NextHop(ids.vnet(vnet.name), "local", None, vnet.latency_ms)
    table = RouteTable()
    table.add(Route(INTERNET, SOURCE_DEFAULT, m.NextHopType.INTERNET))
    for reserved in RESERVED_DROPS:
        if not any(space.supernet_of(reserved) for space in vnet.address_space):
            table.add(Route(reserved, SOURCE_DEFAULT, m.NextHopType.NONE))
    for peer, peering in peers:
        kind = (m.NextHopType.VNET_PEERING if peer.region == vnet.region
                else m.NextHopType.VNET_GLOBAL_PEERING)
        hop = NextHop(ids.vnet(peer.name), f"peering:{peering.name}", None,
                      vnet.latency_ms + peering.latency_ms)
        for space in peer.address_space:
            table.add(Route(space, SOURCE_DEFAULT, kind, (hop,), origin=f"peering {peering.name}"))
    for space in vnet.address_space:
        table.add(Route(space, SOURCE_DEFAULT, m.NextHopType.VNET_LOCAL, (local,)))
    return table


def user_routes(vnet: m.VNet, spec: m.RouteTableSpec, gateway_hops: tuple[NextHop, ...]) -> RouteTable:
    """A route table's user routes as routes (appliance next hops are resolved by the walk)."""
    table = RouteTable()
    for user in spec.routes:
        hops: tuple[NextHop, ...] = ()
        if user.next_hop_type is m.NextHopType.VNET_LOCAL:
            hops = (NextHop(ids.vnet(vnet.name), "local", None, vnet.latency_ms),)
        elif user.next_hop_type is m.NextHopType.APPLIANCE:
            hops = (NextHop(ids.APPLIANCE, "nic", user.next_hop_ip, vnet.latency_ms),)
        elif user.next_hop_type is m.NextHopType.GATEWAY:
            hops = gateway_hops
        table.add(Route(user.prefix, SOURCE_USER, user.next_hop_type, hops,
                        origin=f"route table {spec.name}, route {user.name}"))
    return table
