"""Small topologies for rule tests, built as plain data and loaded through the real loader."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml

from azint.network import Network
from azint.topology import loader

Doc = dict[str, Any]


def vnet(name: str, space: str, *, region: str = "r1", er: bool = False, vpn: bool = False,
         asn: int = 65515, **extra: Any) -> Doc:
    """A VNet with one VM at .4 and, if asked, gateways in a GatewaySubnet at the top /27."""
    net = IPv4Network(space)
    gw_subnet = list(net.subnets(new_prefix=27))[-1]
    doc: Doc = {"name": name, "kind": "vnet", "region": region, "address_space": [space],
                "subnets": [{"name": "default", "prefix": str(next(net.subnets(new_prefix=27)))}],
                "endpoints": [{"name": f"{name}-vm", "address": str(net.network_address + 4)}]}
    if er or vpn:
        doc["subnets"].append({"name": "GatewaySubnet", "prefix": str(gw_subnet)})
        doc["gateways"] = {}
    if er:
        doc["gateways"]["expressroute"] = {"asn": asn, "instances": [str(gw_subnet[4]), str(gw_subnet[5])]}
    if vpn:
        doc["gateways"]["vpn"] = {"asn": asn, "instances": [str(gw_subnet[14])],
                                  "bgp_peer_address": str(gw_subnet[30]),
                                  "public_address": f"52.0.{net.network_address.packed[1]}.{net.network_address.packed[2]}"}
    doc.update(extra)
    return doc


def site(name: str, asn: int, lan: str, *, advertise: list[str] | None = None,
         routers: int = 1, tunnel: str | None = None, **bgp: Any) -> Doc:
    """An on-premises site: a VM at .10 behind one CE (name-ce) on the LAN's first address."""
    net = IPv4Network(lan)
    ce: Doc = {"name": f"{name}-ce",
               "interfaces": [{"name": "lan", "address": f"{net.network_address + 1}/{net.prefixlen}"}],
               "static_routes": [{"prefix": "0.0.0.0/0", "discard": True}],
               "bgp": {"advertise": advertise if advertise is not None else [lan], **bgp}}
    if tunnel:
        ce["interfaces"].append({"name": "tunnel", "address": f"{tunnel}/32"})
    del routers
    return {"name": name, "kind": "onprem", "asn": asn, "routers": [ce],
            "endpoints": [{"name": f"{name}-vm", "address": str(net.network_address + 10),
                           "gateway": str(net.network_address + 1)}]}


def circuit(name: str, links: list[tuple[str, str, str, str | None]], vnets: list[tuple[str, str]],
            **weights: int) -> Doc:
    """links: (link name, role, /30, CE router); vnets: (connection name, VNet)."""
    return {"name": name, "type": "expressroute",
            "links": [{"name": n, "role": r, "subnet": s, "router": ce} for n, r, s, ce in links],
            "vnets": [{"name": c, "network": v, "weight": weights.get(c, 0)} for c, v in vnets]}


def peering(name: str, a: str, b: str, *, transit: bool = False) -> Doc:
    return {"name": name, "type": "peering",
            "a": {"network": a, "allow_gateway_transit": transit},
            "b": {"network": b, "use_remote_gateways": transit}}


def vpn(name: str, a: str, b: str | tuple[str, str], *, bgp: bool = True,
        prefixes: list[str] | None = None) -> Doc:
    end: Doc = {"network": b} if isinstance(b, str) else {"router": b[0], "interface": b[1]}
    if prefixes:
        end["prefixes"] = prefixes
    return {"name": name, "type": "vpn", "a": {"network": a}, "b": end, "bgp": bgp}


def build(tmp_path: Path, networks: list[Doc], connections: list[Doc], down: tuple[str, ...] = (),
          validated: bool = True, **top: Any) -> Network:
    """Load through the real loader; ``validated=False`` keeps a topology that ``validate`` rejects,
    to show what Azure would do with it anyway."""
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "test", "networks": networks,
                                    "connections": connections, **top}, sort_keys=False))
    if validated:
        return Network.of(loader.load(path), down)
    topology, _ = loader.load_with_problems(path)
    assert topology is not None
    return Network.of(topology, down)


