"""Network security groups on small topologies: rules 8.1 to 8.4 of docs/azure-routing.md.

Sources: "Network security groups",
https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview;
"How network security groups filter network traffic",
https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works;
"Virtual network service tags",
https://learn.microsoft.com/azure/virtual-network/service-tags-overview.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml

from azint.control.security import SecurityPolicy, virtual_network_prefixes
from azint.data.explain import explain
from azint.network import Network
from azint.render.explain import explain_text, explanation_json
from azint.render.windows import ping_text, tracert_text
from azint.topology.model import Direction
from tests.builders import Doc, build, peering, site, vnet, vpn
from tests.conftest import Run

Rule = dict[str, Any]


def _rule(name: str, priority: int, direction: str = "Inbound", access: str = "Deny",
          **extra: Any) -> Rule:
    return {"name": name, "priority": priority, "direction": direction, "access": access,
            **extra}


def _guarded(doc: Doc, subnet: list[Rule] | None = None, nic: list[Rule] | None = None) -> Doc:
    """``doc`` with an NSG of ``subnet`` rules on its default subnet and one of ``nic`` rules on
    its VM's NIC (None: no NSG there)."""
    groups = doc.setdefault("network_security_groups", [])
    if subnet is not None:
        groups.append({"name": "subnet-nsg", "rules": subnet})
        doc["subnets"][0]["network_security_group"] = "subnet-nsg"
    if nic is not None:
        groups.append({"name": "nic-nsg", "rules": nic})
        doc["endpoints"][0]["network_security_group"] = "nic-nsg"
    return doc


def _pair(tmp_path: Path, subnet: list[Rule] | None = None, nic: list[Rule] | None = None,
          ) -> Network:
    """VNets app (guarded as asked; its VM app-vm) and other (other-vm), peered."""
    return build(tmp_path, [_guarded(vnet("app", "10.1.0.0/24"), subnet, nic),
                            vnet("other", "10.2.0.0/24")], [peering("app-other", "app", "other")])


def _ping(network: Network, source: str, target: str) -> str:
    sender = next(e for e in network.topology.endpoints() if e.name == source)
    receiver = next(e for e in network.topology.endpoints() if e.name == target)
    return ping_text(network.prober.ping(sender, receiver.address))


def _replies(network: Network, source: str, target: str) -> int:
    return _ping(network, source, target).count("Reply from")


def _hub_with_site(tmp_path: Path, rules: list[Rule], down: tuple[str, ...] = ()) -> Network:
    """Hub (VPN gateway, its VM's subnet guarded by ``rules``), peered VNet ``peer``, and site
    s1 behind a BGP VPN that advertises its LAN 10.50.0.0/24."""
    hub = _guarded(vnet("hub", "10.0.0.0/24", vpn=True), subnet=rules)
    s1 = site("s1", 65001, "10.50.0.0/24", tunnel="10.50.0.250")
    s1["routers"][0]["static_routes"].append({"prefix": "10.0.0.254/32", "interface": "tunnel"})
    return build(tmp_path, [hub, vnet("peer", "10.3.0.0/24"), s1],
                 [vpn("hub-s1", "hub", ("s1-ce", "tunnel")), peering("hub-peer", "hub", "peer")],
                 down)


# -- rule 8.1: rules by priority, Azure's default rules ---------------------------------------


