"""On-premises BGP policy per neighbour: AS-path prepending, MED, prefix filters, and the
warning where they make paths asymmetric (rules 6.5 to 6.8 of docs/azure-routing.md).

Sources: "About BGP and VPN Gateway", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview;
"Optimize ExpressRoute routing", https://learn.microsoft.com/azure/expressroute/expressroute-optimize-routing;
RFC 4271 ("A Border Gateway Protocol 4"), 9.1.2.2, for the MED comparison.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from azint.control import ids
from azint.data.explain import explain
from azint.network import Network, validate
from azint.render.explain import explain_text
from tests.builders import Doc, build, circuit, site, vnet, vpn

HUB_VM = IPv4Address("10.0.0.4")
DC_VM = IPv4Address("10.50.0.10")


def _two_edges(tmp_path: Path, ce1: dict[str, Any] | None = None,
               ce2: dict[str, Any] | None = None, **build_options: Any) -> Network:
    """Site dc (AS 65001, LAN 10.50.0.0/24) with two edge routers, each with a BGP VPN to the
    hub's VPN gateway (hub-ce1, hub-ce2); dc-vm's default gateway is ce1. ``ce1``/``ce2``: the
    routers' ``neighbors`` policies."""
    routers = []
    for index, policy in ((1, ce1), (2, ce2)):
        bgp: Doc = {"advertise": ["10.50.0.0/24"]}
        if policy:
            bgp["neighbors"] = {f"hub-ce{index}": policy}
        routers.append({
            "name": f"ce{index}",
            "interfaces": [{"name": "lan", "address": f"10.50.0.{index}/24"},
                           {"name": "tunnel", "address": f"10.50.0.{250 + index}/32"}],
            "static_routes": [{"prefix": "10.0.0.254/32", "interface": "tunnel"}],
            "bgp": bgp})
    dc: Doc = {"name": "dc", "kind": "onprem", "asn": 65001, "routers": routers,
               "endpoints": [{"name": "dc-vm", "address": "10.50.0.10", "gateway": "10.50.0.1"}]}
    return build(tmp_path, [vnet("hub", "10.0.0.0/24", vpn=True), dc],
                 [vpn("hub-ce1", "hub", ("ce1", "tunnel")), vpn("hub-ce2", "hub", ("ce2", "tunnel"))],
                 **build_options)


def _tunnels(network: Network) -> set[str]:
    """The routers the hub's VPN gateway sends dc's LAN to."""
    route = network.plane.tables[ids.vpngw("hub")].lookup(DC_VM)
    assert route is not None
    return {hop.element.name for hop in route.next_hops}


