"""Linux traceroute, mtr --report and iputils ping through the CLI: goldens, the source's OS
choosing ping's tongue, ECMP spreading UDP probes, and agreement with tracert's times.

ECMP per flow: routers hash a flow's fields to pick one of several equal-cost next hops, so one
flow keeps one path and different flows spread (RFC 2328, OSPF version 2, section 16.1, keeps
every equal-cost next hop; Microsoft's "Optimize ExpressRoute routing",
https://learn.microsoft.com/azure/expressroute/expressroute-optimize-routing, spreads flows over
equal paths). UDP traceroute changes the destination port with every probe, so every probe is a
flow of its own; ICMP echoes of one run share one.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Run, golden, topology

Azint = Callable[..., Run]
LINUX = topology("linux-dc")

GOLDEN_RUNS = {
    "linux-traceroute-web-db.txt": (("traceroute", "--topology", LINUX, "web", "db"), 0),
    "linux-traceroute-icmp-web-db.txt": (("traceroute", "-I", "--topology", LINUX, "web", "db"), 0),
    "linux-traceroute-host-unreachable.txt":
        (("traceroute", "-n", "--topology", LINUX, "web", "10.5.0.99"), 1),
    "linux-traceroute-net-unreachable.txt":
        (("traceroute", "--topology", LINUX, "web", "10.99.0.1"), 1),
    "linux-mtr-web-db.txt": (("mtr", "--report", "--topology", LINUX, "web", "db"), 0),
    "linux-ping-web-db.txt": (("ping", "--topology", LINUX, "web", "db"), 0),
    "linux-ping-host-unreachable.txt": (("ping", "--topology", LINUX, "web", "10.5.0.99"), 1),
    "linux-ping-ttl-exceeded.txt": (("ping", "-c", "2", "-i", "2", "--topology", LINUX, "web", "db"), 1),
    "linux-traceroute-hub-location1.txt": (("traceroute", "hub", "10.2.30.10"), 0),
    "linux-mtr-hub-location1.txt": (("mtr", "--report", "-c", "5", "hub", "10.2.30.10"), 0),
    "linux-mtr-udp-hub-location1.txt": (("mtr", "-r", "-u", "-n", "hub", "10.2.30.10"), 0),
    "linux-ping-hub-location1.txt": (("ping", "--style", "linux", "hub", "10.2.30.10"), 0),
}


@pytest.mark.parametrize("name", list(GOLDEN_RUNS))
def test_linux_outputs_match_their_goldens(azint: Azint, name: str) -> None:
    """Every Linux line shape from the model, on the Linux test site and the reference network
    (hub to location1 crosses ExpressRoute 1: "About ExpressRoute virtual network gateways",
    https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways)."""
    args, code = GOLDEN_RUNS[name]
    result = azint(*args)
    assert result.code == code, result.err
    golden(name, result.out)


def test_a_linux_source_pings_in_iputils_words_a_windows_one_in_windows_words(azint: Azint) -> None:
    linux = azint("ping", "--topology", LINUX, "web", "db").out
    assert linux.startswith("PING db (10.5.0.10) 56(84) bytes of data.\n")
    assert "64 bytes from db.dc.example (10.5.0.10): icmp_seq=1 ttl=60 time=" in linux
    windows = azint("ping", "--topology", LINUX, "pc", "db").out
    assert windows.startswith("\nPinging db [10.5.0.10] with 32 bytes of data:\n")
    assert azint("ping", "--style", "windows", "--topology", LINUX, "web", "db").out.startswith(
        "\nPinging db [10.5.0.10] with 32 bytes of data:\n")
    assert azint("ping", "--style", "linux", "--topology", LINUX, "pc", "db").out.startswith("PING db")
    # -c is -n; -s is -l
    assert azint("ping", "-c", "2", "-s", "100", "--topology", LINUX, "web", "db").out == \
        azint("ping", "-n", "2", "-l", "100", "--topology", LINUX, "web", "db").out


def test_tracert_stays_windows_from_a_linux_source(azint: Azint) -> None:
    assert azint("tracert", "--topology", LINUX, "web", "db").out.startswith(
        "\nTracing route to db [10.5.0.10]\n")


def _addresses(document: dict[str, object]) -> list[set[str]]:
    hops = document["hops"]
    assert isinstance(hops, list)
    return [{p["address"] for p in hop["probes"] if p["address"]} for hop in hops]


def test_udp_probes_spread_over_equal_cost_paths_icmp_probes_keep_one(azint: Azint) -> None:
    udp = _addresses(azint("traceroute", "-q", "6", "--topology", LINUX, "web", "db", "--json").json())
    assert udp[1] == {"192.168.0.1", "192.168.0.3"}  # b and c, the two equal-cost paths
    icmp = _addresses(azint("traceroute", "-I", "-q", "6", "--topology", LINUX, "web", "db",
                            "--json").json())
    assert all(len(hop) == 1 for hop in icmp)
    text = azint("traceroute", "-n", "--topology", LINUX, "web", "db").out.splitlines()
    assert text[2].count("192.168.0.") >= 2  # each new address printed before its time


def test_icmp_traceroute_and_mtr_time_probes_as_tracert_does(azint: Azint) -> None:
    """One flow, one seed: traceroute -I's probes are tracert's, mtr's first cycles too."""
    tracert = azint("tracert", "hub", "10.2.30.10", "--json").json()["hops"]
    traceroute = azint("traceroute", "-I", "hub", "10.2.30.10", "--json").json()["hops"]
    assert [h["probes_ms"] for h in traceroute] == [h["probes_ms"] for h in tracert]
    assert [h["address"] for h in traceroute] == [h["address"] for h in tracert]
    mtr = azint("mtr", "-c", "3", "hub", "10.2.30.10", "--json").json()["hops"]
    assert [h["probes_ms"] for h in mtr] == [h["probes_ms"] for h in tracert]


