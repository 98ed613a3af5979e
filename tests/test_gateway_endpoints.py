"""An ExpressRoute gateway's answering address is its circuit connection's tunnel end (Rule 3.6).

"Interoperability in Azure - Data plane analysis"
(https://learn.microsoft.com/azure/networking/connectivity-interoperability-data-plane): the
first hop of a trace leaving the hub over ExpressRoute is "the Azure ExpressRoute gateway tunnel
endpoint to a Microsoft Enterprise edge router (MSEE)" — 10.10.30.132 or .133 on every path over
ExpressRoute 1, 10.10.30.134 on the paths over ExpressRoute 2.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

from azint.data.endpoints import resolve_source
from azint.network import Network
from tests.builders import Doc, build, circuit, site, vnet
from tests.conftest import run_cli
from tests.seedcompare import tracert_differences

# The corrected article's trace (its 2018 edition repeated the location1 trace under this title).
SPOKE_TO_LOCATION2 = """
Tracing route to 10.1.31.10 over a maximum of 30 hops

  1    76 ms    75 ms    76 ms  10.10.30.134
  2     *        *        *     Request timed out.
  3     *        *        *     Request timed out.
  4    75 ms    75 ms    75 ms  10.1.31.10

Trace complete.
"""


def test_spoke_to_location2_is_the_corrected_articles_trace() -> None:
    """The article as corrected (section "Data path from the spoke virtual network", "Path to
    on-premises Location 2"): the hub's gateway answers from .134, er2's tunnel end."""
    result = run_cli("tracert", "spoke", "10.1.31.10")
    assert result.exit_code == 0
    assert tracert_differences(SPOKE_TO_LOCATION2, result.output) == []


def test_every_er2_path_leaves_from_er2s_tunnel_end() -> None:
    """Whatever instance the VNet hashed a flow to, a flow over er2 leaves from .134, and a
    flow over er1 from .132 or .133."""
    for source in ("hub", "spoke"):
        er2 = run_cli("tracert", "-d", "-h", "1", source, "10.1.31.10").output
        assert er2.splitlines()[3].endswith("10.10.30.134")
        for target in ("10.2.30.10", "10.17.30.4"):
            er1 = run_cli("tracert", "-d", "-h", "1", source, target).output
            assert er1.splitlines()[3].endswith(("10.10.30.132", "10.10.30.133"))


def _two_circuits(tmp_path: Path, ends: dict[str, list[str]]) -> Network:
    hub = vnet("hub", "10.10.0.0/24", er=True)
    hub["gateways"]["expressroute"]["instances"] = ["10.10.0.228", "10.10.0.229", "10.10.0.230"]
    sites = [site("a", 65001, "10.1.0.0/24"), site("b", 65002, "10.2.0.0/24")]
    circuits: list[Doc] = []
    for name, third in (("a", 1), ("b", 2)):
        doc = circuit(f"er-{name}", [(f"er-{name}-1", "primary", f"192.168.{third}.0/30", f"{name}-ce"),
                                     (f"er-{name}-2", "secondary", f"192.168.{third}.4/30", f"{name}-ce")],
                      [(f"hub-{name}", "hub")])
        if name in ends:
            doc["vnets"][0]["gateway_instances"] = ends[name]
        circuits.append(doc)
    return build(tmp_path, [hub, *sites], circuits)


def _first_hop(net: Network, target: str) -> IPv4Address | None:
    source = resolve_source(net.topology, "hub")
    return net.prober.tracert(source, IPv4Address(target), max_hops=1).hops[0].address


def test_a_connections_tunnel_ends_answer_for_it(tmp_path: Path) -> None:
    """Each circuit's flows leave from the instance its connection names."""
    net = _two_circuits(tmp_path, {"a": ["10.10.0.228"], "b": ["10.10.0.230"]})
    assert _first_hop(net, "10.1.0.10") == IPv4Address("10.10.0.228")
    assert _first_hop(net, "10.2.0.10") == IPv4Address("10.10.0.230")


def test_without_tunnel_ends_the_flow_leaves_where_it_arrived(tmp_path: Path) -> None:
    """A connection that names no instance: the flow leaves from the instance the VNet chose,
    the route's next hop the walk took."""
    net = _two_circuits(tmp_path, {})
    source = resolve_source(net.topology, "hub")
    trace = net.prober.tracert(source, IPv4Address("10.2.0.10"), max_hops=1)
    step = trace.walk.steps[1]
    assert trace.hops[0].address == step.reply_address
    assert step.reply_address in {IPv4Address(f"10.10.0.{n}") for n in (228, 229, 230)}


def test_a_connections_ends_down_it_leaves_from_another_instance(tmp_path: Path) -> None:
    """With the connection's only tunnel end down, the gateway still carries the flow."""
    topology = _two_circuits(tmp_path, {"b": ["10.10.0.230"]}).topology
    net = Network.of(topology, ["ergw:hub@10.10.0.230"])
    assert _first_hop(net, "10.2.0.10") in {IPv4Address("10.10.0.228"), IPv4Address("10.10.0.229")}
