"""``azint explain`` and ``tracert --explain``: routes per step, reasons for drops and timeouts."""

from __future__ import annotations

from pathlib import Path

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


# -- each cause on tests/topologies/causes.yaml: what explain names, as data -----------------

def _why(azint, *args: str) -> list[list[tuple[str, str, str | None, tuple[str, ...]]]]:  # type: ignore[no-untyped-def]
    """explain's alternatives on causes.yaml, each as (kind, element, peer, setting) tuples."""
    found = azint("explain", "--topology", topology("causes"), *args, "--json").json()
    assert not found["reached"]
    return [[(c["kind"], c["element"], c["peer"], tuple(c["setting"])) for c in causes]
            for causes in _causes(found["missing"])]


def test_a_spoke_without_gateway_transit_names_the_flags_that_are_off(azint) -> None:
    """Rule 2.3: a spoke uses its hub's gateways only when the hub allows gateway transit and
    the spoke uses remote gateways. It used to say "BGP does deliver 10.110.0.0/24 to VNet
    spoke-off's speakers" (a VNet without gateways has none).
    Configure VPN gateway transit for virtual network peering,
    https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"""
    assert _why(azint, "spoke-off", "10.110.0.10") == [[
        ("use-remote-gateways-off", "vnet:spoke-off", "vnet:hub", ("hub-off",)),
        ("allow-gateway-transit-off", "vnet:hub", "vnet:spoke-off", ("hub-off",))]]
    assert _why(azint, "spoke-half", "10.110.0.10") == [[
        ("use-remote-gateways-off", "vnet:spoke-half", "vnet:hub", ("hub-half",))]]
    # the other way: the hub's gateways would advertise the spoke, were transit on
    ways = _why(azint, "dc", "10.103.0.4")
    assert ways and all(w == [("use-remote-gateways-off", "vnet:spoke-off", "vnet:hub", ("hub-off",)),
                              ("allow-gateway-transit-off", "vnet:hub", "vnet:spoke-off", ("hub-off",))]
                        for w in ways)


def test_a_none_user_route_is_named_not_a_missing_route(azint) -> None:
    """Rule 1.7: a user route to None drops what it matches, whatever the gateway learned
    (it used to say the VNet "has no route" and that BGP "does deliver" the prefix).
    Virtual network traffic routing,
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview"""
    assert _why(azint, "on-vm", "10.110.0.10") == [[
        ("user-route", "vnet:spoke-on", None, ("blackhole", "drop-dc", "None"))]]
    text = azint("explain", "--topology", topology("causes"), "on-vm", "10.110.0.10").out
    assert "user route 'drop-dc' of route table 'blackhole' sends 10.110.0.0/25 to None" in text
    assert "BGP does deliver" not in text


def test_gateway_route_propagation_off_is_named(azint) -> None:
    """Rule 1.7: a route table with gateway route propagation off gives its subnet no gateway
    routes.
    Virtual network traffic routing,
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview"""
    assert _why(azint, "quiet-vm", "10.110.0.10") == [[
        ("gateway-propagation-off", "vnet:spoke-on", None, ("no-propagation",))]]


def test_peering_is_not_transitive(azint) -> None:
    """Rule 2.1: far is peered with spoke-on, spoke-on with hub; far gets nothing towards hub.
    Azure Virtual Network peering,
    https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"""
    assert _why(azint, "far", "10.100.0.4") == [[
        ("peering-not-transitive", "vnet:far", "vnet:hub", ("spoke-on",))]]


