"""The Azure side of a topology as Azure Resource Manager resources (REST ``GET`` bodies).

Each VNet becomes a virtual network with its subnets and peerings, its route tables, a network
interface per endpoint, and its gateways; each circuit an ExpressRoute circuit with its Azure
private peering, a connection per linked VNet and Global Reach; each VPN one connection per
direction (VNet-to-VNet) or a connection to a local network gateway. Azure's record of an
on-premises site is a local network gateway: one per tunnel end, and one for a site reached only
over ExpressRoute, carrying the site's ASN and the prefixes it advertises, which Azure would not
otherwise know. Property names follow the Azure REST API reference for Microsoft.Network
(https://learn.microsoft.com/rest/api/virtualnetwork/).

What ARM has no field for is left out and reported: failures (a link or a connection down),
latencies, the sites' inner routers, links and endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from azint.topology import model as m

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
Json = dict[str, Any]


@dataclass
class Exported:
    """The resources, in a stable order, and what could not be written."""

    resources: list[Json] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Ids:
    group: str

    def of(self, kind: str, *names: str, provider: str = "Microsoft.Network") -> str:
        kinds = kind.split("/")
        path = "/".join(f"{k}/{n}" for k, n in zip(kinds, names, strict=True))
        return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{self.group}/providers/{provider}/{path}"


def export_arm(topology: m.Topology, group: str = "azint") -> Exported:
    """Every Azure resource of ``topology`` as a REST body."""
    out = Exported()
    ids = _Ids(group)
    tables = _table_names(topology)
    groups = _group_names(topology)
    for vnet in topology.vnets.values():
        out.resources.append(_vnet(topology, ids, vnet, tables, groups))
        out.resources.extend(_route_tables(ids, vnet, tables))
        out.resources.extend(_security_groups(ids, vnet, groups))
        out.resources.extend(_nics(ids, vnet, groups, out.warnings))
        out.resources.extend(_gateways(ids, vnet))
        out.resources.extend(_route_server(topology, ids, vnet, out.warnings))
    local = _local_gateways(topology, ids, out)
    for circuit in topology.circuits.values():
        out.resources.extend(_circuit(topology, ids, circuit, out.warnings))
    for vpn in topology.vpns:
        out.resources.extend(_vpn(topology, ids, vpn, local))
    _down(topology, out.warnings)
    out.resources.sort(key=lambda r: r["id"].lower())
    return out


def _resource(resource_id: str, kind: str, properties: Json, **extra: Any) -> Json:
    return {"name": resource_id.rsplit("/", 1)[-1], "id": resource_id, "type": kind, **extra,
            "properties": {"provisioningState": "Succeeded", **properties}}


def _ref(resource_id: str) -> Json:
    return {"id": resource_id}


def _down(topology: m.Topology, warnings: list[str]) -> None:
    down = [f.name for f in topology.failables() if f.name in _down_names(topology)]
    if down:
        warnings.append(f"down in the topology, exported as up (ARM records no such state): "
                        f"{', '.join(down)}")


def _down_names(topology: m.Topology) -> set[str]:
    names = {v.name for v in topology.vpns if not v.up}
    names.update(g.name for g in topology.global_reach if not g.up)
    for circuit in topology.circuits.values():
        names.update(k.name for k in circuit.links if not k.up)
        names.update(x.name for x in circuit.connections if not x.up)
        if not circuit.up:
            names.add(circuit.name)
    return names


# -- VNets ----------------------------------------------------------------------------------------


def _table_names(topology: m.Topology) -> dict[tuple[str, str], str]:
    """(VNet, table) -> resource name: route tables share their resource group's namespace."""
    return _unique_names((vnet.name, name) for vnet in topology.vnets.values()
                         for name in vnet.route_tables)


def _group_names(topology: m.Topology) -> dict[tuple[str, str], str]:
    """(VNet, NSG) -> resource name: NSGs, too, share the resource group's namespace."""
    return _unique_names((vnet.name, name) for vnet in topology.vnets.values()
                         for name in vnet.security_groups)


