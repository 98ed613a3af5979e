"""BGP policies without a stable state (refused) or with several (warned): found per prefix.

Sources: Griffin, Shepherd and Wilfong, "The Stable Paths Problem and Interdomain Routing"
(IEEE/ACM Transactions on Networking, 2002), for the "bad gadget" that has no stable state;
"About BGP and VPN Gateway", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview,
for Azure VPN gateways passing what they learn from one BGP peer on to the others (transit),
which is what lets on-premises routers' local preference close such a cycle through Azure;
RFC 4264, "BGP Wedgies", for a policy with two stable states (the backup-link wedgie).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from unittest.mock import patch

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from azint.control import bgp, ids
from azint.control.bgp import Speaker, SpeakerId
from azint.control.plane import ControlPlane
from azint.network import Network, validate
from azint.topology import loader
from azint.topology.model import Topology
from tests.builders import Doc, bad_gadget, disagree, wedgie
from tests.conftest import Run, run_cli
from tests.test_properties import topologies

HUB = IPv4Network("10.0.0.0/16")
BAD = Path(__file__).parent / "bad"


def _topology(tmp_path: Path, networks: list[Doc], connections: list[Doc]) -> Topology:
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "t", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    return loader.load(path)


def test_the_oscillating_prefix_is_found_and_unrelated_prefixes_do_not_matter(tmp_path: Path) -> None:
    """The bad gadget's prefix never settles: the routers and the gateways between them flap.

    Convergence is decided per prefix: the 300 prefixes r1 also advertises settle (none is
    reported), and the oscillation found is the same with or without them.
    """
    found = []
    for unrelated in (0, 300):
        plane = ControlPlane.wired(_topology(tmp_path, *bad_gadget(unrelated)))
        plane.bgp.run()
        found.append(plane.bgp.unsettled)
        unsettled = {p for o in plane.bgp.unsettled for p in o.prefixes}
        assert unsettled == {HUB}
        others = {IPv4Network((0x0B000000 + n * 256, 24)) for n in range(unrelated)}
        own = {IPv4Network(f"192.168.{i}.0/24") for i in (1, 2, 3)}
        own |= {IPv4Network(f"10.{i}.0.0/16") for i in (1, 2, 3)}
        assert {p for run in plane.bgp.groups for p in run.prefixes} - unsettled == others | own
    assert found[0] == found[1]
    [oscillation] = found[0]
    assert oscillation.prefixes == (HUB,)
    assert set(oscillation.speakers) >= {ids.router("r1"), ids.router("r2"), ids.router("r3")}
    taken = {str(p.session).split("|")[0] for _, paths in oscillation.paths for p in paths}
    assert {"g1-own", "g2-own", "g3-own", "hub-r1", "hub-r2", "hub-r3"} <= taken


def test_validate_reports_a_bad_gadget_and_every_command_refuses_it_with_that_line(
        azint: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule 6.3: validate names the prefix, the sessions and a local_preference entry involved
    (its position); each command stops on exactly that line, exit 2, before printing anything."""
    monkeypatch.chdir(BAD)
    checked = azint("validate", "bgp-no-stable-state.yaml")
    assert checked.code == 2
    [line] = checked.out.splitlines()
    assert line.startswith("bgp-no-stable-state.yaml:40:")  # r1's local_preference: {g1-own: 200}
    assert "BGP never settles for 10.0.0.0/16" in line
    assert all(f"g{i}-own" in line and f"hub-r{i}" in line for i in (1, 2, 3))
    for command in (("routes", "s1"), ("bgp", "hub"), ("tracert", "hub", "172.16.1.1"),
                    ("matrix",), ("explain", "hub", "172.16.1.1")):
        refused = azint(*command, "--topology", "bgp-no-stable-state.yaml")
        assert (refused.code, refused.out, refused.err) == (2, "", f"{line}\n"), command


