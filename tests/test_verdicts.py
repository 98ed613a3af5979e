"""Verdicts agree with the printed trace: disposition, ``reached``, exit code and JSON say what the
hop lines say, and nothing the walk did beyond the last printed hop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from azint.data.walk import Disposition
from azint.network import Network
from tests.conftest import TESTS, Run, topology

Azint = Callable[..., Run]
ER_VPN = topology("er-vpn")


def test_hop_limit_judges_the_trace_at_the_last_printed_hop(azint: Azint) -> None:
    """dc-vm -> hub-vm crosses dc-ce, the MSEE and the ExpressRoute gateway, then arrives at hop 4:
    with ``-h 3`` the target never answers, so the verdict is TTL expired at the gateway (hop 3)."""
    short = azint("tracert", "--topology", ER_VPN, "-h", "3", "dc-vm", "hub-vm", "--json")
    document = short.json()
    assert [h["hop"] for h in document["hops"]] == [1, 2, 3]
    assert (document["reached"], document["disposition"], short.code) == (False, "TTL_EXCEEDED", 1)
    assert "ergw" in document["reason"] and "hub" in document["reason"]

    enough = azint("tracert", "--topology", ER_VPN, "-h", "4", "dc-vm", "hub-vm", "--json")
    document = enough.json()
    assert (document["reached"], document["disposition"], enough.code) == (True, "DELIVERED", 0)
    assert document["hops"][-1]["kind"] == "echo-reply"


def test_hop_limit_one_names_the_first_hop_as_where_ttl_expired(azint: Azint) -> None:
    run = azint("tracert", "--topology", ER_VPN, "-h", "1", "dc-vm", "hub-vm", "--json")
    document = run.json()
    assert document["disposition"] == "TTL_EXCEEDED" and run.code == 1
    assert document["hops"][0]["element"] is not None
    assert "dc-ce" in document["hops"][0]["element"] and "dc-ce" in document["reason"]
    assert "msee" not in document["reason"]


def _target_probes(azint: Azint, *ends: str) -> list[float]:
    document = azint("tracert", "--topology", ER_VPN, *ends, "--json").json()
    assert document["reached"], "the scenario needs a target that answers without -w"
    return [float(p) for p in document["hops"][-1]["probes_ms"]]


def test_wait_shorter_than_every_reply_times_the_target_out(azint: Azint) -> None:
    """A hop whose three probes all outlast ``-w`` is ``Request timed out.``, never ``* * * ADDR``;
    when that is the target, tracert keeps sending until ``-h`` and the trace fails."""
    probes = _target_probes(azint, "dc-vm", "hub-vm")
    wait = int(min(probes))
    assert 1 <= wait < min(probes)
    run = azint("tracert", "--topology", ER_VPN, "-h", "6", "-w", str(wait), "dc-vm", "hub-vm")
    lines = run.out.splitlines()
    assert lines[-6:] == [f"{ttl:3d}     *        *        *     Request timed out."
                          for ttl in (3, 4, 5, 6)] + ["", "Trace complete."]
    assert not any(line.endswith("10.70.0.4") for line in lines)
    assert run.code == 1
    document = azint("tracert", "--topology", ER_VPN, "-h", "6", "-w", str(wait), "dc-vm",
                     "hub-vm", "--json").json()
    assert document["reached"] is False and document["disposition"] == "DELIVERED"
    assert f"no echo reply within {wait} ms" in document["reason"]
    assert {(h["kind"], h["address"]) for h in document["hops"][2:]} == {("timeout", None)}


def test_wait_between_replies_stars_only_the_late_probes(azint: Azint) -> None:
    probes = _target_probes(azint, "dc-vm", "hub-vm")
    wait = int(max(probes))
    assert min(probes) <= wait < max(probes), "the probes must straddle a whole millisecond"
    run = azint("tracert", "--topology", ER_VPN, "-w", str(wait), "dc-vm", "hub-vm", "--json")
    last = run.json()["hops"][-1]
    assert (last["kind"], last["address"]) == ("echo-reply", "10.70.0.4") and run.code == 0
    assert [p is None for p in last["probes_ms"]] == [p > wait for p in probes]
    text = azint("tracert", "--topology", ER_VPN, "-w", str(wait), "dc-vm", "hub-vm").out
    assert text.splitlines()[-3].count("*") == sum(p > wait for p in probes)
    assert text.splitlines()[-3].endswith("*     10.70.0.4")


def test_explain_blames_the_wait_for_late_replies(azint: Azint) -> None:
    wait = int(min(_target_probes(azint, "dc-vm", "hub-vm")))
    text = azint("tracert", "--topology", ER_VPN, "-h", "4", "-w", str(wait), "--explain",
                 "dc-vm", "hub-vm").out
    assert f"the echo replies come back, but later than the wait of {wait} ms" in text
    assert "lost: delivered" not in text


@pytest.mark.parametrize(("args", "code"), [(("ping", "branch", "10.1.31.10"), 1),
                                            (("tracert", "--explain", "hub", "10.2.30.10"), 0),
                                            (("validate", str(TESTS / "bad" / "bad-address.yaml")), 2)])
def test_a_reader_that_goes_away_keeps_the_exit_code(args: tuple[str, ...], code: int) -> None:
    """``azint ping ... | head -1``: a real process whose stdout pipe has no reader any more
    exits with the command's own code and prints nothing on stderr."""
    reader, writer = os.pipe()
    os.close(reader)  # closed before azint writes: every write meets EPIPE
    try:
        done = subprocess.run([sys.executable, "-m", "azint", *args], stdout=writer,
                              stderr=subprocess.PIPE, timeout=60, check=False)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (code, b"")


