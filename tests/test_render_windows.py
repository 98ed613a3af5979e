"""Every line shape of docs/windows-output.md, rendered from result values."""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from pathlib import Path

from azint.data.flowhash import Flow
from azint.data.probes import PingReply, PingResult, TraceHop, TraceResult
from azint.data.walk import Disposition, Walk
from azint.render.windows import (
    hop_line,
    ping_text,
    probe_field,
    tracert_text,
    unresolved_ping,
    unresolved_tracert,
)
from azint.topology.model import Endpoint

A = IPv4Address
SOURCE = Endpoint("vm", "hub", A("10.10.30.4"))
WALK = Walk(Flow(A("10.10.30.4"), A("10.11.30.4")), (), Disposition.DELIVERED, "")


def test_probe_fields_are_nine_characters() -> None:
    assert probe_field(76.4) == "  76 ms  "
    assert probe_field(1.0) == "   1 ms  "
    assert probe_field(0.4) == "  <1 ms  "
    assert probe_field(None) == "   *     "
    assert probe_field(154.9) == " 154 ms  "
    assert {len(probe_field(x)) for x in (0.1, 5.0, 999.0, None)} == {9}


def test_hop_lines_exactly_as_windows() -> None:
    lines = {
        "  1     2 ms     1 ms     1 ms  10.11.30.4": TraceHop(1, (2.2, 1.5, 1.1), A("10.11.30.4"), "echo-reply"),
        "  1    <1 ms    <1 ms    <1 ms  10.10.30.4": TraceHop(1, (0.2, 0.3, 0.9), A("10.10.30.4"), "echo-reply"),
        "  2     *        *        *     Request timed out.": TraceHop(2, (None,) * 3, None, "timeout"),
        "  4    75 ms     *        *     192.178.108.22": TraceHop(4, (75.3, None, None), A("192.178.108.22"), "time-exceeded"),
        " 10   154 ms   217 ms   185 ms  142.251.250.172": TraceHop(10, (154.0, 217.5, 185.2), A("142.251.250.172"), "time-exceeded"),
        "  3  10.254.242.90  reports: Destination host unreachable.": TraceHop(3, (), A("10.254.242.90"), "unreachable", "host"),
        "  3     *     10.254.242.90  reports: Destination net unreachable.": TraceHop(3, (None,), A("10.254.242.90"), "unreachable", "net"),
    }
    for expected, hop in lines.items():
        assert hop_line(hop, {}) == expected


def test_hop_with_a_name_record() -> None:
    hop = TraceHop(1, (1.0, 1.0, 1.0), A("10.10.30.4"), "echo-reply")
    assert hop_line(hop, {A("10.10.30.4"): "hubvm"}) == "  1     1 ms     1 ms     1 ms  hubvm [10.10.30.4]"


def test_tracert_header_and_footer_forms() -> None:
    result = TraceResult(SOURCE, A("10.11.30.4"), 30, (TraceHop(1, (1.0,) * 3, A("10.11.30.4"), "echo-reply"),), WALK)
    assert tracert_text(result, {}) == (
        "\nTracing route to 10.11.30.4 over a maximum of 30 hops\n\n"
        "  1     1 ms     1 ms     1 ms  10.11.30.4\n\nTrace complete.\n")
    named = tracert_text(result, {}, "spoke-vm")
    assert named.startswith("\nTracing route to spoke-vm [10.11.30.4]\nover a maximum of 30 hops:\n\n")
    assert tracert_text(result, {A("10.11.30.4"): "db"}).startswith("\nTracing route to db [10.11.30.4]\n")
    assert unresolved_tracert("nope") == "Unable to resolve target system name nope.\n"


