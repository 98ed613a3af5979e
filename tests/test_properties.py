"""Properties over random valid topologies (hypothesis).

* no command crashes, and every trace ends within its hop limit;
* routes and traces do not depend on the order of networks or connections in the file;
* renumbering every address consistently renumbers every output and changes nothing else.
"""

from __future__ import annotations

import json
import random
import re
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azint.control.vnet import Matches
from azint.data import forked
from azint.data import matrix as matrix_module
from azint.data.flowhash import Flow
from azint.data.matrix import Matrix, first_endpoints, mechanisms, reachability
from azint.data.probes import Prober
from azint.data.vnetends import ended_at_once
from azint.data.walk import Disposition
from azint.network import Network
from azint.render import windows
from tests.bench import zone
from tests.builders import Doc, build, circuit, peering, site, vnet, vpn
from tests.conftest import run_cli

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def topologies(draw: st.DrawFn, ecmp: bool = True) -> Doc:
    """Hubs with gateways, spokes peered to them, sites on circuits or VPNs: always valid."""
    hubs = draw(st.integers(1, 3))
    networks: list[Doc] = []
    connections: list[Doc] = []
    er_hubs, vpn_hubs = [], []
    for i in range(hubs):
        er, use_vpn = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
        doc = vnet(f"hub{i}", f"10.{i + 1}.0.0/24", er=er, vpn=use_vpn, asn=64600 + i)
        if er:
            doc["gateways"]["expressroute"]["asn"] = 65515
            if not ecmp:
                del doc["gateways"]["expressroute"]["instances"][1:]
            er_hubs.append(f"hub{i}")
        if use_vpn:
            vpn_hubs.append(f"hub{i}")
        networks.append(doc)
    for j in range(draw(st.integers(0, 3))):
        networks.append(vnet(f"spoke{j}", f"10.{20 + j}.0.0/24"))
        hub = draw(st.integers(0, hubs - 1))
        connections.append(peering(f"p{j}", f"hub{hub}", f"spoke{j}", transit=draw(st.booleans())))
    for a, b in draw(st.sets(st.tuples(st.sampled_from(vpn_hubs), st.sampled_from(vpn_hubs)), max_size=3)
                     if len(vpn_hubs) > 1 else st.just(set())):
        if a < b:
            connections.append(vpn(f"v-{a}-{b}", a, b, bgp=draw(st.booleans())))
    for k in range(draw(st.integers(1, 3))):
        name = f"dc{k}"
        networks.append(site(name, 65001 + k, f"10.{40 + k}.0.0/24", tunnel=f"10.{40 + k}.0.250"))
        if er_hubs and draw(st.booleans()):
            hubs_on = draw(st.sets(st.sampled_from(er_hubs), min_size=1))
            both = ecmp and draw(st.booleans())
            links = [(f"c{k}-p", "primary", f"192.168.{k}.16/30", f"{name}-ce")]
            links.append((f"c{k}-s", "secondary", f"192.168.{k}.20/30", f"{name}-ce" if both else None))
            connections.append(circuit(f"c{k}", links, [(f"c{k}-{h}", h) for h in sorted(hubs_on)]))
        elif vpn_hubs:
            connections.append(vpn(f"s2s{k}", draw(st.sampled_from(vpn_hubs)), (f"{name}-ce", "tunnel")))
    return {"azint": 1, "name": "random", "jitter_ms": draw(st.sampled_from([0.0, 0.3])),
            "flow_hash_seed": draw(st.integers(0, 1000)), "networks": networks, "connections": connections}


