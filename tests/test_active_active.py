"""Active-active VPN gateways (Rules 4.4 and 4.5).

"About active-active VPN gateways"
(https://learn.microsoft.com/azure/vpn-gateway/about-active-active-gateways): in active-active
mode both instances of the gateway establish site-to-site tunnels, each instance with its own
public IP address (and BGP peer address); when one instance goes down, traffic moves to the
other instance's tunnels. Active-standby remains the default: one instance carries the tunnels
and the standby takes over.

"Highly Available Cross-Premises and VNet-to-VNet Connectivity"
(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable): both tunnels are
part of the same connection, the on-premises device accepts two tunnels to the two public
addresses, traffic from the VNet goes over both (each flow over one), and two active-active
gateways joined VNet-to-VNet form a full mesh of four tunnels with one connection each.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
import yaml

from azint.control import ids
from azint.control.show import advertised_routes, gateway_speaker, router_views
from azint.data.endpoints import resolve_source
from azint.data.flowhash import Flow
from azint.data.walk import Disposition
from azint.gate.pairs import all_pairs
from azint.gate.sweep import sweep
from azint.network import Network
from azint.topology import loader
from azint.topology.problems import InvalidTopology
from tests.builders import Doc, build, site, vnet, vpn
from tests.conftest import run_cli

FIRST, SECOND = IPv4Address("10.10.0.228"), IPv4Address("10.10.0.229")
BGP = [IPv4Address("10.10.0.253"), IPv4Address("10.10.0.254")]
PUBLIC = [IPv4Address("52.0.0.1"), IPv4Address("52.0.0.2")]
BRANCH = [IPv4Address("10.12.0.238"), IPv4Address("10.12.0.239")]
BRANCH_BGP = [IPv4Address("10.12.0.253"), IPv4Address("10.12.0.254")]
BRANCH_PUBLIC = [IPv4Address("52.0.12.1"), IPv4Address("52.0.12.2")]
DC_CE, TUNNEL = ids.router("dc-ce"), IPv4Address("10.2.0.250")


def _hub(**gateway: object) -> Doc:
    doc = vnet("hub", "10.10.0.0/24", vpn=True)
    doc["gateways"]["vpn"] = {"asn": 65515, "instances": [str(FIRST), str(SECOND)], **gateway}
    return doc


def _active_active() -> Doc:
    return _hub(active_active=True, public_addresses=[str(a) for a in PUBLIC],
                bgp_peer_addresses=[str(a) for a in BGP])


def _network(tmp_path: Path, down: tuple[str, ...] = (), *, multipath: bool = False,
             mesh: bool = False) -> Network:
    branch = vnet("branch", "10.12.0.0/24", vpn=True, asn=65516)
    if mesh:
        branch["gateways"]["vpn"] = {
            "asn": 65516, "instances": [str(i) for i in BRANCH], "active_active": True,
            "public_addresses": [str(a) for a in BRANCH_PUBLIC],
            "bgp_peer_addresses": [str(a) for a in BRANCH_BGP]}
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250", multipath=multipath)
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


def _gateway_step_addresses(net: Network, source: str, gateway: str,
                            targets: list[str]) -> set[IPv4Address | None]:
    """The address the VPN gateway ``gateway`` answers from, for flows from ``source`` to each
    of ``targets``: the instance a flow's tunnel ends at."""
    found: set[IPv4Address | None] = set()
    sender = resolve_source(net.topology, source)
    for target in targets:
        walk = net.prober.forwarder.walk(ids.vm(sender.name),
                                         Flow(sender.address, IPv4Address(target)), 64)
        found.update(s.reply_address for s in walk.steps if s.element == ids.vpngw(gateway)
                     and s.port and s.port.startswith("conn:"))
    return found


