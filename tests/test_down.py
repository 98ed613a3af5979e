"""``--down`` takes down every element ``whatif`` lists: connections, gateways and their
instances, routers and IGP links, several at once."""

from __future__ import annotations

from collections.abc import Callable

from azint.network import Network
from azint.topology import loader
from tests.conftest import Run


def test_every_failable_element_has_a_name_down_accepts() -> None:
    topology = loader.load()
    names = topology.downable_names()
    assert len(names) == len(set(names))
    for expected in ("hub-spoke", "er1", "er1-primary", "hub-er1", "loc1-vpn", "ergw:hub",
                     "ergw:hub@10.10.30.133", "vpngw:branch@10.11.30.100", "router:loc1-ce",
                     "igp:loc2-switch/to-ce1--loc2-ce1/to-switch"):
        assert expected in names
    for name in names:
        Network.of(topology, [name])  # each one computes


def test_a_gateway_instance_down_moves_flows_to_the_others(azint: Callable[..., Run]) -> None:
    """Circuit er1's connection to the hub ends at .132 and .133: with .132 down, its flows
    leave from .133 (not .134, the end of er2's connection)."""
    before = azint("tracert", "-d", "spoke", "10.2.30.10")
    after = azint("tracert", "-d", "spoke", "10.2.30.10", "--down", "ergw:hub@10.10.30.132")
    assert before.code == after.code == 0
    assert before.out.splitlines()[3].endswith("10.10.30.132")
    assert "10.10.30.132" not in after.out and after.out.splitlines()[3].endswith("10.10.30.133")


def test_a_connections_instances_all_down_leaves_from_the_others(azint: Callable[..., Run]) -> None:
    """With .134, the only tunnel end of er2's connection, down, the flow leaves from the
    instance it reached: the gateway stays up while any instance does."""
    after = azint("tracert", "-d", "spoke", "10.1.31.10", "--down", "ergw:hub@10.10.30.134")
    assert after.code == 0
    assert after.out.splitlines()[3].endswith(("10.10.30.132", "10.10.30.133"))


def test_every_instance_down_is_the_gateway_down(azint: Callable[..., Run]) -> None:
    """location2 has only ExpressRoute: without the hub's ExpressRoute gateway it is cut off."""
    instances = [f"ergw:hub@10.10.30.{n}" for n in (132, 133, 134)]
    all_down = azint("ping", "-n", "1", "spoke", "10.1.31.10", *[a for i in instances for a in ("--down", i)])
    gateway_down = azint("ping", "-n", "1", "spoke", "10.1.31.10", "--down", "ergw:hub")
    assert all_down.code == gateway_down.code == 1
    assert all_down.out == gateway_down.out


def test_a_router_down_fails_over_to_the_other_edge(azint: Callable[..., Run]) -> None:
    """loc2 has two CE routers; the flow takes loc2-ce2 (.4), and with it down, loc2-ce1 (.0)."""
    before = azint("tracert", "-d", "location2", "10.10.30.4")
    after = azint("tracert", "-d", "location2", "10.10.30.4", "--down", "router:loc2-ce2")
    assert before.code == after.code == 0
    assert "192.168.31.4" in before.out and "192.168.31.0" not in before.out
    assert "192.168.31.0" in after.out and "192.168.31.4" not in after.out


def test_a_router_down_cuts_what_only_it_reaches(azint: Callable[..., Run]) -> None:
    run = azint("ping", "-n", "1", "hub", "10.2.30.10", "--down", "router:loc1-ce")
    assert run.code == 1


def test_an_igp_link_down_takes_its_interfaces_down(azint: Callable[..., Run]) -> None:
    run = azint("tracert", "-d", "location2", "10.10.30.4",
                "--down", "igp:loc2-switch/to-ce2--loc2-ce2/to-switch")
    assert run.out.splitlines()[4].endswith("192.168.31.0")  # the switch's OSPF goes to ce1 only
    assert "192.168.31.4" not in run.out
    both = azint("ping", "-n", "1", "location2", "10.10.30.4",
                 "--down", "igp:loc2-switch/to-ce1--loc2-ce1/to-switch",
                 "--down", "igp:loc2-switch/to-ce2--loc2-ce2/to-switch")
    assert both.code == 1


def test_an_unknown_name_suggests_the_closest(azint: Callable[..., Run]) -> None:
    run = azint("ping", "hub", "10.2.30.10", "--down", "router:loc1-c")
    assert run.code == 2
    assert run.err == "azint: error: --down: no link or connection named 'router:loc1-c'; did you mean 'router:loc1-ce'?\n"


def test_every_element_whatif_lists_is_taken_down_by_that_name(azint: Callable[..., Run]) -> None:
    """Each name whatif reports is one --down accepts, and naming it there has the effect whatif
    reports: matrix with it down cuts exactly the pairs whatif says it loses (and restores those
    it gains); all of them down at once is accepted too."""
    def cut(*down: str) -> set[tuple[str, str]]:
        run = azint("matrix", "--json", *(arg for name in down for arg in ("--down", name)))
        assert run.err == "", down
        return {(c["source"], c["target"]) for c in run.json()["cells"] if not c["reachable"]}

    failures = azint("whatif", "--json").json()["failures"]
    assert len(failures) == 26
    before = cut()
    for failure in failures:
        lost = {(p["source"], p["target"]) for p in failure["lost"]}
        gained = {(p["source"], p["target"]) for p in failure["gained"]}
        assert cut(*failure["down"]) == (before | lost) - gained, failure["down"]
    assert len(cut(*(name for failure in failures for name in failure["down"]))) == 30