def test_default_rules_allow_traffic_within_the_vnet_and_its_peers(tmp_path: Path) -> None:
    """Rule 8.1 ("Network security groups", default security rules): an NSG without rules of
    its own still allows VirtualNetwork to VirtualNetwork both ways (AllowVnetInBound,
    AllowVnetOutBound), so VMs of peered VNets ping each other through NSGs on both levels.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    network = _pair(tmp_path, subnet=[], nic=[])
    assert _replies(network, "other-vm", "app-vm") == 4
    assert _replies(network, "app-vm", "other-vm") == 4


def test_below_the_users_rules_azures_defaults_decide(tmp_path: Path) -> None:
    """Rule 8.1 ("Network security groups", default security rules): where no rule of the
    user's matches, AllowVnetInBound (65000) takes VirtualNetwork sources (Azure's host
    168.63.129.16 among them, before AllowAzureLoadBalancerInBound sees it), DenyAllInBound
    (65500) the rest; outbound, AllowInternetOutBound (65001) takes public destinations,
    DenyAllOutBound (65500) the rest.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    network = _pair(tmp_path, subnet=[_rule("unrelated", 100, protocol="Tcp")])
    policy = SecurityPolicy(network.plane)
    group = network.topology.vnets["app"].security_groups["subnet-nsg"]
    vm = IPv4Address("10.1.0.4")

    def decided(direction: Direction, src: str, dst: str) -> tuple[str, int]:
        rule = policy.deciding_rule("app-vm", group, direction, IPv4Address(src),
                                    IPv4Address(dst), "icmp")
        return rule.name, rule.priority

    inbound, outbound = Direction.INBOUND, Direction.OUTBOUND
    assert decided(inbound, "10.2.0.4", str(vm)) == ("AllowVnetInBound", 65000)
    assert decided(inbound, "168.63.129.16", str(vm)) == ("AllowVnetInBound", 65000)
    assert decided(inbound, "8.8.8.8", str(vm)) == ("DenyAllInBound", 65500)
    assert decided(inbound, "10.77.0.1", str(vm)) == ("DenyAllInBound", 65500)
    assert decided(outbound, str(vm), "8.8.8.8") == ("AllowInternetOutBound", 65001)
    assert decided(outbound, str(vm), "10.77.0.1") == ("DenyAllOutBound", 65500)


def test_deny_icmp_inbound_makes_ping_time_out_and_explain_names_the_rule(tmp_path: Path) -> None:
    """Rules 8.1 and 8.2 ("How network security groups filter network traffic"): a rule denying
    ICMP inbound drops the echo requests, so ping prints "Request timed out." four times, and
    explain names the NSG, where it sits, the rule and its priority.
    How network security groups filter network traffic, https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
    """
    network = _pair(tmp_path, subnet=[_rule("no-ping", 150, protocol="Icmp")])
    text = _ping(network, "other-vm", "app-vm")
    assert text.count("Request timed out.") == 4
    assert "Received = 0" in text
    sender = network.topology.endpoints()[1]
    reasons = explain(network.prober, sender, IPv4Address("10.1.0.4"))
    told = explain_text(reasons, 200)
    assert ("network security group 'subnet-nsg' (subnet default), rule 'no-ping' "
            "(priority 150)") in told
    assert "inbound to app-vm" in told
    denied = json.loads(explanation_json("t", reasons))["denied"]
    assert (denied["network_security_group"], denied["association"], denied["rule"],
            denied["priority"], denied["direction"]) == (
        "subnet-nsg", {"subnet": "default"}, "no-ping", 150, "Inbound")


def test_rules_are_tried_by_priority_and_the_first_match_decides(tmp_path: Path) -> None:
    """Rule 8.1 ("Network security groups", Priority: lower numbers first, processing stops at
    the first match): an allow at 100 beats a deny at 200, and the same two rules with the
    numbers swapped deny; the order they are written in does not matter.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    allow, deny = {"protocol": "Icmp", "access": "Allow"}, {"protocol": "Icmp"}
    first = _pair(tmp_path, subnet=[_rule("deny", 200, **deny), _rule("allow", 100, **allow)])
    assert _replies(first, "other-vm", "app-vm") == 4
    second = _pair(tmp_path, subnet=[_rule("deny", 100, **deny), _rule("allow", 200, **allow)])
    assert _replies(second, "other-vm", "app-vm") == 0


def test_a_rule_with_ports_does_not_match_icmp(tmp_path: Path) -> None:
    """Rule 8.1: protocol and ports must both match; ICMP has no ports, so a TCP rule, or any
    rule with ports other than '*', does not drop a ping.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    network = _pair(tmp_path, subnet=[_rule("tcp", 100, protocol="Tcp"),
                                      _rule("web", 110, destination_ports=[80, "443-444"])])
    assert _replies(network, "other-vm", "app-vm") == 4


