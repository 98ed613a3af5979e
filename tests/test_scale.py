"""What keeps azint fast at scale (issue 13) without changing a single answer.

* A trace through an on-premises site computes the IGP tables of the routers it passes only:
  a chain of a thousand routers costs what the thirty hops cost. Rule 6.1
  (docs/azure-routing.md): OSPF among a site's routers, every equal-cost next hop kept (RFC 2328,
  section 16.1; "Optimize ExpressRoute routing",
  https://learn.microsoft.com/azure/expressroute/expressroute-optimize-routing).
* The cyclic garbage collector is paused while a model is built and resumed after.
* ``azint tracert`` imports neither rich, nor the explanation machinery, nor JSON.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from azint.collector import paused
from azint.data.endpoints import resolve_source
from azint.data.forked import in_two
from azint.network import Network
from tests.builders import Doc, build, circuit, vnet


def _chain(routers: int) -> tuple[list[Doc], list[Doc]]:
    """A hub and, over one circuit, routers r0 .. rN-1 in a chain, each with a LAN it
    redistributes; the host sits behind the last."""
    names = [f"r{i}" for i in range(routers)]
    interfaces: dict[str, list[Doc]] = {n: [] for n in names}
    links = []
    for i in range(routers - 1):
        net = IPv4Network((0x64000000 + i * 4, 30))
        interfaces[names[i]].append({"name": "next", "address": f"{net[1]}/30"})
        interfaces[names[i + 1]].append({"name": "back", "address": f"{net[2]}/30"})
        links.append({"a": f"r{i}/next", "b": f"r{i + 1}/back"})
    site_routers: list[Doc] = []
    for i, name in enumerate(names):
        lan = IPv4Network((0xAC100000 + i * 256, 24))
        router: Doc = {"name": name, "interfaces": [{"name": "lan", "address": f"{lan[1]}/24"},
                                                    *interfaces[name]],
                       "redistribute": ["connected", "bgp"] if i == 0 else ["connected"]}
        if i == 0:
            router["bgp"] = {"advertise": ["172.16.0.0/12"]}
        site_routers.append(router)
    last = IPv4Network((0xAC100000 + (routers - 1) * 256, 24))
    site = {"name": "dc", "kind": "onprem", "asn": 65001, "routers": site_routers, "links": links,
            "endpoints": [{"name": "dc-vm", "address": str(last[10]), "gateway": str(last[1])}]}
    er = circuit("er", [("er-p", "primary", "192.168.0.16/30", "r0")], [("hub-er", "hub")])
    return [vnet("hub", "10.0.0.0/24", er=True), site], [er]


def test_a_trace_computes_the_tables_of_the_routers_it_passes_only(tmp_path: Path) -> None:
    networks, connections = _chain(12)
    network = build(tmp_path, networks, connections)
    trace = network.prober.tracert(resolve_source(network.topology, "hub"),
                                   IPv4Address("172.16.11.10"), max_hops=6)
    assert not trace.reached and len(trace.hops) == 6
    computed = {name for name, r in network.plane.routers.items() if "table" in vars(r)}
    assert "r0" in computed and computed <= {f"r{i}" for i in range(6)}
    assert {"r8", "r9", "r10", "r11"}.isdisjoint(computed)


def test_a_table_read_late_is_the_table_computed_first(tmp_path: Path) -> None:
    """Every router's IGP routes are what they were when all were computed up front: the
    shortest path in links to every other router's LAN, over the one next hop on the chain."""
    networks, connections = _chain(6)
    network = build(tmp_path, networks, connections)
    for i in range(6):
        table = network.plane.routers[f"r{i}"].table
        for j in range(6):
            if j == i:
                continue
            route = table.get(IPv4Network((0xAC100000 + j * 256, 24)))
            assert route is not None and route.source == "ospf"
            assert route.origin == f"OSPF, {abs(i - j)} hop{'s' if abs(i - j) > 1 else ''}"
            assert [h.element.name for h in route.next_hops] == [f"r{i + 1 if j > i else i - 1}"]


PAIRS = [(a, b) for a in range(4) for b in range(a + 1, 4)]


