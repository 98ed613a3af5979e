"""``azint routes``: effective routes of VNets, on-premises routers' BGP and routing tables."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from azint.topology import loader
from tests.conftest import golden, topology

ER_INSTANCES = ["10.10.30.132", "10.10.30.133", "10.10.30.134"]


@pytest.mark.parametrize("args, name", [
    (("routes", "hub"), "routes-hub"),
    (("routes", "branch"), "routes-branch"),
    (("routes", "location1"), "routes-location1"),
])
def test_golden(azint, args: tuple[str, ...], name: str) -> None:
    text, document = azint(*args), azint(*args, "--json")
    assert text.code == document.code == 0
    golden(f"{name}.txt", text.out)
    golden(f"{name}.json", document.out)


def test_hub_lists_location1_once_active_through_the_expressroute_gateway(azint) -> None:
    rows = [r for r in azint("routes", "hub", "--json").json()["routes"]
            if r["address_prefix"] == "10.2.30.0/25"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["state"], row["source"], row["next_hop_type"]) == (
        "Active", "VirtualNetworkGateway", "VirtualNetworkGateway")
    hub = loader.load().vnets["hub"]
    assert hub.expressroute_gateway is not None
    assert row["next_hop_ips"] == [str(a) for a in hub.expressroute_gateway.instances]
    assert row["next_hop_ips"] == ER_INSTANCES


@pytest.mark.parametrize("missing", ["10.1.31.0/25", "10.17.30.0/24"])
def test_branch_has_no_route_for_location2_or_remote(azint, missing: str) -> None:
    unreachable = IPv4Network(missing)
    for row in azint("routes", "branch", "--json").json()["routes"]:
        prefix = IPv4Network(row["address_prefix"])
        if prefix.overlaps(unreachable) and row["state"] == "Active":
            # only the drop (10.0.0.0/8) and the Internet default cover it
            assert row["next_hop_type"] in ("None", "Internet"), row


def test_user_route_invalidates_system_route_and_stops_propagation(azint) -> None:
    rows = azint("routes", "hub", "--subnet", "locked", "--topology",
                 topology("er-vpn"), "--json").json()["routes"]
    default = [(r["source"], r["state"], r["next_hop_type"]) for r in rows
               if r["address_prefix"] == "0.0.0.0/0"]
    assert default == [("Default", "Invalid", "Internet"), ("User", "Active", "None")]
    assert not [r for r in rows if r["source"] == "VirtualNetworkGateway"]


def test_default_subnet_is_the_first_endpoints_and_gets_gateway_routes(azint) -> None:
    found = azint("routes", "hub", "--topology", topology("er-vpn"), "--json").json()
    assert found["subnet"] == "default"
    learned = {r["address_prefix"]: r for r in found["routes"]
               if r["source"] == "VirtualNetworkGateway"}
    assert learned["10.80.0.0/24"]["next_hop_ips"] == ["10.70.0.132"]  # the ER gateway
    assert learned["10.71.0.0/24"]["next_hop_ips"] == ["10.70.0.142"]  # the VPN gateway


def test_router_shows_bgp_best_paths_and_table(azint) -> None:
    found = azint("routes", "location1", "--router", "loc1-ce", "--json").json()
    (router,) = found["routers"]
    best = {p["network"]: p for p in router["bgp"]}
    assert best["10.10.30.0/24"]["local_preference"] == 200
    assert best["10.10.30.0/24"]["as_path"] == [12076]
    assert best["10.10.30.0/24"]["next_hop"] == "192.168.30.18"
    protocols = {r["protocol"] for r in router["routes"]}
    assert protocols == {"connected", "static", "ospf", "bgp"}


def test_router_falls_back_to_vpn_when_the_circuit_link_is_down(azint) -> None:
    """Rule 5.1: with the circuit link down, on-premises falls back to the site-to-site VPN.

    Configure ExpressRoute and site-to-site coexisting connections,
    https://learn.microsoft.com/azure/expressroute/expressroute-howto-coexist-resource-manager
    """
    found = azint("routes", "location1", "--router", "loc1-ce", "--down", "er1-primary",
                  "--json").json()
    hub = next(r for r in found["routers"][0]["routes"] if r["prefix"] == "10.10.30.0/24")
    assert (hub["protocol"], hub["next_hops"], hub["as_path"]) == ("bgp", ["10.10.30.254"], [65515])


def test_switch_without_bgp_shows_only_its_table(azint) -> None:
    text = azint("routes", "location1", "--router", "loc1-switch").out
    assert "BGP best paths" not in text
    assert "Routing table" in text


@pytest.mark.parametrize("args, message", [
    (("routes", "hubb"), "did you mean 'hub'"),
    (("routes", "hub", "--router", "loc1-ce"), "--router applies to on-premises sites"),
    (("routes", "location1", "--subnet", "default"), "--subnet applies to VNets"),
    (("routes", "hub", "--subnet", "nope"), "no subnet 'nope'"),
    (("routes", "location1", "--router", "nope"), "no router 'nope'"),
])
def test_bad_names_are_usage_errors(azint, args: tuple[str, ...], message: str) -> None:
    run = azint(*args)
    assert run.code == 2
    assert message in run.err
