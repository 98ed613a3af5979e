"""BGP policies without a stable state (or with several): found per prefix, named, refused.

Sources: Griffin, Shepherd and Wilfong, "The Stable Paths Problem and Interdomain Routing"
(IEEE/ACM Transactions on Networking, 2002), for the "bad gadget" that has no stable state;
"About BGP and VPN Gateway", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview,
for Azure VPN gateways passing what they learn from one BGP peer on to the others (transit),
which is what lets on-premises routers' local preference close such a cycle through Azure.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Network
from pathlib import Path

import pytest
import yaml

from azint.control import ids
from azint.control.plane import ControlPlane
from azint.topology import loader
from azint.topology.model import Topology
from tests.builders import Doc, bad_gadget
from tests.conftest import Run

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