def reference_doc() -> Doc:
    data: Doc = yaml.safe_load(loader.default_topology_path().read_text())
    return data


def bad_gadget(unrelated: int = 0) -> tuple[list[Doc], list[Doc]]:
    """Griffin, Shepherd and Wilfong's "bad gadget": a BGP policy with no stable state.

    VPN gateway ``hub`` originates 10.0.0.0/16. Routers r1, r2, r3 (sites s1..s3, readvertise on)
    each have a VPN to it, and VNet gi's VPN gateway joins ri to the next router round the ring.
    Each ri gives what it hears over ``gi-own`` local preference 200, so it prefers the path
    through the next router to its own direct path, which the next router must be using for the
    path to exist: whatever ri picks, one of them changes its mind. gi passes the next router's
    path on (its session ``gi-next`` sorts first on a tie). r1 also advertises ``unrelated``
    /24s from 11.0.0.0, which settle.
    """
    networks: list[Doc] = [_gadget_vnet("hub", 0, 65515)]
    connections: list[Doc] = []
    for i in (1, 2, 3):
        networks.append(_gadget_vnet(f"g{i}", i, 65100 + i))
    for i in (1, 2, 3):
        extra = [str(IPv4Network((0x0B000000 + n * 256, 24))) for n in range(unrelated)] if i == 1 else []
        networks.append({
            "name": f"s{i}", "kind": "onprem", "asn": 65000 + i,
            "endpoints": [{"name": f"s{i}-vm", "address": f"192.168.{i}.10", "gateway": f"192.168.{i}.1"}],
            "routers": [{"name": f"r{i}", "interfaces": [
                {"name": "lan", "address": f"192.168.{i}.1/24"},
                {"name": "t-hub", "address": f"172.16.{i}.1/32"},
                {"name": "t-own", "address": f"172.16.{i}.2/32"},
                {"name": "t-prev", "address": f"172.16.{i}.3/32"}],
                "static_routes": [  # each tunnel reaches its gateway's BGP peer address
                    {"prefix": "10.0.255.4/32", "interface": "t-hub"},
                    {"prefix": f"10.{i}.255.4/32", "interface": "t-own"},
                    {"prefix": f"10.{(i - 2) % 3 + 1}.255.4/32", "interface": "t-prev"}],
                "bgp": {"advertise": [f"192.168.{i}.0/24", *extra], "readvertise": True,
                        "local_preference": {f"g{i}-own": 200}}}]})
        following = i % 3 + 1
        connections += [
            vpn(f"hub-r{i}", "hub", (f"r{i}", "t-hub")),
            vpn(f"g{i}-own", f"g{i}", (f"r{i}", "t-own")),
            vpn(f"g{i}-next", f"g{i}", (f"r{following}", "t-prev"))]
    return networks, connections


def _gadget_vnet(name: str, index: int, asn: int) -> Doc:
    return {"name": name, "kind": "vnet", "address_space": [f"10.{index}.0.0/16"],
            "subnets": [{"name": "GatewaySubnet", "prefix": f"10.{index}.255.0/27"}],
            "endpoints": [{"name": f"{name}-vm", "address": f"10.{index}.0.4"}],
            "gateways": {"vpn": {"asn": asn, "instances": [f"10.{index}.255.4"]}}}


