"""The topology as immutable values: VNets, on-premises sites, gateways, circuits, connections.

Nothing here computes routes; ``azint.control`` does that from these values alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from types import MappingProxyType
from typing import NamedTuple, Protocol

from azint.errors import Position
from azint.topology.frozen import frozen

AZURE_GATEWAY_ASN = 65515
MSEE_ASN = 12076
DEFAULT_LOCAL_PREFERENCE = 100
# "Allow forwarded traffic": Azure creates peerings with it cleared, and so does azint
FORWARDED_TRAFFIC_DEFAULT = False

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


class HubRoutingPreference(StrEnum):
    """Which routes Azure Route Server prefers for one prefix, spelled as Azure names them."""

    EXPRESSROUTE = "ExpressRoute"  # Azure's default
    VPN_GATEWAY = "VpnGateway"
    AS_PATH = "ASPath"


@frozen
class Endpoint:
    """A host: a VM in a VNet subnet, or a machine on an on-premises LAN."""

    name: str
    network: str
    address: IPv4Address
    os: str = "windows"
    gateway: IPv4Address | None = None  # on-premises: the default gateway
    forwarding: bool = False  # an NVA: forwards packets that are not its own
    security_group: str | None = None  # a VM's NIC: the NSG associated with it
    asn: int | None = None  # an NVA that speaks BGP (with a Route Server): its ASN
    advertise: tuple[IPv4Network, ...] = ()  # and the prefixes it advertises

    @property
    def initial_ttl(self) -> int:
        return INITIAL_TTL[self.os]


@frozen
class UserRoute:
    name: str
    prefix: IPv4Network
    next_hop_type: NextHopType
    next_hop_ip: IPv4Address | None = None


@frozen
class RouteTableSpec:
    """A user route table, associated with subnets of its VNet."""

    name: str
    routes: tuple[UserRoute, ...] = ()
    propagate_gateway_routes: bool = True


class Direction(StrEnum):
    """Which traffic a security rule filters, spelled as Azure spells it."""

    INBOUND = "Inbound"
    OUTBOUND = "Outbound"


class Access(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class IpProtocol(StrEnum):
    """A security rule's protocol, spelled as Azure's API takes it (``*`` is any)."""

    TCP = "Tcp"
    UDP = "Udp"
    ICMP = "Icmp"
    ESP = "Esp"
    AH = "Ah"
    ANY = "*"


# What a rule's source or destination may name besides prefixes: ``*`` and the service tags
# azint models.
ANY_ADDRESS = "*"
SERVICE_TAGS = ("VirtualNetwork", "Internet", "AzureLoadBalancer")
ALL_PORTS = ((0, 65535),)


@frozen
class SecurityRule:
    """One rule of a network security group; ``sources`` and ``destinations`` hold prefixes,
    service tags and ``*``; ports are inclusive ranges."""

    name: str
    priority: int
    direction: Direction
    access: Access
    protocol: IpProtocol = IpProtocol.ANY
    sources: tuple[IPv4Network | str, ...] = (ANY_ADDRESS,)
    source_ports: tuple[tuple[int, int], ...] = ALL_PORTS
    destinations: tuple[IPv4Network | str, ...] = (ANY_ADDRESS,)
    destination_ports: tuple[tuple[int, int], ...] = ALL_PORTS


@frozen
class SecurityGroup:
    """A network security group: its own rules (Azure adds its default rules to every group)."""

    name: str
    rules: tuple[SecurityRule, ...] = ()


@frozen
class Subnet:
    name: str
    prefix: IPv4Network
    route_table: str | None = None
    security_group: str | None = None


@frozen
class ExpressRouteGateway:
    asn: int
    instances: tuple[IPv4Address, ...]


@frozen
class VpnGateway:
    """A VPN gateway. Active-standby (the default): one instance carries every tunnel, from
    ``public_address``, with BGP from ``bgp_peer_address``. Active-active: two instances, each
    with its own public and BGP address (``public_addresses``, ``bgp_peer_addresses``, in the
    order of ``instances``) and its own tunnel of each connection (``control.tunnels``); Azure
    sends from both, and the singular addresses are those of the first instance that is up."""

    asn: int
    instances: tuple[IPv4Address, ...]
    bgp_peer_address: IPv4Address | None = None
    public_address: IPv4Address | None = None
    active_active: bool = False
    public_addresses: tuple[IPv4Address, ...] = ()
    bgp_peer_addresses: tuple[IPv4Address, ...] = ()

    def with_instances(self, left: tuple[IPv4Address, ...]) -> VpnGateway:
        """The gateway with only the instances ``left`` up: an active-active gateway's tunnels
        and BGP fail over to the instance that is left."""
        if not self.active_active:
            return replace(self, instances=left)
        keep = [i for i, address in enumerate(self.instances) if address in left]
        public = tuple(self.public_addresses[i] for i in keep if i < len(self.public_addresses))
        bgp = tuple(self.bgp_peer_addresses[i] for i in keep if i < len(self.bgp_peer_addresses))
        return replace(self, instances=left, public_addresses=public, bgp_peer_addresses=bgp,
                       public_address=public[0] if public else None,
                       bgp_peer_address=bgp[0] if bgp else None)


@frozen
class RouteServer:
    """Azure Route Server in a VNet: ASN 65515, two peer addresses in RouteServerSubnet, and
    BGP sessions with appliances (``peers``: endpoints in the VNet or a peered VNet)."""

    addresses: tuple[IPv4Address, ...]
    peers: tuple[str, ...] = ()
    asn: int = AZURE_GATEWAY_ASN


@frozen
class VNet:
    name: str
    region: str
    address_space: tuple[IPv4Network, ...]
    subnets: tuple[Subnet, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    expressroute_gateway: ExpressRouteGateway | None = None
    vpn_gateway: VpnGateway | None = None
    route_tables: Mapping[str, RouteTableSpec] = field(default_factory=dict)
    security_groups: Mapping[str, SecurityGroup] = field(default_factory=dict)
    branch_to_branch: bool = False  # Azure Route Server: ER <-> VPN transit
    hub_routing_preference: HubRoutingPreference = HubRoutingPreference.EXPRESSROUTE
    latency_ms: float = 0.3
    route_server: RouteServer | None = None

    @property
    def has_gateway(self) -> bool:
        return self.expressroute_gateway is not None or self.vpn_gateway is not None

    @property
    def serves_spokes(self) -> bool:
        """Peered VNets may use its gateways or Route Server ("use remote gateways or Route
        Server")."""
        return self.has_gateway or self.route_server is not None

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


@frozen
class StaticRoute:
    prefix: IPv4Network
    next_hop: IPv4Address | None = None
    interface: str | None = None
    discard: bool = False


@frozen
class RouterInterface:
    name: str
    address: IPv4Interface


@frozen
class NeighborPolicy:
    """A router's policy on one BGP session, as a customer edge configures it: AS-path
    prepending and MED on what it advertises there, and prefix filters each way (a filter lets
    through a listed prefix and every prefix inside it; None lets everything through)."""

    prepend: int = 0  # extra copies of the router's own ASN on what it advertises
    med: int = 0  # the MED it sets on what it advertises (BGP reads a missing MED as 0)
    accept: tuple[IPv4Network, ...] | None = None  # inbound filter
    announce: tuple[IPv4Network, ...] | None = None  # outbound filter


NO_POLICY = NeighborPolicy()


@frozen
class Router:
    """An on-premises router or layer-3 switch."""

    name: str
    site: str
    interfaces: tuple[RouterInterface, ...] = ()
    static_routes: tuple[StaticRoute, ...] = ()
    redistribute: frozenset[str] = frozenset()  # into the site IGP: connected, static, bgp
    advertise: tuple[IPv4Network, ...] = ()  # BGP network statements
    local_preference: Mapping[str, int] = field(default_factory=dict)  # per connection name
    neighbors: Mapping[str, NeighborPolicy] = field(default_factory=dict)  # per connection name
    readvertise: bool = False  # pass BGP-learned routes on to other BGP neighbours
    multipath: bool = False
    icmp_unreachables: bool = True
    up: bool = True
    bgp: bool = True  # has a bgp section: speaks BGP (ExpressRoute and BGP VPNs need it)

    def preference(self, *names: str) -> int:
        """The local preference of routes learned over a session, looked up by the session's
        names from the most specific: a circuit link's own name, then its circuit's (which
        stands for all of the circuit's links on this router); BGP's default otherwise."""
        for name in names:
            if name in self.local_preference:
                return self.local_preference[name]
        return DEFAULT_LOCAL_PREFERENCE

    def policy(self, *names: str) -> NeighborPolicy:
        """The policy of a session, looked up by its names as ``preference`` does."""
        for name in names:
            if name in self.neighbors:
                return self.neighbors[name]
        return NO_POLICY


@frozen
class SiteLink:
    """A point-to-point link between two routers of one site (the IGP runs over these)."""

    a_router: str
    a_interface: str
    b_router: str
    b_interface: str
    latency_ms: float = 0.1
    up: bool = True

    @property
    def name(self) -> str:
        """How ``--down`` names it: both ends, ``ROUTER/INTERFACE--ROUTER/INTERFACE``."""
        return f"igp:{self.a_router}/{self.a_interface}--{self.b_router}/{self.b_interface}"


@frozen
class OnPremSite:
    name: str
    asn: int
    routers: tuple[Router, ...] = ()
    links: tuple[SiteLink, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    lan_latency_ms: float = 0.1


@frozen
class PeeringSide:
    """One VNet's half of a peering, with the settings Azure keeps on that VNet's peering link.

    ``allow_virtual_network_access``: this VNet and its peer may talk (off on either side, the
    peering carries nothing). ``allow_forwarded_traffic``: this VNet accepts packets its peer
    forwards from elsewhere (through an appliance). ``use_remote_gateways``: use the peer's
    gateways or Route Server.
    """

    network: str
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False
    allow_virtual_network_access: bool = True
    allow_forwarded_traffic: bool = FORWARDED_TRAFFIC_DEFAULT


@frozen
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


@frozen
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


@frozen
class CircuitConnection:
    """A VNet's ExpressRoute gateway linked to a circuit.

    ``gateway_instances`` are the gateway instances that are this connection's tunnel endpoints
    towards the circuit's edge: a packet leaving by the connection leaves from one of them, and
    a trace shows it there. None given: every instance of the gateway.
    """

    name: str
    network: str
    weight: int = 0
    latency_ms: float = 1.0
    up: bool = True
    gateway_instances: tuple[IPv4Address, ...] = ()


class CircuitSku(StrEnum):
    """An ExpressRoute circuit's SKU: which Azure regions it reaches."""

    LOCAL = "Local"  # the one or two regions near its peering location; no Global Reach
    STANDARD = "Standard"  # the regions of its peering location's geopolitical region
    PREMIUM = "Premium"  # every region


@frozen
class Circuit:
    name: str
    peering_location: str
    links: tuple[CircuitLink, ...]
    connections: tuple[CircuitConnection, ...] = ()
    premium: bool = False
    up: bool = True
    sku: CircuitSku = CircuitSku.STANDARD  # Premium exactly when ``premium``


@frozen
class VpnEnd:
    """One end of a VPN connection: a VNet's VPN gateway, or an on-premises router's tunnel."""

    network: str | None = None
    router: str | None = None
    interface: str | None = None
    prefixes: tuple[IPv4Network, ...] = ()  # static routing: what this end's side holds

    @property
    def is_onprem(self) -> bool:
        return self.router is not None


@frozen
class VpnConnection:
    name: str
    a: VpnEnd  # always a VNet
    b: VpnEnd
    bgp: bool = True
    latency_ms: float = 2.0
    up: bool = True


@frozen
class GlobalReach:
    name: str
    circuits: tuple[str, str]
    up: bool = True


class Locate(Protocol):
    """Where a part of the topology sits in its file: ``at("vpn", "hub-r1", "b", "router")``."""

    def __call__(self, kind: str, name: str, *inner: str | int) -> Position: ...


@frozen
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
    # Where a part is defined in the file (the loader sets it), so that any layer can point a
    # problem it finds at the line to change; without it, problems name only the file.
    locate: Locate | None = field(default=None, compare=False, repr=False)

    def where(self, kind: str, name: str, *inner: str | int) -> Position:
        """The position of a part (``kind`` and ``name`` as the loader records them)."""
        return self.locate(kind, name, *inner) if self.locate is not None else Position(self.file)

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

    def gateway_vnet(self, name: str, peerings: Iterable[Peering] | None = None) -> str | None:
        """The VNet whose gateways VNet ``name`` uses: its own, or its hub's through gateway
        transit over one of ``peerings`` (by default its peerings that are up)."""
        vnet = self.vnets[name]
        if vnet.serves_spokes:
            return name
        if peerings is None:
            peerings = [p for p in self.peerings if p.up and name in (p.a.network, p.b.network)
                        and p.a.allow_virtual_network_access and p.b.allow_virtual_network_access]
        for peering in peerings:
            own, other = peering.side(name), peering.other(name)
            hub = self.vnets.get(other.network)
            if own.use_remote_gateways and other.allow_gateway_transit and hub \
                    and hub.serves_spokes:
                return hub.name
        return None

    def router(self, name: str) -> Router:
        for candidate in self.routers():
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def downable_names(self) -> tuple[str, ...]:
        """Everything ``--down`` can take down, in file order."""
        return tuple(f.name for f in self.failables())

    def connection_names(self) -> tuple[str, ...]:
        """The names of peerings, circuits, their links and connections, VPNs, Global Reach."""
        return tuple(f.name for f in self.failables() if f.kind in CONNECTION_KINDS)

    def failables(self) -> tuple[Failable, ...]:
        """Every element that can fail, in file order: what ``--down`` and ``whatif`` name.

        Connections go by their own names; the rest by a kind prefix (``ergw:hub``,
        ``ergw:hub@10.10.30.132``, ``router:loc1-ce``, ``igp:A/if--B/if``), which no name that
        a connection may hold could be mistaken for.
        """
        found = [Failable(FailableKind.PEERING, p.name) for p in self.peerings]
        for circuit in self.circuits.values():
            found.append(Failable(FailableKind.CIRCUIT, circuit.name))
            found.extend(Failable(FailableKind.CIRCUIT_LINK, k.name) for k in circuit.links)
            found.extend(Failable(FailableKind.CIRCUIT_CONNECTION, x.name)
                         for x in circuit.connections)
        found.extend(Failable(FailableKind.VPN, v.name) for v in self.vpns)
        found.extend(Failable(FailableKind.GLOBAL_REACH, g.name) for g in self.global_reach)
        for vnet in self.vnets.values():
            for kind, gateway in ((FailableKind.ER_GATEWAY, vnet.expressroute_gateway),
                                  (FailableKind.VPN_GATEWAY, vnet.vpn_gateway)):
                if gateway is not None:
                    found.append(Failable(kind, gateway_name(kind, vnet.name)))
                    found.extend(Failable(FailableKind.GATEWAY_INSTANCE,
                                          gateway_name(kind, vnet.name, address))
                                 for address in gateway.instances)
        for site in self.sites.values():
            found.extend(Failable(FailableKind.ROUTER, f"router:{r.name}") for r in site.routers)
            found.extend(Failable(FailableKind.IGP_LINK, k.name) for k in site.links)
        return tuple(found)

    def with_down(self, down: frozenset[str]) -> Topology:
        """A copy with the named elements down (names as ``failables`` gives them).

        A gateway instance that fails leaves the gateway's other instances; a gateway with none
        left, like a gateway that fails whole, takes its connections down with it. A router that
        fails takes down its interfaces, its IGP links, its circuit links and its tunnels.
        """
        if not down:
            return self
        changed = self._with_down_gateways(down)._with_down_routers(down)
        return changed._with_down_links(down)

    def _with_down_gateways(self, down: frozenset[str]) -> Topology:
        dead: set[str] = set()  # names of connections on a gateway that is down
        vnets: dict[str, VNet] = {}  # the VNets that lost some of their gateway instances
        for vnet in self.vnets.values():
            er = vnet.expressroute_gateway
            vpn = vnet.vpn_gateway
            er_left = _surviving(er, FailableKind.ER_GATEWAY, vnet.name, down)
            vpn_left = _surviving(vpn, FailableKind.VPN_GATEWAY, vnet.name, down)
            if er is not None and not er_left:
                dead.update(c.name for k in self.circuits.values() for c in k.connections
                            if c.network == vnet.name)
            if vpn is not None and not vpn_left:
                dead.update(v.name for v in self.vpns if vnet.name in (v.a.network, v.b.network))
            if (er and er_left and er_left != er.instances) or \
                    (vpn and vpn_left and vpn_left != vpn.instances):
                vnets[vnet.name] = replace(
                    vnet,
                    expressroute_gateway=replace(er, instances=er_left) if er and er_left else er,
                    vpn_gateway=vpn.with_instances(vpn_left) if vpn and vpn_left else vpn)
        changed = replace(self, vnets=MappingProxyType({**self.vnets, **vnets})) if vnets else self
        return changed._with_down_links(frozenset(dead))

    def _with_down_routers(self, down: frozenset[str]) -> Topology:
        failed = {r.name for r in self.routers() if f"router:{r.name}" in down}
        if not failed:
            return self
        dead = {k.name for c in self.circuits.values() for k in c.links if k.router in failed}
        dead.update(v.name for v in self.vpns if v.b.router in failed)
        sites = {name: replace(
            site,
            routers=tuple(_stripped(r) if r.name in failed else r for r in site.routers),
            links=tuple(replace(k, up=False) if {k.a_router, k.b_router} & failed else k
                        for k in site.links))
            for name, site in self.sites.items()}
        return replace(self, sites=MappingProxyType(sites))._with_down_links(frozenset(dead))

    def _with_down_links(self, down: frozenset[str]) -> Topology:
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
            sites=MappingProxyType({
                name: replace(site, links=tuple(replace(k, up=k.up and k.name not in down)
                                                for k in site.links))
                for name, site in self.sites.items()}),
        )


class FailableKind(StrEnum):
    """What kind of element can fail."""

    PEERING = "peering"
    CIRCUIT = "circuit"
    CIRCUIT_LINK = "circuit link"
    CIRCUIT_CONNECTION = "circuit connection"
    VPN = "vpn connection"
    GLOBAL_REACH = "global reach"
    ER_GATEWAY = "expressroute gateway"
    VPN_GATEWAY = "vpn gateway"
    GATEWAY_INSTANCE = "gateway instance"
    ROUTER = "router"
    IGP_LINK = "igp link"


CONNECTION_KINDS = frozenset({
    FailableKind.PEERING, FailableKind.CIRCUIT, FailableKind.CIRCUIT_LINK,
    FailableKind.CIRCUIT_CONNECTION, FailableKind.VPN, FailableKind.GLOBAL_REACH})


class Failable(NamedTuple):
    """An element that can fail, and the name ``--down`` knows it by."""

    kind: FailableKind
    name: str


def gateway_name(kind: FailableKind, vnet: str, instance: IPv4Address | None = None) -> str:
    """``ergw:hub`` / ``vpngw:hub``, and ``ergw:hub@10.10.30.132`` for one of its instances."""
    prefix = "ergw" if kind is FailableKind.ER_GATEWAY else "vpngw"
    return f"{prefix}:{vnet}" if instance is None else f"{prefix}:{vnet}@{instance}"


def _surviving(gateway: ExpressRouteGateway | VpnGateway | None, kind: FailableKind, vnet: str,
               down: frozenset[str]) -> tuple[IPv4Address, ...]:
    if gateway is None or gateway_name(kind, vnet) in down:
        return ()
    return tuple(a for a in gateway.instances if gateway_name(kind, vnet, a) not in down)


def _stripped(router: Router) -> Router:
    """A router that is down: its interfaces down, no route, advertisement or redistribution."""
    return replace(router, up=False, static_routes=(), advertise=(), redistribute=frozenset())