def _unique_names(pairs: Iterator[tuple[str, str]]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for vnet, name in pairs:
        unique = name if name.lower() not in taken else f"{vnet}-{name}"
        taken.add(unique.lower())
        found[(vnet, name)] = unique
    return found


def _vnet(topology: m.Topology, ids: _Ids, vnet: m.VNet, tables: dict[tuple[str, str], str],
          groups: dict[tuple[str, str], str]) -> Json:
    own = ids.of("virtualNetworks", vnet.name)
    subnets = []
    for subnet in vnet.subnets:
        props: Json = {"addressPrefix": str(subnet.prefix)}
        if subnet.route_table is not None:
            props["routeTable"] = _ref(ids.of("routeTables", tables[(vnet.name, subnet.route_table)]))
        if subnet.security_group is not None:
            props["networkSecurityGroup"] = _ref(ids.of(
                "networkSecurityGroups", groups[(vnet.name, subnet.security_group)]))
        subnets.append({"name": subnet.name, "id": f"{own}/subnets/{subnet.name}",
                        "type": "Microsoft.Network/virtualNetworks/subnets",
                        "properties": {"provisioningState": "Succeeded", **props}})
    peerings = []
    for peering in topology.peerings:
        if vnet.name not in (peering.a.network, peering.b.network):
            continue
        side, other = peering.side(vnet.name), peering.other(vnet.name)
        peerings.append({
            "name": peering.name, "id": f"{own}/virtualNetworkPeerings/{peering.name}",
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "properties": {
                "provisioningState": "Succeeded",
                "peeringState": "Connected" if peering.up else "Disconnected",
                "remoteVirtualNetwork": _ref(ids.of("virtualNetworks", other.network)),
                "allowVirtualNetworkAccess": peering.up and side.allow_virtual_network_access,
                "allowForwardedTraffic": side.allow_forwarded_traffic,
                "allowGatewayTransit": side.allow_gateway_transit,
                "useRemoteGateways": side.use_remote_gateways}})
    return _resource(own, "Microsoft.Network/virtualNetworks", {
        "addressSpace": {"addressPrefixes": [str(p) for p in vnet.address_space]},
        "subnets": subnets, "virtualNetworkPeerings": peerings}, location=vnet.region)


def _route_tables(ids: _Ids, vnet: m.VNet, tables: dict[tuple[str, str], str]) -> Iterator[Json]:
    vnet_id = ids.of("virtualNetworks", vnet.name)
    for name, spec in vnet.route_tables.items():
        own = ids.of("routeTables", tables[(vnet.name, name)])
        routes = []
        for route in spec.routes:
            props: Json = {"addressPrefix": str(route.prefix), "nextHopType": str(route.next_hop_type)}
            if route.next_hop_ip is not None:
                props["nextHopIpAddress"] = str(route.next_hop_ip)
            routes.append({"name": route.name, "id": f"{own}/routes/{route.name}",
                           "type": "Microsoft.Network/routeTables/routes",
                           "properties": {"provisioningState": "Succeeded", **props}})
        subnets = [_ref(f"{vnet_id}/subnets/{s.name}") for s in vnet.subnets if s.route_table == name]
        yield _resource(own, "Microsoft.Network/routeTables", {
            "disableBgpRoutePropagation": not spec.propagate_gateway_routes, "routes": routes,
            "subnets": subnets}, location=vnet.region)


def _security_groups(ids: _Ids, vnet: m.VNet,
                     groups: dict[tuple[str, str], str]) -> Iterator[Json]:
    """Each NSG with its own rules; Azure adds the default ones ("Network security groups",
    https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview)."""
    vnet_id = ids.of("virtualNetworks", vnet.name)
    for name, group in vnet.security_groups.items():
        own = ids.of("networkSecurityGroups", groups[(vnet.name, name)])
        rules = [{"name": r.name, "id": f"{own}/securityRules/{r.name}",
                  "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                  "properties": {"provisioningState": "Succeeded", **_rule(r)}}
                 for r in group.rules]
        subnets = [_ref(f"{vnet_id}/subnets/{s.name}") for s in vnet.subnets
                   if s.security_group == name]
        yield _resource(own, "Microsoft.Network/networkSecurityGroups", {
            "securityRules": rules, "subnets": subnets}, location=vnet.region)


def _rule(rule: m.SecurityRule) -> Json:
    props: Json = {"protocol": str(rule.protocol), "access": str(rule.access),
                   "priority": rule.priority, "direction": str(rule.direction)}
    for side, addresses, ports in (("source", rule.sources, rule.source_ports),
                                   ("destination", rule.destinations, rule.destination_ports)):
        prefixes = [str(a) for a in addresses]
        props.update({f"{side}AddressPrefix": prefixes[0], f"{side}AddressPrefixes": []}
                     if len(prefixes) == 1 else {f"{side}AddressPrefixes": prefixes})
        ranges = ["*" if r == m.ALL_PORTS[0] else str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"
                  for r in ports]
        props.update({f"{side}PortRange": ranges[0], f"{side}PortRanges": []}
                     if len(ranges) == 1 else {f"{side}PortRanges": ranges})
    return props


def _nics(ids: _Ids, vnet: m.VNet, groups: dict[tuple[str, str], str],
          warnings: list[str]) -> Iterator[Json]:
    vnet_id = ids.of("virtualNetworks", vnet.name)
    for endpoint in vnet.endpoints:
        subnet = vnet.subnet_of(endpoint.address)
        if subnet is None:
            warnings.append(f"endpoint '{endpoint.name}' is in no subnet of '{vnet.name}': left out")
            continue
        own = ids.of("networkInterfaces", f"{endpoint.name}-nic")
        extra: Json = {} if endpoint.security_group is None else {"networkSecurityGroup": _ref(
            ids.of("networkSecurityGroups", groups[(vnet.name, endpoint.security_group)]))}
        yield _resource(own, "Microsoft.Network/networkInterfaces", {**extra,
            "ipConfigurations": [{"name": "ipconfig1", "id": f"{own}/ipConfigurations/ipconfig1",
                                  "properties": {"privateIPAddress": str(endpoint.address),
                                                 "privateIPAllocationMethod": "Static",
                                                 "subnet": _ref(f"{vnet_id}/subnets/{subnet.name}"),
                                                 "primary": True,
                                                 "privateIPAddressVersion": "IPv4"}}],
            "enableIPForwarding": endpoint.forwarding, "primary": True,
            "virtualMachine": _ref(ids.of("virtualMachines", endpoint.name,
                                          provider="Microsoft.Compute"))}, location=vnet.region)


def _gateways(ids: _Ids, vnet: m.VNet) -> Iterator[Json]:
    subnet = _ref(f"{ids.of('virtualNetworks', vnet.name)}/subnets/GatewaySubnet")
    er, vpn = vnet.expressroute_gateway, vnet.vpn_gateway
    if er is not None:
        yield _gateway(ids, vnet, "ergw", "ExpressRoute", "ErGw1AZ", subnet, er.asn, [
            {"defaultBgpIpAddresses": [str(a)], "customBgpIpAddresses": [], "tunnelIpAddresses": []}
            for a in er.instances])
    if vpn is not None:
        yield _gateway(ids, vnet, "vpngw", "Vpn", "VpnGw1", subnet, vpn.asn, [
            {"defaultBgpIpAddresses": [str(vpn.instances[i])], "customBgpIpAddresses": _custom(vpn, i),
             "tunnelIpAddresses": _tunnel_ips(vpn, i)} for i in range(len(vpn.instances))],
                       vpn.active_active)


def _custom(vpn: m.VpnGateway, i: int) -> list[str]:
    """Instance ``i``'s BGP address when it is not its default one (a custom BGP address)."""
    own = vpn.bgp_peer_addresses if vpn.active_active else (vpn.bgp_peer_address,) if i == 0 else ()
    address = own[i] if i < len(own) else None
    return [str(address)] if address not in (None, vpn.instances[i]) else []


def _tunnel_ips(vpn: m.VpnGateway, i: int) -> list[str]:
    own = vpn.public_addresses if vpn.active_active else (vpn.public_address,) if i == 0 else ()
    address = own[i] if i < len(own) else None
    return [str(address)] if address is not None else []


def _gateway(ids: _Ids, vnet: m.VNet, suffix: str, kind: str, sku: str, subnet: Json, asn: int,
             peers: list[Json], active: bool = False) -> Json:
    own = ids.of("virtualNetworkGateways", f"{vnet.name}-{suffix}")
    configs = [{"name": f"ipconfig{i + 1}", "id": f"{own}/ipConfigurations/ipconfig{i + 1}",
                "properties": {"privateIPAllocationMethod": "Dynamic", "subnet": subnet}}
               for i in range(max(1, len(peers)))]
    for config, peer in zip(configs, peers, strict=False):
        peer["ipconfigurationId"] = config["id"]
    addresses = ",".join(a for p in peers for a in p["defaultBgpIpAddresses"])
    return _resource(own, "Microsoft.Network/virtualNetworkGateways", {
        "ipConfigurations": configs, "gatewayType": kind, "vpnType": "RouteBased",
        "enableBgp": kind == "Vpn", "activeActive": active,
        "sku": {"name": sku, "tier": sku},
        "bgpSettings": {"asn": asn, "bgpPeeringAddress": addresses, "peerWeight": 0,
                        "bgpPeeringAddresses": peers}}, location=vnet.region)


def _route_server(topology: m.Topology, ids: _Ids, vnet: m.VNet,
                  warnings: list[str]) -> Iterator[Json]:
    server = vnet.route_server
    if server is None and not vnet.branch_to_branch and (
            vnet.hub_routing_preference is m.HubRoutingPreference.EXPRESSROUTE):
        return  # a Route Server with Azure's defaults changes nothing the model holds
    own = ids.of("virtualHubs", f"{vnet.name}-routeserver")
    subnet = f"{ids.of('virtualNetworks', vnet.name)}/subnets/RouteServerSubnet"
    extra: Json = {} if server is None else {"virtualRouterIps": [str(a) for a in server.addresses]}
    yield _resource(own, "Microsoft.Network/virtualHubs", {
        "sku": "Standard", "allowBranchToBranchTraffic": vnet.branch_to_branch,
        "hubRoutingPreference": str(vnet.hub_routing_preference), "virtualRouterAsn": 65515,
        **extra, "ipConfigurations": [{"name": "ipconfig1", "id": f"{own}/ipConfigurations/ipconfig1",
                                       "properties": {"subnet": _ref(subnet)}}]},
        location=vnet.region)
    endpoints = {e.name: e for e in topology.endpoints()}
    for name in server.peers if server is not None else ():
        peer = endpoints[name]
        if peer.advertise:
            warnings.append(f"endpoint '{name}': what it advertises to Route Server is the "
                            f"appliance's own configuration, which ARM does not hold: left out")
        yield _resource(f"{own}/bgpConnections/{name}", "Microsoft.Network/virtualHubs/bgpConnections",
                        {"peerAsn": peer.asn, "peerIp": str(peer.address),
                         "connectionState": "Connected"})


# -- on-premises: local network gateways ----------------------------------------------------------


def _site_of(topology: m.Topology, router: str) -> m.OnPremSite | None:
    return next((s for s in topology.sites.values() if any(r.name == router for r in s.routers)),
                None)


def _advertised(site: m.OnPremSite) -> list[IPv4Network]:
    return sorted({p for r in site.routers for p in r.advertise})


def _tunnel_address(topology: m.Topology, end: m.VpnEnd) -> IPv4Address | None:
    if end.router is None:
        return None
    router = topology.router(end.router)
    found = next((i for i in router.interfaces if i.name == end.interface), None)
    return found.address.ip if found is not None else None


def _local_gateways(topology: m.Topology, ids: _Ids, out: Exported) -> dict[str, str]:
    """VPN name -> its local network gateway's id; sites reached only over ExpressRoute get one
    without a connection, the record of their ASN and prefixes."""
    ends: dict[str, list[m.VpnConnection]] = {}
    for vpn in topology.vpns:
        site = _site_of(topology, vpn.b.router) if vpn.b.router else None
        if site is not None:
            ends.setdefault(site.name, []).append(vpn)
    circuit_sites = {s.name for c in topology.circuits.values() for k in c.links if k.router
                     for s in [_site_of(topology, k.router)] if s is not None}
    local: dict[str, str] = {}
    for site in topology.sites.values():
        vpns = ends.get(site.name, [])
        if not vpns and site.name in circuit_sites:
            own = ids.of("localNetworkGateways", site.name)
            out.resources.append(_local_gateway(own, site, None, _advertised(site)))
        for vpn in vpns:
            own = ids.of("localNetworkGateways", site.name if len(vpns) == 1 else f"{site.name}-{vpn.name}")
            address = _tunnel_address(topology, vpn.b)
            prefixes = sorted({*_advertised(site), *vpn.b.prefixes})
            out.resources.append(_local_gateway(own, site, address, prefixes))
            local[vpn.name] = own
    return local


def _local_gateway(own: str, site: m.OnPremSite, address: IPv4Address | None,
                   prefixes: list[IPv4Network]) -> Json:
    space = [str(p) for p in prefixes]
    props: Json = {"localNetworkAddressSpace": {"addressPrefixes": space}}
    bgp: Json = {"asn": site.asn, "peerWeight": 0}
    if address is not None:
        props["gatewayIpAddress"] = str(address)
        bgp["bgpPeeringAddress"] = str(address)
        if f"{address}/32" not in space:
            space.append(f"{address}/32")
    return _resource(own, "Microsoft.Network/localNetworkGateways", {**props, "bgpSettings": bgp})


# -- connections ----------------------------------------------------------------------------------


def _connection(ids: _Ids, name: str, kind: str, gateway: str, peer: tuple[str, str], bgp: bool,
                weight: int = 0) -> Json:
    return _resource(ids.of("connections", name), "Microsoft.Network/connections", {
        "virtualNetworkGateway1": _ref(gateway), peer[0]: _ref(peer[1]), "connectionType": kind,
        "routingWeight": weight, "enableBgp": bgp, "usePolicyBasedTrafficSelectors": False})


def _circuit(topology: m.Topology, ids: _Ids, circuit: m.Circuit,
             warnings: list[str]) -> Iterator[Json]:
    sites = [s for k in circuit.links if k.router for s in [_site_of(topology, k.router)] if s]
    links = {k.role: k.subnet for k in circuit.links}
    if not sites or set(links) != {"primary", "secondary"}:
        warnings.append(f"circuit '{circuit.name}': no edge router or not both links: left out")
        return
    loose = [k.name for k in circuit.links if k.router is None]
    if loose:
        warnings.append(f"circuit '{circuit.name}': link {', '.join(loose)} ends at no router; "
                        f"ARM cannot say so: imported back, it ends at the site's edge")
    if len({s.name for s in sites}) > 1:
        warnings.append(f"circuit '{circuit.name}': its links end in two sites; its private "
                        f"peering has one peer ASN, {sites[0].asn}")
    own = ids.of("expressRouteCircuits", circuit.name)
    peering = f"{own}/peerings/AzurePrivatePeering"
    reach = [{"name": g.name, "id": f"{peering}/connections/{g.name}",
              "type": "Microsoft.Network/expressRouteCircuits/peerings/connections",
              "properties": {"expressRouteCircuitPeering": _ref(peering),
                             "peerExpressRouteCircuitPeering": _ref(
                                 ids.of("expressRouteCircuits/peerings", g.circuits[1],
                                        "AzurePrivatePeering"))}}
             for g in topology.global_reach if g.circuits[0] == circuit.name]
    tier = "Premium" if circuit.premium else str(circuit.sku)
    yield _resource(own, "Microsoft.Network/expressRouteCircuits", {
        "serviceProviderProperties": {"serviceProviderName": "azint",
                                      "peeringLocation": circuit.peering_location,
                                      "bandwidthInMbps": 1000},
        "peerings": [{"name": "AzurePrivatePeering", "id": peering,
                      "properties": {"peeringType": "AzurePrivatePeering", "azureASN": m.MSEE_ASN,
                                     "peerASN": sites[0].asn,
                                     "primaryPeerAddressPrefix": str(links["primary"]),
                                     "secondaryPeerAddressPrefix": str(links["secondary"]),
                                     "state": "Enabled", "vlanId": 100, "connections": reach}}]},
        location=next(iter(topology.vnets.values())).region if topology.vnets else "global",
        sku={"name": f"{tier}_MeteredData", "tier": tier, "family": "MeteredData"})
    for link in circuit.connections:
        gateway = ids.of("virtualNetworkGateways", f"{link.network}-ergw")
        yield _connection(ids, link.name, "ExpressRoute", gateway, ("peer", own), False, link.weight)


def _vpn(topology: m.Topology, ids: _Ids, vpn: m.VpnConnection,
         local: dict[str, str]) -> Iterator[Json]:
    assert vpn.a.network is not None
    gateway = ids.of("virtualNetworkGateways", f"{vpn.a.network}-vpngw")
    if vpn.b.network is not None:
        other = ids.of("virtualNetworkGateways", f"{vpn.b.network}-vpngw")
        yield _connection(ids, vpn.name, "Vnet2Vnet", gateway, ("virtualNetworkGateway2", other),
                          vpn.bgp)
        yield _connection(ids, f"{vpn.name}-back", "Vnet2Vnet", other,
                          ("virtualNetworkGateway2", gateway), vpn.bgp)
    elif vpn.name in local:
        yield _connection(ids, vpn.name, "IPsec", gateway, ("localNetworkGateway2", local[vpn.name]),
                          vpn.bgp)
