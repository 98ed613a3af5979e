"""An :class:`~azint.sources.estate.Estate` written as a topology file (YAML text).

The Azure side is what the resources say. The on-premises side is what Azure knows of it: one
site per local network gateway or ExpressRoute circuit peer (those with the same BGP ASN are one
site: Azure sees one autonomous system), each with one edge router advertising the site's
prefixes. What Azure cannot know (a site's LAN, a host on it, an ExpressRoute gateway's instance
addresses) is written as an assumption: a ``# assumption:`` comment in the file and a warning.
Output is sorted by name, so it does not depend on the order of the input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import NamedTuple

from azint.sources import estate as e
from azint.sources import security
from azint.topology.gatewaychecks import RESERVED_APPLIANCE_ASNS, ROUTE_SERVER_SUBNET

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
EXPRESSROUTE_ASN = 65515  # Azure's gateways ("ExpressRoute routing requirements")


class Imported(NamedTuple):
    """The topology text, the warnings (assumptions among them) and what was not modelled."""

    text: str
    warnings: list[str]
    not_modelled: list[tuple[str, int]]


def scalar(value: object) -> str:
    """A YAML scalar the loader reads back as written: plain when safe, else double-quoted."""
    text = str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | IPv4Address | IPv4Network | IPv4Interface):
        return text
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(**pairs: object) -> str:
    """``{key: value, …}`` of the pairs whose value is not ``None``, in the order given."""
    inner = ", ".join(f"{k}: {_value(v)}" for k, v in pairs.items() if v is not None)
    return "{" + inner + "}"


def item(indent: str, **pairs: object) -> str:
    """One list item written as a flow mapping."""
    return f"{indent}- {flow(**pairs)}"


def _value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return scalar(value)


class Site(NamedTuple):
    name: str
    asn: int
    assumed_asn: bool
    local_gateways: tuple[e.LocalGateway, ...]
    circuits: tuple[e.Circuit, ...]
    prefixes: tuple[IPv4Network, ...]

    @property
    def router(self) -> str:
        return f"{self.name}-edge"


@dataclass
class _Writer:
    estate: e.Estate
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    taken: dict[str, set[str]] = field(default_factory=dict)  # namespace -> names
    vnet_names: dict[str, str] = field(default_factory=dict)  # VNet key -> name
    sites: list[Site] = field(default_factory=list)
    site_of: dict[str, Site] = field(default_factory=dict)  # LNG or circuit key -> site
    tunnels: dict[str, tuple[str, IPv4Address]] = field(default_factory=dict)  # conn -> if, addr
    nic_names: dict[str, str] = field(default_factory=dict)  # NIC key -> endpoint name
    peer_asn: dict[str, int] = field(default_factory=dict)  # NIC key -> its Route Server ASN
    forced: set[str] = field(default_factory=set)  # NIC keys a Route Server peers with
    # VNet key -> Route Server peers no NIC holds: address -> (endpoint name, ASN)
    assumed: dict[str, dict[IPv4Address, tuple[str, int]]] = field(default_factory=dict)
    server_peers: dict[str, list[str]] = field(default_factory=dict)  # server key -> endpoints

    def claim(self, namespace: str, wanted: str, what: str) -> str:
        names = self.taken.setdefault(namespace, set())
        name, n = wanted, 2
        while name.lower() in names:
            name, n = f"{wanted}-{n}", n + 1
        if name != wanted:
            self.warnings.append(f"{what} '{wanted}': the name is taken, written as '{name}'")
        names.add(name.lower())
        return name

    def assume(self, indent: str, message: str) -> None:
        self.lines.append(f"{indent}# assumption: {message}")
        self.warnings.append(f"assumption: {message}")

    def comment_ids(self, indent: str, *ids: str) -> None:
        self.lines.extend(f"{indent}# {i}" for i in ids)


def write_topology(estate: e.Estate, name: str = "imported") -> Imported:
    """The topology of ``estate`` as YAML text (a file ``azint validate`` reads)."""
    writer = _Writer(estate)
    writer.warnings.extend(estate.warnings)
    _name_vnets(writer)
    _name_endpoints(writer)
    _plan_peers(writer)
    writer.warnings.extend(security.unused(estate))
    _plan_sites(writer)
    writer.lines.extend(["# Imported by azint from Azure resources: each element's resource id is",
                         "# in the comment above it. Assumptions (what Azure cannot know) are",
                         "# marked '# assumption:'.", "azint: 1", f"name: {scalar(name)}", "",
                         "networks:"])
    for key in sorted(writer.vnet_names, key=lambda k: (writer.vnet_names[k].lower(), k)):
        _vnet(writer, estate.vnets[key])
    for site in writer.sites:
        _site(writer, site)
    writer.lines.extend(["", "connections:"])
    before = len(writer.lines)
    _peerings(writer)
    _circuits(writer)
    _global_reach(writer)
    _vpns(writer)
    if len(writer.lines) == before:
        writer.lines[-1] = "connections: []"
    not_modelled = sorted(estate.not_modelled.items())
    return Imported("\n".join(writer.lines) + "\n", writer.warnings, not_modelled)


# -- VNets ----------------------------------------------------------------------------------------


def _name_vnets(writer: _Writer) -> None:
    vnets = writer.estate.vnets
    for key in sorted(vnets, key=lambda k: (vnets[k].name.lower(), k)):
        writer.vnet_names[key] = writer.claim("network", vnets[key].name, "VNet")


def _vnet_nics(writer: _Writer, vnet: e.VirtualNetwork) -> list[e.Nic]:
    subnets = {e.id_key(s.id) for s in vnet.subnets}
    return sorted((n for n in writer.estate.nics.values() if n.subnet in subnets),
                  key=lambda n: (n.address, n.name))


def _name_endpoints(writer: _Writer) -> None:
    for key in sorted(writer.vnet_names, key=lambda k: (writer.vnet_names[k].lower(), k)):
        for nic in _vnet_nics(writer, writer.estate.vnets[key]):
            writer.nic_names[e.id_key(nic.id)] = writer.claim("endpoint", nic.name, "endpoint")


def _plan_peers(writer: _Writer) -> None:
    """Each Route Server's BGP peers as endpoints: the NIC holding the peer's address, else an
    appliance assumed in the subnet that holds it ("Azure Route Server": its peers are network
    virtual appliances in its VNet or a peered one, https://learn.microsoft.com/azure/route-server/
    overview)."""
    estate = writer.estate
    for key in sorted(estate.route_servers):
        server = estate.route_servers[key]
        if server.vnet not in writer.vnet_names:
            continue
        reach = {server.vnet} | {p.remote for p in estate.peerings.values() if p.vnet == server.vnet}
        reach |= {p.vnet for p in estate.peerings.values() if p.remote == server.vnet}
        names = writer.server_peers.setdefault(key, [])
        for peer in sorted(server.peers, key=lambda p: (p.address, p.name)):
            name = _peer_endpoint(writer, server, peer, reach & set(writer.vnet_names))
            if name is not None and name not in names:
                names.append(name)


def _peer_endpoint(writer: _Writer, server: e.RouteServer, peer: e.BgpPeer,
                   reach: set[str]) -> str | None:
    what = f"Route Server '{server.name}' BGP peer {peer.address} (AS {peer.asn})"
    if peer.asn in RESERVED_APPLIANCE_ASNS:
        writer.warnings.append(f"{what}: Azure reserves its ASN: left out")
        return None
    nic = next((n for n in writer.estate.nics.values() if n.address == peer.address), None)
    if nic is not None:
        vnet = next(k for k, v in writer.estate.vnets.items()
                    if nic.subnet in {e.id_key(s.id) for s in v.subnets})
        if vnet not in reach:
            writer.warnings.append(f"{what}: its network interface is in a VNet neither the "
                                   f"Route Server's nor peered with it: left out")
            return None
        writer.peer_asn[e.id_key(nic.id)] = peer.asn
        if not nic.forwarding:
            writer.forced.add(e.id_key(nic.id))
        return writer.nic_names[e.id_key(nic.id)]
    home = next((k for k in sorted(reach) for s in writer.estate.vnets[k].subnets
                 if peer.address in s.prefix), None)
    if home is None:
        writer.warnings.append(f"{what}: no subnet of its VNet or a peered one holds the "
                               f"address: left out")
        return None
    name = writer.claim("endpoint", f"nva-{str(peer.address).replace('.', '-')}", "endpoint")
    writer.assumed.setdefault(home, {})[peer.address] = (name, peer.asn)
    return name


def _gateways(writer: _Writer, vnet_key: str) -> dict[str, e.Gateway]:
    found: dict[str, e.Gateway] = {}
    for key in sorted(writer.estate.gateways):
        gateway = writer.estate.gateways[key]
        if gateway.vnet == vnet_key:
            if gateway.kind in found:
                writer.warnings.append(f"VNet '{writer.vnet_names[vnet_key]}' has a second "
                                       f"{gateway.kind} gateway '{gateway.name}': left out")
                continue
            found[gateway.kind] = gateway
    return found


def _vnet(writer: _Writer, vnet: e.VirtualNetwork) -> None:
    key = e.id_key(vnet.id)
    name = writer.vnet_names[key]
    out = writer.lines
    out.append("")
    writer.comment_ids("  ", vnet.id)
    out.extend([f"  - name: {scalar(name)}", "    kind: vnet", f"    region: {scalar(vnet.region)}",
                f"    address_space: {_value(vnet.address_space)}"])
    server = next((s for s in writer.estate.route_servers.values() if s.vnet == key), None)
    if server is not None:
        writer.comment_ids("    ", server.id)
        out.append(f"    branch_to_branch: {scalar(server.branch_to_branch)}")
        out.append(f"    hub_routing_preference: {scalar(server.hub_routing_preference)}")
    tables = _vnet_tables(writer, vnet)
    groups = security.groups_of(writer.estate, vnet)
    subnets = sorted(vnet.subnets, key=lambda s: (s.prefix, s.name))
    if subnets:
        out.append("    subnets:")
    for subnet in subnets:
        writer.comment_ids("      ", subnet.id)
        table = tables[e.id_key(subnet.route_table)][0] if subnet.route_table else None
        group = groups[e.id_key(subnet.security_group)] if subnet.security_group else None
        out.append(item("      ", name=subnet.name, prefix=subnet.prefix, route_table=table,
                        network_security_group=group))
    _endpoints(writer, vnet, tables, groups)
    if server is not None:
        _route_server(writer, vnet, server)
    _route_tables(writer, tables)
    _security_groups(writer, groups)
    _vnet_gateways(writer, vnet)


def _route_server(writer: _Writer, vnet: e.VirtualNetwork, server: e.RouteServer) -> None:
    peers = writer.server_peers.get(e.id_key(server.id), [])
    if not peers:  # the model holds a peerless Route Server's effect as branch_to_branch alone
        return
    addresses = server.addresses
    if len(addresses) != 2:
        home = next((s.prefix for s in vnet.subnets if s.name == ROUTE_SERVER_SUBNET), None)
        if home is None:
            writer.warnings.append(f"Route Server '{server.name}': no {ROUTE_SERVER_SUBNET} in "
                                   f"'{vnet.name}': its BGP peers are left out")
            return
        addresses = (home.network_address + 4, home.network_address + 5)
        writer.assume("    ", f"Route Server '{server.name}': its peer addresses are not in the "
                      f"input; taken as {addresses[0]} and {addresses[1]}, the first of "
                      f"{ROUTE_SERVER_SUBNET}")
    writer.lines.append(f"    route_server: {flow(addresses=list(addresses), peers=peers)}")


def _security_groups(writer: _Writer, groups: dict[str, str]) -> None:
    if not groups:
        return
    writer.lines.append("    network_security_groups:")
    for key, name in sorted(groups.items(), key=lambda g: g[1].lower()):
        group = writer.estate.security_groups[key]
        writer.comment_ids("      ", group.id)
        rules = []
        for rule in sorted(group.rules, key=lambda r: (r.direction.lower(), r.priority, r.name)):
            text = security.rule_text(rule)
            if text.pairs is None:
                writer.warnings.append(f"network security group '{group.name}': rule "
                                       f"'{rule.name}' left out: {text.problem}")
            else:
                rules.append(item("          ", **text.pairs))
        if not rules:
            writer.lines.append(item("      ", name=name))
            continue
        writer.lines.extend([f"      - name: {scalar(name)}", "        rules:", *rules])


def _vnet_tables(writer: _Writer, vnet: e.VirtualNetwork) -> dict[str, tuple[str, e.RouteTable]]:
    found: dict[str, tuple[str, e.RouteTable]] = {}
    names: set[str] = set()
    for subnet in sorted(vnet.subnets, key=lambda s: s.name):
        if subnet.route_table is None or e.id_key(subnet.route_table) in found:
            continue
        table = writer.estate.route_tables[e.id_key(subnet.route_table)]
        name, n = table.name, 2
        while name.lower() in names:
            name, n = f"{table.name}-{n}", n + 1
        names.add(name.lower())
        found[e.id_key(subnet.route_table)] = (name, table)
    return found


def _endpoints(writer: _Writer, vnet: e.VirtualNetwork,
               tables: dict[str, tuple[str, e.RouteTable]], groups: dict[str, str]) -> None:
    nics = _vnet_nics(writer, vnet)
    lines: list[str] = []
    assumed = writer.assumed.get(e.id_key(vnet.id), {})
    known = {n.address for n in nics} | set(assumed)
    for nic in nics:
        lines.append(f"      # {nic.id}")
        lines.extend(_nic_endpoint(writer, nic, groups))
    for address, (name, asn) in sorted(assumed.items()):
        _assumed(writer, lines, f"{address}, a Route Server's BGP peer (AS {asn}), is a virtual "
                 f"appliance with IP forwarding (no network interface of the input holds it)")
        lines.append(f"      - {flow(name=name, address=address, forwarding=True, asn=asn)}")
    appliances = sorted({r.next_hop_ip for _, t in tables.values() for r in t.routes
                         if r.next_hop_type == "VirtualAppliance" and r.next_hop_ip is not None
                         and r.next_hop_ip not in known
                         and any(r.next_hop_ip in s.prefix for s in vnet.subnets)})
    for address in appliances:
        name = writer.claim("endpoint", f"nva-{str(address).replace('.', '-')}", "endpoint")
        _assumed(writer, lines, f"{address}, a user route's next hop, is a virtual appliance "
                 f"with IP forwarding (no network interface of the input holds it)")
        lines.append(f"      - {flow(name=name, address=address, forwarding=True)}")
    if lines:
        writer.lines.append("    endpoints:")
        writer.lines.extend(lines)


def _nic_endpoint(writer: _Writer, nic: e.Nic, groups: dict[str, str]) -> list[str]:
    key = e.id_key(nic.id)
    lines: list[str] = []
    if key in writer.forced:
        _assumed(writer, lines, f"endpoint '{writer.nic_names[key]}' is a Route Server's BGP "
                 f"peer: an appliance, with IP forwarding though its network interface has it off")
    group = groups[e.id_key(nic.security_group)] if nic.security_group else None
    lines.append(item("      ", name=writer.nic_names[key], address=nic.address,
                      forwarding=(nic.forwarding or key in writer.forced) or None,
                      network_security_group=group, asn=writer.peer_asn.get(key)))
    return lines


def _assumed(writer: _Writer, lines: list[str], message: str) -> None:
    """An assumption about an endpoint: a comment in the list being built, and a warning."""
    lines.append(f"      # assumption: {message}")
    writer.warnings.append(f"assumption: {message}")


def _route_tables(writer: _Writer, tables: dict[str, tuple[str, e.RouteTable]]) -> None:
    if not tables:
        return
    out = writer.lines
    out.append("    route_tables:")
    for name, table in sorted(tables.values(), key=lambda t: t[0].lower()):
        writer.comment_ids("      ", table.id)
        out.append(f"      - name: {scalar(name)}")
        out.append(f"        propagate_gateway_routes: {scalar(table.propagate_gateway_routes)}")
        if table.routes:
            out.append("        routes:")
        for route in sorted(table.routes, key=lambda r: (r.prefix, r.name)):
            ip = route.next_hop_ip if route.next_hop_type == "VirtualAppliance" else None
            out.append(item("          ", name=route.name, prefix=route.prefix,
                            next_hop_type=route.next_hop_type, next_hop_ip=ip))


def _gateway_subnet(vnet: e.VirtualNetwork) -> IPv4Network | None:
    return next((s.prefix for s in vnet.subnets if s.name.lower() == "gatewaysubnet"), None)


def _vnet_gateways(writer: _Writer, vnet: e.VirtualNetwork) -> None:
    gateways = _gateways(writer, e.id_key(vnet.id))
    if not gateways:
        return
    home = _gateway_subnet(vnet)
    out = writer.lines
    out.append("    gateways:")
    vpn = gateways.get("Vpn")
    vpn_addresses = _vpn_instances(writer, vpn, home) if vpn else ()
    er = gateways.get("ExpressRoute")
    if er is not None:
        writer.comment_ids("      ", er.id)
        out.append("      expressroute:")
        out.append(f"        asn: {er.asn or EXPRESSROUTE_ASN}")
        instances = er.bgp_addresses
        if not instances and home is not None:
            free = [a for a in list(home)[4:-1] if a not in vpn_addresses]
            instances = tuple(free[:2])
            writer.assume("        ", f"ExpressRoute gateway '{er.name}': Azure does not "
                          f"show its instance addresses; taken as {', '.join(map(str, instances))}, "
                          f"the first free addresses of GatewaySubnet")
        out.append(f"        instances: {_value(instances)}")
    if vpn is not None:
        writer.comment_ids("      ", vpn.id)
        out.append("      vpn:")
        out.append(f"        asn: {vpn.asn or EXPRESSROUTE_ASN}")
        out.append(f"        instances: {_value(vpn_addresses)}")
        if vpn.active_active and len(vpn_addresses) == 2:
            _active_active(writer, vpn, vpn_addresses)
            return
        if vpn.active_active:
            writer.warnings.append(f"active-active VPN gateway '{vpn.name}': not two instance "
                                   f"addresses; written active-standby")
        if vpn_addresses:
            out.append(f"        bgp_peer_address: {vpn.bgp_peer or vpn_addresses[0]}")
        if vpn.public_addresses:
            out.append(f"        public_address: {vpn.public_addresses[0]}")


def _active_active(writer: _Writer, vpn: e.Gateway, instances: tuple[IPv4Address, ...]) -> None:
    """Each instance its own BGP address (a custom one when given) and public address
    ("Configure active-active VPN gateways",
    https://learn.microsoft.com/azure/vpn-gateway/active-active-portal)."""
    bgp = vpn.bgp_peers if len(vpn.bgp_peers) == 2 else instances
    writer.lines.append("        active_active: true")
    writer.lines.append(f"        bgp_peer_addresses: {_value(bgp)}")
    if len(vpn.public_addresses) == 2:
        writer.lines.append(f"        public_addresses: {_value(vpn.public_addresses)}")
    elif vpn.public_addresses:
        writer.warnings.append(f"active-active VPN gateway '{vpn.name}' shows one public "
                               f"address, not one per instance: left out")


def _vpn_instances(writer: _Writer, vpn: e.Gateway,
                   home: IPv4Network | None) -> tuple[IPv4Address, ...]:
    if vpn.bgp_addresses:
        return vpn.bgp_addresses
    if home is None:
        return ()
    count = 2 if vpn.active_active else 1
    taken = tuple(home.broadcast_address - 1 - i for i in range(count))
    writer.warnings.append(f"assumption: VPN gateway '{vpn.name}' shows no BGP peering "
                           f"addresses; its instances taken as {', '.join(map(str, taken))}, "
                           f"the last addresses of GatewaySubnet")
    return taken


# -- on-premises sites ----------------------------------------------------------------------------


def _plan_sites(writer: _Writer) -> None:
    estate = writer.estate
    groups: dict[tuple[str, str], list[e.LocalGateway | e.Circuit]] = {}
    for key in sorted(estate.local_gateways):
        lng = estate.local_gateways[key]
        group = ("asn", str(lng.asn)) if lng.asn is not None else ("lng", key)
        groups.setdefault(group, []).append(lng)
    for key in sorted(estate.circuits):
        circuit = estate.circuits[key]
        groups.setdefault(("asn", str(circuit.peer_asn)), []).append(circuit)
    assumed = 64512
    ordered = sorted(groups.items(), key=lambda g: _site_name(g[1]).lower())
    for group, members in ordered:
        lngs = tuple(m for m in members if isinstance(m, e.LocalGateway))
        circuits = tuple(m for m in members if isinstance(m, e.Circuit))
        bgp = {a for m in lngs for a in [m.bgp_address] if a is not None}
        prefixes = sorted({p for m in lngs for p in m.prefixes
                           if not (p.prefixlen == 32 and p.network_address in bgp)})
        if group[0] == "asn":
            asn, guessed = int(group[1]), False
        else:
            asn, guessed, assumed = assumed, True, assumed + 1
        name = writer.claim("network", _site_name(members), "site")
        site = Site(name, asn, guessed, lngs, circuits, tuple(prefixes))
        writer.sites.append(site)
        for member in members:
            writer.site_of[e.id_key(member.id)] = site


def _site_name(members: list[e.LocalGateway | e.Circuit]) -> str:
    lngs = sorted(m.name for m in members if isinstance(m, e.LocalGateway))
    return lngs[0] if lngs else f"{sorted(m.name for m in members)[0]}-peer"


def _site(writer: _Writer, site: Site) -> None:
    out = writer.lines
    out.append("")
    writer.comment_ids("  ", *(g.id for g in site.local_gateways), *(c.id for c in site.circuits))
    out.extend([f"  - name: {scalar(site.name)}", "    kind: onprem"])
    if site.assumed_asn:
        writer.assume("    ", f"site '{site.name}': its local network gateway has no BGP, so "
                      f"Azure does not know its ASN; a private ASN is used")
    out.append(f"    asn: {site.asn}")
    lan = site.prefixes[0] if site.prefixes and site.prefixes[0].num_addresses >= 16 else None
    if lan is not None:
        host, gateway = lan.network_address + 10, lan.network_address + 1
        writer.assume("    ", f"site '{site.name}': a host at {host} behind the edge router's LAN "
                      f"interface {gateway}/{lan.prefixlen} stands for the site's network")
        out.append("    endpoints:")
        out.append(item("      ", name=f"{site.name}-host", address=host, gateway=gateway))
    out.append("    routers:")
    out.append(f"      - name: {scalar(site.router)}")
    interfaces = [("lan", IPv4Interface((lan.network_address + 1, lan.prefixlen)))] if lan else []
    statics: list[str] = []
    for connection in _site_vpns(writer, site):
        interface, address = _tunnel(writer, site, connection)
        interfaces.append((interface, IPv4Interface(address)))
        statics.extend(_tunnel_routes(writer, connection, interface))
    if interfaces:
        out.append("        interfaces:")
        out.extend(item("          ", name=n, address=a) for n, a in interfaces)
    if statics:
        out.append("        static_routes:")
        out.extend(statics)
    if not site.prefixes:
        writer.assume("        ", f"site '{site.name}': Azure does not record the prefixes it "
                      f"advertises over ExpressRoute; list them under bgp.advertise")
    preference = None
    if site.circuits and site.local_gateways and any(c.bgp for c in _site_vpns(writer, site)):
        preference = {c.name: 200 for c in site.circuits}
        writer.assume("        ", f"site '{site.router}' prefers its ExpressRoute circuits to its "
                      f"VPNs (local preference 200), as Azure does, so traffic returns the way it came")
    out.append(f"        bgp: {flow(advertise=list(site.prefixes), local_preference=preference)}")


def _site_vpns(writer: _Writer, site: Site) -> list[e.Connection]:
    lngs = {e.id_key(m.id) for m in site.local_gateways}
    return sorted((c for c in writer.estate.connections.values()
                   if c.kind == "IPsec" and c.peer in lngs and _vpn_gateway(writer, c) is not None),
                  key=lambda c: (c.name.lower(), c.id))


def _tunnel(writer: _Writer, site: Site, connection: e.Connection) -> tuple[str, IPv4Address]:
    lng = writer.estate.local_gateways[connection.peer]
    used = {a for _, a in writer.tunnels.values()}
    address = lng.bgp_address if connection.bgp else lng.public_address
    if address is None or address in used:
        address = next(IPv4Address("169.254.21.0") + i for i in range(1, 255)
                       if IPv4Address("169.254.21.0") + i not in used)
        writer.assume("        ", f"VPN '{connection.name}': its tunnel interface on "
                      f"'{site.router}' takes {address}")
    interface = f"tunnel-{connection.name}"
    writer.tunnels[e.id_key(connection.id)] = (interface, address)
    return interface, address


def _vpn_gateway(writer: _Writer, connection: e.Connection) -> e.Gateway | None:
    gateway = writer.estate.gateways.get(connection.gateway)
    return gateway if gateway is not None and gateway.kind == "Vpn" else None


def _tunnel_routes(writer: _Writer, connection: e.Connection, interface: str) -> list[str]:
    gateway = _vpn_gateway(writer, connection)
    assert gateway is not None
    vnet = writer.estate.vnets[gateway.vnet]
    if connection.bgp:
        home = _gateway_subnet(vnet)
        peers = gateway.bgp_addresses or (_vpn_instances(_Writer(writer.estate), gateway, home)
                                          if home else ())
        peers = (gateway.bgp_peer, *peers) if gateway.bgp_peer is not None else peers
        peers = gateway.bgp_peers or peers  # active-active: the first instance's address
        # The device's host route to Azure's BGP peer through the tunnel ("VPN Gateway FAQ").
        return [item("          ", prefix=IPv4Network(p), interface=interface)
                for p in peers[:1]]
    prefixes = sorted(_reached_through(writer, gateway))
    writer.warnings.append(f"assumption: VPN '{connection.name}' has no BGP: the site routes "
                           f"{', '.join(map(str, prefixes))} into its tunnel")
    return [item("          ", prefix=p, interface=interface) + "  "
            "# assumption: the device's static route" for p in prefixes]


def _reached_through(writer: _Writer, gateway: e.Gateway) -> set[IPv4Network]:
    """The gateway VNet's address space and its peers' that use its gateways."""
    estate = writer.estate
    found = set(estate.vnets[gateway.vnet].address_space)
    for peering in estate.peerings.values():
        if peering.vnet == gateway.vnet and peering.allow_gateway_transit:
            back = [p for p in estate.peerings.values()
                    if p.vnet == peering.remote and p.remote == gateway.vnet and p.use_remote_gateways]
            if back and peering.remote in estate.vnets:
                found.update(estate.vnets[peering.remote].address_space)
    return found


# -- connections ----------------------------------------------------------------------------------


def _peerings(writer: _Writer) -> None:
    pairs: dict[tuple[str, str], dict[str, e.Peering]] = {}
    for peering in writer.estate.peerings.values():
        if peering.vnet not in writer.vnet_names or peering.remote not in writer.vnet_names:
            continue
        a, b = sorted((peering.vnet, peering.remote), key=lambda k: (writer.vnet_names[k].lower(), k))
        pairs.setdefault((a, b), {})[peering.vnet] = peering
    for (a, b), sides in sorted(pairs.items(), key=lambda p: (writer.vnet_names[p[0][0]].lower(),
                                                               writer.vnet_names[p[0][1]].lower())):
        first = sides.get(a) or sides[b]
        name = writer.claim("connection", first.name, "peering")
        writer.lines.append("")
        writer.comment_ids("  ", *(sides[k].id for k in (a, b) if k in sides))
        writer.lines.extend([f"  - name: {scalar(name)}", "    type: peering"])
        for label, key in (("a", a), ("b", b)):
            side = sides.get(key)
            writer.lines.append(f"    {label}: " + flow(
                network=writer.vnet_names[key],
                allow_gateway_transit=True if side and side.allow_gateway_transit else None,
                use_remote_gateways=True if side and side.use_remote_gateways else None,
                allow_virtual_network_access=False if side and not side.allow_access else None,
                allow_forwarded_traffic=True if side and side.allow_forwarded_traffic else None))
        down = [k for k in (a, b) if k not in sides]
        if down:
            writer.warnings.append(f"peering '{name}': VNet '{writer.vnet_names[down[0]]}' has "
                                   f"no peering back, so Azure leaves it Initiated: written down")
            writer.lines.append("    state: down")


def _circuits(writer: _Writer) -> None:
    estate = writer.estate
    for circuit in sorted(estate.circuits.values(), key=lambda c: (c.name.lower(), c.id)):
        key = e.id_key(circuit.id)
        name = writer.claim("connection", circuit.name, "circuit")
        router = writer.site_of[key].router
        writer.lines.append("")
        writer.comment_ids("  ", circuit.id)
        writer.lines.extend([f"  - name: {scalar(name)}", "    type: expressroute",
                             f"    peering_location: {scalar(circuit.peering_location)}",
                             f"    sku: {scalar(circuit.sku)}", "    links:"])
        for role, subnet in (("primary", circuit.primary), ("secondary", circuit.secondary)):
            link = writer.claim("connection", f"{name}-{role}", "circuit link")
            writer.lines.append(item("      ", name=link, role=role, subnet=subnet, router=router))
        links = sorted((c for c in estate.connections.values()
                        if c.kind == "ExpressRoute" and c.peer == key), key=lambda c: (c.name.lower(), c.id))
        vnet_lines: list[str] = []
        for connection in links:
            gateway = estate.gateways[connection.gateway]
            if gateway.kind != "ExpressRoute":
                writer.warnings.append(f"connection '{connection.name}': an ExpressRoute "
                                       f"connection on a VPN gateway: left out")
                continue
            label = writer.claim("connection", connection.name, "connection")
            vnet_lines.append(f"      # {connection.id}")
            vnet_lines.append(item("      ", name=label, network=writer.vnet_names[gateway.vnet],
                                   weight=connection.weight))
        if vnet_lines:
            writer.lines.append("    vnets:")
            writer.lines.extend(vnet_lines)


def _global_reach(writer: _Writer) -> None:
    estate = writer.estate
    seen: set[frozenset[str]] = set()
    for reach in sorted(estate.global_reach.values(), key=lambda r: (r.name.lower(), r.id)):
        pair = frozenset(reach.circuits)
        if pair in seen or not all(c in estate.circuits for c in reach.circuits):
            continue
        seen.add(pair)
        names = sorted(estate.circuits[c].name for c in reach.circuits)
        name = writer.claim("connection", reach.name, "Global Reach")
        writer.lines.append("")
        writer.comment_ids("  ", reach.id)
        writer.lines.extend([f"  - name: {scalar(name)}", "    type: global_reach",
                             f"    circuits: {_value(names)}"])


def _vpns(writer: _Writer) -> None:
    estate = writer.estate
    seen: dict[frozenset[str], e.Connection] = {}
    for connection in sorted(estate.connections.values(), key=lambda c: (c.name.lower(), c.id)):
        if _vpn_gateway(writer, connection) is None:
            if connection.kind != "ExpressRoute":
                writer.warnings.append(f"connection '{connection.name}': its gateway is not a "
                                       f"VPN gateway: left out")
            continue
        if connection.kind == "IPsec" and e.id_key(connection.id) in writer.tunnels:
            _site_vpn(writer, connection)
        elif connection.kind == "Vnet2Vnet":
            pair = frozenset((connection.gateway, connection.peer))
            if pair not in seen:
                seen[pair] = connection
                _vnet_vpn(writer, connection)


def _site_vpn(writer: _Writer, connection: e.Connection) -> None:
    gateway = _vpn_gateway(writer, connection)
    assert gateway is not None
    site = writer.site_of[connection.peer]
    interface, _ = writer.tunnels[e.id_key(connection.id)]
    lng = writer.estate.local_gateways[connection.peer]
    name = writer.claim("connection", connection.name, "connection")
    writer.lines.append("")
    writer.comment_ids("  ", connection.id)
    writer.lines.extend([f"  - name: {scalar(name)}", "    type: vpn",
                         f"    a: {flow(network=writer.vnet_names[gateway.vnet])}",
                         "    b: " + flow(router=site.router, interface=interface,
                                         prefixes=None if connection.bgp else list(lng.prefixes)),
                         f"    bgp: {scalar(connection.bgp)}"])


def _vnet_vpn(writer: _Writer, connection: e.Connection) -> None:
    estate = writer.estate
    first, second = estate.gateways[connection.gateway], estate.gateways.get(connection.peer)
    if second is None or second.kind != "Vpn":
        writer.warnings.append(f"connection '{connection.name}': its second gateway is not a "
                               f"VPN gateway: left out")
        return
    back = [c for c in estate.connections.values()
            if c.kind == "Vnet2Vnet" and c.gateway == connection.peer and c.peer == connection.gateway]
    name = writer.claim("connection", connection.name, "connection")
    writer.lines.append("")
    writer.comment_ids("  ", connection.id, *(c.id for c in back))
    writer.lines.extend([f"  - name: {scalar(name)}", "    type: vpn",
                         f"    a: {flow(network=writer.vnet_names[first.vnet])}",
                         f"    b: {flow(network=writer.vnet_names[second.vnet])}",
                         f"    bgp: {scalar(connection.bgp)}"])
    if not back:
        writer.warnings.append(f"VNet-to-VNet connection '{name}' has no connection back: "
                               f"Azure does not connect it; written down")
        writer.lines.append("    state: down")