def _write(tmp_path: Path, doc: Doc, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _all_outputs(network: Network, max_hops: int = 12) -> dict[tuple[str, str], str]:
    """tracert and ping text from every network's first endpoint to every endpoint."""
    outputs = {}
    endpoints = network.topology.endpoints()
    sources = {e.network: e for e in reversed(endpoints)}
    for source in sources.values():
        for target in endpoints:
            trace = network.prober.tracert(source, target.address, max_hops=max_hops)
            ping = network.prober.ping(source, target.address, count=2)
            outputs[(source.name, target.name)] = (windows.tracert_text(trace, {})
                                                   + windows.ping_text(ping))
    return outputs


@FAST
@given(doc=topologies())
def test_random_topologies_never_crash_and_traces_end(tmp_path: Path, doc: Doc) -> None:
    network = Network.open(_write(tmp_path, doc))
    endpoints = network.topology.endpoints()
    for source in endpoints:
        for target in endpoints:
            trace = network.prober.tracert(source, target.address, max_hops=10)
            assert 1 <= len(trace.hops) <= 10
            assert trace.walk.disposition in Disposition
            assert trace.reached == (trace.walk.delivered and trace.hops[-1].kind == "echo-reply")
    first, last = endpoints[0], endpoints[-1]
    file = str(tmp_path / "t.yaml")
    result = run_cli("tracert", "--json", "--topology", file, first.name, str(last.address))
    assert result.exit_code in (0, 1) and json.loads(result.output)["command"] == "tracert"
    commands = [["matrix"], ["matrix", "--json"], ["explain", first.name, str(last.address)],
                *(["routes", name] for name in network.topology.network_names),
                *(["bgp", name] for name in network.topology.circuits),
                *(["bgp", v.name] for v in network.topology.vnets.values() if v.vpn_gateway)]
    for command in commands:
        outcome = run_cli(*command, "--topology", file)
        assert outcome.exit_code == 0, (command, outcome.output)


@FAST
@given(doc=topologies(), order=st.randoms())
def test_file_order_does_not_matter(tmp_path: Path, doc: Doc, order: random.Random) -> None:
    before = _all_outputs(Network.open(_write(tmp_path, doc)))
    shuffled = dict(doc, networks=list(doc["networks"]), connections=list(doc["connections"]))
    order.shuffle(shuffled["networks"])
    order.shuffle(shuffled["connections"])
    after_net = Network.open(_write(tmp_path, shuffled, "shuffled.yaml"))
    # the first endpoint of each network is the same, so the sources are the same
    assert _all_outputs(after_net) == before
    for name, routes in Network.open(_write(tmp_path, doc)).plane.vnets.items():
        assert [r.route for r in routes.effective("default")] == \
               [r.route for r in after_net.plane.vnets[name].effective("default")]


def _renumber(text: str) -> str:
    """10.A.x.x -> 10.(A+100).x.x everywhere: a consistent renumbering of the private plan."""
    return re.sub(r"\b10\.(\d{1,2})\.", lambda m: f"10.{int(m.group(1)) + 100}.", text)


@FAST
@given(doc=topologies(ecmp=False))
def test_renumbering_renumbers_outputs_and_nothing_else(tmp_path: Path, doc: Doc) -> None:
    doc = dict(doc, jitter_ms=0.0)  # jitter and ECMP hash the addresses, so they are held still
    original = _write(tmp_path, doc)
    renumbered = tmp_path / "renumbered.yaml"
    renumbered.write_text(_renumber(original.read_text()))
    before = _all_outputs(Network.open(original))
    after = _all_outputs(Network.open(renumbered))
    assert after == {key: _renumber(text) for key, text in before.items()}


def test_hostile_topologies_end_quickly(tmp_path: Path) -> None:
    """A thousand-router chain (static routes both ways) and a loop at its end: bounded work."""
    count, base = 1000, IPv4Address("172.16.0.0")

    def link(i: int, side: int) -> IPv4Address:  # the /31 between r{i} (side 0) and r{i+1} (side 1)
        return base + 2 * i + side

    routers: list[dict[str, Any]] = []
    for i in range(count):
        interfaces = [{"name": "up", "address": f"{link(i - 1, 1)}/31"} if i else
                      {"name": "lan", "address": "10.9.0.1/24"}]
        statics = [{"prefix": "0.0.0.0/0", "next_hop": str(link(i, 1) if i + 1 < count else link(i - 2, 0))}]
        if i + 1 < count:
            interfaces.append({"name": "down", "address": f"{link(i, 0)}/31"})
        if i:
            statics.append({"prefix": "10.9.0.0/24", "next_hop": str(link(i - 1, 0))})
        routers.append({"name": f"r{i}", "interfaces": interfaces, "static_routes": statics})
    # the last router sends everything back up the chain: a loop between r998 and r999
    routers[-1]["static_routes"][0]["next_hop"] = str(link(count - 2, 0))
    doc = {"azint": 1, "networks": [{"name": "chain", "kind": "onprem", "asn": 65001, "routers": routers,
                                     "endpoints": [{"name": "pc", "address": "10.9.0.10", "gateway": "10.9.0.1"}]}]}
    network = Network.open(_write(tmp_path, doc))
    pc = network.topology.endpoints()[0]
    trace = network.prober.tracert(pc, IPv4Address("8.8.8.8"), max_hops=30)
    assert len(trace.hops) == 30 and not trace.reached
    assert trace.hops[29].address == link(28, 1)  # r29 answers from its "up" interface
    ping = network.prober.ping(pc, IPv4Address("8.8.8.8"), ttl=255)
    assert ping.walk.disposition is Disposition.TTL_EXCEEDED  # 255 routers on, the TTL runs out
    assert [r.kind for r in ping.replies] == ["ttl-expired"] * 4
    assert [r.address for r in ping.replies] == [link(253, 1)] * 4


def _matrix_pair_by_pair(network: Network) -> dict[tuple[str, str], tuple[object, ...]]:
    """Every cell as ``ping -n 1`` gives it, each walked from scratch (nothing shared)."""
    prober = Prober(network.plane)
    prober.forwarder.reuse = False
    ends = first_endpoints(network.topology)
    cells: dict[tuple[str, str], tuple[object, ...]] = {}
    for source, sender in ends.items():
        for target, receiver in ends.items():
            if source != target:
                result = prober.ping(sender, receiver.address, count=1)
                walk = result.walk
                reason = walk.reason if not walk.delivered else (
                    "" if result.echo_replies else "the echo reply does not come back")
                cells[(source, target)] = (bool(result.echo_replies), walk.delivered,
                                           mechanisms(prober, walk, source, target), reason)
    return cells


def _matrix_shared(network: Network) -> dict[tuple[str, str], tuple[object, ...]]:
    return _cells(reachability(network.prober))


@FAST
@given(doc=topologies())
def test_matrix_sharing_walks_equals_pair_by_pair(tmp_path: Path, doc: Doc) -> None:
    """``matrix`` walks each pair once each way and reuses a walk's way on for packets from
    other sources (ECMP hashing reads the source only where there is a choice): every cell, in
    order, is what pinging pair by pair gives (Azure: "Diagnose a virtual machine network
    routing problem", https://learn.microsoft.com/azure/virtual-network/diagnose-network-routing-problem)."""
    network = Network.open(_write(tmp_path, doc))
    expected = _matrix_pair_by_pair(network)
    found = _matrix_shared(network)
    assert list(found) == list(expected)
    assert found == expected
    _assert_walks_alike(network)


@FAST
@given(doc=topologies(), extra=st.lists(st.integers(0, 2**32 - 1), max_size=20))
def test_every_vnet_route_looked_up_at_once_is_each_looked_up_alone(
        tmp_path: Path, doc: Doc, extra: list[int]) -> None:
    """``matrix`` reads each VNet's table for all destinations together (``lookup_each``,
    sharing the hub's gateway layer between spokes): for every VNet, subnet and address it
    finds the route a lookup of that address alone finds, user, gateway and system routes
    ranked as Azure ranks them ("Virtual network traffic routing",
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview), and so
    does every probe that ends at once in its VNet: exactly those whose walk ends there, with
    the walk's reason."""
    network = Network.open(_write(tmp_path, doc))
    endpoints = network.topology.endpoints()
    values = sorted({int(e.address) for e in endpoints} | set(extra))
    seen: dict[int, Matches] = {}
    for name, routes in network.plane.vnets.items():
        for subnet in [None, *(s.name for s in network.topology.vnets[name].subnets)]:
            found = routes.lookup_each(subnet, values, seen)
            assert found == [routes.lookup(subnet, IPv4Address(v)) for v in values]
    prober = Prober(network.plane)
    prober.forwarder.reuse = False
    together = ended_at_once(prober.forwarder, [e.name for e in endpoints],
                             [e.address for e in endpoints])
    at_once = (Disposition.NO_ROUTE, Disposition.NULL_ROUTED, Disposition.EXITS_TO_INTERNET)
    for i, sender in enumerate(endpoints):
        for j, receiver in enumerate(endpoints):
            walk = prober.probe_walk(sender, receiver.address)
            ends = sender.network in network.plane.vnets and len(walk.steps) == 1 \
                and walk.disposition in at_once
            assert together.ends(i, j) == ends
            assert together.reason(i, j) == (walk.reason if ends else None)


@FAST
@given(base=st.floats(0, 5000), timeout=st.integers(0, 5000), jitter=st.floats(0, 10_000),
       local=st.booleans(), last=st.integers(0, 255))
def test_whether_a_probe_answers_in_time_is_whether_it_has_a_time(
        base: float, timeout: int, jitter: float, local: bool, last: int) -> None:
    """``matrix`` asks only whether a reply is in time, skipping the jitter's hash when even
    the largest jitter keeps it in time: always the answer timing the probe gives."""
    network = Network.open()
    prober = Prober(network.plane)
    object.__setattr__(network.topology, "jitter_ms", jitter)
    flow = Flow(IPv4Address("10.0.0.4"), IPv4Address(f"10.1.0.{last}"))
    assert prober.answers_in_time(flow, base, timeout, local) == (
        prober.probe_time(flow, 0, base, 0, timeout, local) is not None)


def _assert_walks_alike(network: Network) -> None:
    """Every probe's walk, hop by hop, is the same reusing ways on as walked from scratch."""
    shared, fresh = Prober(network.plane), Prober(network.plane)
    fresh.forwarder.reuse = False
    endpoints = network.topology.endpoints()
    for sender in endpoints:
        for receiver in endpoints:
            assert shared.probe_walk(sender, receiver.address) == \
                fresh.probe_walk(sender, receiver.address)


@pytest.mark.parametrize("name", ["nva-hub", "loops", "er-vpn", "two-circuits", "lan", "causes"])
def test_matrix_sharing_walks_equals_pair_by_pair_on_test_topologies(name: str) -> None:
    """The same on topologies with appliances, forwarded-traffic refusals, loops and NSGs."""
    path = Path(__file__).parent / "topologies" / f"{name}.yaml"
    assert _matrix_shared(Network.open(path)) == _matrix_pair_by_pair(Network.open(path))


def test_matrix_sharing_walks_equals_pair_by_pair_with_security_groups(tmp_path: Path) -> None:
    """With a network security group in play a reply is not walked as a probe (NSGs are
    stateful: "How network security groups filter network traffic",
    https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works), and
    the matrix still equals pinging pair by pair: here the hub's subnet denies ICMP from the
    peered VNet, so the echo request from there is dropped but the hub's own pings come back."""
    hub = vnet("hub", "10.0.0.0/24", vpn=True)
    hub["network_security_groups"] = [{"name": "no-peer-ping", "rules": [
        {"name": "deny", "priority": 100, "direction": "Inbound", "access": "Deny",
         "protocol": "Icmp", "source": "10.3.0.0/24"}]}]
    hub["subnets"][0]["network_security_group"] = "no-peer-ping"
    s1 = site("s1", 65001, "10.50.0.0/24", tunnel="10.50.0.250")
    network = build(tmp_path, [hub, vnet("peer", "10.3.0.0/24"), s1],
                    [vpn("hub-s1", "hub", ("s1-ce", "tunnel")), peering("hub-peer", "hub", "peer")])
    expected = _matrix_pair_by_pair(network)
    assert expected[("peer", "hub")][1] is False and expected[("hub", "peer")][0] is True
    assert _matrix_shared(network) == expected


@pytest.mark.parametrize("seed", [0, 7])
def test_matrix_sharing_walks_equals_pair_by_pair_in_a_landing_zone(tmp_path: Path, seed: int) -> None:
    """Many spokes converging on one hub's gateways, two circuits carrying the same prefixes
    (ECMP at the gateway, hashed on the source) and VPN branches: walks reused across sources
    are hop by hop those walked from scratch, and so is every cell (Azure: "Hub-spoke network
    topology in Azure", https://learn.microsoft.com/azure/architecture/networking/architecture/hub-spoke)."""
    doc = zone(12, 4, branches=3)
    doc["flow_hash_seed"] = seed
    network = Network.open(_write(tmp_path, doc))
    _assert_walks_alike(network)
    assert _matrix_shared(network) == _matrix_pair_by_pair(network)


def _cells(matrix: Matrix) -> dict[tuple[str, str], tuple[object, ...]]:
    """Each cell as compared: reachable, delivered, mechanisms, reason."""
    return {key: (c.reachable, c.delivered, c.mechanisms, c.reason)
            for key, c in matrix.cells.items()}


@pytest.mark.skipif(not forked.pays(2, 2), reason="walking in two processes needs fork and two cores")
def test_a_matrix_walked_in_two_processes_is_the_matrix_walked_in_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pairs to walk shared with a forked process give the same cells, in the same order,
    as walking them all here; and should the other process fail, its pairs are walked here."""
    path = _write(tmp_path, zone(12, 4, branches=3))
    monkeypatch.setattr(matrix_module, "PARALLEL_PAIRS", 10**9)
    alone = _cells(reachability(Network.open(path).prober))
    monkeypatch.setattr(matrix_module, "PARALLEL_PAIRS", 1)
    shared = _cells(reachability(Network.open(path).prober))
    assert list(shared) == list(alone) and shared == alone
    assert sum(c[0] for c in alone.values()) > 0

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the other process fails")

    monkeypatch.setattr(forked.pickle, "dumps", broken)
    assert _cells(reachability(Network.open(path).prober)) == alone