def test_ping_every_reply_kind_and_statistics() -> None:
    replies = (PingReply("echo-reply", A("10.10.30.4"), 2.7, 126),
               PingReply("echo-reply", A("10.10.30.4"), 0.4, 126),
               PingReply("timeout"),
               PingReply("unreachable", A("10.11.30.100"), unreachable="host"),
               PingReply("ttl-expired", A("10.2.30.3")))
    text = ping_text(PingResult(SOURCE, A("10.10.30.4"), 32, replies, WALK))
    assert text == (
        "\nPinging 10.10.30.4 with 32 bytes of data:\n"
        "Reply from 10.10.30.4: bytes=32 time=2ms TTL=126\n"
        "Reply from 10.10.30.4: bytes=32 time<1ms TTL=126\n"
        "Request timed out.\n"
        "Reply from 10.11.30.100: Destination host unreachable.\n"
        "Reply from 10.2.30.3: TTL expired in transit.\n\n"
        "Ping statistics for 10.10.30.4:\n"
        "    Packets: Sent = 5, Received = 4, Lost = 1 (20% loss),\n"
        "Approximate round trip times in milli-seconds:\n"
        "    Minimum = 0ms, Maximum = 2ms, Average = 1ms\n")


def test_ping_truncates_loss_and_average_and_names_the_target() -> None:
    replies = (PingReply("echo-reply", A("10.1.31.10"), 107.9, 124), PingReply("timeout"), PingReply("timeout"))
    text = ping_text(PingResult(SOURCE, A("10.1.31.10"), 64, replies, WALK), "loc2-vm")
    assert "Pinging loc2-vm [10.1.31.10] with 64 bytes of data:\n" in text
    assert "Ping statistics for 10.1.31.10:\n" in text
    assert "Lost = 2 (66% loss)," in text
    assert "Average = 107ms" in text
    assert unresolved_ping("x") == "Ping request could not find host x. Please check the name and try again.\n"


def test_no_round_trip_block_without_echo_replies() -> None:
    replies = (PingReply("ttl-expired", A("10.2.30.3")),)
    text = ping_text(PingResult(SOURCE, A("10.1.31.10"), 32, replies, WALK))
    assert "Received = 1, Lost = 0 (0% loss)," in text and "Approximate" not in text
    assert not any(line.endswith(" ") for line in text.splitlines())


# -- docs/windows-output.md shows what azint prints ---------------------------------------------

DOCUMENTED = re.findall(r"```text\n(.*?)```",
                        (Path(__file__).parent.parent / "docs" / "windows-output.md").read_text(), re.S)


def test_documented_headers_are_what_azint_prints() -> None:
    by_address = TraceResult(SOURCE, A("10.11.30.4"), 30, (), WALK)
    by_name = TraceResult(SOURCE, A("10.10.30.4"), 30, (), WALK)
    headers = [tracert_text(by_address, {}), tracert_text(by_name, {A("10.10.30.4"): "hubvm.contoso.local"})]
    for header in headers:
        assert any(header.startswith(block) and block.count("\n") >= 3 for block in DOCUMENTED), header


def test_documented_hop_lines_are_what_azint_prints() -> None:
    hops = [TraceHop(1, (2.2, 1.5, 1.1), A("10.11.30.4"), "echo-reply"),
            TraceHop(1, (0.2, 0.3, 0.9), A("10.10.30.4"), "echo-reply"),
            TraceHop(2, (None,) * 3, None, "timeout"),
            TraceHop(4, (75.3, None, None), A("192.178.108.22"), "time-exceeded"),
            TraceHop(10, (154.0, 217.5, 185.2), A("142.251.250.172"), "time-exceeded")]
    assert "".join(hop_line(h, {}) + "\n" for h in hops) in DOCUMENTED


def test_documented_ping_is_what_azint_prints() -> None:
    replies = (PingReply("echo-reply", A("10.10.30.4"), 2.7, 126),
               PingReply("echo-reply", A("10.10.30.4"), 0.4, 126),
               PingReply("timeout"),
               PingReply("unreachable", A("10.11.30.100"), unreachable="host"))
    assert ping_text(PingResult(SOURCE, A("10.10.30.4"), 32, replies, WALK)) in DOCUMENTED