def test_a_full_mesh_keeps_the_latency_of_each_link(tmp_path: Path) -> None:
    """Four routers, each pair linked; each link's latency (found by its two ends) is the
    connected next hop's."""
    routers = [f"m{i}" for i in range(4)]
    interfaces: dict[str, list[Doc]] = {r: [] for r in routers}
    links = []
    for number, (i, j) in enumerate(PAIRS):
        net = IPv4Network((0x64000000 + number * 4, 30))
        interfaces[routers[i]].append({"name": f"to-m{j}", "address": f"{net[1]}/30"})
        interfaces[routers[j]].append({"name": f"to-m{i}", "address": f"{net[2]}/30"})
        links.append({"a": f"m{i}/to-m{j}", "b": f"m{j}/to-m{i}", "latency_ms": 1 + number})
    site = {"name": "dc", "kind": "onprem", "asn": 65001, "links": links,
            "routers": [{"name": r, "interfaces": interfaces[r]} for r in routers]}
    network = build(tmp_path, [site], [])
    for number, (i, j) in enumerate(PAIRS):
        net = IPv4Network((0x64000000 + number * 4, 30))
        route = network.plane.routers[f"m{i}"].table.get(net)
        assert route is not None
        assert [(h.element.name, h.latency_ms) for h in route.next_hops] == [(f"m{j}", 1 + number)]


def test_the_collector_is_paused_while_building_and_resumed_after(tmp_path: Path) -> None:
    networks, connections = _chain(3)
    seen: list[bool] = []
    original = Network.__post_init__

    def spy(self: Network) -> None:
        seen.append(gc.isenabled())
        original(self)

    Network.__post_init__ = spy  # type: ignore[method-assign]
    try:
        build(tmp_path, networks, connections)
    finally:
        Network.__post_init__ = original  # type: ignore[method-assign]
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # a pause inside a pause leaves the outer one paused
    finally:
        gc.enable()


class _Cyclic:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_what_a_pause_made_goes_to_the_oldest_generation_and_cycles_are_still_freed() -> None:
    """The first young collection after a build would walk the whole model again; it is moved
    to the oldest generation instead, where a full collection still frees its cycles."""
    was_frozen = gc.get_freeze_count() > 0  # a command run in this process froze its imports
    gc.unfreeze()
    try:
        with paused():
            kept = [[index] for index in range(2_000)]
            probe = weakref.ref(_Cyclic())
        assert gc.isenabled() and gc.get_count()[0] < 1_000
        assert id(kept[0]) in {id(o) for o in gc.get_objects(generation=2)}
        assert probe() is not None  # garbage, but in a cycle: left to the collector
        gc.collect()
        assert probe() is None
    finally:
        if was_frozen:
            gc.freeze()


