"""Exit 70 is a bug class: on any topology ``validate`` accepts, no command may crash or refuse.

Random topologies — the valid hub-and-spoke shapes of ``test_properties`` widened with what
breaks assumptions: user routes of every next hop type (appliances, gateways where there may be
no VPN gateway, ``0.0.0.0/0``), route tables without gateway propagation, a VNet with no
gateway, links, circuits and tunnels down, static VPNs, Global Reach, Route Server
branch-to-branch, local preference, a second on-premises router with static routes (loops
included), and on-premises names holding ``:`` and ``|``. Each one
``validate`` accepts (warnings allowed) must let every command run: tracert, ping and explain on
every pair of endpoints, routes for every network, bgp for every circuit path and gateway, and
matrix — exit 0 or 1 (unreached), never 2 (refused) nor 70 (crashed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from azint.data.explain import explain
from azint.data.linuxprobes import LinuxProber
from azint.network import Network
from azint.render import explain as explained
from azint.render import jsonout, linux, mtr, windows
from azint.render.diagram_graph import path_diagram, topology_diagram
from azint.render.dot import dot
from azint.render.mermaid import mermaid
from tests.builders import Doc, vpn
from tests.conftest import Run
from tests.test_properties import topologies

BOUNDED = settings(max_examples=int(os.environ.get("AZINT_EXAMPLES", "12")), deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
NEXT_HOPS = ("VirtualAppliance", "VirtualNetworkGateway", "None", "Internet", "VnetLocal")
PREFIXES = ("0.0.0.0/0", "10.0.0.0/8", "10.40.0.0/24", "10.1.0.0/24", "192.168.0.0/16",
            "10.20.0.0/25")


def _networks(doc: Doc, kind: str) -> list[Doc]:
    return [n for n in doc["networks"] if n["kind"] == kind]


@st.composite
def _user_routes(draw: st.DrawFn, appliance: str) -> list[Doc]:
    routes = []
    for index, prefix in enumerate(draw(st.lists(st.sampled_from(PREFIXES), max_size=3,
                                                 unique=True))):
        route: Doc = {"name": f"r{index}", "prefix": prefix,
                      "next_hop_type": draw(st.sampled_from(NEXT_HOPS))}
        if route["next_hop_type"] == "VirtualAppliance":
            route["next_hop_ip"] = appliance
        routes.append(route)
    return routes


@st.composite
def widened(draw: st.DrawFn) -> Doc:
    """A ``test_properties`` topology with the variations listed in the module docstring."""
    doc: Doc = draw(topologies())
    hub = _networks(doc, "vnet")[0]
    hub["subnets"].insert(1, {"name": "nva", "prefix": hub["address_space"][0].replace(
        ".0/24", ".64/27")})
    hub["endpoints"].append({"name": "fw", "address": hub["address_space"][0].replace(
        ".0/24", ".70"), "os": "linux", "forwarding": True})
    hub["branch_to_branch"] = draw(st.booleans())
    if draw(st.booleans()):  # a VNet with no gateway, peered without transit
        doc["networks"].append({"name": "lone", "kind": "vnet", "address_space": ["10.30.0.0/24"],
                                "subnets": [{"name": "default", "prefix": "10.30.0.0/27"}],
                                "endpoints": [{"name": "lone-vm", "address": "10.30.0.4"}]})
        doc["connections"].append({"name": "lone-hub", "type": "peering",
                                   "a": {"network": "lone"}, "b": {"network": hub["name"]}})
    appliance = hub["endpoints"][-1]["address"]
    for vnet in _networks(doc, "vnet"):
        if draw(st.booleans()):
            vnet["route_tables"] = [{"name": "rt", "routes": draw(_user_routes(appliance)),
                                     "propagate_gateway_routes": draw(st.booleans())}]
            for index in draw(st.sets(st.integers(0, len(vnet["subnets"]) - 1), min_size=1)):
                vnet["subnets"][index]["route_table"] = "rt"  # GatewaySubnet and nva too
        if draw(st.integers(0, 2)) == 0:
            _guard(vnet, draw(st.lists(st.sampled_from(SECURITY_RULES), max_size=3,
                                       unique_by=lambda r: (r["priority"], r["direction"]))),
                   draw(st.booleans()), draw(st.booleans()))
    spokes = [n["name"] for n in _networks(doc, "vnet") if n["name"].startswith("spoke")]
    if len(spokes) > 1 and draw(st.booleans()):
        doc["connections"].append({"name": "spoke-spoke", "type": "peering",
                                   "a": {"network": spokes[0]}, "b": {"network": spokes[1]}})
    for connection in doc["connections"]:
        if draw(st.integers(0, 5)) == 0:
            connection["state"] = "down"
        for link in connection.get("links", []):
            if draw(st.integers(0, 3)) == 0:
                link["state"] = "down"
    circuits = [c["name"] for c in doc["connections"] if c["type"] == "expressroute"]
    if len(circuits) > 1 and draw(st.booleans()):
        doc["connections"].append({"name": "gr", "type": "global_reach",
                                   "circuits": circuits[:2]})
    for site in _networks(doc, "onprem"):
        router = site["routers"][0]
        router["bgp"]["readvertise"] = draw(st.booleans())
        router["bgp"]["multipath"] = draw(st.booleans())
        vpn_hubs = [n["name"] for n in _networks(doc, "vnet") if "vpn" in n.get("gateways", {})]
        tunnelled = any(_ends_at(c, router["name"]) for c in doc["connections"]
                        if c["type"] == "vpn")
        if vpn_hubs and not tunnelled and draw(st.booleans()):  # a backup (or static) tunnel
            static = draw(st.booleans())
            doc["connections"].append(vpn(f"{site['name']}-backup", draw(st.sampled_from(vpn_hubs)),
                                          (router["name"], "tunnel"), bgp=not static,
                                          prefixes=[site["endpoints"][0]["address"] + "/32"]
                                          if static else None))
        if draw(st.booleans()):
            _second_router(site, draw(st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12"])),
                           draw(st.booleans()))
        ends = [c["name"] for c in doc["connections"] if _ends_at(c, router["name"])]
        if ends and draw(st.booleans()):
            router["bgp"]["local_preference"] = {draw(st.sampled_from(ends)): draw(
                st.sampled_from([50, 200]))}
        if ends and draw(st.booleans()):
            router["bgp"]["neighbors"] = {draw(st.sampled_from(ends)): {
                "prepend": draw(st.integers(0, 2)), "med": draw(st.sampled_from([0, 50])),
                **draw(st.sampled_from([{}, {"accept": ["10.0.0.0/8"]},
                                        {"announce": ["192.168.0.0/16", "10.0.0.0/8"]}]))}}
        if draw(st.booleans()):
            _rename_site(doc, site, f"{site['name']}:x|y")
    endpoints = [e for n in doc["networks"] for e in n.get("endpoints", [])]
    doc["names"] = [{"address": e["address"], "name": f"{e['name']}.corp"}
                    for e in draw(st.lists(st.sampled_from(endpoints), max_size=2, unique_by=id))]
    return doc


SECURITY_RULES = [  # network security group rules the generator draws from
    {"name": "no-icmp-in", "priority": 100, "direction": "Inbound", "access": "Deny",
     "protocol": "Icmp", "source": "VirtualNetwork"},
    {"name": "icmp-in", "priority": 110, "direction": "Inbound", "access": "Allow",
     "protocol": "Icmp", "source": ["10.0.0.0/8", "172.16.0.0/12"]},
    {"name": "no-out", "priority": 4096, "direction": "Outbound", "access": "Deny"},
    {"name": "web", "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
     "destination_ports": [443, "8000-8080"]},
]


def _guard(vnet: Doc, rules: list[Doc], on_subnet: bool, on_nic: bool) -> None:
    """A network security group on the VNet's first subnet and/or its first VM's NIC."""
    vnet["network_security_groups"] = [{"name": "nsg", "rules": rules}]
    if on_subnet:
        vnet["subnets"][0]["network_security_group"] = "nsg"
    if on_nic or not on_subnet:
        vnet["endpoints"][0]["network_security_group"] = "nsg"


def _second_router(site: Doc, prefix: str, back: bool) -> None:
    """A LAN router behind the CE with a static route to it (and, with ``back``, the CE with a
    static route to the LAN router for the same prefix: a forwarding loop)."""
    ce = site["routers"][0]
    lan = ce["interfaces"][0]["address"]  # x.y.z.1/24
    base = lan.rsplit(".", 1)[0]
    ce["redistribute"] = ["connected", "static", "bgp"]
    site["routers"].append({"name": f"{ce['name']}-lan", "redistribute": ["connected", "static"],
                            "interfaces": [{"name": "lan", "address": f"{base}.2/24"}],
                            "static_routes": [{"prefix": prefix, "next_hop": f"{base}.1"}]})
    if back:
        ce["static_routes"] = [{"prefix": prefix, "next_hop": f"{base}.2"}]


def _ends_at(connection: Doc, router: str) -> bool:
    links = [k.get("router") for k in connection.get("links", [])]
    ends = [e.get("router") for e in (connection.get("a"), connection.get("b"))
            if isinstance(e, dict)]
    return router in (*links, *ends)


def _rename_site(doc: Doc, site: Doc, name: str) -> None:
    """Rename a site and its router everywhere (names the loader allows ':' and '|' in)."""
    old_router, new_router = site["routers"][0]["name"], f"{name}-ce"
    site["name"], site["routers"][0]["name"] = name, new_router
    for connection in doc["connections"]:
        for link in connection.get("links", []):
            if link.get("router") == old_router:
                link["router"] = new_router
        for end in (connection.get("a"), connection.get("b")):
            if isinstance(end, dict) and end.get("router") == old_router:
                end["router"] = new_router


def _cli_commands(doc: Doc) -> Iterator[tuple[str, ...]]:
    """Every per-network command, and the probes between consecutive networks' endpoints."""
    yield ("matrix",)
    yield ("matrix", "--json")
    for network in doc["networks"]:
        yield ("routes", network["name"])
        if network["kind"] == "vnet":
            yield ("nsg", network["name"], "--json")
        for kind, element in (("vpn", "vpngw"), ("expressroute", "ergw")):
            if kind in network.get("gateways", {}):
                yield ("bgp", f"{element}:{network['name']}")
    for circuit in (c for c in doc["connections"] if c["type"] == "expressroute"):
        for role in ("primary", "secondary"):
            yield ("bgp", circuit["name"], "--path", role, "--json")
        yield ("matrix", "--down", circuit["links"][0]["name"])
    for connection in doc["connections"][:3]:
        yield ("matrix", "--json", "--down", connection["name"])
    firsts = [n["endpoints"][0] for n in doc["networks"] if n.get("endpoints")]
    yield ("diagram", "--format", "dot")
    for source, target in pairwise(firsts[:2]):
        yield ("diagram", "--path", source["name"], target["address"])
    for source, target in pairwise(firsts):
        yield ("tracert", "-h", "8", "--explain", source["name"], target["address"])
        yield ("ping", "-n", "1", "--json", source["name"], target["address"])
        yield ("traceroute", "-m", "8", source["name"], target["address"])
        yield ("mtr", "-c", "2", "--json", source["name"], target["address"])
        yield ("explain", "--json", source["name"], target["name"])
    downable = [c["name"] for c in doc["connections"]]
    downable += [k["name"] for c in doc["connections"] for k in c.get("links", [])]
    # whole routers and gateways too: explain then names them, not what they took with them
    downable[6:] = [f"router:{r['name']}" for n in _networks(doc, "onprem") for r in n["routers"]]
    downable += [f"{short}:{n['name']}" for n in _networks(doc, "vnet")
                 for kind, short in (("expressroute", "ergw"), ("vpn", "vpngw"))
                 if kind in n.get("gateways", {})][:2]
    for name in downable:
        for source, target in pairwise(firsts[:3]):
            yield ("tracert", "-h", "8", "--down", name, source["name"], target["address"])
            yield ("explain", "--down", name, target["name"], source["name"])


