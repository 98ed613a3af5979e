"""``azint explain`` and ``tracert --explain``: routes per step, reasons for drops and timeouts."""

from __future__ import annotations

import pytest

from tests.conftest import golden, topology


@pytest.mark.parametrize("args, name", [
    (("explain", "branch", "10.17.30.4"), "explain-branch-remote"),
    (("explain", "location1", "10.1.31.10"), "explain-location1-location2"),
    (("explain", "location1", "10.10.30.4"), "explain-location1-hub"),
])
def test_golden(azint, args: tuple[str, ...], name: str) -> None:
    golden(f"{name}.txt", azint(*args).out)
    golden(f"{name}.json", azint(*args, "--json").out)


def test_tracert_explain_golden(azint) -> None:
    run = azint("tracert", "hub", "10.2.30.10", "--explain")
    assert run.code == 0
    assert run.out.startswith(azint("tracert", "hub", "10.2.30.10").out)
    golden("tracert-hub-location1-explain.txt", run.out)
    document = azint("tracert", "hub", "10.2.30.10", "--explain", "--json").json()
    assert document["command"] == "tracert" and document["explain"]["reached"]


def _causes(missing: dict) -> list[list[dict]]:  # type: ignore[type-arg]
    return [a["causes"] for a in missing["alternatives"]]


def test_branch_to_remote_names_the_expressroute_vpn_rule(azint) -> None:
    """Rule 5.2: no transit between ExpressRoute and VPN without Route Server branch-to-branch.

    Azure Route Server support for ExpressRoute and Azure VPN,
    https://learn.microsoft.com/azure/route-server/expressroute-vpn-support
    """
    text = " ".join(azint("explain", "branch", "10.17.30.4").out.split())
    assert "VNet branch has no usable route for 10.17.30.0/24" in text
    assert "10.0.0.0/8 -> None system" in text
    found = azint("explain", "branch", "10.17.30.4", "--json").json()
    missing = found["missing"]
    assert (missing["prefix"], missing["matched"], missing["network"]) == (
        "10.17.30.0/24", "10.0.0.0/8", "branch")
    first = missing["alternatives"][0]
    assert first["holder"] == "ergw:hub" and first["chain"] == ["vpngw:hub", "vpngw:branch"]
    (cause,) = first["causes"]
    assert (cause["kind"], cause["rule"], cause["element"], cause["setting"]) == (
        "no-expressroute-vpn-transit", "5.2", "vnet:hub", ["branch_to_branch"])
    assert "branch-to-branch" in cause["text"]


@pytest.mark.parametrize("source", ["location1", "remote"])
def test_location2_is_kept_on_its_own_circuit(azint, source: str) -> None:
    """Rule 3.3: a VNet linked to two circuits does not pass routes from one to the other.

    About ExpressRoute Global Reach, https://learn.microsoft.com/azure/expressroute/expressroute-global-reach
    """
    missing = azint("explain", source, "10.1.31.10", "--json").json()["missing"]
    assert missing["prefix"] == "10.1.31.0/25"
    circuit = [a for a in missing["alternatives"] if a["chain"][0].startswith("msee:er1:")]
    assert circuit, missing
    for way in circuit:
        assert way["holder"] == "ergw:hub" and way["learned"]["relation"] == "msee"
        kinds = [(c["kind"], c["rule"]) for c in way["causes"]]
        assert kinds[0] == ("no-circuit-transit", "3.3")
        # and were the gateway to pass it, the edge would drop it: its own ASN is in the path
        assert ("as-path-loop", "6.2") in kinds


def test_global_reach_down_is_explained_by_the_link_down(azint) -> None:
    found = azint("explain", "east", "10.62.0.10", "--topology", topology("two-circuits"),
                  "--down", "reach", "--json").json()
    assert not found["reached"]
    downs = [c for causes in _causes(found["missing"]) for c in causes if c["kind"] == "link-down"]
    assert downs and {c["setting"][0] for c in downs} == {"reach"}
    joined = azint("explain", "east", "10.62.0.10", "--topology", topology("two-circuits"),
                   "--json").json()
    assert joined["reached"] and joined["missing"] is None


def test_vpn_routes_do_not_enter_a_circuit(azint) -> None:
    """Rule 5.2, the other way: VPN-learned routes do not enter a circuit.

    Azure Route Server support for ExpressRoute and Azure VPN,
    https://learn.microsoft.com/azure/route-server/expressroute-vpn-support
    """
    missing = azint("explain", "dc", "10.71.0.4", "--topology", topology("er-vpn"),
                    "--json").json()["missing"]
    (way,) = missing["alternatives"]
    assert way["holder"] == "vpngw:hub" and way["chain"][0] == "ergw:hub"
    assert [(c["kind"], c["element"]) for c in way["causes"]] == [
        ("no-expressroute-vpn-transit", "vnet:hub")]


def test_timed_out_hops_say_why(azint) -> None:
    steps = azint("explain", "hub", "10.2.30.10", "--json").json()["steps"]
    verdicts = {s["hop"]: s["verdict"] for s in steps if s["hop"]}
    assert verdicts[1] == "hop 1 answers from 10.10.30.132"
    assert "192.168.30.17, which is not advertised into hub" in verdicts[2]
    steps = azint("explain", "location1", "10.10.30.4", "--json").json()["steps"]
    gateway = next(s for s in steps if s["element"] == "ergw:hub")
    assert "has no address" in gateway["verdict"]


def test_every_step_shows_the_route_that_decided_it(azint) -> None:
    steps = azint("explain", "spoke", "10.2.30.10", "--json").json()["steps"]
    first = steps[0]["route"]
    assert (first["prefix"], first["source"], first["next_hop_type"]) == (
        "10.2.30.0/25", "VirtualNetworkGateway", "VirtualNetworkGateway")
    assert "expressroute er1" in first["origin"]
    assert [s["element"] for s in steps][-1] == "vm:loc1-vm"


def test_unrouted_destination_says_nobody_advertises_it(azint) -> None:
    text = azint("explain", "hub", "10.99.0.1").out
    assert "no network advertises a route for 10.99.0.1" in text