def test_a_vpn_gateway_does_not_pass_the_default_route_on(azint) -> None:
    """Rule 4.2: dc2 advertises 0.0.0.0/0 to the hub's VPN gateway, which does not re-advertise
    a default route to the branch (it used to say "no network advertises a route").
    About BGP and VPN Gateway, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"""
    found = azint("explain", "--topology", topology("causes"), "branch", "8.8.8.8", "--json").json()
    (way,) = found["missing"]["alternatives"]
    assert found["missing"]["prefix"] == "0.0.0.0/0"
    assert (way["holder"], way["learned"]["connection"]) == ("vpngw:hub", "dc2-vpn")
    assert [(c["kind"], c["rule"], c["element"], c["peer"]) for c in way["causes"]] == [
        ("vpn-no-default-route", "4.2", "vpngw:hub", "vpngw:branch")]
    text = azint("explain", "--topology", topology("causes"), "branch", "8.8.8.8").out
    assert "no network advertises" not in text


@pytest.mark.parametrize("down, expected", [
    (("c1-primary", "c1-secondary"), {("c1-primary",), ("c1-secondary",)}),
    (("hub-c1",), {("hub-c1",)}),
    (("c1",), {("c1",)}),
])
def test_links_taken_down_are_named(azint, down: tuple[str, ...], expected: set[tuple[str, ...]]) -> None:
    """--down: the link, connection or circuit taken down is the cause (it used to say "BGP does
    deliver 10.110.0.0/24" or name an export rule)."""
    args = [a for name in down for a in ("--down", name)]
    ways = _why(azint, "hub", "10.110.0.10", *args)
    assert all(len(w) == 1 and w[0][0] == "link-down" for w in ways), ways
    assert {w[0][3] for w in ways} == expected


def test_a_static_route_into_a_vpn_that_is_down_names_it(azint) -> None:
    ways = _why(azint, "dc2", "10.100.0.4", "--down", "dc2-vpn")
    assert ways == [[("link-down", "router:dc2-ce", None, ("dc2-vpn",))]]
    text = azint("explain", "--topology", topology("causes"), "dc2", "10.100.0.4",
                 "--down", "dc2-vpn").out
    assert "forwards 10.100.0.4 into a connection that is down" in text