def test_a_wedgie_is_warned_and_azint_shows_the_state_sessions_up_at_once_reach(
        tmp_path: Path) -> None:
    """Rule 6.4 (RFC 4264, "BGP Wedgies"): the backup-link wedgie has two stable states.
    validate warns that the outcome depends on which session came up first, names the state
    azint shows and the other one, at a local_preference entry involved; the commands accept
    the topology and show that state: s3 over its circuit, s4 through transit and s3."""
    path = tmp_path / "wedgie.yaml"
    networks, connections = wedgie()
    path.write_text(yaml.safe_dump({"azint": 1, "name": "w", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    report = validate(path)
    assert report.exit_code == 0
    [warning] = [p for p in report.warnings if "more than one stable state" in p.message]
    assert warning.message.startswith("BGP has more than one stable state for 10.0.0.0/24: which one "
                                      "the network settles in depends on which session came up "
                                      "first. azint shows router s3-ce over er3-primary, router "
                                      "s4-ce over t-r4 (")
    assert warning.message.endswith("another stable state has router s3-ce over t-r3, router "
                                    "s4-ce over hub-r4")
    assert warning.position == loader.load(path).where("router", "s3-ce", "bgp",
                                                       "local_preference", "t-r3")
    network = Network.open(path)
    hub = IPv4Address("10.0.0.4")
    s3 = network.plane.routers["s3-ce"].table.lookup(hub)
    s4 = network.plane.routers["s4-ce"].table.lookup(hub)
    assert s3 is not None and s3.origin == "er3-primary"
    assert s4 is not None and s4.origin == "t-r4"


KEEP_ORDER = ("endpoints", "instances", "address_space")  # their first entry means something


def _shuffled(value: object, order: random.Random, key: str = "") -> object:
    """Every list of the document in a random order (but those whose order means something)."""
    if isinstance(value, dict):
        return {k: _shuffled(v, order, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_shuffled(v, order) for v in value]
        if key not in KEEP_ORDER:
            order.shuffle(items)
        return items
    return value


def _outputs(directory: Path, doc: Doc) -> list[str]:
    path = directory / "t.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    found = []
    names = sorted(n["name"] for n in doc["networks"])
    commands = [("routes", name) for name in names] + [("bgp", "hub"), ("bgp", "transit")]
    for command in commands + [("bgp", c["name"]) for c in sorted(doc["connections"], key=str)
                               if c["type"] == "expressroute"]:
        result = run_cli(*command, "--topology", str(path))
        assert result.exit_code == 0, result.output
        found.append(result.output)
    return found


@settings(max_examples=8, deadline=None)
@given(order=st.randoms(use_true_random=False), policy=st.sampled_from([wedgie, disagree]))
def test_several_stable_states_give_the_same_tables_for_every_order_of_the_file(
        order: random.Random, policy: Callable[[], tuple[list[Doc], list[Doc]]]) -> None:
    """Rule 6.4: which stable state azint shows depends on the policy, never on where the file
    lists a network, connection, link, interface, route or prefix (RFC 4264's wedgie, and
    DISAGREE, whose two routers are alike but for their names)."""
    networks, connections = policy()
    doc = {"azint": 1, "name": "w", "networks": networks, "connections": connections}
    with tempfile.TemporaryDirectory() as tmp:
        assert _outputs(Path(tmp), _shuffled(doc, order)) == _outputs(Path(tmp), doc)  # type: ignore[arg-type]


_ALIKE = bgp._alike


def _each_alone(speakers: Iterable[Speaker]) -> list[tuple[tuple[IPv4Network, ...], list[SpeakerId]]]:
    """``_alike`` with every prefix in a group of its own: the reference the grouping must match."""
    return [((prefix,), origins) for prefixes, origins in _ALIKE(speakers) for prefix in prefixes]


@settings(max_examples=20, deadline=None)
@given(doc=topologies())
def test_alike_prefixes_settle_exactly_as_each_would_alone(doc: Doc) -> None:
    """Running one prefix per group of alike prefixes (same origins, same treatment by every
    rule) and copying its paths gives every speaker the tables each prefix's own run gives."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        topology = loader.load(path)
    grouped = ControlPlane.wired(topology).bgp
    grouped.run()
    alone = ControlPlane.wired(topology).bgp
    with patch.object(bgp, "_alike", _each_alone):
        alone.run()
    assert len(alone.groups) >= len(grouped.groups)
    for speaker_id, speaker in grouped.speakers.items():
        assert speaker.best == alone.speakers[speaker_id].best
        assert speaker.adj_in == alone.speakers[speaker_id].adj_in


@settings(max_examples=10, deadline=None)
@given(doc=topologies())
def test_tables_held_once_per_group_read_the_same_every_way(doc: Doc) -> None:
    """A speaker's tables keep one copy of the paths per group of alike prefixes: read by
    prefix, by iteration or by items, each prefix gets its own paths (to that prefix), and a
    prefix it holds no path to is not in them."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        topology = loader.load(path)
    fabric = ControlPlane.wired(topology).bgp
    fabric.run()
    every = {p for run in fabric.groups for p in run.prefixes}
    for speaker in fabric.speakers.values():
        tables: list[Mapping[IPv4Network, object]] = [speaker.best, *speaker.adj_in.values()]
        for table in tables:
            by_items = dict(table.items())
            assert by_items == {prefix: table[prefix] for prefix in table}
            assert len(table) == len(by_items)
            assert all(prefix in table for prefix in by_items)
            assert not any(prefix in table for prefix in every - by_items.keys())
        assert all(p.prefix == prefix for prefix, paths in speaker.best.items() for p in paths)
        assert all(p.prefix == prefix for table in speaker.adj_in.values()
                   for prefix, p in table.items())


@settings(max_examples=15, deadline=None)
@given(doc=topologies(), order=st.randoms(use_true_random=False))
def test_no_list_of_a_random_topology_has_an_order_that_matters(doc: Doc,
                                                                 order: random.Random) -> None:
    """Every list of the file shuffled (networks, connections, links, subnets, routes,
    interfaces, prefixes, ...): every network's routes and every circuit's and VPN gateway's
    BGP tables print the same."""
    def outputs(directory: Path, document: Doc) -> list[str]:
        path = directory / "t.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        names = sorted(n["name"] for n in document["networks"])
        commands = [("routes", name) for name in names] + [
            ("bgp", c["name"]) for c in document["connections"] if c["type"] == "expressroute"]
        commands += [("bgp", n["name"]) for n in document["networks"]
                     if n.get("gateways", {}).get("vpn")]
        found = []
        for command in sorted(commands):
            result = run_cli(*command, "--topology", str(path))
            assert result.exit_code == 0, (command, result.output)
            found.append(result.output)
        return found

    with tempfile.TemporaryDirectory() as tmp:
        shuffled = _shuffled(doc, order)
        assert outputs(Path(tmp), shuffled) == outputs(Path(tmp), doc)  # type: ignore[arg-type]
