"""An index of ARM resources read into an :class:`~azint.sources.estate.Estate`.

Property names and meanings follow the Azure REST API reference for Microsoft.Network (Virtual
Networks, Route Tables, Network Interfaces, Virtual Network Gateways, Local Network Gateways,
Virtual Network Gateway Connections, Express Route Circuits and their peerings and connections,
Virtual Hubs: https://learn.microsoft.com/rest/api/virtualnetwork/). A reference to a resource the
input does not hold is an error naming the file and the JSON path of the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from typing import Any, TypeVar

from azint.sources import estate as e
from azint.sources.arm import Resource, ResourceIndex, field
from azint.sources.estate import SourceError, id_key

T = TypeVar("T")

NET = "microsoft.network/"
VNET = NET + "virtualnetworks"
SUBNET = VNET + "/subnets"
PEERING = VNET + "/virtualnetworkpeerings"
ROUTE_TABLE = NET + "routetables"
ROUTE = ROUTE_TABLE + "/routes"
NIC = NET + "networkinterfaces"
GATEWAY = NET + "virtualnetworkgateways"
LOCAL_GATEWAY = NET + "localnetworkgateways"
CONNECTION = NET + "connections"
CIRCUIT = NET + "expressroutecircuits"
CIRCUIT_PEERING = CIRCUIT + "/peerings"
GLOBAL_REACH = CIRCUIT_PEERING + "/connections"
PEER_CONNECTION = CIRCUIT_PEERING + "/peerconnections"  # the other circuit's view of the same
HUB = NET + "virtualhubs"
HUB_IP = HUB + "/ipconfigurations"
HUB_BGP = HUB + "/bgpconnections"  # a Route Server's BGP peers
PUBLIC_IP = NET + "publicipaddresses"
NSG = NET + "networksecuritygroups"
NSG_RULE = NSG + "/securityrules"
NSG_DEFAULT_RULE = NSG + "/defaultsecurityrules"  # Azure's own: azint adds them to every group

READ = {VNET, SUBNET, PEERING, ROUTE_TABLE, ROUTE, NIC, GATEWAY, LOCAL_GATEWAY, CONNECTION,
        CIRCUIT, CIRCUIT_PEERING, GLOBAL_REACH, PEER_CONNECTION, HUB, HUB_IP, HUB_BGP, PUBLIC_IP,
        NSG, NSG_RULE, NSG_DEFAULT_RULE}
SKU_TIERS = {"local": "Local", "standard": "Standard", "premium": "Premium"}
NEXT_HOP_TYPES = {"virtualappliance": "VirtualAppliance", "virtualnetworkgateway":
                  "VirtualNetworkGateway", "vnetlocal": "VnetLocal", "internet": "Internet",
                  "none": "None"}


def read_estate(index: ResourceIndex) -> e.Estate:
    """Every modelled resource of ``index``; the rest counted by type."""
    estate = e.Estate()
    reader = _Reader(index, estate)
    for resource in index.by_key.values():
        if resource.type not in READ:
            estate.not_modelled[resource.type_shown] += 1
    for kind, read in ((NSG, reader.security_group), (VNET, reader.vnet),
                       (PEERING, reader.peering), (ROUTE_TABLE, reader.table),
                       (NIC, reader.nic), (GATEWAY, reader.gateway),
                       (LOCAL_GATEWAY, reader.local_gateway), (CIRCUIT, reader.circuit),
                       (CONNECTION, reader.connection), (GLOBAL_REACH, reader.global_reach),
                       (HUB, reader.hub)):
        for resource in index.of_type(kind):
            read(resource)
    return estate


class _Reader:
    def __init__(self, index: ResourceIndex, estate: e.Estate) -> None:
        self.index = index
        self.estate = estate

    # -- helpers ---------------------------------------------------------------------------------

    def fail(self, resource: Resource, problem: str, *keys: str | int) -> SourceError:
        return SourceError(resource.origin.file, resource.where(*keys), problem)

    def ref(self, resource: Resource, *keys: str, kind: str | None = None) -> Resource:
        """The resource that ``resource``'s ``{"id": …}`` at ``keys`` names; it must be there."""
        value = resource.get(*keys)
        target = field(value, "id") if isinstance(value, dict) else value
        if not isinstance(target, str):
            raise self.fail(resource, "expected a reference {\"id\": …}", *keys)
        found = self.index.find(target)
        if found is None:
            raise self.fail(resource, f"refers to {target}, which the input does not hold",
                            *keys, "id")
        if kind is not None and found.type != kind:
            raise self.fail(resource, f"refers to {target}, which is a {found.type_shown}, "
                            f"not a {kind}", *keys, "id")
        return found

    def parse(self, resource: Resource, build: Callable[[str], T], *keys: str | int) -> T:
        value: Any = resource.props
        for key in keys:
            value = value[key] if isinstance(key, int) and isinstance(value, list) else (
                field(value, key) if isinstance(key, str) else None)
        if value is None:
            raise self.fail(resource, "missing", *keys)
        try:
            return build(str(value).strip())
        except ValueError as exc:
            raise self.fail(resource, f"{exc}", *keys) from exc

    def strings(self, resource: Resource, *keys: str) -> list[str]:
        value = resource.get(*keys)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(resource, "expected a list of strings", *keys)
        return list(value)

    def flag(self, resource: Resource, key: str, default: bool = False) -> bool:
        value = resource.get(key)
        return default if value is None else value is True or str(value).lower() == "true"

    def number(self, resource: Resource, *keys: str) -> int | None:
        value = resource.get(*keys)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(resource, f"expected a number, not {value!r}", *keys) from exc

    def nets(self, resource: Resource, *keys: str) -> tuple[IPv4Network, ...]:
        values = self.strings(resource, *keys)
        return tuple(self.parse(resource, IPv4Network, *keys, i) for i in range(len(values)))

    # -- resources --------------------------------------------------------------------------------

    def vnet(self, resource: Resource) -> None:
        subnets = []
        for child in self.index.children(resource, SUBNET):
            keys: tuple[str | int, ...] = (
                ("addressPrefix",) if child.get("addressPrefix") is not None else ("addressPrefixes", 0))
            table = None
            if child.get("routeTable") is not None:
                table = self.ref(child, "routeTable", kind=ROUTE_TABLE).id
            subnets.append(e.Subnet(child.id, child.name, self.parse(child, IPv4Network, *keys),
                                    table, self.security_group_of(child)))
        region = resource.body.get("location") or "region1"
        self.estate.vnets[id_key(resource.id)] = e.VirtualNetwork(
            resource.id, resource.name, str(region).replace(" ", "").lower(),
            self.nets(resource, "addressSpace", "addressPrefixes"), tuple(subnets))

    def security_group_of(self, resource: Resource) -> str | None:
        """The id of the network security group a subnet or NIC names, when the input holds it."""
        target = field(resource.get("networkSecurityGroup"), "id")
        if not isinstance(target, str):
            return None
        found = self.index.find(target)
        if found is None or found.type != NSG:
            self.estate.warn(f"'{resource.name}' uses network security group {target}, which "
                             f"the input does not hold: it filters nothing here")
            return None
        return found.id

    def security_group(self, resource: Resource) -> None:
        rules = tuple(self.security_rule(r) for r in self.index.children(resource, NSG_RULE))
        self.estate.security_groups[id_key(resource.id)] = e.SecurityGroup(
            resource.id, resource.name, rules)

    def security_rule(self, rule: Resource) -> e.SecurityRule:
        """One of ``securityRules`` (Azure's ``defaultSecurityRules`` are azint's own)."""
        def values(key: str) -> tuple[str, ...]:
            many = rule.get(key + "es") if key.endswith("Prefix") else rule.get(key + "s")
            if isinstance(many, list) and many:
                return tuple(str(v).strip() for v in many)
            one = rule.get(key)
            return (str(one).strip(),) if one not in (None, "") else ()
        priority = self.number(rule, "priority")
        if priority is None:
            raise self.fail(rule, "a security rule needs a priority", "priority")
        groups = any(rule.get(k) for k in ("sourceApplicationSecurityGroups",
                                           "destinationApplicationSecurityGroups"))
        return e.SecurityRule(
            rule.name, priority, str(rule.get("direction") or ""), str(rule.get("access") or ""),
            str(rule.get("protocol") or "*"), values("sourceAddressPrefix"),
            values("sourcePortRange"), values("destinationAddressPrefix"),
            values("destinationPortRange"), groups)

    def peering(self, resource: Resource) -> None:
        remote = self.ref(resource, "remoteVirtualNetwork", kind=VNET)
        self.estate.peerings[id_key(resource.id)] = e.Peering(
            resource.id, resource.name, resource.parent, id_key(remote.id),
            self.flag(resource, "allowVirtualNetworkAccess", True),
            self.flag(resource, "allowForwardedTraffic"),
            self.flag(resource, "allowGatewayTransit"), self.flag(resource, "useRemoteGateways"))

    def table(self, resource: Resource) -> None:
        routes = []
        for child in self.index.children(resource, ROUTE):
            prefix = str(child.get("addressPrefix") or "")
            hop = NEXT_HOP_TYPES.get(str(child.get("nextHopType") or "").lower())
            if hop is None:
                raise self.fail(child, f"unknown nextHopType {child.get('nextHopType')!r}",
                                "nextHopType")
            try:
                destination = IPv4Network(prefix)
            except ValueError:
                self.estate.warn(f"route '{child.name}' of route table '{resource.name}': "
                                 f"destination {prefix!r} (a service tag?) is not modelled; "
                                 f"route left out")
                continue
            address = child.get("nextHopIpAddress")
            ip = self.parse(child, IPv4Address, "nextHopIpAddress") if address else None
            routes.append(e.Route(child.name, destination, hop, ip))
        self.estate.route_tables[id_key(resource.id)] = e.RouteTable(
            resource.id, resource.name, not self.flag(resource, "disableBgpRoutePropagation"),
            tuple(routes))

    def nic(self, resource: Resource) -> None:
        configs = resource.get("ipConfigurations") or []
        if not isinstance(configs, list) or not configs:
            return
        primary = next((i for i, c in enumerate(configs)
                        if field(field(c, "properties") or c, "primary") is True), 0)
        config = configs[primary]
        inner = ("ipConfigurations", primary, *(("properties",) if field(config, "properties")
                                                 else ()))
        props = field(config, "properties") or config
        address = field(props, "privateIPAddress")
        subnet = field(field(props, "subnet"), "id")
        if not isinstance(address, str) or not isinstance(subnet, str):
            return
        found = self.index.find(subnet)
        if found is None or found.type != SUBNET:
            raise self.fail(resource, f"refers to {subnet}, which the input does not hold",
                            *inner, "subnet", "id")
        vm = field(resource.get("virtualMachine"), "id")
        name = vm.rstrip("/").rsplit("/", 1)[-1] if isinstance(vm, str) else resource.name
        try:
            ip = IPv4Address(address)
        except ValueError as exc:
            raise self.fail(resource, str(exc), *inner, "privateIPAddress") from exc
        self.estate.nics[id_key(resource.id)] = e.Nic(
            resource.id, name, ip, id_key(found.id), self.flag(resource, "enableIPForwarding"),
            self.security_group_of(resource))

    def gateway(self, resource: Resource) -> None:
        configs = resource.get("ipConfigurations")
        if not isinstance(configs, list) or not configs:
            raise self.fail(resource, "a gateway needs ipConfigurations (its GatewaySubnet)",
                            "ipConfigurations")
        first = field(configs[0], "properties") or configs[0]
        subnet_id = field(field(first, "subnet"), "id")
        subnet = self.index.find(subnet_id) if isinstance(subnet_id, str) else None
        if subnet is None:
            raise self.fail(resource, f"refers to {subnet_id}, which the input does not hold",
                            "ipConfigurations", 0, "properties", "subnet", "id")
        kind = "ExpressRoute" if str(resource.get("gatewayType")).lower() == "expressroute" else "Vpn"
        bgp = resource.get("bgpSettings")
        addresses: list[str] = []
        public: list[str] = []
        custom: list[str] = []
        own: list[object] = []  # per instance: its custom BGP address, else its default one
        for peer in _items(field(bgp, "bgpPeeringAddresses")):
            defaults = _items(field(peer, "defaultBgpIpAddresses"))
            customs = _items(field(peer, "customBgpIpAddresses"))
            addresses.extend(defaults)
            public.extend(_items(field(peer, "tunnelIpAddresses")))
            custom.extend(customs)
            own.extend((customs or defaults)[:1])
        if not addresses and isinstance(field(bgp, "bgpPeeringAddress"), str):
            addresses = [a for a in field(bgp, "bgpPeeringAddress").split(",") if a.strip()]
        if not public:
            public = self._public_addresses(resource, configs)
        sku = field(resource.get("sku"), "name") or field(resource.body.get("sku"), "name") or ""
        active = self.flag(resource, "activeActive")
        self.estate.gateways[id_key(resource.id)] = e.Gateway(
            resource.id, resource.name, kind, subnet.parent, str(sku), active,
            self.number(resource, "bgpSettings", "asn") if bgp else None,
            tuple(_address(self, resource, a) for a in addresses),
            tuple(_address(self, resource, a) for a in public),
            _address(self, resource, custom[0]) if custom else None,
            tuple(_address(self, resource, a) for a in own) if active and custom else ())

    def _public_addresses(self, resource: Resource, configs: list[Any]) -> list[str]:
        found = []
        for config in configs:
            ref = field(field(field(config, "properties") or config, "publicIPAddress"), "id")
            target = self.index.find(ref) if isinstance(ref, str) else None
            address = target.get("ipAddress") if target is not None else None
            if isinstance(address, str):
                found.append(address)
        return found

    def local_gateway(self, resource: Resource) -> None:
        bgp = resource.get("bgpSettings")
        address = resource.get("gatewayIpAddress")
        peer = field(bgp, "bgpPeeringAddress")
        self.estate.local_gateways[id_key(resource.id)] = e.LocalGateway(
            resource.id, resource.name,
            self.nets(resource, "localNetworkAddressSpace", "addressPrefixes"),
            self.parse(resource, IPv4Address, "gatewayIpAddress") if address else None,
            self.number(resource, "bgpSettings", "asn") if bgp else None,
            self.parse(resource, IPv4Address, "bgpSettings", "bgpPeeringAddress") if peer else None)

    def connection(self, resource: Resource) -> None:
        kind = str(resource.get("connectionType") or "")
        gateway = self.ref(resource, "virtualNetworkGateway1", kind=GATEWAY)
        peers = {"ipsec": ("localNetworkGateway2", LOCAL_GATEWAY),
                 "vnet2vnet": ("virtualNetworkGateway2", GATEWAY),
                 "expressroute": ("peer", CIRCUIT)}
        if kind.lower() not in peers:
            self.estate.not_modelled[f"connection type {kind or '(none)'}"] += 1
            return
        key, peer_kind = peers[kind.lower()]
        peer = self.ref(resource, key, kind=peer_kind)
        self.estate.connections[id_key(resource.id)] = e.Connection(
            resource.id, resource.name, {"ipsec": "IPsec", "vnet2vnet": "Vnet2Vnet"}.get(
                kind.lower(), "ExpressRoute"), id_key(gateway.id), id_key(peer.id),
            self.flag(resource, "enableBgp"), self.number(resource, "routingWeight") or 0)

    def circuit(self, resource: Resource) -> None:
        private = [p for p in self.index.children(resource, CIRCUIT_PEERING)
                   if str(p.get("peeringType") or p.name).lower() == "azureprivatepeering"]
        if not private:
            self.estate.warn(f"ExpressRoute circuit '{resource.name}' has no Azure private "
                             f"peering: left out")
            return
        peering = private[0]
        location = (resource.get("serviceProviderProperties", "peeringLocation")
                    or resource.get("peeringLocation") or resource.name)
        sku = field(resource.body, "sku") or resource.get("sku")
        asn = self.number(peering, "peerASN")
        if asn is None:
            raise self.fail(peering, "the private peering has no peerASN", "peerASN")
        tier = SKU_TIERS.get(str(field(sku, "tier") or "").lower(), "Standard")
        self.estate.circuits[id_key(resource.id)] = e.Circuit(
            resource.id, resource.name, str(location), tier == "Premium", asn,
            self.parse(peering, IPv4Network, "primaryPeerAddressPrefix"),
            self.parse(peering, IPv4Network, "secondaryPeerAddressPrefix"), tier)

    def global_reach(self, resource: Resource) -> None:
        own = self.ref(resource, "expressRouteCircuitPeering", kind=CIRCUIT_PEERING)
        other = self.ref(resource, "peerExpressRouteCircuitPeering", kind=CIRCUIT_PEERING)
        pair = (own.parent, other.parent)
        self.estate.global_reach[id_key(resource.id)] = e.GlobalReach(resource.id, resource.name,
                                                                      pair)

    def hub(self, resource: Resource) -> None:
        if resource.get("virtualWan") is not None:
            self.estate.not_modelled[f"{resource.type_shown} (Virtual WAN hub)"] += 1
            peers = len(self.index.children(resource, HUB_BGP))
            if peers:
                self.estate.not_modelled["virtualHubs/bgpConnections (Virtual WAN hub)"] += peers
            return
        found = [field(field(c.props, "subnet"), "id") for c in self.index.children(resource, HUB_IP)]
        ids = [i for i in found if isinstance(i, str)]
        vnets = {id_key(i).split("/subnets/")[0] for i in ids}
        if len(vnets) != 1:
            self.estate.not_modelled[f"{resource.type_shown} (no RouteServerSubnet given)"] += 1
            return
        vnet = vnets.pop()
        if vnet not in self.estate.vnets:
            raise self.fail(resource, f"refers to {ids[0]}, which the input does not hold",
                            "ipConfigurations")
        ips = self.strings(resource, "virtualRouterIps")
        self.estate.route_servers[id_key(resource.id)] = e.RouteServer(
            resource.id, resource.name, vnet, self.flag(resource, "allowBranchToBranchTraffic"),
            str(resource.get("hubRoutingPreference") or "ExpressRoute"),
            tuple(self.parse(resource, IPv4Address, "virtualRouterIps", i) for i in range(len(ips))),
            tuple(self.bgp_peer(c) for c in self.index.children(resource, HUB_BGP)))

    def bgp_peer(self, connection: Resource) -> e.BgpPeer:
        asn = self.number(connection, "peerAsn")
        if asn is None:
            raise self.fail(connection, "a BGP connection needs a peerAsn", "peerAsn")
        return e.BgpPeer(connection.id, connection.name, asn,
                         self.parse(connection, IPv4Address, "peerIp"))


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _address(reader: _Reader, resource: Resource, text: object) -> IPv4Address:
    try:
        return IPv4Address(str(text).strip())
    except ValueError as exc:
        raise reader.fail(resource, str(exc), "bgpSettings") from exc