def wedgie() -> tuple[list[Doc], list[Doc]]:
    """RFC 4264's backup-link wedgie, built from ExpressRoute, VPN and local preference.

    Hub 10.0.0.0/16 reaches site s3 over circuit er3 (the primary) and site s4 over VPN hub-r4,
    which r4 marks as the backup (local preference 50). VNet ``transit``'s VPN gateway joins r3
    and r4 (both readvertise), and r3 prefers what r4 sends it that way (local preference 200,
    like a provider preferring its customer's routes). Intended state: r3 uses the circuit and
    r4 reaches the hub through r3. The other, just as stable: r4 uses its backup, r3 prefers
    r4's path through transit, so r4 never hears the circuit's path. Which one a network is in
    depends on which session came up first.
    """
    transit = {"name": "transit", "kind": "vnet", "address_space": ["10.7.0.0/16"],
               "subnets": [{"name": "GatewaySubnet", "prefix": "10.7.255.0/27"}],
               "endpoints": [{"name": "transit-vm", "address": "10.7.0.4"}],
               "gateways": {"vpn": {"asn": 65100, "instances": ["10.7.255.4"]}}}
    s3 = site("s3", 65003, "10.3.0.0/24", tunnel="10.3.0.250", readvertise=True,
              local_preference={"t-r3": 200})
    s4 = site("s4", 65004, "10.4.0.0/24", tunnel="10.4.0.250", readvertise=True,
              local_preference={"hub-r4": 50})
    s4["routers"][0]["interfaces"].append({"name": "tunnel2", "address": "10.4.0.251/32"})
    s3["routers"][0]["static_routes"].append({"prefix": "10.7.255.4/32", "interface": "tunnel"})
    s4["routers"][0]["static_routes"] += [{"prefix": "10.0.0.254/32", "interface": "tunnel"},
                                          {"prefix": "10.7.255.4/32", "interface": "tunnel2"}]
    networks = [vnet("hub", "10.0.0.0/24", er=True, vpn=True), transit, s3, s4]
    connections = [
        {**circuit("er3", [("er3-primary", "primary", "192.168.0.16/30", "s3-ce"),
                           ("er3-secondary", "secondary", "192.168.0.20/30", "s3-ce")],
                   [("hub-er3", "hub")]), "peering_location": "Amsterdam"},
        vpn("hub-r4", "hub", ("s4-ce", "tunnel")),
        vpn("t-r3", "transit", ("s3-ce", "tunnel")),
        vpn("t-r4", "transit", ("s4-ce", "tunnel2"))]
    return networks, connections


def disagree() -> tuple[list[Doc], list[Doc]]:
    """Griffin and Wilfong's DISAGREE: two stable states, each router on the other's path.

    Routers r1 and r2 (sites s1, s2; readvertise on) each have a VPN to ``hub`` and one to VNet
    ``transit``'s VPN gateway, and each prefers (local preference 200) what it hears through
    transit: the other's direct path. Whichever router takes its direct path first leaves the
    other the path through it; the two are alike but for their names.
    """
    transit = {"name": "transit", "kind": "vnet", "address_space": ["10.7.0.0/16"],
               "subnets": [{"name": "GatewaySubnet", "prefix": "10.7.255.0/27"}],
               "endpoints": [{"name": "transit-vm", "address": "10.7.0.4"}],
               "gateways": {"vpn": {"asn": 65100, "instances": ["10.7.255.4"]}}}
    networks: list[Doc] = [vnet("hub", "10.0.0.0/24", vpn=True), transit]
    connections: list[Doc] = []
    for i in (1, 2):
        s = site(f"s{i}", 65000 + i, f"10.{i}.0.0/24", tunnel=f"10.{i}.0.250", readvertise=True,
                 local_preference={f"t-r{i}": 200})
        s["routers"][0]["interfaces"].append({"name": "tunnel2", "address": f"10.{i}.0.251/32"})
        s["routers"][0]["static_routes"] += [{"prefix": "10.0.0.254/32", "interface": "tunnel"},
                                             {"prefix": "10.7.255.4/32", "interface": "tunnel2"}]
        networks.append(s)
        connections += [vpn(f"hub-r{i}", "hub", (f"s{i}-ce", "tunnel")),
                        vpn(f"t-r{i}", "transit", (f"s{i}-ce", "tunnel2"))]
    return networks, connections
