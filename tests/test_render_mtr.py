"""Every line shape of ``mtr --report`` (docs/linux-output.md), rendered from values.

mtr writes fields at fixed columns (the first at column 33) over whatever is there, keeps its
times in whole microseconds with an integer running mean, and ends its rows at the target, at a
hop that answered with an ICMP error, or one row past the last hop that answered at all.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from azint.data.flowhash import Flow
from azint.data.linuxprobes import Probe, RouteHop, RouteTrace
from azint.data.walk import Disposition, Walk
from azint.render.mtr import (
    HopStatistics,
    header_line,
    report_text,
    row_lines,
    shown_hops,
    statistics,
)
from azint.topology.model import Endpoint

A = IPv4Address
SOURCE = Endpoint("web", "dc", A("10.1.0.10"), os="linux")
WALK = Walk(Flow(A("10.1.0.10"), A("10.5.0.10")), (), Disposition.DELIVERED, "")
LOST = Probe(None, None, "timeout")


def _hop(ttl: int, *times: float | None, address: str = "10.1.0.1",
         kind: str = "time-exceeded") -> RouteHop:
    return RouteHop(ttl, tuple(LOST if t is None else Probe(t, A(address), kind) for t in times))


def test_header_line() -> None:
    assert header_line("web") == \
        "HOST: web                         Loss%   Snt   Last   Avg  Best  Wrst StDev"
    # a long host name is cut where the fields begin
    assert header_line("a-very-long-host-name-indeed.example") == \
        "HOST: a-very-long-host-name-indee Loss%   Snt   Last   Avg  Best  Wrst StDev"


def test_row_lines() -> None:
    row = row_lines(_hop(1, 0.5, 0.4, 0.6), {}, numeric=True)
    assert row == ["  1.|-- 10.1.0.1                   0.0%     3    0.6   0.5   0.4   0.6   0.1"]
    named = row_lines(_hop(2, 12.25, None, 15.0, 130.5), {A("10.1.0.1"): "gw-a.dc.example"}, False)
    assert named == ["  2.|-- gw-a.dc.example           25.0%     4  130.5  52.6  12.2 130.5  67.5"]
    # 100% loss: six characters do not fit "100.0%", so the next field takes the '%'
    assert row_lines(_hop(3, None, None), {}, True) == \
        ["  3.|-- ???                       100.0     2    0.0   0.0   0.0   0.0   0.0"]
    long = row_lines(_hop(4, 1.0), {A("10.1.0.1"): "router-with-a-long-name.dc.example"}, False)
    assert long[0].startswith("  4.|-- router-with-a-long-name.d  0.0%")


def test_other_addresses_of_a_row_are_listed_under_it() -> None:
    hop = RouteHop(2, (Probe(1.0, A("192.168.0.1"), "time-exceeded"),
                       Probe(1.0, A("192.168.0.3"), "time-exceeded"),
                       Probe(1.0, A("192.168.0.5"), "time-exceeded")))
    lines = row_lines(hop, {}, True)
    assert lines[0].startswith("  2.|-- 192.168.0.5 ")  # the row names the latest answer
    assert lines[1:] == ["    |  `|-- 192.168.0.3", "    |   |-- 192.168.0.5"]


def test_statistics_use_mtrs_integer_arithmetic() -> None:
    assert statistics([500, 400, 600], 3) == HopStatistics(3, 3, 0, 600, 400, 600, 500, 100)
    # one lost of three: 33.333...% kept in thousandths, truncated
    assert statistics([1000, 2000], 3).loss_millipercent == 33333
    assert statistics([], 10) == HopStatistics(10, 0, 100000, 0, 0, 0, 0, 0)
    # the running mean truncates at each step: 1, 1 (1.5), 2 (2.33...)
    assert statistics([1, 2, 4], 3).average == 2


def test_rows_end_at_the_target_an_error_or_one_past_the_last_answer() -> None:
    def trace(*hops: RouteHop) -> RouteTrace:
        return RouteTrace(SOURCE, A("10.5.0.10"), "icmp", 30, hops, WALK, 5000.0)

    silent = [_hop(t, None) for t in range(3, 31)]
    assert [h.ttl for h in shown_hops(trace(_hop(1, 1.0), _hop(2, 1.0), *silent))] == [1, 2, 3]
    assert shown_hops(trace(*[_hop(t, None) for t in range(1, 31)])) == ()
    target = _hop(2, 1.0, address="10.5.0.10", kind="echo-reply")
    assert [h.ttl for h in shown_hops(trace(_hop(1, 1.0), target))] == [1, 2]
    error = _hop(2, 1.0, kind="unreachable")
    assert [h.ttl for h in shown_hops(trace(_hop(1, None), error))] == [1, 2]


def test_report_starts_with_a_fixed_start_line() -> None:
    text = report_text(RouteTrace(SOURCE, A("10.5.0.10"), "icmp", 30, (_hop(1, 1.0),), WALK,
                                  5000.0), "web", {})
    assert text.splitlines()[0] == "Start: 1970-01-01T00:00:00+0000"
    assert text.splitlines()[1].startswith("HOST: web ")
