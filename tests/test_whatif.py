"""``azint whatif``: every element that can fail, what it cuts and what it moves; the sweep's
shortcut (walk again only what a failure's table changes can touch) gives the exhaustive answer."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from azint.gate import sweep as sweep_module
from azint.gate.check import single_failures
from azint.gate.pairs import all_pairs
from azint.gate.sweep import sweep
from azint.network import Network
from azint.topology import loader
from tests.bench import landing_zone
from tests.builders import build
from tests.conftest import Run, topology
from tests.test_properties import topologies


def test_er1_primary_costs_location1_the_remote_vnet_and_moves_it_to_the_vpn(
        azint: Callable[..., Run]) -> None:
    """ExpressRoute and site-to-site VPN as failover ("Configure ExpressRoute and Site-to-Site
    coexisting connections", https://learn.microsoft.com/azure/expressroute/
    expressroute-howto-coexist-resource-manager): the remote VNet is reachable over ExpressRoute
    only, the hub over either."""
    run = azint("whatif", "--json")
    assert run.code == 0
    document = run.json()
    assert (document["schema"], document["pairs"], document["reachable"]) == (1, 30, 22)
    assert document["down"] == []
    effects = {tuple(f["down"]): f for f in document["failures"]}
    er1 = effects[("er1-primary",)]
    assert {(p["source"], p["target"]) for p in er1["lost"]} == {("location1", "remote"),
                                                                   ("remote", "location1")}
    moved = {(p["source"], p["target"]): p for p in er1["moved"]}
    assert moved[("location1", "hub")]["before"]["connections"] == ["er1"]
    assert moved[("location1", "hub")]["after"]["connections"] == ["loc1-vpn"]
    assert set(moved) == {("hub", "location1"), ("spoke", "location1"), ("location1", "hub"),
                          ("location1", "spoke")}
    # every element that can fail is listed, each once
    assert sorted(effects) == sorted((name,) for name in single_failures(loader.load()))
    assert effects[("er1-secondary",)]["lost"] == effects[("er1-secondary",)]["moved"] == []


def test_the_table_ranks_single_points_of_failure_first(azint: Callable[..., Run]) -> None:
    run = azint("whatif")
    lines = run.out.splitlines()
    assert lines[0] == "What if one element fails: 26 cases, 30 pairs of networks (22 reachable)"
    rows = lines[lines.index(next(line for line in lines if line.startswith("----"))) + 1:]
    assert rows[0].split()[:4] == ["hub-spoke", "peering", "10", "0"]
    er1 = next(row for row in rows if row.startswith("er1-primary "))
    assert "location1->remote" in er1 and "location1->hub (er1 => loc1-vpn)" in er1
    header = lines[2]
    column = header.index("Lost")
    lost = [int(row[column:].split()[0]) for row in rows[:26]]
    assert lost == sorted(lost, reverse=True)


Pairs = set[tuple[str, str]]


def exhaustive(network: Network, down: tuple[str, ...]) -> tuple[Pairs, Pairs, Pairs]:
    before = all_pairs(network)
    after = all_pairs(Network.of(network.topology, down))
    lost = {p for p in before if before[p].reachable and not after[p].reachable}
    moved = {p for p in before if before[p].reachable and after[p].reachable
             and before[p].path != after[p].path}
    gained = {p for p in before if after[p].reachable and not before[p].reachable}
    return lost, moved, gained


def small_landing_zone(tmp_path: Path) -> Network:
    zone = landing_zone(4, 3)
    return build(tmp_path, zone["networks"], zone["connections"])  # type: ignore[arg-type]


@pytest.mark.parametrize("which", ["reference", "landing zone", "nva-hub"])
def test_the_shortcut_matches_walking_every_pair_again(tmp_path: Path, which: str) -> None:
    network = (Network.open() if which == "reference" else small_landing_zone(tmp_path)
               if which == "landing zone" else Network.open(Path(topology(which))))
    found = sweep(network)
    assert len(found.effects) == len(single_failures(network.topology))
    for effect in found.effects:
        lost, moved, gained = exhaustive(network, effect.down)
        assert {p.pair for p in effect.lost} == lost, effect.down
        assert {p.pair for p in effect.moved} == moved, effect.down
        assert {p.pair for p in effect.gained} == gained, effect.down
    walked = sum(e.walked for e in found.effects)
    assert walked < len(found.effects) * found.pairs  # it did skip pairs


def test_depth_two_finds_what_fails_only_together(azint: Callable[..., Run]) -> None:
    document = azint("whatif", "--depth", "2", "--json").json()
    effects = {tuple(f["down"]): f for f in document["failures"]}
    together = effects[("er1-primary", "loc1-vpn")]
    assert ["hub", "location1"] in together["lost_only_together"]
    assert ["location1", "hub"] in together["lost_only_together"]
    # through the shortcut, each pair of failures is what failing both gives; adding up the two
    # single failures would not be: hub-er1 moves location1 onto the VPN, the hub's VPN gateway
    # instance alone costs location1 nothing, both together cut it off
    tricky = ("hub-er1", "vpngw:hub@10.10.30.142", "er1-primary", "loc1-vpn", "er2-secondary",
              "router:loc2-ce1", "hub-spoke")
    for down, effect in effects.items():
        if len(down) == 2 and set(down) <= set(tricky):
            lost, moved, gained = exhaustive(Network.open(), down)
            assert ({(p["source"], p["target"]) for p in effect["lost"]},
                    {(p["source"], p["target"]) for p in effect["moved"]},
                    {(p["source"], p["target"]) for p in effect["gained"]}) == (lost, moved, gained)
    assert ["location1", "hub"] in effects[("hub-er1", "vpngw:hub@10.10.30.142")]["lost_only_together"]
    n = len(single_failures(loader.load()))
    assert len(effects) == n + n * (n - 1) // 2
    assert document["failures"][0]["lost_only_together"]  # ranked by what only the pair cuts


def test_whatif_starts_from_what_is_already_down(azint: Callable[..., Run]) -> None:
    document = azint("whatif", "--json", "--down", "er1-primary").json()
    assert document["down"] == ["er1-primary"]
    effects = {tuple(f["down"]): f for f in document["failures"]}
    lost = {(p["source"], p["target"]) for p in effects[("loc1-vpn",)]["lost"]}
    assert ("location1", "hub") in lost  # with ExpressRoute 1's link down, the VPN is all there is
    # what is already down is not failed again: neither the link nor a downed gateway's instances
    degraded = azint("whatif", "--json", "--down", "er1-primary", "--down", "ergw:hub").json()
    swept = [tuple(f["down"]) for f in degraded["failures"]]
    assert ("er1-primary",) not in swept and not any(d[0].startswith("ergw:hub@") for d in swept)
    assert len(swept) == len(single_failures(loader.load())) - 4


def test_progress_is_reported(tmp_path: Path) -> None:
    """Progress rises to every failure swept (half of them may be swept by a second
    process: this one counts its own for both)."""
    seen: list[tuple[int, int]] = []
    sweep(Network.open(), 1, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (26, 26) and len(seen) >= 13
    assert {total for _, total in seen} == {26}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_sweep_shared_with_a_second_process_is_the_sweep_done_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures swept half in a forked process give the same effects, in the same order, as
    sweeping them all here, at depth 1 and 2."""
    network = Network.open()
    shared = [sweep(network, depth) for depth in (1, 2)]
    monkeypatch.setattr(sweep_module, "PARALLEL_FAILURES", 10**9)
    assert [sweep(network, depth) for depth in (1, 2)] == shared


