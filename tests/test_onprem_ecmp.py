"""On-premises IGP: every equal-cost path is kept, so the order of a site's links never matters.

Rule 6.1 (docs/azure-routing.md): OSPF routes among a site's routers. Sources: RFC 2328
(OSPF version 2), section 16.1, which keeps every next hop of equal-cost paths ("equal-cost
multipath"), and, for spreading flows over them, Microsoft's "Optimize ExpressRoute routing",
https://learn.microsoft.com/azure/expressroute/expressroute-optimize-routing (ECMP across
equal paths, per flow).
"""

from __future__ import annotations

import random
import tempfile
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from azint.data.endpoints import resolve_source
from tests.builders import Doc, build
from tests.conftest import run_cli

# a - b, a - c, b - d, c - d, d - e: two equal paths from a to d and on, two links further, to e.
LINKS = (("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e"))


def _diamond(links: tuple[tuple[str, str], ...] = LINKS, flip: frozenset[int] = frozenset()) -> Doc:
    """Site dc: routers a..e joined by /31 links, LANs behind a (10.1.0.0/24) and e (10.5.0.0/24)."""
    interfaces: dict[str, list[Doc]] = {r: [] for r in "abcde"}
    site_links: list[Doc] = []
    for x, y in links:
        index = LINKS.index((x, y))
        subnet = IPv4Network(f"192.168.0.{2 * index}/31")
        interfaces[x].append({"name": f"to-{y}", "address": f"{subnet[0]}/31"})
        interfaces[y].append({"name": f"to-{x}", "address": f"{subnet[1]}/31"})
        ends = [f"{x}/to-{y}", f"{y}/to-{x}"]
        if index in flip:
            ends.reverse()
        site_links.append({"a": ends[0], "b": ends[1]})
    interfaces["a"].append({"name": "lan", "address": "10.1.0.1/24"})
    interfaces["e"].append({"name": "lan", "address": "10.5.0.1/24"})
    routers = [{"name": r, "interfaces": interfaces[r], "redistribute": ["connected"]} for r in "abcde"]
    hosts = [{"name": f"pc{i}", "address": f"10.1.0.{10 + i}", "gateway": "10.1.0.1"} for i in range(8)]
    hosts.append({"name": "server", "address": "10.5.0.10", "gateway": "10.5.0.1"})
    return {"name": "dc", "kind": "onprem", "asn": 65001, "routers": routers, "links": site_links,
            "endpoints": hosts}


def _routes_output(directory: Path, site: Doc) -> str:
    """``azint routes dc`` (every router's table) on a topology holding only ``site``."""
    path = directory / "t.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "t", "networks": [site]}, sort_keys=False))
    result = run_cli("routes", "dc", "--topology", str(path))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_diamond_keeps_both_next_hops_two_links_beyond_it(tmp_path: Path) -> None:
    """From a, e's LAN is three links away over b or c: both are next hops (RFC 2328 16.1),
    not only the first link found; d, where the paths join, is reached over both too."""
    network = build(tmp_path, [_diamond()], [])
    table = network.plane.routers["a"].table
    for prefix in ("10.5.0.0/24", "192.168.0.8/31"):  # e's LAN, and the d - e link
        route = table.get(IPv4Network(prefix))
        assert route is not None and route.source == "ospf"
        assert sorted(str(h.element) for h in route.next_hops) == ["router:b", "router:c"], prefix


def test_flows_spread_over_both_paths_and_all_arrive(tmp_path: Path) -> None:
    """The data plane hashes each flow onto one of a's two next hops (per flow, never per
    packet): over eight sources both paths carry traffic, and every trace arrives."""
    network = build(tmp_path, [_diamond()], [])
    crossed = set()
    for i in range(8):
        trace = network.prober.tracert(resolve_source(network.topology, f"pc{i}"),
                                       IPv4Address("10.5.0.10"))
        assert trace.reached
        assert len(trace.hops) == 5  # a, b or c, d, e, then the server
        crossed.add(trace.hops[1].address)
    assert crossed == {IPv4Address("192.168.0.1"), IPv4Address("192.168.0.3")}


@settings(max_examples=15, deadline=None)
@given(order=st.randoms(use_true_random=False), flip=st.frozensets(st.integers(0, 4)))
def test_the_order_and_direction_of_links_never_change_the_routes_output(
        order: random.Random, flip: frozenset[int]) -> None:
    """Shuffled links, each written either way round: ``azint routes`` prints the same tables."""
    shuffled = list(LINKS)
    order.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp:
        assert _routes_output(Path(tmp), _diamond(tuple(shuffled), flip)) == _routes_output(
            Path(tmp), _diamond())