def test_a_site_holds_a_tunnel_and_a_bgp_session_per_instance(tmp_path: Path) -> None:
    """Rule 4.5: one connection, two tunnels from the one on-premises device (one local network
    gateway) to the two instances, each with its BGP session to that instance's peer address."""
    net = _network(tmp_path)
    tunnels = net.plane.tunnels[("dc-vpn", DC_CE)]
    assert [(t.element, t.address) for t in tunnels] == [(ids.vpngw("hub"), a) for a in BGP]
    assert {t.address for t in net.plane.tunnels[("dc-vpn", ids.vpngw("hub"))]} == {TUNNEL}
    sessions = [s for s in net.plane.bgp.speakers[DC_CE].sessions if s.name == "dc-vpn"]
    assert sorted(s.tunnel for s in sessions) == [0, 1]
    hub = gateway_speaker(net.plane, "vpngw:hub")
    to_dc = [a for a in advertised_routes(net.plane, hub) if a.peer == DC_CE]
    assert {row.next_hop for a in to_dc for row in a.paths} == set(BGP)  # ``azint bgp vpngw:hub``
    # a path heard over one tunnel is not sent back over the other
    assert all(row.prefix != IPv4Network("10.2.0.0/24") for a in to_dc for row in a.paths)


def test_the_site_router_shares_its_load_over_both_tunnels(tmp_path: Path) -> None:
    """Rule 4.5: the router hears the VNet's range over both sessions with equal paths; with BGP
    multipath it installs both tunnels (``routes``) and each flow takes one, ending at one
    instance (the walk shows which by the public address the gateway answers from)."""
    net = _network(tmp_path, multipath=True)
    (view,) = router_views(net.plane, "dc", None)
    row = next(r for r in view.routes if r.prefix == IPv4Network("10.10.0.0/24"))
    assert (row.protocol, row.next_hops) == ("bgp", tuple(str(a) for a in BGP))
    assert len([p for p in view.bgp if p.prefix == IPv4Network("10.10.0.0/24")]) == 2
    targets = [f"10.10.0.{n}" for n in range(4, 40)]
    assert _gateway_step_addresses(net, "dc", "hub", targets) == set(PUBLIC)
    for target in ("10.10.0.4", "10.12.0.4"):
        trace = net.prober.tracert(resolve_source(net.topology, "dc"), IPv4Address(target))
        assert trace.walk.disposition is Disposition.DELIVERED, target


def test_without_multipath_the_site_router_uses_one_tunnel(tmp_path: Path) -> None:
    """A router that does not use equal BGP paths together keeps the first session's."""
    net = _network(tmp_path)
    route = net.plane.routers["dc-ce"].table.lookup(IPv4Address("10.10.0.4"))
    assert route is not None and [h.address for h in route.next_hops] == [BGP[0]]


def test_one_instance_down_takes_only_its_tunnels_and_sessions(tmp_path: Path) -> None:
    """Rule 4.5: ``--down vpngw:hub@FIRST`` removes that instance's tunnel and session; the
    other instance's carries the traffic."""
    net = _network(tmp_path, ("vpngw:hub@10.10.0.228",), multipath=True)
    assert [t.address for t in net.plane.tunnels[("dc-vpn", DC_CE)]] == [BGP[1]]
    assert [s.tunnel for s in net.plane.bgp.speakers[DC_CE].sessions if s.name == "dc-vpn"] == [0]
    route = net.plane.routers["dc-ce"].table.lookup(IPv4Address("10.10.0.4"))
    assert route is not None and [h.address for h in route.next_hops] == [BGP[1]]
    assert _gateway_step_addresses(net, "dc", "hub", [f"10.10.0.{n}" for n in range(4, 40)]) \
        == {PUBLIC[1]}


def test_one_instance_down_moves_paths_and_loses_none(tmp_path: Path) -> None:
    """Rule 4.5 in ``whatif``: failing either instance of an active-active gateway moves the pairs
    whose flows crossed it (from the VNet, or in by one of its tunnels) to the other instance;
    no pair is lost."""
    net = _network(tmp_path, multipath=True, mesh=True)
    effects = {e.down: e for e in sweep(net).effects}
    moved: list[tuple[str, str]] = []
    for instance in (FIRST, SECOND):
        name = f"vpngw:hub@{instance}"
        effect = effects[(name,)]
        assert effect.lost == (), name
        crossed = {p for p, s in all_pairs(net).items() if name in s.path}
        assert {m.pair for m in effect.moved} == crossed, name
        assert all(name not in m.after.path for m in effect.moved)
        moved += [m.pair for m in effect.moved]
    # flows from the site, which enter Azure by a tunnel, move with the instance it ends at
    assert any(source == "dc" for source, _ in moved)