def _every_pair(network: Network) -> None:
    """tracert, ping, explain, traceroute and mtr, rendered as text and JSON, between every two
    endpoints: what the CLI runs for them, without reloading the topology for each (any
    exception fails)."""
    title = network.topology.name
    endpoints = network.topology.endpoints()
    picture = topology_diagram(network.topology)
    for source in endpoints:
        for target in endpoints:
            trace = network.prober.tracert(source, target.address, max_hops=8)
            drawn = path_diagram(picture, trace)
            mermaid(drawn)
            dot(drawn)
            windows.tracert_text(trace, network.topology.names, None)
            jsonout.dumps(jsonout.tracert_document(trace, title, target.name))
            ping = network.prober.ping(source, target.address, count=1)
            windows.ping_text(ping, None)
            linux.ping_text(ping, network.topology.names, target.name)
            route = LinuxProber(network.prober).traceroute(source, target.address, max_hops=8)
            linux.traceroute_text(route, network.topology.names, target.name)
            jsonout.dumps(jsonout.route_document(route, "traceroute", title, target.name))
            report = LinuxProber(network.prober).mtr(source, target.address, cycles=2, max_hops=8)
            mtr.report_text(report, source.name, network.topology.names)
            jsonout.ping_json(ping, title, target.name)
            reasons = explain(network.prober, source, target.address, trace)
            explained.explain_text(reasons)
            explained.explanation_json(title, reasons)


@BOUNDED
@given(doc=widened())
def test_what_validate_accepts_every_command_runs(tmp_path: Path, azint: Callable[..., Run],
                                                  doc: Doc) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    file = str(path)
    report = azint("validate", file)
    assert report.code in (0, 2), report.err
    assume(report.code == 0)
    for command in _cli_commands(doc):
        run = azint(*command, "--topology", file)
        assert run.code in (0, 1), (command, run.code, run.err, report.out)
    _every_pair(Network.open(path))


def test_the_widened_generator_reaches_what_it_is_for() -> None:
    """The strategy does produce the variations this test exists for (not only plain shapes)."""
    seen: set[str] = set()

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(doc=widened())
    def collect(doc: Doc) -> None:
        text = yaml.safe_dump(doc)
        for feature in ("VirtualNetworkGateway", "0.0.0.0/0", "state: down", "global_reach",
                        ":x|y", "lone", "network_security_group", "neighbors"):
            if feature in text:
                seen.add(feature)

    collect()
    assert len(seen) == 8, seen
