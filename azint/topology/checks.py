"""Checks that need the whole model: references between parts, addresses, and Azure's rules.

Each check is a function from the topology to problems; ``check_topology`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple, TypeVar

from azint.errors import Position
from azint.topology import gatewaychecks
from azint.topology import model as m
from azint.topology.model import Locate
from azint.topology.problems import Problem, Severity

Check = Callable[[m.Topology, Locate], Iterator[Problem]]
T = TypeVar("T")

# Azure's public and private BGP ASNs that on-premises devices may not use (VPN Gateway BGP FAQ).
RESERVED_ASNS = (8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520)
ONPREM_PREFIX_LIMIT = 4_000  # private peering drops the session above this
PREMIUM_PREFIX_LIMIT = 10_000
AZURE_PREFIX_LIMIT = 1_000  # prefixes Azure advertises per connection
PEERINGS_PER_VNET = 500  # "Azure subscription and service limits", networking limits


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
                yield _error(at(f"vpn end {key}", vpn.name, "network"),
                             f"VPN '{vpn.name}' names unknown VNet '{end.network}'")
            elif vnet.vpn_gateway is None:
                yield _error(at(f"vpn end {key}", vpn.name, "network"),
                             f"VNet '{end.network}' has no VPN gateway for VPN '{vpn.name}'")
        elif end.router is not None:
            router = routers.get(end.router)
            if router is None:
                yield _error(at(f"vpn end {key}", vpn.name, "router"),
                             f"VPN '{vpn.name}' names unknown router '{end.router}'")
            elif end.interface not in {i.name for i in router.interfaces}:
                yield _error(at(f"vpn end {key}", vpn.name, "interface"),
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
        owned = {i.address.ip: i.address for r in site.routers for i in r.interfaces}
        for endpoint in site.endpoints:
            gateway = owned.get(endpoint.gateway) if endpoint.gateway is not None else None
            if gateway is None:
                yield _error(at("endpoint", endpoint.name, "gateway"),
                             f"gateway {endpoint.gateway} of '{endpoint.name}' is not an "
                             f"interface of a router in '{site.name}'")
            elif endpoint.address not in gateway.network:
                # A host finds its gateway by ARP on its own subnet: with the gateway elsewhere
                # it sends nothing off its subnet (Linux refuses such a route outright), and
                # azint would trace packets no real host sends.
                yield _error(at("endpoint", endpoint.name, "gateway"),
                             f"gateway {endpoint.gateway} of '{endpoint.name}' is on "
                             f"{gateway.network}, which does not hold the host's address "
                             f"{endpoint.address}: a host's gateway is on its own subnet")


def check_endpoint_names(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A SOURCE is an endpoint's name before a network's: an endpoint named like a network
    (other than that network's own first endpoint) silently takes the network's place."""
    firsts = {vnet.name: vnet.endpoints[0].name for vnet in topology.vnets.values() if vnet.endpoints}
    firsts.update((site.name, site.endpoints[0].name)
                  for site in topology.sites.values() if site.endpoints)
    for endpoint in topology.endpoints():
        if endpoint.name in topology.network_names and firsts.get(endpoint.name) != endpoint.name:
            yield _warning(at("endpoint", endpoint.name, "name"),
                           f"endpoint '{endpoint.name}' in '{endpoint.network}' has the name of "
                           f"network '{endpoint.name}': as a SOURCE, '{endpoint.name}' is this "
                           f"endpoint, not that network's first endpoint")


