"""``mtr --report`` text (the format: ``docs/linux-output.md``).

mtr writes its report into fixed columns: the host column is 33 characters from the start of
the line whatever it holds, so a long name is cut and a wide value (``100.0%``) loses its last
character to the next column. This module writes the same way, field over field, and keeps
mtr's statistics in whole microseconds with its integer running mean and variance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # annotations only: ``mtr --help`` must not load the model
    from azint.data.linuxprobes import RouteHop, RouteTrace

Names = Mapping[IPv4Address, str]

HOST_COLUMNS = 33  # where the first field starts, on the header and on every row
# (title, width) of mtr's default fields "LS NABWV": loss, sent, a space, last, avg, best,
# worst, standard deviation
FIELDS = (("Loss%", 6), ("Snt", 6), (" ", 1), ("Last", 6), ("Avg", 6), ("Best", 6),
          ("Wrst", 6), ("StDev", 6))
# a simulated run has no start time: the epoch stands in, so the line keeps its shape
START_LINE = "Start: 1970-01-01T00:00:00+0000"


class HopStatistics(NamedTuple):
    """One row's figures, as mtr keeps them (times in whole microseconds)."""

    sent: int
    received: int
    loss_millipercent: int  # loss in thousandths of a percent, truncated as mtr does
    last: int
    best: int
    worst: int
    average: int
    stdev: int


def statistics(times: Sequence[int], sent: int) -> HopStatistics:
    """mtr's figures from the answered probes' times: its running integer mean and sum of
    squared differences (each step truncated, as C assigns a double to an int)."""
    average = squares = 0
    for count, time in enumerate(times, 1):
        previous = average
        average = int(average + (time - previous) / count)
        squares = int(squares + (time - previous) * (time - average))
    received = len(times)
    stdev = int(math.sqrt(squares / (received - 1))) if received > 1 else 0
    loss = int(1000 * (100 - 100.0 * received / sent)) if sent else 0
    return HopStatistics(sent, received, loss, times[-1] if times else 0,
                         min(times, default=0), max(times, default=0), average, stdev)


def hop_statistics(hop: RouteHop) -> HopStatistics:
    times = [round(p.rtt_ms * 1000) for p in hop.probes if p.rtt_ms is not None]
    return statistics(times, len(hop.probes))


def _field_values(figures: HopStatistics) -> list[str]:
    def ms(value: int) -> str:
        return f" {value / 1000.0:5.1f}"

    return [f" {figures.loss_millipercent / 1000.0:4.1f}%", f" {figures.sent:5d}", " ",
            ms(figures.last), ms(figures.average), ms(figures.best), ms(figures.worst),
            ms(figures.stdev)]


def _columns(start: str, texts: Sequence[str]) -> str:
    """Write each text at its field's column, over whatever was there."""
    line, at = start, HOST_COLUMNS
    for text, (_, width) in zip(texts, FIELDS, strict=True):
        line = line[:at].ljust(at) + text
        at += width
    return line


def header_line(host: str) -> str:
    return _columns(f"HOST: {host:<{HOST_COLUMNS}}", [f"{t:>{w}}" for t, w in FIELDS])


def host_name(address: IPv4Address | None, names: Names, numeric: bool) -> str:
    """mtr shows the name alone when it has one, the address otherwise, ``???`` for nobody."""
    if address is None:
        return "???"
    return str(address) if numeric else names.get(address, str(address))


def row_lines(hop: RouteHop, names: Names, numeric: bool) -> list[str]:
    """The row, then one line for each other address that answered at this TTL."""
    answered = [p.address for p in hop.probes if p.address is not None]
    latest = answered[-1] if answered else None  # mtr names a row after its latest answer
    start = f" {hop.ttl:2d}.|-- {host_name(latest, names, numeric):<{HOST_COLUMNS}}"
    lines = [_columns(start, _field_values(hop_statistics(hop)))]
    others = hop.addresses[1:]
    for index, address in enumerate(others):
        lines.append(f"    |  `|-- {address}" if index == 0 else f"    |   |-- {address}")
    return lines


def shown_hops(trace: RouteTrace) -> tuple[RouteHop, ...]:
    """mtr's rows: up to the target or an unreachable, else one past the last that answered."""
    last = 0
    for index, hop in enumerate(trace.hops):
        if hop.final:
            return trace.hops[:index + 1]
        if hop.addresses:
            last = index + 2
    return trace.hops[:min(last, trace.max_hops)]


def report_text(trace: RouteTrace, host: str, names: Names, numeric: bool = False) -> str:
    lines = [START_LINE, header_line(host)]
    for hop in shown_hops(trace):
        lines += row_lines(hop, names, numeric)
    return "\n".join(lines) + "\n"


def unresolved_mtr(name: str) -> str:
    return f"mtr: Failed to resolve host: {name}: Name or service not known\n"
