"""Every line shape of docs/linux-output.md (traceroute and iputils ping), rendered from values.

The shapes follow the tools' own printing: traceroute prints ``%2u `` for the hop, `` *`` for a
lost probe, `` NAME (ADDRESS)`` before a probe whose address differs from the last one printed
on the line, ``  %.3f ms`` and `` !H`` / `` !N`` / `` !X`` after a destination unreachable's time;
iputils ping computes in whole microseconds and prints fewer decimals as a time grows.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from azint.data.flowhash import Flow
from azint.data.linuxprobes import Probe, RouteHop, RouteTrace
from azint.data.probes import PingReply, PingResult
from azint.data.walk import Disposition, Walk
from azint.render.linux import (
    hop_line,
    ping_text,
    reply_time,
    rtt_line,
    statistics_line,
    traceroute_text,
    unresolved_ping,
    unresolved_traceroute,
)
from azint.topology.model import Endpoint

A = IPv4Address
SOURCE = Endpoint("web", "dc", A("10.1.0.10"), os="linux")
WALK = Walk(Flow(A("10.1.0.10"), A("10.5.0.10")), (), Disposition.DELIVERED, "")
NAMES = {A("10.1.0.1"): "gw-a.dc.example"}


def _seen(address: str, rtt: float, kind: str = "time-exceeded", unreachable: str | None = None) -> Probe:
    return Probe(rtt, A(address), kind, unreachable)


LOST = Probe(None, None, "timeout")


def test_traceroute_hop_lines() -> None:
    lines = {
        " 1  gw-a.dc.example (10.1.0.1)  0.512 ms  0.498 ms  0.470 ms":
            (1, [_seen("10.1.0.1", 0.512), _seen("10.1.0.1", 0.498), _seen("10.1.0.1", 0.47)]),
        " 2  192.168.0.1 (192.168.0.1)  1.000 ms 192.168.0.3 (192.168.0.3)  2.250 ms "
        "192.168.0.1 (192.168.0.1)  0.069 ms":
            (2, [_seen("192.168.0.1", 1.0), _seen("192.168.0.3", 2.25), _seen("192.168.0.1", 0.069)]),
        " 3  * * *": (3, [LOST, LOST, LOST]),
        " 4  * 192.168.0.9 (192.168.0.9)  0.300 ms *": (4, [LOST, _seen("192.168.0.9", 0.3), LOST]),
        # after a lost probe, the same address is not printed again: only the time follows
        " 5  192.168.0.9 (192.168.0.9)  0.616 ms *  0.273 ms":
            (5, [_seen("192.168.0.9", 0.616), LOST, _seen("192.168.0.9", 0.2734)]),
        "12  10.5.0.10 (10.5.0.10)  10.614 ms  123.595 ms  0.792 ms":
            (12, [_seen("10.5.0.10", 10.6141, "port-unreachable"),
                  _seen("10.5.0.10", 123.5954, "port-unreachable"),
                  _seen("10.5.0.10", 0.7916, "port-unreachable")]),
    }
    for expected, (ttl, probes) in lines.items():
        assert hop_line(RouteHop(ttl, tuple(probes)), NAMES) == expected


def test_traceroute_unreachable_annotations_follow_each_time() -> None:
    host = [_seen("192.168.0.9", t, "unreachable", "host") for t in (0.616, 0.273, 0.496)]
    assert hop_line(RouteHop(5, tuple(host)), {}, numeric=True) == \
        " 5  192.168.0.9  0.616 ms !H  0.273 ms !H  0.496 ms !H"
    net = (_seen("10.1.0.1", 0.1, "unreachable", "net"), LOST)
    assert hop_line(RouteHop(2, net), NAMES) == " 2  gw-a.dc.example (10.1.0.1)  0.100 ms !N *"
    filtered = (_seen("10.1.0.1", 0.1, "unreachable", "filtered"),)
    assert hop_line(RouteHop(2, filtered), {}, numeric=True) == " 2  10.1.0.1  0.100 ms !X"


def test_numeric_hop_lines_print_addresses_once() -> None:
    probes = (_seen("10.1.0.1", 0.5), _seen("10.1.0.2", 0.25))
    assert hop_line(RouteHop(1, probes), NAMES, numeric=True) == \
        " 1  10.1.0.1  0.500 ms 10.1.0.2  0.250 ms"


def test_traceroute_header_names_the_target_as_typed() -> None:
    hop = RouteHop(1, (_seen("10.5.0.10", 1.0, "echo-reply"),))
    trace = RouteTrace(SOURCE, A("10.5.0.10"), "icmp", 30, (hop,), WALK, 5000.0)
    assert traceroute_text(trace, {}) == (
        "traceroute to 10.5.0.10 (10.5.0.10), 30 hops max, 60 byte packets\n"
        " 1  10.5.0.10 (10.5.0.10)  1.000 ms\n")
    named = RouteTrace(SOURCE, A("10.5.0.10"), "udp", 8, (hop,), WALK, 5000.0)
    assert traceroute_text(named, {}, "db").startswith(
        "traceroute to db (10.5.0.10), 8 hops max, 60 byte packets\n")
    assert unresolved_traceroute("nope") == (
        "nope: Name or service not known\n"
        "Cannot handle \"host\" cmdline arg `nope' on position 1 (argc 1)\n")


def test_ping_times_lose_decimals_as_they_grow() -> None:
    assert reply_time(45) == "0.045"
    assert reply_time(999) == "0.999"
    assert reply_time(1234) == "1.23"
    assert reply_time(9994) == "9.99"
    assert reply_time(9995) == "10.0"
    assert reply_time(12_345) == "12.3"
    assert reply_time(99_949) == "99.9"
    assert reply_time(99_950) == "100"
    assert reply_time(154_499) == "154"


def test_ping_statistics_lines() -> None:
    assert statistics_line(4, 4, 0) == "4 packets transmitted, 4 received, 0% packet loss, time 3000ms"
    assert statistics_line(3, 2, 0) == "3 packets transmitted, 2 received, 33.3333% packet loss, time 2000ms"
    assert statistics_line(4, 0, 4) == \
        "4 packets transmitted, 0 received, +4 errors, 100% packet loss, time 3000ms"
    assert statistics_line(1, 1, 0).endswith(", time 0ms")
    # integer microseconds: avg truncates, mdev is the integer square root of the variance
    assert rtt_line([2097, 2357, 2210, 2290]) == "rtt min/avg/max/mdev = 2.097/2.238/2.357/0.096 ms"
    assert rtt_line([45]) == "rtt min/avg/max/mdev = 0.045/0.045/0.045/0.000 ms"


def test_ping_every_reply_kind_and_statistics() -> None:
    replies = (PingReply("echo-reply", A("10.5.0.10"), 2.7, 60),
               PingReply("timeout"),
               PingReply("echo-reply", A("10.5.0.10"), 0.4, 60),
               PingReply("unreachable", A("192.168.0.9"), unreachable="host"),
               PingReply("unreachable", A("10.1.0.1"), unreachable="net"),
               PingReply("ttl-expired", A("192.168.0.3")))
    text = ping_text(PingResult(SOURCE, A("10.5.0.10"), 56, replies, WALK), NAMES)
    assert text == (
        "PING 10.5.0.10 (10.5.0.10) 56(84) bytes of data.\n"
        "64 bytes from 10.5.0.10: icmp_seq=1 ttl=60 time=2.70 ms\n"
        "64 bytes from 10.5.0.10: icmp_seq=3 ttl=60 time=0.400 ms\n"
        "From 192.168.0.9 icmp_seq=4 Destination Host Unreachable\n"
        "From 10.1.0.1 icmp_seq=5 Destination Net Unreachable\n"
        "From 192.168.0.3 icmp_seq=6 Time to live exceeded\n"
        "\n"
        "--- 10.5.0.10 ping statistics ---\n"
        "6 packets transmitted, 2 received, +3 errors, 66.6667% packet loss, time 5000ms\n"
        "rtt min/avg/max/mdev = 0.400/1.550/2.700/1.150 ms\n")


def test_a_named_target_resolves_reply_addresses_and_nothing_back_ends_with_an_empty_line() -> None:
    replies = (PingReply("ttl-expired", A("10.1.0.1")),)
    text = ping_text(PingResult(SOURCE, A("10.5.0.10"), 56, replies, WALK), NAMES, "db")
    assert text == (
        "PING db (10.5.0.10) 56(84) bytes of data.\n"
        "From gw-a.dc.example (10.1.0.1) icmp_seq=1 Time to live exceeded\n"
        "\n"
        "--- db ping statistics ---\n"
        "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n"
        "\n")
    numeric = ping_text(PingResult(SOURCE, A("10.5.0.10"), 56, replies, WALK), NAMES, "db", True)
    assert "From 10.1.0.1 icmp_seq=1" in numeric


def test_ping_data_too_small_for_a_timestamp_is_not_timed() -> None:
    replies = (PingReply("echo-reply", A("10.5.0.10"), 2.7, 60),)
    text = ping_text(PingResult(SOURCE, A("10.5.0.10"), 8, replies, WALK), {})
    assert "PING 10.5.0.10 (10.5.0.10) 8(36) bytes of data.\n16 bytes from 10.5.0.10: " \
           "icmp_seq=1 ttl=60\n" in text
    assert text.endswith("1 packets transmitted, 1 received, 0% packet loss, time 0ms\n\n")
    assert unresolved_ping("nope") == "ping: nope: Name or service not known\n"