LOOPS = topology("loops")


@pytest.mark.parametrize(("source", "target", "pair"), [
    ("site-vm", "10.99.0.5", ("router:r1", "router:r2")),  # static routes pointing at each other
    ("app-vm", "10.98.0.5", ("vm:nva1", "vm:nva2")),  # user routes sending to each other's NVA
])
def test_a_forwarding_loop_is_a_loop_not_an_expired_ttl(azint: Azint, source: str, target: str,
                                                        pair: tuple[str, str]) -> None:
    """A loop the configuration makes ends as LOOP, naming the elements that go round; tracert
    still prints the hops repeating until ``-h``, as Windows would."""
    run = azint("tracert", "--topology", LOOPS, "-h", "6", source, target, "--json")
    document = run.json()
    assert (document["disposition"], document["reached"], run.code) == ("LOOP", False, 1)
    assert all(name in document["reason"] for name in pair)
    addresses = [hop["address"] for hop in document["hops"]]
    assert len(addresses) == 6 and all(addresses[k] == addresses[k - 2] for k in range(3, 6))
    ping = azint("ping", "--topology", LOOPS, "-n", "1", source, target, "--json").json()
    assert ping["disposition"] == "LOOP" and ping["replies"][0]["kind"] == "ttl-expired"


def test_a_loop_not_yet_round_within_the_hop_limit_is_an_expired_ttl(azint: Azint) -> None:
    """With ``-h 2`` the packet has not come back to an element yet: the printed hops show no
    loop, and neither does the verdict."""
    document = azint("tracert", "--topology", LOOPS, "-h", "2", "site-vm", "10.99.0.5",
                     "--json").json()
    assert document["disposition"] == "TTL_EXCEEDED" and "r2" in document["reason"]


LAN = topology("lan")


@pytest.mark.parametrize(("source", "target", "ttl"), [
    ("pc", "nas", 64),  # on-premises LAN, Linux target: no router in between
    ("nas", "pc", 128),
    ("vm1", "vm2", 64),  # one VNet subnet
])
def test_hosts_reach_their_own_subnet_directly(azint: Azint, source: str, target: str,
                                               ttl: int) -> None:
    """A host sends to its own subnet itself (ARP), not through its gateway: one hop, and the
    reply keeps the target's initial TTL."""
    trace = azint("tracert", "--topology", LAN, source, target, "--json")
    document = trace.json()
    assert [(h["hop"], h["kind"]) for h in document["hops"]] == [(1, "echo-reply")]
    assert trace.code == 0
    ping = azint("ping", "--topology", LAN, "-n", "1", source, target, "--json").json()
    assert [r["ttl"] for r in ping["replies"]] == [ttl]


@pytest.mark.parametrize("source", ["pc", "nas", "vm1"])
@pytest.mark.parametrize("target", ["self", "127.0.0.1", "127.8.9.10"])
def test_the_host_itself_answers_its_own_address_and_loopback(azint: Azint, source: str,
                                                             target: str) -> None:
    own = {"pc": "10.50.0.10", "nas": "10.50.0.20", "vm1": "10.51.0.4"}[source]
    address = own if target == "self" else target
    initial = 64 if source == "nas" else 128
    trace = azint("tracert", "-d", "--topology", LAN, source, address)
    assert trace.out.splitlines()[3:] == [f"  1    <1 ms    <1 ms    <1 ms  {address}", "",
                                          "Trace complete."]
    assert trace.code == 0
    ping = azint("ping", "-n", "1", "--style", "windows", "--topology", LAN, source, address)
    assert f"Reply from {address}: bytes=32 time<1ms TTL={initial}\n" in ping.out
    assert ping.code == 0
    if source == "nas":  # a Linux host pings in iputils' words unless told otherwise
        ping = azint("ping", "-c", "1", "--topology", LAN, source, address)
        assert f"64 bytes from {address}: icmp_seq=1 ttl=64 time=0.000 ms\n" in ping.out