def test_mtr_sends_every_cycle_to_every_hop(azint: Azint) -> None:
    rows = azint("mtr", "-r", "-c", "7", "hub", "10.2.30.10").out.splitlines()[2:]
    assert rows and all(line.split()[3] == "7" for line in rows if "%" in line)
    assert [line.split()[1] for line in rows] == ["10.10.30.132", "???", "???", "10.2.30.10"]


def test_a_probe_slower_than_the_wait_is_a_star(azint: Azint) -> None:
    result = azint("traceroute", "-w", "0.001", "-m", "5", "hub", "10.2.30.10")
    assert result.code == 1
    assert result.out.splitlines()[1:] == [f"{ttl:2d}  * * *" for ttl in range(1, 6)]
    document = azint("traceroute", "-w", "0.001", "-m", "5", "hub", "10.2.30.10", "--json").json()
    assert document["reason"].endswith("but no answer from the target within 1 ms")


@pytest.mark.parametrize(("args", "expected"), [
    (("traceroute", "web", "nosuch"),
     "nosuch: Name or service not known\nCannot handle \"host\" cmdline arg `nosuch' "
     "on position 1 (argc 1)\n"),
    (("mtr", "--report", "web", "nosuch"),
     "mtr: Failed to resolve host: nosuch: Name or service not known\n"),
    (("ping", "web", "nosuch"), "ping: nosuch: Name or service not known\n"),
    (("ping", "pc", "nosuch"),
     "Ping request could not find host nosuch. Please check the name and try again.\n"),
])
def test_an_unknown_target_gets_each_tools_message(azint: Azint, args: tuple[str, ...],
                                                   expected: str) -> None:
    """Windows tracert and ping print theirs on standard output; traceroute, iputils ping and
    mtr on standard error (their sources write it with fprintf(stderr) / error()), so a
    pipeline reading stdout gets nothing."""
    result = azint(args[0], "--topology", LINUX, *args[1:])
    windows = expected.startswith("Ping request")
    assert (result.code, result.out, result.err) == (
        (2, expected, "") if windows else (2, "", expected))


def test_traceroute_and_mtr_json(azint: Azint) -> None:
    document = azint("traceroute", "--topology", LINUX, "web", "10.99.0.1", "--json").json()
    assert (document["command"], document["protocol"], document["reached"]) == ("traceroute", "udp", False)
    last = document["hops"][-1]
    assert last["kind"] == "unreachable" and {p["unreachable"] for p in last["probes"]} == {"net"}
    assert document["disposition"] == "NO_ROUTE"
    mtr = azint("mtr", "--topology", LINUX, "web", "db", "--json").json()
    assert (mtr["command"], mtr["protocol"], mtr["reached"]) == ("mtr", "icmp", True)
    assert {len(hop["probes"]) for hop in mtr["hops"]} == {10}


def test_first_ttl_and_base_port(azint: Azint) -> None:
    """-f starts the trace deeper; -p moves every UDP probe's port, and so the ECMP choices."""
    lines = azint("traceroute", "-n", "-f", "3", "--topology", LINUX, "web", "db").out.splitlines()
    assert [line[:2] for line in lines[1:]] == [" 3", " 4", " 5"]
    def probes(*options: str) -> list[list[str | None]]:
        hops = azint("traceroute", *options, "--topology", LINUX, "web", "db", "--json").json()["hops"]
        return [[probe["address"] for probe in hop["probes"]] for hop in hops]

    default, moved = probes(), probes("-p", "40000")
    assert moved != default and len(moved) == len(default)
    beyond = azint("traceroute", "-f", "9", "-m", "5", "--topology", LINUX, "web", "db")
    assert beyond.code == 2 and "first TTL 9 is beyond the maximum 5" in beyond.err


def test_mtr_udp_probes_spread_and_the_other_routers_are_listed(azint: Azint) -> None:
    """mtr -u: a flow per probe, so both instances that end the hub's connection to
    ExpressRoute 1 answer at hop 1, and the one that ends its connection to ExpressRoute 2
    (10.10.30.134) never does ("About ExpressRoute virtual network gateways",
    https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways:
    a gateway runs as several instances; rule 3.6 in docs/azure-routing.md)."""
    udp = azint("mtr", "-r", "-u", "-n", "hub", "10.2.30.10").out.splitlines()
    assert udp[2:5] == ["  1.|-- 10.10.30.132               0.0%    10    2.1   1.9   1.6   2.1   0.2",
                        "    |  `|-- 10.10.30.133",
                        "  2.|-- ???                       100.0    10    0.0   0.0   0.0   0.0   0.0"]
    icmp = azint("mtr", "-r", "-n", "hub", "10.2.30.10").out
    assert "|  `|--" not in icmp
    document = azint("mtr", "-u", "hub", "10.2.30.10", "--json").json()
    assert document["protocol"] == "udp"
    assert {p["address"] for p in document["hops"][0]["probes"]} == {"10.10.30.132", "10.10.30.133"}
