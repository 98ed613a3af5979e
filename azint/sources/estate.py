"""What an import read: an Azure estate's networking resources, joined by id, source-neutral.

The ARM reader and the Terraform reader both fill an :class:`Estate`; the writer turns it into a
topology. Resource ids are kept as written (for the comments the writer puts beside each element)
and compared by :func:`id_key`, case-insensitively, as Azure compares them ("Resource naming and
case sensitivity": https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple

from azint.errors import AzintError, Position


class SourceError(AzintError):
    """An input file cannot be read: malformed JSON, a dangling reference, an unknown form."""

    def __init__(self, file: str, json_path: str, problem: str,
                 line: int | None = None, column: int | None = None) -> None:
        where = f" at {json_path}" if json_path else ""
        super().__init__(f"{problem}{where}", Position(file, line, column))
        self.json_path = json_path


class Origin(NamedTuple):
    """Where a resource was read: the file and the JSON path inside it."""

    file: str
    path: str

    def at(self, *keys: str | int) -> str:
        """The JSON path of something inside this resource."""
        return self.path + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)


def id_key(resource_id: str) -> str:
    """Azure compares resource ids case-insensitively; so does every join here."""
    return resource_id.strip().rstrip("/").lower()


class Route(NamedTuple):
    name: str
    prefix: IPv4Network
    next_hop_type: str
    next_hop_ip: IPv4Address | None


class RouteTable(NamedTuple):
    id: str
    name: str
    propagate_gateway_routes: bool
    routes: tuple[Route, ...]


class Subnet(NamedTuple):
    id: str
    name: str
    prefix: IPv4Network
    route_table: str | None  # the route table's id
    security_group: str | None = None  # the network security group's id


class SecurityRule(NamedTuple):
    """A network security group's own rule, its values as Azure writes them (``*``, tags,
    prefixes, ``LOW-HIGH`` port ranges): the writer decides what the model can hold."""

    name: str
    priority: int
    direction: str
    access: str
    protocol: str
    sources: tuple[str, ...]
    source_ports: tuple[str, ...]
    destinations: tuple[str, ...]
    destination_ports: tuple[str, ...]
    groups: bool = False  # names application security groups, which azint does not model


class SecurityGroup(NamedTuple):
    """A network security group: its own rules (Azure's default rules are azint's too)."""

    id: str
    name: str
    rules: tuple[SecurityRule, ...]


class Peering(NamedTuple):
    """One side's peering resource: Azure keeps one in each VNet."""

    id: str
    name: str
    vnet: str  # id of the VNet holding it
    remote: str  # id of the peered VNet
    allow_access: bool
    allow_forwarded_traffic: bool
    allow_gateway_transit: bool
    use_remote_gateways: bool


class VirtualNetwork(NamedTuple):
    id: str
    name: str
    region: str
    address_space: tuple[IPv4Network, ...]
    subnets: tuple[Subnet, ...]


class Nic(NamedTuple):
    """A network interface: an endpoint's address in a subnet."""

    id: str
    name: str  # the VM's name when the NIC names one, else the NIC's
    address: IPv4Address
    subnet: str  # the subnet's id
    forwarding: bool
    security_group: str | None = None  # the network security group's id


class Gateway(NamedTuple):
    """A virtual network gateway, ExpressRoute or VPN."""

    id: str
    name: str
    kind: str  # "ExpressRoute" or "Vpn"
    vnet: str  # the id of the VNet whose GatewaySubnet it sits in
    sku: str
    active_active: bool
    asn: int | None
    bgp_addresses: tuple[IPv4Address, ...]  # per instance, in GatewaySubnet
    public_addresses: tuple[IPv4Address, ...]
    bgp_peer: IPv4Address | None = None  # a custom BGP address: what on-premises peers with
    bgp_peers: tuple[IPv4Address, ...] = ()  # active-active: each instance's custom BGP address


class LocalGateway(NamedTuple):
    """A local network gateway: what Azure knows of an on-premises VPN device."""

    id: str
    name: str
    prefixes: tuple[IPv4Network, ...]
    public_address: IPv4Address | None
    asn: int | None
    bgp_address: IPv4Address | None


class Connection(NamedTuple):
    """A virtual network gateway connection: IPsec, Vnet2Vnet or ExpressRoute."""

    id: str
    name: str
    kind: str  # "IPsec", "Vnet2Vnet" or "ExpressRoute"
    gateway: str  # virtualNetworkGateway1's id
    peer: str  # the other end's id: a gateway (Vnet2Vnet), local gateway (IPsec) or circuit
    bgp: bool
    weight: int


class Circuit(NamedTuple):
    """An ExpressRoute circuit and its Azure private peering."""

    id: str
    name: str
    peering_location: str
    premium: bool
    peer_asn: int
    primary: IPv4Network
    secondary: IPv4Network
    sku: str = "Standard"  # Local, Standard or Premium


class GlobalReach(NamedTuple):
    id: str
    name: str
    circuits: tuple[str, str]  # the two circuits' ids


class BgpPeer(NamedTuple):
    """A Route Server's BGP connection: an appliance's address and ASN."""

    id: str
    name: str
    asn: int
    address: IPv4Address


class RouteServer(NamedTuple):
    """An Azure Route Server (a virtual hub in a VNet's RouteServerSubnet)."""

    id: str
    name: str
    vnet: str
    branch_to_branch: bool
    hub_routing_preference: str
    addresses: tuple[IPv4Address, ...] = ()  # virtualRouterIps, in RouteServerSubnet
    peers: tuple[BgpPeer, ...] = ()


@dataclass
class Estate:
    """Everything read, keyed by :func:`id_key`, plus what could not be modelled."""

    vnets: dict[str, VirtualNetwork] = field(default_factory=dict)
    peerings: dict[str, Peering] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    nics: dict[str, Nic] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    local_gateways: dict[str, LocalGateway] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    circuits: dict[str, Circuit] = field(default_factory=dict)
    global_reach: dict[str, GlobalReach] = field(default_factory=dict)
    route_servers: dict[str, RouteServer] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    not_modelled: Counter[str] = field(default_factory=Counter)  # resource type -> count
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