def test_a_pause_leaves_what_was_frozen_for_good_frozen() -> None:
    """Objects frozen on purpose (``gc.freeze``) stay out of the collector's sight after a pause."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused():
            pass
        assert gc.get_freeze_count() == frozen > 0
    finally:
        gc.unfreeze()


def test_tracert_imports_only_what_tracing_needs() -> None:
    code = ("import sys\nfrom azint.cli import main\ntry:\n    main(['tracert', 'hub', '10.2.30.10'])\n"
            "except SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rich', 'json', 'azint', 'click', 'string'))), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert "Trace complete." in done.stdout
    assert "azint.data.probes" in loaded
    unwanted = {"rich", "json", "azint.control.why", "azint.data.explain", "azint.render.explain",
                "azint.render.jsonout", "azint.render.tables",
                "click.shell_completion", "string",  # completions only; string compiles a regex
                "azint.control.security"}  # the bundled topology has no NSG
    assert not loaded & unwanted


@pytest.mark.parametrize("command", [["matrix"], ["routes", "hub"]])
def test_a_table_printed_to_a_pipe_does_not_import_rich(command: list[str]) -> None:
    """rich draws tables on a terminal only: a piped table is plain text, without it."""
    code = (f"import sys\nfrom azint.cli import main\ntry:\n    main({command!r})\n"
            "except SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'rich')), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() and not done.stderr.split()


def test_a_prefix_read_from_the_file_is_the_network_it_stands_for() -> None:
    """Prefixes hash once (they key millions of table entries) and are otherwise IPv4Networks."""
    import pickle

    from azint.topology.prefix import Prefix

    prefix, network = Prefix("10.1.0.0/16"), IPv4Network("10.1.0.0/16")
    assert prefix == network and network == prefix and hash(prefix) == hash(network)
    assert {network: "found"}[prefix] == "found" and {prefix: "found"}[network] == "found"
    assert repr(prefix) == repr(network) and str(prefix) == "10.1.0.0/16"
    assert sorted([IPv4Network("10.2.0.0/16"), prefix]) == [network, IPv4Network("10.2.0.0/16")]
    assert pickle.loads(pickle.dumps(prefix)) == network
    assert Prefix((0x0A010000, 16)) == network


def test_spokes_of_two_topologies_in_turn_are_each_their_own(tmp_path: Path) -> None:
    """A hub's transit spokes are indexed per topology: a second topology checked after a first
    (as ``diff`` and ``whatif`` do) gets its own. Azure: "Configure VPN gateway transit for
    virtual network peering", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit
    (a spoke using the hub's gateway learns, and is advertised by, the hub's gateway)."""
    from azint.topology.checks import _transit_spokes
    from tests.builders import peering

    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    one = build(tmp_path / "1", [vnet("hub", "10.0.0.0/24", er=True), vnet("sa", "10.1.0.0/24")],
                [peering("hub-a", "hub", "sa", transit=True)])
    two = build(tmp_path / "2", [vnet("hub", "10.0.0.0/24", er=True), vnet("sb", "10.2.0.0/24"),
                                 vnet("sc", "10.3.0.0/24")],
                [peering("hub-b", "hub", "sb", transit=True), peering("hub-c", "hub", "sc")])
    assert _transit_spokes(one.topology, "hub") == ["sa"]
    assert _transit_spokes(two.topology, "hub") == ["sb"]
    assert _transit_spokes(one.topology, "hub") == ["sa"] and _transit_spokes(one.topology, "sa") == []


def test_the_console_entry_exits_without_tearing_the_interpreter_down() -> None:
    """``azint`` ends with its exit code and its output flushed, skipping the interpreter's
    teardown (freeing every module and object one by one): a start-up cost nobody waits for."""
    code = ("import atexit, sys\natexit.register(lambda: print('teardown', file=sys.stderr))\n"
            "sys.argv = ['azint', '{}', 'hub', '{}']\nfrom azint.cli import main\nmain()")
    done = subprocess.run([sys.executable, "-c", code.format("tracert", "10.2.30.10")],
                          capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.rstrip().endswith("Trace complete.")
    bad = subprocess.run([sys.executable, "-c", code.format("tracert", "10.2.30.999")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("azint: error:")
    assert "teardown" not in bad.stderr and bad.stdout == ""


def test_what_imports_made_is_frozen_out_of_the_collectors_sight() -> None:
    """Modules, classes and functions live until the process ends: after the start-up imports the
    collector no longer walks them (``gc.freeze``); imports that load nothing new freeze nothing."""
    code = ("import gc\nfrom azint.cli import main\nprint(gc.get_freeze_count() > 0)\n"
            "from azint.collector import importing\ngc.unfreeze()\nwith importing():\n"
            "    import azint.cli\nprint(gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "0"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a second process needs fork")
def test_work_in_two_processes_gives_every_result_in_order_and_survives_a_failed_one() -> None:
    """``in_two``: the second half is worked by a forked process (another pid), the results
    come back in the items' order; when the other process fails, its half is worked here."""
    parent = os.getpid()

    def work(items: list[int]) -> list[tuple[int, int]]:
        return [(item * 2, os.getpid()) for item in items]

    found = in_two(work, list(range(10)))
    assert [value for value, _ in found] == [item * 2 for item in range(10)]
    assert {pid for _, pid in found[:5]} == {parent} and parent not in {pid for _, pid in found[5:]}

    def failing_elsewhere(items: list[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("the other process fails")
        return [item + 1 for item in items]

    assert in_two(failing_elsewhere, [1, 2, 3]) == [2, 3, 4]
    assert in_two(work, []) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a second process needs fork")
def test_work_in_two_processes_is_done_here_when_no_process_can_be_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A system that refuses another process (a process limit, a sandbox) costs only time."""
    def refused() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert in_two(lambda items: [item * 3 for item in items], [1, 2, 3, 4]) == [3, 6, 9, 12]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a second process needs fork")
def test_an_error_in_this_half_ends_the_other_process_too() -> None:
    """The error is this process's to report; the forked one is ended and reaped, not left
    waiting to hand over its half."""
    parent = os.getpid()

    def work(items: list[int]) -> list[int]:
        if os.getpid() == parent:
            raise ValueError("this half fails")
        return items

    with pytest.raises(ValueError, match="this half fails"):
        in_two(work, list(range(4)))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of this process is left, not even a zombie