@given(doc=topologies())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_on_random_topologies_the_shortcut_is_exhaustive(tmp_path: Path, doc: dict[str, object]) -> None:
    network = build(tmp_path, doc["networks"], doc["connections"],  # type: ignore[arg-type]
                    flow_hash_seed=doc["flow_hash_seed"])
    for effect in sweep(network).effects:
        lost, moved, gained = exhaustive(network, effect.down)
        assert ({p.pair for p in effect.lost}, {p.pair for p in effect.moved},
                {p.pair for p in effect.gained}) == (lost, moved, gained), effect.down


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal_only_once_it_takes_a_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    from azint.cli.gate import progress_bar

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar("whatif", after_s=3600) as update:
        update(1, 2)
    assert terminal.getvalue() == ""  # quick work shows nothing
    with progress_bar("whatif", after_s=0) as update:
        update(1, 2)
        update(2, 2)
    assert "whatif" in terminal.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    with progress_bar("whatif", after_s=0) as update:
        update(1, 2)
    assert piped.getvalue() == ""



@given(doc=topologies())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_pairs_their_vnet_ends_at_once_have_the_states_pinging_gives(
        tmp_path: Path, doc: dict[str, object]) -> None:
    """``diff`` and ``whatif`` answer a pair whose probe its VNet's route ends at once (no
    route, ``None``, the Internet) without pinging it: every pair's state is still the one
    pinging it gives ("Virtual network traffic routing",
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview)."""
    from azint.gate.pairs import network_pairs, pair_state
    from azint.gate.paths import Crossings

    network = build(tmp_path, doc["networks"], doc["connections"],  # type: ignore[arg-type]
                    flow_hash_seed=doc["flow_hash_seed"])
    crossings = Crossings(network.topology)
    pinged = {pair: pair_state(network, crossings, *ends)[0]
              for pair, ends in network_pairs(network.topology).items()}
    assert all_pairs(network) == pinged