def test_two_active_active_gateways_are_joined_by_a_full_mesh(tmp_path: Path) -> None:
    """Rule 4.5: a VNet-to-VNet connection between two active-active gateways is four tunnels
    (each instance to each of the other's), one BGP session each; each gateway sends to both
    of the other's instances, and flows arrive at either."""
    net = _network(tmp_path, multipath=True, mesh=True)
    hub, branch = ids.vpngw("hub"), ids.vpngw("branch")
    assert [t.address for t in net.plane.tunnels[("hub-branch", hub)]] == [*BRANCH_BGP, *BRANCH_BGP]
    assert [t.address for t in net.plane.tunnels[("hub-branch", branch)]] == [BGP[0], BGP[0],
                                                                             BGP[1], BGP[1]]
    assert sorted(s.tunnel for s in net.plane.bgp.speakers[hub].sessions
                  if s.name == "hub-branch") == [0, 1, 2, 3]
    route = net.plane.tables[hub].lookup(IPv4Address("10.12.0.4"))
    assert route is not None and [h.address for h in route.next_hops] == BRANCH_BGP
    targets = [f"10.12.0.{n}" for n in range(4, 40)]
    assert _gateway_step_addresses(net, "hub", "branch", targets) == set(BRANCH_PUBLIC)
    assert _gateway_step_addresses(net, "branch", "hub", [f"10.10.0.{n}" for n in range(4, 40)]) \
        == set(PUBLIC)
    down = _network(tmp_path, ("vpngw:branch@10.12.0.238",), mesh=True)
    assert len(down.plane.tunnels[("hub-branch", hub)]) == 2
    trace = down.prober.tracert(resolve_source(down.topology, "hub"), IPv4Address("10.12.0.4"))
    assert trace.walk.disposition is Disposition.DELIVERED


def test_the_commands_show_both_tunnels(tmp_path: Path) -> None:
    """Rule 4.5 as the commands print it: ``bgp vpngw:hub`` advertises to the site over both
    sessions (from each instance's BGP address) and lists what it learned on each with the
    instance's own address (the ``LocalAddress`` of "Get-AzVirtualNetworkGatewayLearnedRoute",
    https://learn.microsoft.com/powershell/module/az.network/get-azvirtualnetworkgatewaylearnedroute),
    ``routes dc`` shows both next hops, and
    ``tracert --explain`` names the instance the flow's tunnel ends at."""
    _network(tmp_path, multipath=True)
    where = ("--topology", str(tmp_path / "topology.yaml"))
    bgp = run_cli("bgp", *where, "vpngw:hub").output
    assert bgp.count("Advertised to router:dc-ce (10.2.0.250) on dc-vpn") == 2
    learned = [line.split() for line in bgp.splitlines() if "router:dc-ce  65001" in line]
    assert [row[:2] for row in learned] == [[str(a), "10.2.0.0/24"] for a in BGP]  # LocalAddress
    routes = run_cli("routes", *where, "dc").output
    assert "10.10.0.253, 10.10.0.254" in routes.split("Routing table")[1]
    explained = run_cli("tracert", *where, "--explain", "dc", "10.10.0.4").output
    tunnel = next(line.strip() for line in explained.splitlines() if "tunnel: to" in line)
    assert tunnel in {f"tunnel: to instance {i} ({p})" for i, p in zip((FIRST, SECOND), PUBLIC,
                                                                      strict=True)}
    document = run_cli("tracert", *where, "--explain", "--json", "dc", "10.10.0.4").output
    assert tunnel.removeprefix("tunnel: to ") in document


