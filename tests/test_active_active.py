"""Active-active VPN gateways (Rules 4.4 and 4.5).

"About active-active VPN gateways"
(https://learn.microsoft.com/azure/vpn-gateway/about-active-active-gateways): in active-active
mode both instances of the gateway establish site-to-site tunnels, each instance with its own
public IP address (and BGP peer address); when one instance goes down, traffic moves to the
other instance's tunnels. Active-standby remains the default: one instance carries the tunnels
and the standby takes over.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from azint.control import ids
from azint.data.endpoints import resolve_source
from azint.data.walk import Disposition
from azint.network import Network
from azint.topology.problems import InvalidTopology
from tests.builders import Doc, build, site, vnet, vpn

FIRST, SECOND = IPv4Address("10.10.0.228"), IPv4Address("10.10.0.229")
BGP = [IPv4Address("10.10.0.253"), IPv4Address("10.10.0.254")]
PUBLIC = [IPv4Address("52.0.0.1"), IPv4Address("52.0.0.2")]


def _hub(**gateway: object) -> Doc:
    doc = vnet("hub", "10.10.0.0/24", vpn=True)
    doc["gateways"]["vpn"] = {"asn": 65515, "instances": [str(FIRST), str(SECOND)], **gateway}
    return doc


def _active_active() -> Doc:
    return _hub(active_active=True, public_addresses=[str(a) for a in PUBLIC],
                bgp_peer_addresses=[str(a) for a in BGP])


def _network(tmp_path: Path, down: tuple[str, ...] = ()) -> Network:
    branch = vnet("branch", "10.12.0.0/24", vpn=True, asn=65516)
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    dc["routers"][0]["static_routes"] += [{"prefix": f"{a}/32", "interface": "tunnel"} for a in BGP]
    return build(tmp_path, [_active_active(), branch, dc],
                 [vpn("hub-branch", "hub", "branch"), vpn("dc-vpn", "hub", ("dc-ce", "tunnel"))],
                 down)


def test_both_instances_carry_flows_from_the_vnet(tmp_path: Path) -> None:
    """Rule 4.4: the VNet's gateway route lists both instances; each flow leaves by one."""
    net = _network(tmp_path)
    route = net.plane.vnets["hub"].lookup("default", IPv4Address("10.2.0.10"))
    assert route is not None
    assert {h.address for h in route.next_hops} == {FIRST, SECOND}
    source = resolve_source(net.topology, "hub")
    first_hops = {net.prober.tracert(source, IPv4Address(f"10.2.0.{n}"), max_hops=1).hops[0].address
                  for n in range(10, 40)}
    assert first_hops == {FIRST, SECOND}


def test_each_instance_has_its_own_addresses(tmp_path: Path) -> None:
    """Both BGP peer addresses belong to the gateway; the peers speak to the first instance's."""
    net = _network(tmp_path)
    owners = net.plane.owners[ids.vnet("hub")]
    assert owners[BGP[0]].address == FIRST and owners[BGP[1]].address == SECOND
    far = net.plane.vpn_far_end("dc-vpn", ids.router("dc-ce"))
    assert far is not None and far.address == BGP[0]


def test_one_instance_down_fails_over_to_the_other(tmp_path: Path) -> None:
    """Rule 4.5: ``--down vpngw:hub@FIRST`` leaves the second instance carrying every tunnel,
    with its own BGP and public address; both ways still work."""
    net = _network(tmp_path, ("vpngw:hub@10.10.0.228",))
    gateway = net.topology.vnets["hub"].vpn_gateway
    assert gateway is not None
    assert gateway.instances == (SECOND,)
    assert (gateway.bgp_peer_address, gateway.public_address) == (BGP[1], PUBLIC[1])
    far = net.plane.vpn_far_end("dc-vpn", ids.router("dc-ce"))
    assert far is not None and far.address == BGP[1]
    for source, target in (("hub", "10.2.0.10"), ("dc", "10.10.0.4"), ("branch", "10.10.0.4")):
        trace = net.prober.tracert(resolve_source(net.topology, source), IPv4Address(target))
        assert trace.walk.disposition is Disposition.DELIVERED, (source, target)
    branch = net.prober.tracert(resolve_source(net.topology, "branch"), IPv4Address("10.10.0.4"))
    assert [s.reply_address for s in branch.walk.hops][1] == PUBLIC[1]


def test_both_instances_down_is_the_gateway_down(tmp_path: Path) -> None:
    both = _network(tmp_path, ("vpngw:hub@10.10.0.228", "vpngw:hub@10.10.0.229"))
    trace = both.prober.tracert(resolve_source(both.topology, "dc"), IPv4Address("10.10.0.4"))
    assert trace.walk.disposition is not Disposition.DELIVERED


def test_active_standby_stays_the_default(tmp_path: Path) -> None:
    """Without active_active, two instances share the gateway's one BGP and public address."""
    hub = _hub(bgp_peer_address="10.10.0.254", public_address="52.0.0.1")
    net = build(tmp_path, [hub, vnet("branch", "10.12.0.0/24", vpn=True, asn=65516)],
                [vpn("hub-branch", "hub", "branch")], ("vpngw:hub@10.10.0.228",))
    gateway = net.topology.vnets["hub"].vpn_gateway
    assert gateway is not None and not gateway.active_active
    assert (gateway.bgp_peer_address, gateway.public_address) == (BGP[1], PUBLIC[0])


@pytest.mark.parametrize(("gateway", "message"), [
    ({"active_active": True, "instances": ["10.10.0.228"]}, "has two instances, got 1"),
    ({"public_addresses": ["52.0.0.1", "52.0.0.2"]}, "add active_active: true"),
    ({"active_active": True, "bgp_peer_address": "10.10.0.254"}, "one bgp_peer_address per instance"),
    ({"active_active": True, "public_addresses": ["52.0.0.1"]}, "one address per instance: two"),
])
def test_active_active_settings_that_do_not_fit(tmp_path: Path, gateway: dict[str, object],
                                                message: str) -> None:
    with pytest.raises(InvalidTopology, match=message):
        build(tmp_path, [_hub(**gateway)], [])