def test_an_address_nobody_holds_on_the_lan_is_reported_by_the_host(azint: Azint) -> None:
    """ARP finds no one: Windows reports 'Destination host unreachable' from its own address."""
    trace = azint("tracert", "-d", "--topology", LAN, "pc", "10.50.0.99")
    assert "  1  10.50.0.10  reports: Destination host unreachable.\n" in trace.out
    ping = azint("ping", "-n", "1", "--topology", LAN, "pc", "10.50.0.99")
    assert "Reply from 10.50.0.10: Destination host unreachable.\n" in ping.out
    assert (trace.code, ping.code) == (1, 1)


def test_ping_reason_says_why_a_delivered_echo_was_not_seen(azint: Azint) -> None:
    """``ping -w`` shorter than the round trip: delivered, but no reply within the wait."""
    wait = int(min(_target_probes(azint, "dc-vm", "hub-vm")))
    run = azint("ping", "--topology", ER_VPN, "-w", str(wait), "dc-vm", "hub-vm", "--json")
    document = run.json()
    assert (document["success"], document["disposition"], run.code) == (False, "DELIVERED", 1)
    assert document["reason"].endswith(f", but no echo reply within {wait} ms")


def test_explain_says_a_lan_neighbour_is_reached_without_the_gateway(azint: Azint) -> None:
    text = azint("explain", "--topology", LAN, "pc", "nas").out
    assert "on its own subnet, directly (ARP), not through its gateway" in text
    assert "default gateway" not in text
    assert "default gateway" in azint("explain", "--topology", LAN, "pc", "10.50.9.1").out


@pytest.mark.parametrize("name", [None, "er-vpn", "loops", "lan", "two-circuits"])
def test_every_verdict_agrees_with_its_printed_lines(name: str | None) -> None:
    """Every pair of endpoints, short and long hop limits, short and long waits: the verdict
    never claims more (or less) than the lines tracert prints."""
    network = Network.open(None if name is None else Path(topology(name)))
    endpoints = network.topology.endpoints()
    for source in endpoints:
        for target in endpoints:
            for max_hops in (1, 2, 3, 5, 8):
                for wait in (4000, 1):
                    trace = network.prober.tracert(source, target.address, max_hops, wait)
                    lines, walk = trace.hops, trace.walk
                    assert [line.ttl for line in lines] == list(range(1, len(lines) + 1))
                    assert trace.reached == (lines[-1].kind == "echo-reply")
                    assert not trace.reached or walk.delivered
                    if walk.ttl_expired:
                        assert len(walk.hops) == len(lines) == max_hops and not trace.reached
                        assert walk.disposition in (Disposition.TTL_EXCEEDED, Disposition.LOOP)
                    if walk.delivered:
                        assert len(walk.hops) < max_hops
                    if not trace.reached and lines[-1].kind != "unreachable":
                        assert len(lines) == max_hops  # tracert goes on to the hop limit
                    for line in lines:
                        answered = any(p is not None for p in line.probes)
                        if line.kind == "unreachable":
                            assert line is lines[-1] and line.address is not None
                        else:
                            assert (line.kind == "timeout") == (line.address is None) \
                                == (not answered)


@pytest.mark.parametrize("name", [None, "er-vpn", "loops", "lan", "two-circuits", "nva-hub"])
def test_a_hop_limit_only_cuts_the_trace_short(name: str | None) -> None:
    """Each tracert probe is sent on its own, with its own TTL: ``-h N`` prints the first N
    lines of the full trace, times included, and nothing else (the ExpressRoute gateway's line
    from the hub used to read <1 ms under -h 1 and 1-2 ms otherwise)."""
    network = Network.open(None if name is None else Path(topology(name)))
    endpoints = network.topology.endpoints()
    for source in endpoints:
        for target in endpoints:
            full = network.prober.tracert(source, target.address, 30).hops
            for max_hops in range(1, min(len(full), 8) + 1):
                cut = network.prober.tracert(source, target.address, max_hops).hops
                assert [(h.ttl, h.kind, h.address, h.probes) for h in cut] == [
                    (h.ttl, h.kind, h.address, h.probes) for h in full[:max_hops]], (
                    source.name, target.name, max_hops)