# -- rule 8.2: subnet then NIC inbound, NIC then subnet outbound ------------------------------


def test_inbound_meets_the_subnet_nsg_first_then_the_nic_nsg(tmp_path: Path) -> None:
    """Rule 8.2 ("How network security groups filter network traffic", inbound traffic: the
    subnet's NSG first, then the NIC's): with both denying, the subnet's rule drops the packet;
    with the subnet allowing, the NIC's still does — both must allow.
    How network security groups filter network traffic, https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
    """
    both = _pair(tmp_path, subnet=[_rule("subnet-deny", 100)], nic=[_rule("nic-deny", 100)])
    denied = both.prober.ping(both.topology.endpoints()[1], IPv4Address("10.1.0.4")).walk.denied
    assert denied is not None
    assert (denied.attachment.level, denied.rule.name) == ("subnet", "subnet-deny")
    nic_only = _pair(tmp_path, subnet=[], nic=[_rule("nic-deny", 100)])
    walk = nic_only.prober.ping(nic_only.topology.endpoints()[1], IPv4Address("10.1.0.4")).walk
    assert walk.denied is not None
    assert (walk.denied.attachment.level, walk.denied.rule.name) == ("nic", "nic-deny")


def test_outbound_meets_the_nic_nsg_first_then_the_subnet_nsg(tmp_path: Path) -> None:
    """Rule 8.2 ("How network security groups filter network traffic", outbound traffic: the
    NIC's NSG first, then the subnet's): with both denying, the NIC's rule names the drop, and
    the VM's own ping times out.
    How network security groups filter network traffic, https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
    """
    out = {"direction": "Outbound"}
    network = _pair(tmp_path, subnet=[_rule("subnet-out", 100, **out)],
                    nic=[_rule("nic-out", 100, **out)])
    result = network.prober.ping(network.topology.endpoints()[0], IPv4Address("10.2.0.4"))
    assert result.walk.denied is not None
    assert (result.walk.denied.attachment.level, result.walk.denied.rule.name) == \
        ("nic", "nic-out")
    assert [r.kind for r in result.replies] == ["timeout"] * 4


def _appliance(tmp_path: Path, rules: list[Rule]) -> Network:
    """VNet app: a-vm's subnet routes b's subnet through appliance fw, whose subnet has ``rules``."""
    app: Doc = {
        "name": "app", "kind": "vnet", "address_space": ["10.1.0.0/16"],
        "subnets": [{"name": "a", "prefix": "10.1.1.0/24", "route_table": "via-fw"},
                    {"name": "b", "prefix": "10.1.2.0/24"},
                    {"name": "fw", "prefix": "10.1.3.0/24", "network_security_group": "fw-nsg"}],
        "endpoints": [{"name": "a-vm", "address": "10.1.1.4"},
                      {"name": "b-vm", "address": "10.1.2.4"},
                      {"name": "fw", "address": "10.1.3.4", "forwarding": True}],
        "route_tables": [{"name": "via-fw", "routes": [
            {"prefix": "10.1.2.0/24", "next_hop_type": "VirtualAppliance",
             "next_hop_ip": "10.1.3.4"}]}],
        "network_security_groups": [{"name": "fw-nsg", "rules": rules}]}
    return build(tmp_path, [app], [], validated=False)


