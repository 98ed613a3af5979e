"""``azint bgp``: circuit route tables per MSEE, gateways' learned and advertised routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from azint.topology import loader
from tests.conftest import golden, topology


@pytest.mark.parametrize("args, name", [
    (("bgp", "er1"), "bgp-er1-primary"),
    (("bgp", "er1", "--path", "secondary"), "bgp-er1-secondary"),
    (("bgp", "er2"), "bgp-er2-primary"),
    (("bgp", "hub"), "bgp-vpngw-hub"),
])
def test_golden(azint, args: tuple[str, ...], name: str) -> None:
    text, document = azint(*args), azint(*args, "--json")
    assert text.code == document.code == 0
    golden(f"{name}.txt", text.out)
    golden(f"{name}.json", document.out)


def _routes(azint, *args: str) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for row in azint("bgp", *args, "--json").json()["routes"]:
        found.setdefault(row["network"], []).append(row)
    return found


def test_er1_primary_has_vnet_prefixes_from_65515_and_location1_from_65021(azint) -> None:
    """Rule 3.4: VNet prefixes via the gateway instances with path 65515, on-premises
    prefixes via the CE's link address with the customer's ASN.

    ExpressRoute routing requirements, https://learn.microsoft.com/azure/expressroute/expressroute-routing
    """
    model = loader.load()
    routes = _routes(azint, "er1")
    for vnet, prefix in (("hub", "10.10.30.0/24"), ("spoke", "10.11.30.0/26"),
                         ("remote", "10.17.30.0/24")):
        gateway_vnet = "hub" if vnet == "spoke" else vnet  # the spoke rides the hub's gateway
        gateway = model.vnets[gateway_vnet].expressroute_gateway
        assert gateway is not None
        assert [r["as_path"] for r in routes[prefix]] == [[65515]] * len(gateway.instances)
        assert [r["next_hop"] for r in routes[prefix]] == [str(a) for a in gateway.instances]
    (location1,) = routes["10.2.30.0/25"]
    assert location1["as_path"] == [65021]
    assert location1["next_hop"] == str(model.circuits["er1"].links[0].ce_address)


def test_er1_secondary_has_no_location1_prefix(azint) -> None:
    routes = _routes(azint, "er1", "--path", "secondary")
    assert "10.2.30.0/25" not in routes
    assert "10.10.30.0/24" in routes  # the VNets still exchange routes over the secondary


def test_circuits_do_not_carry_each_others_prefixes(azint) -> None:
    assert "10.1.31.0/25" not in _routes(azint, "er1")
    assert "10.2.30.0/25" not in _routes(azint, "er2")
    assert "10.17.30.0/24" not in _routes(azint, "er2")


def test_circuit_down_shows_an_empty_table(azint) -> None:
    run = azint("bgp", "er1", "--down", "er1")
    assert run.code == 0
    assert "holds no routes" in run.out


def _advertised(found: dict[str, object], peer: str) -> dict[str, list[int]]:
    sessions = [a for a in found["advertised"] if a["peer"] == peer]  # type: ignore[attr-defined]
    assert len(sessions) == 1
    return {r["network"]: r["as_path"] for r in sessions[0]["routes"]}


def test_hub_vpn_gateway_keeps_expressroute_routes_from_its_vpn_peers(azint) -> None:
    found = azint("bgp", "hub", "--json").json()
    to_branch = _advertised(found, "vpngw:branch")
    assert "10.17.30.0/24" not in to_branch and "10.1.31.0/25" not in to_branch
    assert to_branch["10.2.30.0/25"] == [65515, 65021]  # VPN-learned: passed on between VPNs
    assert to_branch["10.11.30.0/26"] == [65515]  # the gateway-transit spoke
    to_location1 = _advertised(found, "router:loc1-ce")
    assert "10.2.30.0/25" not in to_location1  # never back to the peer it came from
    assert to_location1["10.11.30.64/26"] == [65515, 65516]


def test_gateway_learned_routes_name_their_peer(azint) -> None:
    learned = {r["network"]: r for r in azint("bgp", "vpngw:hub", "--json").json()["learned"]}
    assert learned["10.11.30.64/26"]["next_hop"] == "10.11.30.126"
    assert learned["10.11.30.64/26"]["origin"] == "EBgp"
    assert learned["10.10.30.0/24"]["origin"] == "Network"


def _b2b(tmp_path: Path) -> str:
    text = Path(topology("er-vpn")).read_text()
    changed = text.replace("    region: r1\n", "    region: r1\n    branch_to_branch: true\n", 1)
    assert changed != text
    path = tmp_path / "b2b.yaml"
    path.write_text(changed)
    return str(path)


def test_expressroute_routes_reach_vpn_peers_only_with_branch_to_branch(azint,
                                                                         tmp_path: Path) -> None:
    plain = azint("bgp", "hub", "--topology", topology("er-vpn"), "--json").json()
    assert "10.80.0.0/24" not in _advertised(plain, "vpngw:branch")
    er_learned = azint("bgp", "ergw:hub", "--topology", topology("er-vpn"), "--json").json()
    assert "10.80.0.0/24" in {r["network"] for r in er_learned["learned"]}
    b2b = azint("bgp", "hub", "--topology", _b2b(tmp_path), "--json").json()
    assert "10.80.0.0/24" in _advertised(b2b, "vpngw:branch")


def test_unknown_gateway_is_a_usage_error(azint) -> None:
    run = azint("bgp", "remote")  # an ExpressRoute-only VNet has no VPN gateway
    assert run.code == 2
    assert "ergw:remote" in run.err