def test_a_static_route_into_the_tunnel_uses_both_tunnels(tmp_path: Path) -> None:
    """Without BGP, the site's static route into the connection's tunnel interface covers both
    tunnels; the gateway's instances both send to the site's one device."""
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    dc["routers"][0]["static_routes"] += [{"prefix": "10.10.0.0/24", "interface": "tunnel"}]
    net = build(tmp_path, [_active_active(), dc],
                [vpn("dc-vpn", "hub", ("dc-ce", "tunnel"), bgp=False, prefixes=["10.2.0.0/24"])])
    route = net.plane.routers["dc-ce"].table.lookup(IPv4Address("10.10.0.4"))
    assert route is not None and [h.address for h in route.next_hops] == BGP
    back = net.plane.tables[ids.vpngw("hub")].lookup(IPv4Address("10.2.0.10"))
    assert back is not None and [h.address for h in back.next_hops] == [TUNNEL]
    assert _gateway_step_addresses(net, "dc", "hub", [f"10.10.0.{n}" for n in range(4, 40)]) \
        == set(PUBLIC)


def test_a_vnet_gateway_reaches_both_instances_of_an_active_active_one(tmp_path: Path) -> None:
    """Rule 4.5: a VNet-to-VNet connection from an active-standby gateway to an active-active
    one is two tunnels (one per active-active instance); the active-standby side sends over
    both, each flow over one."""
    net = _network(tmp_path)
    route = net.plane.tables[ids.vpngw("branch")].lookup(IPv4Address("10.10.0.4"))
    assert route is not None and [h.address for h in route.next_hops] == BGP
    assert _gateway_step_addresses(net, "branch", "hub", [f"10.10.0.{n}" for n in range(4, 40)]) \
        == set(PUBLIC)


def test_validate_wants_a_route_to_each_instance_bgp_address(tmp_path: Path) -> None:
    """Each instance's BGP session needs the device's host route to that instance's BGP peer
    address through the tunnel ("VPN Gateway FAQ",
    https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq): a site that routes only
    to the first is warned about the second."""
    dc = site("dc", 65001, "10.2.0.0/24", tunnel="10.2.0.250")
    dc["routers"][0]["static_routes"].append({"prefix": f"{BGP[0]}/32", "interface": "tunnel"})
    build(tmp_path, [_active_active(), dc], [vpn("dc-vpn", "hub", ("dc-ce", "tunnel"))])
    _, problems = loader.load_with_problems(tmp_path / "topology.yaml")
    missing = [p.message for p in problems if "has no route to" in p.message]
    assert len(missing) == 1 and missing[0].startswith(f"router 'dc-ce' has no route to {BGP[1]},")


@pytest.mark.parametrize("mesh", [False, True])
def test_walks_shared_across_sources_are_walks_from_scratch(tmp_path: Path, mesh: bool) -> None:
    """The instance a flow takes is hashed on its source (rule 4.5), so a way on that crosses an
    active-active gateway is never reused for another source: the matrix and every probe's walk
    are what walking from scratch gives, with several VMs per VNet and the site sharing its
    load over both tunnels ("About active-active VPN gateways",
    https://learn.microsoft.com/azure/vpn-gateway/about-active-active-gateways)."""
    from tests.test_properties import _assert_walks_alike, _matrix_pair_by_pair, _matrix_shared

    net = _network(tmp_path, multipath=True, mesh=mesh)
    doc = yaml.safe_load((tmp_path / "topology.yaml").read_text())
    for network in doc["networks"]:
        first = network["endpoints"][0]
        base = str(first["address"]).rsplit(".", 1)[0]
        extra = {"gateway": first["gateway"]} if "gateway" in first else {}
        network["endpoints"] += [{"name": f"{network['name']}-vm{n}", "address": f"{base}.{n}", **extra}
                                 for n in range(20, 26)]
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    many = Network.open(path)
    _assert_walks_alike(many)
    assert _matrix_shared(many) == _matrix_pair_by_pair(many) and net.topology.vpns