def check_vm_placement(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """No VM on an address Azure reserves in its subnet, nor in GatewaySubnet.

    Azure keeps the first four and the last address of every subnet for itself ("Azure Virtual
    Network frequently asked questions (FAQ)", "Are there any restrictions on using IP addresses
    within these subnets?", https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq)
    and refuses them to a NIC; GatewaySubnet holds only the gateway instances ("About VPN
    Gateway configuration settings", "Gateway subnet": never deploy other resources there,
    https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings).
    Both are errors.
    """
    for vnet in topology.vnets.values():
        for endpoint in vnet.endpoints:
            subnet = vnet.subnet_of(endpoint.address)
            if subnet is None:
                continue
            where = at("endpoint", endpoint.name, "address")
            if subnet.name == "GatewaySubnet":
                yield _error(where, f"endpoint '{endpoint.name}' {endpoint.address} is in "
                                    f"GatewaySubnet {subnet.prefix} of '{vnet.name}', which "
                                    f"holds only gateways")
            elif _reserved(endpoint.address, subnet.prefix):
                yield _error(where, _reserved_message(f"endpoint '{endpoint.name}'",
                                                      endpoint.address, subnet))


def _reserved(address: IPv4Address, prefix: IPv4Network) -> bool:
    """One of the five addresses Azure keeps in every subnet: the first four and the last."""
    return (int(address) - int(prefix.network_address) < 4
            or address == prefix.broadcast_address)


def _reserved_message(what: str, address: IPv4Address, subnet: m.Subnet) -> str:
    return (f"{what} has address {address}, which Azure reserves in subnet '{subnet.name}' "
            f"{subnet.prefix} (its first four addresses and its last)")


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
            elif remote is not None and not remote.serves_spokes:
                yield _error(where, f"'{other.network}' has no gateway for '{side.network}' "
                                    f"to use")
            if own is not None and own.serves_spokes:
                yield _error(where, f"'{side.network}' has a gateway of its own and cannot use "
                                    f"remote gateways")
    for network, names in users.items():
        if len(names) > 1:
            yield _error(at("peering", names[1]),
                         f"'{network}' uses remote gateways on more than one peering "
                         f"({', '.join(names)})")






# -- names -----------------------------------------------------------------------------------


def check_router_names(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Interface names are unique per router; static routes and preferences name real things.

    BGP looks a router's ``local_preference`` up by the names of its own sessions only: its
    circuit links, their circuits (a circuit stands for all its links on the router) and its BGP
    VPNs. Any other key, even another connection's name, would be silently ignored: an error.
    """
    known = topology.connection_names()
    sessions = _session_names(topology)
    for router in topology.routers():
        seen: set[str] = set()
        for index, interface in enumerate(router.interfaces):
            if interface.name in seen:
                yield _error(at("router", router.name, "interfaces", index, "name"),
                             f"router '{router.name}' has two interfaces named '{interface.name}'")
            seen.add(interface.name)
        for index, route in enumerate(router.static_routes):
            if route.interface is not None and route.interface not in seen:
                yield _error(at("router", router.name, "static_routes", index, "interface"),
                             f"router '{router.name}' has no interface '{route.interface}'")
        own = sessions.get(router.name, [])
        for setting, keys in (("local_preference", router.local_preference),
                              ("neighbors", router.neighbors)):
            for key in keys:
                if key not in own:
                    yield _error(at("router", router.name, "bgp", setting, key),
                                 _not_a_session(key, router.name, own, known, setting))


def _session_names(topology: m.Topology) -> dict[str, list[str]]:
    """Router -> the names BGP looks its local preference up by, in file order."""
    names: dict[str, list[str]] = {}
    for circuit in topology.circuits.values():
        for link in circuit.links:
            if link.router is not None:
                own = names.setdefault(link.router, [])
                own += [n for n in (link.name, circuit.name) if n not in own]
    for vpn in topology.vpns:
        if vpn.bgp and vpn.b.router is not None:
            names.setdefault(vpn.b.router, []).append(vpn.name)
    return names


def _not_a_session(name: str, router: str, sessions: list[str], known: Iterable[str],
                   setting: str) -> str:
    import difflib  # a hint for bad input only: not at start-up
    hint = difflib.get_close_matches(name, sessions, n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    if name not in known:
        return f"{setting} names unknown connection or circuit link '{name}'{suggestion}"
    listed = ", ".join(sessions) if sessions else "none"
    return (f"{setting} names '{name}', which is not a BGP session of router '{router}' "
            f"(its sessions: {listed}){suggestion}")


def check_appliance_next_hops(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A VirtualAppliance route leads to an endpoint, which must forward what is not its own."""
    hosts = {e.address: e for e in topology.endpoints()}
    for vnet in topology.vnets.values():
        for table in vnet.route_tables.values():
            for index, route in enumerate(table.routes):
                if route.next_hop_ip is None:
                    continue
                where = at("route table", f"{vnet.name}/{table.name}", "routes", index,
                           "next_hop_ip")
                host = hosts.get(route.next_hop_ip)
                if host is None:
                    yield _error(where, f"next hop {route.next_hop_ip} of route '{route.name}' "
                                        f"is not the address of any endpoint")
                elif not host.forwarding:
                    yield _warning(where, f"next hop {route.next_hop_ip} is '{host.name}', which "
                                          f"drops packets not addressed to it (forwarding: false)")


def check_gateway_next_hops(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A user route to VirtualNetworkGateway needs a VPN gateway: Azure drops it otherwise.

    "Virtual network traffic routing": the gateway must be of type VPN; an ExpressRoute gateway
    cannot be a user route's next hop (ExpressRoute custom routes come from BGP), and the route
    is not supported where ExpressRoute and VPN gateways coexist.
    """
    for vnet in topology.vnets.values():
        used = {s.route_table for s in vnet.subnets if s.route_table is not None}
        for table in vnet.route_tables.values():
            problem = _udr_gateway_problem(topology, vnet.name) if table.name in used else None
            for index, route in enumerate(table.routes):
                if problem is not None and route.next_hop_type is m.NextHopType.GATEWAY:
                    yield _warning(at("route table", f"{vnet.name}/{table.name}", "routes", index,
                                      "next_hop_type"),
                                   f"route '{route.name}' sends {route.prefix} to "
                                   f"VirtualNetworkGateway, but {problem}")


def check_gateway_subnet_default_route(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """"Virtual network traffic routing" (0.0.0.0/0 address prefix): with a VPN gateway, do not
    associate a route table holding 0.0.0.0/0 to the GatewaySubnet; it can stop the gateway
    from working. azint does not model that failure, so it says so."""
    for vnet in topology.vnets.values():
        subnet = next((s for s in vnet.subnets if s.name == "GatewaySubnet"), None)
        table = vnet.route_tables.get(subnet.route_table) if subnet and subnet.route_table else None
        if vnet.vpn_gateway is None or table is None:
            continue
        for index, route in enumerate(table.routes):
            if route.prefix.prefixlen == 0:
                yield _warning(at("route table", f"{vnet.name}/{table.name}", "routes", index,
                                  "prefix"),
                               f"route '{route.name}' for 0.0.0.0/0 is on the GatewaySubnet of "
                               f"'{vnet.name}', which has a VPN gateway: Azure warns this can stop "
                               f"the gateway from working; azint routes by it regardless")


def check_gateway_subnet_nsg(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """"About VPN Gateway configuration settings" (gateway subnet): Azure does not support a
    network security group on GatewaySubnet, and one can stop the gateways from working. azint
    filters nothing at gateways (rule 8.2), so it says so."""
    for vnet in topology.vnets.values():
        subnet = next((s for s in vnet.subnets if s.name == "GatewaySubnet"), None)
        if subnet is not None and subnet.security_group is not None:
            yield _warning(at("subnet", f"{vnet.name}/{subnet.name}", "network_security_group"),
                           f"network security group '{subnet.security_group}' is on the "
                           f"GatewaySubnet of '{vnet.name}': Azure does not support NSGs there "
                           f"(they can stop the gateways from working); azint filters nothing "
                           f"at gateways")


def _udr_gateway_problem(topology: m.Topology, name: str) -> str | None:
    """What is wrong with the gateway VNet ``name``'s user routes would use, or None."""
    hub = topology.gateway_vnet(name)
    whose = f"VNet '{name}'" if hub == name else f"its gateway VNet '{hub}'"
    gateways = topology.vnets[hub] if hub is not None else None
    if gateways is None:
        why = f"VNet '{name}' has no gateway, its own or a hub's through gateway transit"
    elif gateways.vpn_gateway is None:
        why = f"{whose} has only an ExpressRoute gateway"
    elif gateways.expressroute_gateway is not None:
        return (f"{whose} has coexisting ExpressRoute and VPN gateways, where Azure does not "
                f"support such a route; azint sends the traffic to the VPN gateway")
    else:
        return None
    return f"{why}: Azure drops that traffic (a user route's gateway must be a VPN gateway)"


# -- addresses -------------------------------------------------------------------------------


def _nested(items: Iterable[tuple[IPv4Network, T]],
            clash: Callable[[T, T], bool] = lambda a, b: True) -> Iterator[tuple[T, T]]:
    """Pair each item with the innermost earlier one whose prefix holds it and that it clashes with.

    Two prefixes either nest or are disjoint, so one sorted pass with a stack of the prefixes
    enclosing the current one finds every overlap in O(n log n); hostile files with thousands of
    prefixes stay fast.
    """
    # As integers: (first address, length, mask) per prefix; subnet_of is slow at this count.
    stack: list[tuple[int, int, int, T]] = []
    ordered = sorted(((int(p.network_address), p.prefixlen, int(p.netmask), item)
                      for p, item in items), key=lambda four: (four[0], four[1]))
    for first, length, mask, item in ordered:
        while stack and not (length >= stack[-1][1] and first & stack[-1][2] == stack[-1][0]):
            stack.pop()
        outer = next((o for *_, o in reversed(stack) if clash(item, o)), None)
        if outer is not None:
            yield item, outer
        stack.append((first, length, mask, item))


def check_subnets(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Subnets lie inside the address space; ranges and subnets of one VNet do not overlap."""
    for vnet in topology.vnets.values():
        spaces = ", ".join(map(str, vnet.address_space))
        for subnet in vnet.subnets:
            if not any(subnet.prefix.subnet_of(space) for space in vnet.address_space):
                yield _error(at("subnet", f"{vnet.name}/{subnet.name}", "prefix"),
                             f"subnet '{subnet.name}' {subnet.prefix} is outside VNet "
                             f"'{vnet.name}' ({spaces})")
        for inner, outer in _nested((s.prefix, s) for s in vnet.subnets):
            yield _error(at("subnet", f"{vnet.name}/{inner.name}", "prefix"),
                         f"subnet '{inner.name}' {inner.prefix} overlaps subnet '{outer.name}' "
                         f"{outer.prefix}")
        ranges = ((prefix, (i, prefix)) for i, prefix in enumerate(vnet.address_space))
        for (index, prefix), (_, other) in _nested(ranges):
            yield _error(at("network", vnet.name, "address_space", index),
                         f"address range {prefix} of '{vnet.name}' overlaps its range {other}")


def _gateway_subnet(vnet: m.VNet) -> m.Subnet | None:
    return next((s for s in vnet.subnets if s.name == "GatewaySubnet"), None)


def _gateway_addresses(vnet: m.VNet) -> Iterator[tuple[tuple[str | int, ...], IPv4Address]]:
    """Every address a gateway of ``vnet`` holds, with its path under ``gateways``."""
    if vnet.expressroute_gateway is not None:
        for index, address in enumerate(vnet.expressroute_gateway.instances):
            yield ("expressroute", "instances", index), address
    if vnet.vpn_gateway is not None:
        for index, address in enumerate(vnet.vpn_gateway.instances):
            yield ("vpn", "instances", index), address
        if vnet.vpn_gateway.active_active:
            for index, address in enumerate(vnet.vpn_gateway.bgp_peer_addresses):
                yield ("vpn", "bgp_peer_addresses", index), address
        elif vnet.vpn_gateway.bgp_peer_address is not None:
            yield ("vpn", "bgp_peer_address"), vnet.vpn_gateway.bgp_peer_address


def _gateway_what(vnet: m.VNet, inner: tuple[str | int, ...]) -> str:
    kind = "ExpressRoute" if inner[0] == "expressroute" else "VPN"
    role = " (BGP peer address)" if "bgp_peer_address" in inner or \
        "bgp_peer_addresses" in inner else ""
    return f"the {kind} gateway of '{vnet.name}'{role}"


def check_gateway_addresses(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Gateway instances and BGP peer addresses live in GatewaySubnet, or at least in the VNet."""
    for vnet in topology.vnets.values():
        home = _gateway_subnet(vnet)
        for inner, address in _gateway_addresses(vnet):
            where = at("network", vnet.name, "gateways", *inner)
            if home is not None and address not in home.prefix:
                yield _error(where, f"gateway address {address} is outside GatewaySubnet "
                                    f"{home.prefix} of '{vnet.name}'")
            elif home is None and not vnet.contains(address):
                yield _error(where, f"gateway address {address} is outside VNet '{vnet.name}' "
                                    f"({', '.join(map(str, vnet.address_space))})")
            elif home is not None and _reserved(address, home.prefix):
                # Azure places gateway instances itself, never on the reserved addresses
                # (see check_vm_placement).
                yield _error(where, _reserved_message(_gateway_what(vnet, inner), address, home))


def check_gateway_subnet(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Gateways need a GatewaySubnet, and /27 or larger when ExpressRoute and VPN coexist."""
    for vnet in topology.vnets.values():
        if not vnet.has_gateway:
            continue
        home = _gateway_subnet(vnet)
        if home is None:
            yield _warning(at("network", vnet.name, "gateways"),
                           f"VNet '{vnet.name}' has a gateway but no subnet named GatewaySubnet, "
                           f"where Azure deploys gateways")
        elif (vnet.expressroute_gateway is not None and vnet.vpn_gateway is not None
              and home.prefix.prefixlen > 27):
            yield _error(at("subnet", f"{vnet.name}/GatewaySubnet", "prefix"),
                         f"GatewaySubnet {home.prefix} of '{vnet.name}' is smaller than /27, "
                         f"which ExpressRoute and VPN gateways side by side need")


def check_endpoint_addresses(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """No two endpoints share an address: a trace to it would be ambiguous."""
    seen: dict[IPv4Address, m.Endpoint] = {}
    for endpoint in topology.endpoints():
        first = seen.setdefault(endpoint.address, endpoint)
        if first is not endpoint:
            yield _error(at("endpoint", endpoint.name, "address"),
                         f"endpoint '{endpoint.name}' has address {endpoint.address}, which "
                         f"'{first.name}' already has")


class _Holder(NamedTuple):
    """Something in one network that answers for an address, and where the file gives it."""

    what: str
    position: Position
    kind: str = ""  # "endpoint" and "link" pairs are left to the checks that compare those


# A holder is named and placed only when another holds its address too: a site of a full mesh
# has tens of thousands of interfaces and no conflict.
_Holding = tuple[IPv4Address, "_Holder | Callable[[], _Holder]"]


def _vnet_holders(vnet: m.VNet, at: Locate) -> Iterator[_Holding]:
    for endpoint in vnet.endpoints:
        yield endpoint.address, _Holder(f"endpoint '{endpoint.name}'",
                                        at("endpoint", endpoint.name, "address"), "endpoint")
    vpn = vnet.vpn_gateway
    for inner, address in _gateway_addresses(vnet):
        if inner[:2] in (("vpn", "bgp_peer_address"), ("vpn", "bgp_peer_addresses")) \
                and vpn is not None and address in vpn.instances:
            continue  # a VPN gateway may peer from its own instance address
        yield address, _Holder(_gateway_what(vnet, inner),
                               at("network", vnet.name, "gateways", *inner))


def _site_holders(topology: m.Topology, site: m.OnPremSite,
                  at: Locate) -> Iterator[_Holding]:
    for endpoint in site.endpoints:
        yield endpoint.address, _Holder(f"endpoint '{endpoint.name}'",
                                        at("endpoint", endpoint.name, "address"), "endpoint")
    routers = {r.name for r in site.routers}
    for router in site.routers:
        for index, interface in enumerate(router.interfaces):
            yield interface.address.ip, partial(_interface_holder, at, router.name, index,
                                                interface.name)
    for circuit in topology.circuits.values():
        for link in circuit.links:
            if link.router in routers:
                yield link.ce_address, _Holder(f"link '{link.name}' (its CE end, on "
                                               f"'{link.router}')",
                                               at("link", link.name, "subnet"), "link")


def _interface_holder(at: Locate, router: str, index: int, interface: str) -> _Holder:
    return _Holder(f"interface '{interface}' of router '{router}'",
                   at("router", router, "interfaces", index, "address"))


def check_shared_addresses(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Within one network, one address belongs to one thing: a VM or host, a gateway instance,
    a VPN gateway's BGP peer address, a router interface, a circuit link's CE end.

    Azure gives each private address of a VNet to one NIC or gateway instance; a router refuses
    an address another interface holds, and two devices on one LAN with one address is a
    conflict. The model keeps one owner per address and network, so the later one would silently
    win: an error, reported at the one that comes later in the file. Two endpoints are left to
    ``check_endpoint_addresses``, which compares them across networks, and two circuit links to
    ``check_circuit_links``.
    """
    scopes = [list(_vnet_holders(v, at)) for v in topology.vnets.values()]
    scopes += [list(_site_holders(topology, s, at)) for s in topology.sites.values()]
    for holders in scopes:
        by_address: dict[IPv4Address, list[_Holder | Callable[[], _Holder]]] = {}
        for address, holder in holders:
            by_address.setdefault(address, []).append(holder)
        for address, held in by_address.items():
            if len(held) == 1:
                continue
            group = [h if isinstance(h, _Holder) else h() for h in held]
            group.sort(key=lambda h: (h.position.line or 0, h.position.column or 0))
            first = group[0]
            for later in group[1:]:
                if not later.kind or later.kind != first.kind:
                    yield _error(later.position, f"{later.what} has address {address}, which "
                                                 f"{first.what} already has")


def check_circuit_links(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """The /30s of all circuit links are distinct: each is its own point-to-point BGP session."""
    links = [(link.subnet, link) for c in topology.circuits.values() for link in c.links]
    for inner, outer in _nested(links):
        yield _error(at("link", inner.name, "subnet"),
                     f"link '{inner.name}' subnet {inner.subnet} overlaps link '{outer.name}' "
                     f"{outer.subnet}")


# -- route exchange: who learns whose prefixes -----------------------------------------------


class _Offer(NamedTuple):
    """One prefix a network puts into a route exchange, and where the file declares it (the
    path to it: found only for an offer a problem is reported at)."""

    network: str
    prefix: IPv4Network
    kind: str  # with ``name`` and ``inner``: the path ``Locate`` takes
    name: str
    inner: tuple[str | int, ...]


# The spokes of every hub of the last topology asked about: the exchange checks ask for each
# hub once per circuit and VPN, and a scan of every peering each time grew with hubs x VNets.
_TRANSIT: list[tuple[m.Topology, dict[str, list[str]]]] = []


def _transit_spokes(topology: m.Topology, hub: str) -> list[str]:
    """VNets that use ``hub``'s gateways, whose ranges the hub's gateways advertise as their own."""
    if not _TRANSIT or _TRANSIT[0][0] is not topology:
        spokes: dict[str, list[str]] = {}
        for p in topology.peerings:
            if p.a.network == p.b.network:
                continue
            for end in (p.a.network, p.b.network):
                if p.side(end).allow_gateway_transit and p.other(end).use_remote_gateways:
                    spokes.setdefault(end, []).append(p.other(end).network)
        _TRANSIT[:] = [(topology, spokes)]
    return list(_TRANSIT[0][1].get(hub, ()))


def _vnet_ranges(topology: m.Topology, name: str, *,
                 transit: bool) -> list[tuple[str, int, IPv4Network]]:
    """(VNet, index, range) of a VNet and, with ``transit``, of the spokes using its gateways."""
    names = [name, *(_transit_spokes(topology, name) if transit else ())]
    return [(n, index, prefix) for n in names if n in topology.vnets
            for index, prefix in enumerate(topology.vnets[n].address_space)]


def _where(at: Locate, offer: _Offer) -> Position:
    return at(offer.kind, offer.name, *offer.inner)


class _Offers:
    """What each network puts into a route exchange, found once per network: a hub's spokes
    go into each of its circuits and VPN connections."""

    def __init__(self, topology: m.Topology) -> None:
        self.topology = topology
        self._vnets: dict[tuple[str, bool], list[_Offer]] = {}
        self._routers: dict[str, list[_Offer]] = {}

    def vnet(self, name: str, *, transit: bool) -> list[_Offer]:
        found = self._vnets.get((name, transit))
        if found is None:
            found = self._vnets[(name, transit)] = [
                _Offer(n, prefix, "network", n, ("address_space", index))
                for n, index, prefix in _vnet_ranges(self.topology, name, transit=transit)]
        return found

    def router(self, name: str) -> list[_Offer]:
        found = self._routers.get(name)
        if found is None:
            router = next((r for r in self.topology.routers() if r.name == name), None)
            found = self._routers[name] = [] if router is None else [
                _Offer(router.site, prefix, "router", name, ("bgp", "advertise", index))
                for index, prefix in enumerate(router.advertise)]
        return found


def _exchanges(topology: m.Topology) -> Iterator[tuple[str, list[_Offer]]]:
    """Each peering, circuit, VPN and Global Reach with the prefixes its sides exchange."""
    offered = _Offers(topology)
    for peering in topology.peerings:
        yield peering.name, [offer for side in (peering.a, peering.b)
                             for offer in offered.vnet(side.network, transit=False)]
    for circuit in topology.circuits.values():
        offers = [o for c in circuit.connections for o in offered.vnet(c.network, transit=True)]
        offers += [o for link in circuit.links if link.router is not None
                   for o in offered.router(link.router)]
        yield circuit.name, offers
    for vpn in topology.vpns:
        yield vpn.name, _vpn_offers(offered, vpn)
    for reach in topology.global_reach:  # joins the on-premises sides of two circuits
        circuits = [topology.circuits[c] for c in reach.circuits if c in topology.circuits]
        yield reach.name, [o for circuit in circuits for link in circuit.links
                           if link.router is not None for o in offered.router(link.router)]


def _vpn_offers(offered: _Offers, vpn: m.VpnConnection) -> list[_Offer]:
    offers: list[_Offer] = []
    for end in (vpn.a, vpn.b):
        if end.network is not None:
            offers += offered.vnet(end.network, transit=True)
        elif end.router is not None:
            site = next((r.site for r in offered.topology.routers() if r.name == end.router),
                        end.router)
            offers += [_Offer(site, p, "vpn end b", vpn.name, ("prefixes", index))
                       for index, p in enumerate(end.prefixes)]
            if vpn.bgp:
                offers += offered.router(end.router)
    return offers


def _site_uses(site: m.OnPremSite, prefix: IPv4Network) -> bool:
    """Whether any router interface or host of ``site`` has an address inside ``prefix``."""
    addresses = [i.address.ip for r in site.routers for i in r.interfaces]
    addresses += [e.address for e in site.endpoints]
    return any(address in prefix for address in addresses)


def check_exchange_overlaps(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Networks that learn each other's prefixes cannot hold overlapping ones.

    An on-premises summary that strictly contains another network's range, with none of the
    site's own addresses inside that range, is a design rather than a clash (the more specific
    route wins; a VNet's own range even beats any BGP route): a warning. A default route (forced
    tunnelling) is no problem at all.
    """
    reported: set[tuple[str, IPv4Network, str, IPv4Network]] = set()
    for via, offers in _exchanges(topology):
        pairs = _nested(((o.prefix, o) for o in offers), lambda a, b: a.network != b.network)
        for inner, outer in pairs:
            key = (inner.network, inner.prefix, outer.network, outer.prefix)
            if key in reported or outer.prefix.prefixlen == 0:
                continue
            reported.add(key)
            summary = (outer.network in topology.sites and outer.prefix != inner.prefix
                       and not _site_uses(topology.sites[outer.network], inner.prefix))
            if summary:
                yield _warning(_where(at, inner),
                               f"{inner.prefix} of '{inner.network}' lies inside {outer.prefix} "
                               f"that '{outer.network}' advertises over '{via}': the more specific "
                               f"route wins, so {outer.network} must not use those addresses")
            else:
                yield _error(_where(at, inner),
                             f"{inner.prefix} of '{inner.network}' overlaps {outer.prefix} of "
                             f"'{outer.network}', and they exchange routes over '{via}'")


# -- BGP -------------------------------------------------------------------------------------


def check_reserved_asns(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """On-premises networks may not use the ASNs Azure keeps for itself."""
    for site in topology.sites.values():
        if site.asn in RESERVED_ASNS:
            yield _error(at("network", site.name, "asn"),
                         f"'{site.name}' uses ASN {site.asn}, which Azure reserves "
                         f"(8074, 8075, 12076, 65515, 65517-65520)")


def _bgp_speaker(topology: m.Topology, end: m.VpnEnd) -> tuple[str, int] | None:
    """The network and ASN behind one end of a VPN connection."""
    if end.network is not None:
        vnet = topology.vnets.get(end.network)
        if vnet is None or vnet.vpn_gateway is None:
            return None
        return vnet.name, vnet.vpn_gateway.asn
    site = next((topology.sites[r.site] for r in topology.routers() if r.name == end.router),
                None)
    return None if site is None else (site.name, site.asn)


def check_bgp_asns(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """eBGP needs different ASNs at the two ends of every session."""
    for vpn in topology.vpns:
        a, b = _bgp_speaker(topology, vpn.a), _bgp_speaker(topology, vpn.b)
        if vpn.bgp and a is not None and b is not None and a[1] == b[1]:
            yield _error(at("vpn", vpn.name, "bgp"),
                         f"BGP over VPN '{vpn.name}' joins '{a[0]}' and '{b[0]}', which both use "
                         f"ASN {a[1]}; give one of them another ASN")
    sites = {r.name: topology.sites[r.site] for r in topology.routers()}
    for circuit in topology.circuits.values():
        for link in circuit.links:
            site = sites.get(link.router or "")
            if site is not None and site.asn == m.MSEE_ASN:
                yield _error(at("link", link.name, "router"),
                             f"'{site.name}' uses ASN {m.MSEE_ASN}, the ASN of the Microsoft "
                             f"edge it peers with over '{link.name}'")


def _advertised_by_azure(topology: m.Topology, network: str) -> int:
    """How many prefixes a VNet's gateway advertises: its ranges and its transit spokes'."""
    return len({prefix for _, _, prefix in _vnet_ranges(topology, network, transit=True)})


def check_prefix_limits(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Private peering accepts 4,000 prefixes (10,000 premium); Azure sends at most 1,000."""
    routers = {r.name: r for r in topology.routers()}
    for circuit in topology.circuits.values():
        limit = PREMIUM_PREFIX_LIMIT if circuit.premium else ONPREM_PREFIX_LIMIT
        for link in circuit.links:
            router = routers.get(link.router or "")
            count = len(set(router.advertise)) if router is not None else 0
            if count > limit:
                extra = "" if circuit.premium else f" ({PREMIUM_PREFIX_LIMIT:,} with premium: true)"
                yield _error(at("link", link.name),
                             f"'{link.router}' advertises {count:,} prefixes into circuit "
                             f"'{circuit.name}' over '{link.name}'; private peering accepts at "
                             f"most {limit:,}{extra}")
        for conn in circuit.connections:
            yield from _azure_limit(topology, conn.network, conn.name, at("vnet link", conn.name))
    for vpn in topology.vpns:
        for end in (vpn.a, vpn.b):
            if end.network is not None:
                yield from _azure_limit(topology, end.network, vpn.name, at("vpn", vpn.name))


def check_peering_limit(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A VNet takes at most 500 peerings ("Azure subscription and service limits, quotas, and
    constraints", networking limits: https://learn.microsoft.com/en-us/azure/
    azure-resource-manager/management/azure-subscription-service-limits)."""
    count: dict[str, int] = {}
    for peering in topology.peerings:
        for side in (peering.a, peering.b):
            count[side.network] = count.get(side.network, 0) + 1
    for name, found in count.items():
        if found > PEERINGS_PER_VNET and name in topology.vnets:
            yield _error(at("network", name), f"VNet '{name}' has {found:,} peerings; Azure "
                                              f"allows at most {PEERINGS_PER_VNET} per VNet")


def _azure_limit(topology: m.Topology, network: str, connection: str,
                 where: Position) -> Iterator[Problem]:
    count = _advertised_by_azure(topology, network)
    if count > AZURE_PREFIX_LIMIT:
        yield _error(where, f"'{network}' advertises {count:,} prefixes over '{connection}'; "
                            f"Azure advertises at most {AZURE_PREFIX_LIMIT:,} per connection")


# -- connections Azure refuses to create -------------------------------------------------------


def check_global_reach(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Global Reach joins two different circuits, created at different peering locations, once.

    Azure enables Global Reach "between the private peering of any two ExpressRoute circuits, as
    long as they ... were created at different peering locations" ("Configure ExpressRoute Global
    Reach", https://learn.microsoft.com/azure/expressroute/expressroute-howto-set-global-reach);
    anything else is refused when created, so each is an error.
    """
    seen: dict[frozenset[str], str] = {}
    for reach in topology.global_reach:
        first, second = reach.circuits
        where = at("global reach", reach.name, "circuits", 1)
        if first == second:
            yield _error(where, f"Global Reach '{reach.name}' joins circuit '{first}' with itself")
            continue
        a, b = topology.circuits.get(first), topology.circuits.get(second)
        if a is not None and b is not None and a.peering_location == b.peering_location:
            yield _error(where, f"Global Reach '{reach.name}' joins '{first}' and '{second}', "
                                f"which are both at peering location '{a.peering_location}'; "
                                f"Global Reach joins circuits at different peering locations")
        earlier = seen.setdefault(frozenset(reach.circuits), reach.name)
        if earlier != reach.name:
            yield _error(where, f"Global Reach '{reach.name}' joins '{first}' and '{second}', "
                                f"which '{earlier}' already joins")


def check_peering_pairs(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """One peering per pair of VNets.

    A VNet peers with a given remote VNet once; Azure refuses a second peering to the same remote
    network ("Create, change, or delete a virtual network peering",
    https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering). The
    model would otherwise hold two peering routes for one pair, one of which ``--down`` could not
    take away: an error.
    """
    seen: dict[frozenset[str], str] = {}
    for peering in topology.peerings:
        pair = frozenset((peering.a.network, peering.b.network))
        earlier = seen.setdefault(pair, peering.name)
        if earlier != peering.name and len(pair) == 2:
            yield _error(at("peering", peering.name, "name"),
                         f"peering '{peering.name}' joins '{peering.a.network}' and "
                         f"'{peering.b.network}', which '{earlier}' already peers; a pair of "
                         f"VNets has one peering")


def check_circuit_shape(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A circuit has one primary and one secondary link, faces one ASN, and links a VNet once.

    Every ExpressRoute circuit is a pair of links, one primary and one secondary ("ExpressRoute
    circuits and peering", https://learn.microsoft.com/azure/expressroute/expressroute-circuit-peerings),
    and its private peering is configured with one peer ASN for both BGP sessions ("Create and
    modify peering for an ExpressRoute circuit",
    https://learn.microsoft.com/azure/expressroute/expressroute-howto-routing-arm). A VNet's
    gateway connects to a circuit once ("Connect a virtual network to an ExpressRoute circuit",
    https://learn.microsoft.com/azure/expressroute/expressroute-howto-linkvnet-arm): a second
    connection adds no path. Azure cannot create any of these, so each is an error.
    """
    asns = {r.name: (topology.sites[r.site].asn, r.site) for r in topology.routers()}
    for circuit in topology.circuits.values():
        if not circuit.links:
            yield _error(at("circuit", circuit.name, "links"),
                         f"circuit '{circuit.name}' has no links; a circuit has a primary and a "
                         f"secondary link (leave 'router' out of one that is not connected)")
        roles: dict[str, str] = {}
        for index, link in enumerate(circuit.links):
            first = roles.setdefault(link.role, link.name)
            if first != link.name:
                yield _error(at("circuit", circuit.name, "links", index, "role"),
                             f"circuit '{circuit.name}' has two {link.role} links ('{first}' and "
                             f"'{link.name}'); a circuit has one primary and one secondary link")
        yield from _circuit_asns(circuit, asns, at)
        linked: dict[str, str] = {}
        for index, conn in enumerate(circuit.connections):
            first = linked.setdefault(conn.network, conn.name)
            if first != conn.name:
                yield _error(at("circuit", circuit.name, "vnets", index, "network"),
                             f"'{conn.name}' links VNet '{conn.network}' to circuit "
                             f"'{circuit.name}', which '{first}' already does")


def _circuit_asns(circuit: m.Circuit, asns: dict[str, tuple[int, str]],
                  at: Locate) -> Iterator[Problem]:
    first: tuple[str, int, str] | None = None
    for link in circuit.links:
        if link.router is None or link.router not in asns:
            continue
        asn, site = asns[link.router]
        if first is None:
            first = (link.name, asn, site)
        elif asn != first[1]:
            yield _error(at("link", link.name, "router"),
                         f"link '{link.name}' of circuit '{circuit.name}' ends at '{site}' "
                         f"(ASN {asn}) but '{first[0]}' at '{first[2]}' (ASN {first[1]}); a "
                         f"circuit's private peering has one peer ASN")


def check_site_links(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A site link joins two different interfaces: a cable from a port back to itself is no link.

    Each link goes by its own name for ``--down`` (``igp:A/IF--B/IF``): names holding ``--``
    can make two links read alike, and ``--down`` could then not tell them apart.
    """
    named: dict[str, m.SiteLink] = {}
    for site in topology.sites.values():
        for index, link in enumerate(site.links):
            if (link.a_router, link.a_interface) == (link.b_router, link.b_interface):
                yield _error(at("network", site.name, "links", index, "b"),
                             f"link joins interface '{link.b_interface}' of router "
                             f"'{link.b_router}' to itself")
            first = named.setdefault(link.name, link)
            if first is not link:
                yield _error(at("network", site.name, "links", index),
                             f"link {_ends(link)} goes by '{link.name}' for --down, as link "
                             f"{_ends(first)} already does: rename the router or interface "
                             f"holding '--'")


def _ends(link: m.SiteLink) -> str:
    return f"'{link.a_router}/{link.a_interface}' to '{link.b_router}/{link.b_interface}'"


def check_vpn_ends(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Each tunnel interface carries one VPN; BGP over a VPN needs a router that speaks BGP.

    A route-based tunnel interface has one far end, so a second connection on it cannot exist.
    A router without a ``bgp`` section has no BGP to run with the gateway ("About BGP and VPN
    Gateway", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview: both ends
    must be configured for BGP); ExpressRoute private peering is BGP on both links ("ExpressRoute
    routing requirements",
    https://learn.microsoft.com/azure/expressroute/expressroute-routing). The model would
    otherwise run sessions the file says cannot exist: each is an error.
    """
    routers = {r.name: r for r in topology.routers()}
    tunnels: dict[tuple[str, str], str] = {}
    for vpn in topology.vpns:
        end = vpn.b
        router = routers.get(end.router or "")
        if router is None or end.interface is None:
            continue
        first = tunnels.setdefault((router.name, end.interface), vpn.name)
        if first != vpn.name:
            yield _error(at("vpn end b", vpn.name, "interface"),
                         f"VPN '{vpn.name}' ends on tunnel interface '{end.interface}' of router "
                         f"'{router.name}', which VPN '{first}' already uses; a tunnel interface "
                         f"carries one VPN connection")
        if vpn.bgp and not router.bgp:
            yield _error(at("vpn end b", vpn.name, "router"),
                         f"VPN '{vpn.name}' runs BGP (bgp: true is the default) with router "
                         f"'{router.name}', which has no bgp section; give it one or set "
                         f"bgp: false on the VPN")
    for circuit in topology.circuits.values():
        for link in circuit.links:
            router = routers.get(link.router or "")
            if router is not None and not router.bgp:
                yield _error(at("link", link.name, "router"),
                             f"link '{link.name}' of circuit '{circuit.name}' ends at router "
                             f"'{router.name}', which has no bgp section; ExpressRoute private "
                             f"peering runs BGP")


# -- warnings: legal but probably not meant --------------------------------------------------


def check_hub_routing_preference(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """Route Server's routing preference decides only between the two gateways' routes, which
    they exchange only with branch-to-branch."""
    for vnet in topology.vnets.values():
        if vnet.hub_routing_preference is m.HubRoutingPreference.EXPRESSROUTE \
                or vnet.route_server is not None:  # it ranks appliance routes too (rule 5.4)
            continue
        both = vnet.expressroute_gateway is not None and vnet.vpn_gateway is not None
        if not (vnet.branch_to_branch and both):
            needs = "branch_to_branch: true" if both else "both an ExpressRoute and a VPN gateway"
            yield _warning(at("network", vnet.name, "hub_routing_preference"),
                           f"hub_routing_preference {vnet.hub_routing_preference} of "
                           f"'{vnet.name}' changes nothing without {needs}: its gateways do "
                           f"not exchange routes, and ExpressRoute wins over VPN")


def check_redundancy(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A circuit with a link down or unconnected runs without its redundant path."""
    for circuit in topology.circuits.values():
        for link in circuit.links:
            if not link.up:
                yield _warning(at("link", link.name, "state"),
                               f"link '{link.name}' of circuit '{circuit.name}' is down: the "
                               f"circuit has no redundancy")
            elif link.router is None:
                yield _warning(at("link", link.name),
                               f"link '{link.name}' of circuit '{circuit.name}' has no router: "
                               f"the circuit has no redundancy")


def check_preference_symmetry(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A CE with both ExpressRoute and BGP VPN must prefer ExpressRoute, as Azure does."""
    for router in topology.routers():
        circuit_prefs = [router.preference(link.name, circuit.name)
                         for circuit in topology.circuits.values() for link in circuit.links
                         if link.router == router.name]
        vpn_prefs = [router.preference(vpn.name) for vpn in topology.vpns
                     if vpn.bgp and vpn.b.router == router.name]
        if circuit_prefs and vpn_prefs and min(circuit_prefs) <= max(vpn_prefs):
            yield _warning(at("router", router.name, "bgp"),
                           f"'{router.name}' gives ExpressRoute local preference "
                           f"{min(circuit_prefs)} and VPN {max(vpn_prefs)}: Azure prefers "
                           f"ExpressRoute, so traffic would return on another path "
                           f"(give the circuit links a higher local_preference)")


def _exit_interface(router: m.Router, address: IPv4Address) -> str | None:
    """The interface a router's most specific connected or static route sends ``address`` out of.

    None when no route matches, or the best one discards. A static route to a next hop leaves by
    the interface whose subnet holds that next hop; a connected route wins a tie.
    """
    best: tuple[int, int, str | None] | None = None
    for interface in router.interfaces:
        if address in interface.address.network:
            candidate: tuple[int, int, str | None] = (interface.address.network.prefixlen, 1,
                                                      interface.name)
            best = candidate if best is None or candidate[:2] > best[:2] else best
    for route in router.static_routes:
        if address not in route.prefix:
            continue
        out = route.interface
        if route.next_hop is not None:
            out = next((i.name for i in router.interfaces
                        if route.next_hop in i.address.network), None)
        candidate = (route.prefix.prefixlen, 0, None if route.discard else out)
        best = candidate if best is None or candidate[:2] > best[:2] else best
    return None if best is None else best[2]


def check_bgp_peer_routes(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A router reaches its gateway's BGP peer address through the VPN's tunnel.

    The device needs "a host route of the Azure BGP peer IP address ... with a next-hop
    interface of the matching IPsec tunnel interface" ("VPN Gateway FAQ", "What should I add to
    my on-premises VPN device for the BGP peering session?",
    https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq). Azure accepts the
    connection without it, and the session just never comes up: legal but surely unintended, a
    warning. azint still brings the session up, as if the route were there.
    """
    routers = {r.name: r for r in topology.routers()}
    for vpn in topology.vpns:
        router = routers.get(vpn.b.router or "")
        vnet = topology.vnets.get(vpn.a.network or "")
        if (not vpn.bgp or router is None or vnet is None or vnet.vpn_gateway is None
                or vpn.b.interface not in {i.name for i in router.interfaces}):
            continue
        for peer in _session_ends(vnet.vpn_gateway):
            if _exit_interface(router, peer) == vpn.b.interface:
                continue
            yield _warning(at("vpn end b", vpn.name, "interface"),
                           f"router '{router.name}' has no route to {peer}, the BGP peer address "
                           f"of '{vnet.name}', through tunnel '{vpn.b.interface}': the BGP "
                           f"session of VPN '{vpn.name}' would not come up (add a static route "
                           f"{peer}/32 with interface: {vpn.b.interface}); azint assumes it up")


def _session_ends(gateway: m.VpnGateway) -> tuple[IPv4Address, ...]:
    """The gateway addresses a site's BGP sessions end at: each active-active instance's
    (rule 4.5), else the one BGP peer address."""
    if gateway.active_active and gateway.bgp_peer_addresses:
        return gateway.bgp_peer_addresses
    return (gateway.bgp_peer_address or gateway.instances[0],)


def _touched(topology: m.Topology) -> set[str]:
    """Networks that some peering, circuit or VPN attaches to."""
    site_of = {r.name: r.site for r in topology.routers()}
    touched = {side.network for p in topology.peerings for side in (p.a, p.b)}
    for circuit in topology.circuits.values():
        touched.update(c.network for c in circuit.connections)
        touched.update(site_of.get(link.router or "", "") for link in circuit.links)
    for vpn in topology.vpns:
        for end in (vpn.a, vpn.b):
            touched.add(end.network or site_of.get(end.router or "", ""))
    return touched


def check_isolated_networks(topology: m.Topology, at: Locate) -> Iterator[Problem]:
    """A network nothing attaches to can only talk to itself."""
    touched = _touched(topology)
    for name in topology.network_names:
        if name not in touched:
            yield _warning(at("network", name),
                           f"network '{name}' has no peering, circuit or VPN: no other network "
                           f"can reach it")


CHECKS: tuple[Check, ...] = (
    check_references, check_router_names, check_appliance_next_hops, check_gateway_next_hops,
    check_gateway_subnet_default_route, check_gateway_subnet_nsg,
    check_endpoints, check_endpoint_names, check_vm_placement, check_endpoint_addresses,
    check_shared_addresses,
    check_subnets, check_gateway_addresses, check_gateway_subnet, check_circuit_links,
    check_exchange_overlaps, check_gateway_transit, check_reserved_asns, check_bgp_asns, check_prefix_limits,
    check_global_reach, check_peering_pairs, check_circuit_shape, check_site_links,
    check_vpn_ends, check_peering_limit,
    check_redundancy, check_preference_symmetry, check_bgp_peer_routes, check_isolated_networks,
    check_hub_routing_preference,
    *gatewaychecks.CHECKS,
)


def check_topology(topology: m.Topology, at: Locate) -> list[Problem]:
    """Every problem every check finds, in check order."""
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(topology, at))
    return problems