def test_without_policy_both_edges_carry_the_site(tmp_path: Path) -> None:
    """Rule 6.5 (RFC 4271, 9.1.2.2): two equal paths from one site: the gateway uses both.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    assert _tunnels(_two_edges(tmp_path)) == {"ce1", "ce2"}


def test_as_path_prepending_makes_a_session_the_backup(tmp_path: Path) -> None:
    """Rule 6.5 ("About BGP and VPN Gateway": Azure picks the shorter AS path; "Optimize
    ExpressRoute routing": AS-path prepending): ce2 prepending its ASN twice on hub-ce2 leaves
    the gateway only ce1's path, and the gateway's table shows the longer AS path it lost.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    network = _two_edges(tmp_path, ce2={"prepend": 2})
    assert _tunnels(network) == {"ce1"}
    heard = network.plane.bgp.speakers[ids.vpngw("hub")].adj_in
    paths = {key.connection: table for key, table in heard.items()}
    prefix = next(iter(paths["hub-ce2"]))
    assert paths["hub-ce2"][prefix].as_path == (65001, 65001, 65001)
    assert paths["hub-ce1"][prefix].as_path == (65001,)


def test_med_steers_between_edges_of_one_neighbouring_as(tmp_path: Path) -> None:
    """Rule 6.6 (RFC 4271, 9.1.2.2: among paths from the same neighbouring AS, the lowest MED
    wins; a missing MED counts as 0): ce2 sending MED 50 makes the gateway use ce1, and ce1
    sending a higher MED than ce2 turns it round.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    assert _tunnels(_two_edges(tmp_path, ce2={"med": 50})) == {"ce1"}
    assert _tunnels(_two_edges(tmp_path, ce1={"med": 80}, ce2={"med": 20})) == {"ce2"}


def test_med_is_weaker_than_as_path_length(tmp_path: Path) -> None:
    """Rule 6.6: MED is compared only between paths the earlier steps (weight, local preference,
    AS-path length) leave tied: a prepended path with the lower MED still loses.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    network = _two_edges(tmp_path, ce1={"prepend": 1, "med": 0}, ce2={"med": 90})
    assert _tunnels(network) == {"ce2"}


def test_outbound_filter_keeps_a_prefix_off_a_session(tmp_path: Path) -> None:
    """Rule 6.7: ce1 announcing only 10.60.0.0/16 over hub-ce1 keeps 10.50.0.0/24 off that
    session, so the gateway reaches the site over hub-ce2 alone.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    assert _tunnels(_two_edges(tmp_path, ce1={"announce": ["10.60.0.0/16"]})) == {"ce2"}
    assert _tunnels(_two_edges(tmp_path, ce1={"announce": ["10.50.0.0/16"]})) == {"ce1", "ce2"}


def test_inbound_filter_refuses_what_it_does_not_list(tmp_path: Path) -> None:
    """Rule 6.7: ce1 accepting only 10.99.0.0/16 over hub-ce1 learns no route to the hub; ce2,
    without a filter, does; explain names the filter that stops the route.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    network = _two_edges(tmp_path, ce1={"accept": ["10.99.0.0/16"]})
    assert network.plane.routers["ce1"].table.lookup(HUB_VM) is None
    assert network.plane.routers["ce2"].table.lookup(HUB_VM) is not None
    dc_vm = next(e for e in network.topology.endpoints() if e.name == "dc-vm")
    told = explain_text(explain(network.prober, dc_vm, HUB_VM), 200)
    assert "[rule 6.7] router ce1 filters 10.0.0.0/24 out of what it accepts from the hub VPN " \
           "gateway on 'hub-ce1'" in told


def test_prefix_filters_split_alike_prefixes(tmp_path: Path) -> None:
    """Rule 6.7: two prefixes a router advertises alike travel apart once a filter tells them
    apart (azint settles alike prefixes together).
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    net = vnet("hub", "10.0.0.0/24", er=True)
    dc = site("dc", 65001, "10.50.0.0/24", advertise=["10.50.0.0/24", "10.51.0.0/24"],
              neighbors={"er": {"announce": ["10.51.0.0/24"]}})
    network = build(tmp_path, [net, dc], [
        circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-er", "hub")])])
    table = network.plane.tables[ids.ergw("hub")]
    assert table.lookup(IPv4Address("10.51.0.1")) is not None
    assert table.lookup(IPv4Address("10.50.0.1")) is None


def test_validate_warns_where_a_policy_makes_paths_asymmetric(tmp_path: Path) -> None:
    """Rule 6.8: dc-vm leaves by its gateway ce1 over hub-ce1, but ce1's prepending sends the
    hub's answers over hub-ce2: validate warns at ce1's neighbour policy, naming both ways.
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
    """
    _two_edges(tmp_path, ce1={"prepend": 2})
    report = validate(tmp_path / "topology.yaml")
    lines = [line for line in report.lines if "asymmetric" in line]
    assert len(lines) == 1, report.lines
    assert "hub-ce1" in lines[0] and "hub-ce2" in lines[0] and "warning" in lines[0]
    _two_edges(tmp_path, ce2={"prepend": 2})  # the backup is the edge dc does not leave by
    assert not [line for line in validate(tmp_path / "topology.yaml").lines
                if "asymmetric" in line]