def test_an_appliance_without_ip_forwarding_is_named(azint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Rule 1.7: a user route to a VirtualAppliance needs the VM to forward (IP forwarding).
    Virtual network traffic routing,
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview"""
    path = tmp_path / "idle.yaml"
    text = Path(topology("nva-hub")).read_text()
    path.write_text(text.replace("forwarding: true", "forwarding: false"))
    found = azint("explain", "--topology", str(path), "spoke1", "10.92.0.4", "--json").json()
    (way,) = found["missing"]["alternatives"]
    assert [(c["kind"], c["element"], c["setting"]) for c in way["causes"]] == [
        ("not-forwarding", "vm:fw", ["forwarding"])]


def test_a_cause_is_named_once_however_many_paths_it_cuts(azint) -> None:
    """Circuit c1 down cuts both of its links' sessions: one alternative, c1 named once."""
    assert _why(azint, "on-vm", "10.110.0.10", "--down", "c1", "--down", "hub-on") == [[
        ("user-route", "vnet:spoke-on", None, ("blackhole", "drop-dc", "None")),
        ("link-down", "vnet:spoke-on", "vnet:hub", ("hub-on",)),
        ("link-down", "ergw:hub", "msee:c1:primary", ("c1",))]]


def _reference_why(azint, *args: str) -> list[list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """explain's alternatives on the reference topology, each as (kind, setting) pairs."""
    found = azint("explain", *args, "--json").json()
    assert not found["reached"]
    return [[(c["kind"], *c["setting"]) for c in causes] for causes in _causes(found["missing"])]


@pytest.mark.parametrize("args, expected", [
    (("location1", "10.10.30.4", "--down", "router:loc1-ce"), [[("link-down", "router:loc1-ce")]]),
    (("location2", "10.10.30.4", "--down", "router:loc2-ce1", "--down", "router:loc2-ce2"),
     [[("link-down", "router:loc2-ce1")], [("link-down", "router:loc2-ce2")]]),
    (("location1", "10.10.30.4", "--down", "igp:loc1-switch/to-ce--loc1-ce/to-switch"),
     [[("link-down", "igp:loc1-switch/to-ce--loc1-ce/to-switch")]]),
    (("location2", "10.10.30.4", "--down", "igp:loc2-switch/to-ce1--loc2-ce1/to-switch",
      "--down", "igp:loc2-switch/to-ce2--loc2-ce2/to-switch"),
     [[("link-down", "igp:loc2-switch/to-ce1--loc2-ce1/to-switch")],
      [("link-down", "igp:loc2-switch/to-ce2--loc2-ce2/to-switch")]]),
    (("hub", "10.2.30.10", "--down", "ergw:hub", "--down", "loc1-vpn"),
     [[("link-down", "ergw:hub")], [("link-down", "ergw:hub"), ("link-down", "er1-secondary")]]),
    # every instance down: bringing any one back brings the gateway and its connection back
    (("spoke", "10.2.30.10", "--down", "loc1-vpn",
      *(a for i in (132, 133, 134) for a in ("--down", f"ergw:hub@10.10.30.{i}"))),
     [[("link-down", f"ergw:hub@10.10.30.{i}")] for i in (132, 133, 134)]
     + [[("link-down", f"ergw:hub@10.10.30.{i}"), ("link-down", "er1-secondary")]
        for i in (132, 133, 134)]),
])
def test_what_down_named_is_the_cause_not_what_went_with_it(
        azint, args: tuple[str, ...], expected: list[list[tuple[str, str]]]) -> None:  # type: ignore[no-untyped-def]
    """A router taken down takes its circuit links and IGP links with it, a gateway its
    connections, an IGP link the routes learned over it: explain names what --down named. It
    used to blame the circuit link or connection (bringing it up alone changes nothing), or say
    that no connection joins the site to the prefix."""
    assert _reference_why(azint, *args) == expected


def test_a_static_route_whose_next_hop_is_cut_off_is_not_unadvertised(azint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A router's static route to a next hop across an IGP link (or a router) that is down: the
    element down is the cause, not 'no network advertises a route' (names hold ':' and '|')."""
    path = tmp_path / "statics.yaml"
    path.write_text("""azint: 1
name: statics
networks:
  - name: "s:1|a"
    kind: onprem
    asn: 65300
    endpoints:
      - {name: "vm:a|b", address: 10.60.0.10, gateway: 10.60.0.1}
      - {name: "vm|2", address: 10.99.0.10, gateway: 10.99.0.1}
    routers:
      - name: "r:1|x"
        interfaces:
          - {name: "lan:0|1", address: 10.60.0.1/24}
          - {name: "t|u:n", address: 10.60.1.0/31}
        static_routes:
          - {prefix: 10.99.0.0/24, next_hop: 10.60.1.1}
      - name: "r:2"
        interfaces:
          - {name: "x:y", address: 10.60.1.1/31}
          - {name: lan, address: 10.99.0.1/24}
        static_routes:
          - {prefix: 10.60.0.0/24, next_hop: 10.60.1.0}
    links:
      - {a: "r:1|x/t|u:n", b: "r:2/x:y"}
""")
    for down in ("igp:r:1|x/t|u:n--r:2/x:y", "router:r:2"):
        found = azint("explain", "--topology", str(path), "vm:a|b", "vm|2", "--down", down,
                      "--json").json()
        assert [[(c["kind"], *c["setting"]) for c in causes]
                for causes in _causes(found["missing"])] == [[("link-down", down)]]


def test_a_loop_cut_short_by_the_ttl_claims_no_route_at_its_last_step(azint) -> None:
    """The walk of a forwarding loop stops where the TTL runs out, at an appliance that never
    routed the packet on: explain gives that step no route (it used to say 'to its default
    gateway', which an appliance in the middle of a loop is not sending to)."""
    text = azint("explain", "--topology", topology("loops"), "app-vm", "10.98.0.5").out
    assert "default gateway" not in text
    document = azint("explain", "--topology", topology("loops"), "app-vm", "10.98.0.5",
                     "--json").json()
    assert document["disposition"] == "LOOP"
    assert document["steps"][-1]["decision"] == ""
