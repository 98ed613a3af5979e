"""The topology as immutable values: VNets, on-premises sites, gateways, circuits, connections.

Nothing here computes routes; ``azint.control`` does that from these values alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from types import MappingProxyType

AZURE_GATEWAY_ASN = 65515
MSEE_ASN = 12076

INITIAL_TTL = {"windows": 128, "linux": 64, "network": 255}


class NextHopType(StrEnum):
    """Next hop types of an Azure effective route, spelled as Azure prints them."""

    VNET_LOCAL = "VnetLocal"
    VNET_PEERING = "VNetPeering"
    VNET_GLOBAL_PEERING = "VNetGlobalPeering"
    GATEWAY = "VirtualNetworkGateway"
    APPLIANCE = "VirtualAppliance"
    INTERNET = "Internet"
    NONE = "None"


@dataclass(frozen=True)
class Endpoint:
    """A host: a VM in a VNet subnet, or a machine on an on-premises LAN."""

    name: str
    network: str
    address: IPv4Address
    os: str = "windows"
    gateway: IPv4Address | None = None  # on-premises: the default gateway
    forwarding: bool = False  # an NVA: forwards packets that are not its own

    @property
    def initial_ttl(self) -> int:
        return INITIAL_TTL[self.os]


@dataclass(frozen=True)
class UserRoute:
    name: str
    prefix: IPv4Network
    next_hop_type: NextHopType
    next_hop_ip: IPv4Address | None = None


@dataclass(frozen=True)
class RouteTableSpec:
    """A user route table, associated with subnets of its VNet."""

    name: str
    routes: tuple[UserRoute, ...] = ()
    propagate_gateway_routes: bool = True


@dataclass(frozen=True)
class Subnet:
    name: str
    prefix: IPv4Network
    route_table: str | None = None


@dataclass(frozen=True)
class ExpressRouteGateway:
    asn: int
    instances: tuple[IPv4Address, ...]


@dataclass(frozen=True)
class VpnGateway:
    asn: int
    instances: tuple[IPv4Address, ...]
    bgp_peer_address: IPv4Address | None = None
    public_address: IPv4Address | None = None


@dataclass(frozen=True)
class VNet:
    name: str
    region: str
    address_space: tuple[IPv4Network, ...]
    subnets: tuple[Subnet, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    expressroute_gateway: ExpressRouteGateway | None = None
    vpn_gateway: VpnGateway | None = None
    route_tables: Mapping[str, RouteTableSpec] = field(default_factory=dict)
    branch_to_branch: bool = False  # Azure Route Server: ER <-> VPN transit
    latency_ms: float = 0.3

    @property
    def has_gateway(self) -> bool:
        return self.expressroute_gateway is not None or self.vpn_gateway is not None

    def subnet_of(self, address: IPv4Address) -> Subnet | None:
        """The most specific subnet holding ``address``."""
        best: Subnet | None = None
        for subnet in self.subnets:
            if address in subnet.prefix and (
                best is None or subnet.prefix.prefixlen > best.prefix.prefixlen
            ):
                best = subnet
        return best

    def contains(self, address: IPv4Address) -> bool:
        return any(address in space for space in self.address_space)


@dataclass(frozen=True)
class StaticRoute:
    prefix: IPv4Network
    next_hop: IPv4Address | None = None
    interface: str | None = None
    discard: bool = False


@dataclass(frozen=True)
class RouterInterface:
    name: str
    address: IPv4Interface


@dataclass(frozen=True)
class Router:
    """An on-premises router or layer-3 switch."""

    name: str
    site: str
    interfaces: tuple[RouterInterface, ...] = ()
    static_routes: tuple[StaticRoute, ...] = ()
    redistribute: frozenset[str] = frozenset()  # into the site IGP: connected, static, bgp
    advertise: tuple[IPv4Network, ...] = ()  # BGP network statements
    local_preference: Mapping[str, int] = field(default_factory=dict)  # per connection name
    readvertise: bool = False  # pass BGP-learned routes on to other BGP neighbours
    multipath: bool = False
    icmp_unreachables: bool = True


@dataclass(frozen=True)
class SiteLink:
    """A point-to-point link between two routers of one site (the IGP runs over these)."""

    a_router: str
    a_interface: str
    b_router: str
    b_interface: str
    latency_ms: float = 0.1


@dataclass(frozen=True)
class OnPremSite:
    name: str
    asn: int
    routers: tuple[Router, ...] = ()
    links: tuple[SiteLink, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    lan_latency_ms: float = 0.1


@dataclass(frozen=True)
class PeeringSide:
    network: str
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False


@dataclass(frozen=True)
class Peering:
    name: str
    a: PeeringSide
    b: PeeringSide
    latency_ms: float = 0.7
    up: bool = True

    def side(self, network: str) -> PeeringSide:
        return self.a if self.a.network == network else self.b

    def other(self, network: str) -> PeeringSide:
        return self.b if self.a.network == network else self.a


@dataclass(frozen=True)
class CircuitLink:
    """One of a circuit's two links: a /30 with the CE on the first address, the MSEE on the second."""

    name: str
    role: str  # "primary" or "secondary"
    subnet: IPv4Network
    router: str | None = None  # the CE router terminating the link; None when not connected
    latency_ms: float = 0.2
    up: bool = True

    @property
    def ce_address(self) -> IPv4Address:
        return self.subnet.network_address + 1

    @property
    def msee_address(self) -> IPv4Address:
        return self.subnet.network_address + 2