def test_an_appliance_nsg_filters_what_it_forwards(tmp_path: Path) -> None:
    """Rule 8.2: an appliance's NSGs filter the packets it forwards. Denied inbound, the probe
    never reaches it, so even the probe whose TTL would run out there gets no answer; denied
    outbound, it answers as a hop, and nothing beyond it does.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    def trace(rules: list[Rule]) -> list[str]:
        network = _appliance(tmp_path, rules)
        result = network.prober.tracert(network.topology.endpoints()[0],
                                        IPv4Address("10.1.2.4"), max_hops=3)
        return [line.kind for line in result.hops]

    assert trace([]) == ["time-exceeded", "echo-reply"]
    assert trace([_rule("in", 100, source="10.1.1.0/24")]) == ["timeout"] * 3
    assert trace([_rule("out", 100, "Outbound", destination="10.1.2.0/24")]) == \
        ["time-exceeded", "timeout", "timeout"]


# -- rule 8.3: service tags -------------------------------------------------------------------


def test_virtual_network_holds_peered_vnets_and_prefixes_the_gateway_learned(
        tmp_path: Path) -> None:
    """Rule 8.3 ("Virtual network service tags", VirtualNetwork: the VNet's address space,
    connected on-premises address spaces, peered virtual networks): a rule denying
    VirtualNetwork drops pings from the peered VNet and from the site behind the VPN; one
    denying Internet drops neither. Taking the VPN down takes the site's LAN out of the tag.
    Virtual network service tags, https://learn.microsoft.com/azure/virtual-network/service-tags-overview
    """
    deny_vnet = _hub_with_site(tmp_path, [_rule("deny-vnet", 100, source="VirtualNetwork")])
    assert _replies(deny_vnet, "peer-vm", "hub-vm") == 0
    assert _replies(deny_vnet, "s1-vm", "hub-vm") == 0
    deny_internet = _hub_with_site(tmp_path, [_rule("deny-internet", 100, source="Internet")])
    assert _replies(deny_internet, "peer-vm", "hub-vm") == 4
    assert _replies(deny_internet, "s1-vm", "hub-vm") == 4
    tag = virtual_network_prefixes(deny_vnet.plane.vnets["hub"], "default")
    assert {IPv4Network(p) for p in ("10.0.0.0/24", "10.3.0.0/24", "10.50.0.0/24")} <= set(tag)
    without = _hub_with_site(tmp_path, [], down=("hub-s1",))
    assert IPv4Network("10.50.0.0/24") not in virtual_network_prefixes(
        without.plane.vnets["hub"], "default")


def test_virtual_network_holds_user_route_prefixes_but_not_a_default_route(
        tmp_path: Path) -> None:
    """Rule 8.3 ("Virtual network service tags": the tag holds address prefixes used on
    user-defined routes); azint leaves a 0.0.0.0/0 route out, so a default route to a firewall
    does not let every address through AllowVnetInBound.
    Virtual network service tags, https://learn.microsoft.com/azure/virtual-network/service-tags-overview
    """
    doc = vnet("app", "10.1.0.0/24")
    doc["route_tables"] = [{"name": "rt", "routes": [
        {"prefix": "192.168.7.0/24", "next_hop_type": "None"},
        {"prefix": "0.0.0.0/0", "next_hop_type": "None"}]}]
    doc["subnets"][0]["route_table"] = "rt"
    network = build(tmp_path, [doc], [], validated=False)
    tag = virtual_network_prefixes(network.plane.vnets["app"], "default")
    assert IPv4Network("192.168.7.0/24") in tag
    assert IPv4Network("0.0.0.0/0") not in tag
    assert IPv4Network("168.63.129.16/32") in tag


# -- rule 8.4: stateful ------------------------------------------------------------------------


def test_replies_pass_whatever_the_rules_say(tmp_path: Path) -> None:
    """Rule 8.4 ("How network security groups filter network traffic": NSGs are stateful, the
    reply to allowed traffic is allowed): a VM whose NSG denies everything outbound still
    answers pings, but cannot ping out itself.
    How network security groups filter network traffic, https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
    """
    network = _pair(tmp_path, nic=[_rule("deny-out", 100, "Outbound")])
    assert _replies(network, "other-vm", "app-vm") == 4
    assert _replies(network, "app-vm", "other-vm") == 0


def test_tracert_shows_every_hop_although_inbound_icmp_is_denied(tmp_path: Path) -> None:
    """Rule 8.4: the time-exceeded messages about an allowed probe belong to its flow, so a
    VM whose subnet denies ICMP inbound still traces to the site (gateway, CE router, host),
    while the site's own pings to it time out.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    network = _hub_with_site(tmp_path, [_rule("no-icmp-in", 100, protocol="Icmp")])
    hub_vm = network.topology.endpoints()[0]
    result = network.prober.tracert(hub_vm, IPv4Address("10.50.0.10"))
    assert [line.kind for line in result.hops] == ["time-exceeded", "time-exceeded", "echo-reply"]
    assert "Request timed out" not in tracert_text(result, network.topology.names)
    assert _replies(network, "s1-vm", "hub-vm") == 0