@dataclass(frozen=True)
class CircuitConnection:
    """A VNet's ExpressRoute gateway linked to a circuit."""

    name: str
    network: str
    weight: int = 0
    latency_ms: float = 1.0
    up: bool = True


@dataclass(frozen=True)
class Circuit:
    name: str
    peering_location: str
    links: tuple[CircuitLink, ...]
    connections: tuple[CircuitConnection, ...] = ()
    premium: bool = False
    up: bool = True


@dataclass(frozen=True)
class VpnEnd:
    """One end of a VPN connection: a VNet's VPN gateway, or an on-premises router's tunnel."""

    network: str | None = None
    router: str | None = None
    interface: str | None = None
    prefixes: tuple[IPv4Network, ...] = ()  # static routing: what this end's side holds

    @property
    def is_onprem(self) -> bool:
        return self.router is not None


@dataclass(frozen=True)
class VpnConnection:
    name: str
    a: VpnEnd  # always a VNet
    b: VpnEnd
    bgp: bool = True
    latency_ms: float = 2.0
    up: bool = True


@dataclass(frozen=True)
class GlobalReach:
    name: str
    circuits: tuple[str, str]
    up: bool = True


@dataclass(frozen=True)
class Topology:
    name: str
    vnets: Mapping[str, VNet]
    sites: Mapping[str, OnPremSite]
    peerings: tuple[Peering, ...] = ()
    circuits: Mapping[str, Circuit] = field(default_factory=dict)
    vpns: tuple[VpnConnection, ...] = ()
    global_reach: tuple[GlobalReach, ...] = ()
    names: Mapping[IPv4Address, str] = field(default_factory=dict)
    flow_hash_seed: int = 0
    jitter_ms: float = 0.3
    file: str = "<topology>"

    @property
    def network_names(self) -> tuple[str, ...]:
        return (*self.vnets, *self.sites)

    def endpoints(self) -> tuple[Endpoint, ...]:
        found: list[Endpoint] = []
        for vnet in self.vnets.values():
            found.extend(vnet.endpoints)
        for site in self.sites.values():
            found.extend(site.endpoints)
        return tuple(found)

    def routers(self) -> tuple[Router, ...]:
        return tuple(r for site in self.sites.values() for r in site.routers)

    def router(self, name: str) -> Router:
        for candidate in self.routers():
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def downable_names(self) -> tuple[str, ...]:
        """Everything ``--down`` can take down, in file order."""
        names: list[str] = [p.name for p in self.peerings]
        for circuit in self.circuits.values():
            names.append(circuit.name)
            names.extend(link.name for link in circuit.links)
            names.extend(conn.name for conn in circuit.connections)
        names.extend(v.name for v in self.vpns)
        names.extend(g.name for g in self.global_reach)
        return tuple(names)

    def with_down(self, down: frozenset[str]) -> Topology:
        """A copy with the named links and connections down."""
        if not down:
            return self
        circuits = {
            name: replace(
                c,
                up=c.up and name not in down,
                links=tuple(replace(k, up=k.up and k.name not in down) for k in c.links),
                connections=tuple(
                    replace(x, up=x.up and x.name not in down) for x in c.connections
                ),
            )
            for name, c in self.circuits.items()
        }
        return replace(
            self,
            peerings=tuple(replace(p, up=p.up and p.name not in down) for p in self.peerings),
            circuits=MappingProxyType(circuits),
            vpns=tuple(replace(v, up=v.up and v.name not in down) for v in self.vpns),
            global_reach=tuple(
                replace(g, up=g.up and g.name not in down) for g in self.global_reach
            ),
        )