# -- azint nsg ---------------------------------------------------------------------------------


def _write(tmp_path: Path, networks: list[Doc], connections: list[Doc]) -> str:
    path = tmp_path / "nsg.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "nsg", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    return str(path)


def test_nsg_command_lists_effective_rules_as_azure_does(
        tmp_path: Path, azint: Callable[..., Run]) -> None:
    """Rule 8.1 ("Network security groups"; ``az network nic list-effective-nsg``): each NSG of
    the VM, subnet's first, with its user rules (UserRule_NAME) and Azure's defaults under
    their effective names, and VirtualNetwork expanded to the prefixes it holds.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    topo = _write(tmp_path, [_guarded(vnet("app", "10.1.0.0/24"),
                                      [_rule("no-ping", 100, protocol="Icmp")], []),
                             vnet("other", "10.2.0.0/24")], [peering("app-other", "app", "other")])
    run = azint("nsg", "--topology", topo, "app", "--json")
    assert run.code == 0, run.err
    groups = run.json()["network_security_groups"]
    assert [(g["network_security_group"], g["association"]) for g in groups] == [
        ("subnet-nsg", {"subnet": "default"}), ("nic-nsg", {"network_interface": "app-vm"})]
    names = [(r["name"], r["priority"]) for r in groups[0]["effective_security_rules"]]
    assert names == [("UserRule_no-ping", 100), ("DefaultRule_AllowVnetInBound", 65000),
                     ("DefaultRule_AllowAzureLoadBalancerInBound", 65001),
                     ("DefaultInboundDenyAll", 65500), ("DefaultRule_AllowVnetOutBound", 65000),
                     ("DefaultRule_AllowInternetOutBound", 65001),
                     ("DefaultOutboundDenyAll", 65500)]
    vnet_rule = groups[0]["effective_security_rules"][1]
    assert vnet_rule["expanded_source_address_prefixes"] == [
        "10.1.0.0/24", "10.2.0.0/24", "168.63.129.16/32"]
    text = azint("nsg", "--topology", topo, "app", "--endpoint", "app-vm")
    assert text.code == 0
    assert "Network security group subnet-nsg (subnet default)" in text.out
    assert "UserRule_no-ping" in text.out


def test_nsg_command_refuses_what_it_cannot_show(tmp_path: Path,
                                                 azint: Callable[..., Run]) -> None:
    """A site has no NSG, and a subnet or VM must exist: one line, exit 2.
    Network security groups, https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
    """
    topo = _write(tmp_path, [vnet("app", "10.1.0.0/24"), site("s", 65001, "10.9.0.0/24")], [])
    for args, words in ((("s",), "on-premises site"), (("app", "--subnet", "nope"), "no subnet"),
                        (("app", "--endpoint", "nope"), "no VM")):
        run = azint("nsg", "--topology", topo, *args)
        assert run.code == 2 and words in run.err, (args, run.err)
    run = azint("nsg", "--topology", topo, "app")
    assert run.code == 0 and "every packet passes" in run.out
