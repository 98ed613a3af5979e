"""Linux ``traceroute`` and iputils ``ping`` text (the format: ``docs/linux-output.md``).

traceroute is the modern one by Dmitry Butskoy (Debian's and Ubuntu's default); ping is iputils'.
Times keep the tools' own precision: traceroute three decimals, ping three significant-ish
digits computed, as ping does, in whole microseconds.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: ``traceroute --help`` must not load the model
    from azint.data.linuxprobes import Probe, RouteHop, RouteTrace
    from azint.data.probes import PingReply, PingResult

Names = Mapping[IPv4Address, str]

PACKET_BYTES = 60  # IPv4 header, UDP or ICMP header, 32 bytes of data: traceroute's default
IP_ICMP_HEADERS = 28  # what ping adds to the data size on the wire
ICMP_HEADER = 8
TIMEVAL_BYTES = 16  # ping times a reply only when the data holds its send time
INTERVAL_MS = 1000  # ping's default interval between echo requests

# the annotation after a probe's time, by the kind of ICMP destination unreachable
ANNOTATIONS = {"net": "!N", "host": "!H", "filtered": "!X"}


# -- traceroute --------------------------------------------------------------------------------


def traceroute_header(trace: RouteTrace, target_name: str | None = None) -> str:
    """The first line; the target as typed (a name, or the address again)."""
    shown = target_name or str(trace.target)
    return (f"traceroute to {shown} ({trace.target}), {trace.max_hops} hops max, "
            f"{PACKET_BYTES} byte packets")


def hop_address(address: IPv4Address, names: Names, numeric: bool) -> str:
    """``name (address)``; an address nobody named prints twice, ``-n`` prints it once."""
    if numeric:
        return str(address)
    return f"{names.get(address, address)} ({address})"


def _probe_text(probe: Probe, previous: IPv4Address | None, names: Names, numeric: bool) -> str:
    if probe.address is None or probe.rtt_ms is None:
        return " *"
    named = "" if probe.address == previous else " " + hop_address(probe.address, names, numeric)
    annotation = ANNOTATIONS.get(probe.unreachable or "", "") if probe.kind == "unreachable" else ""
    return f"{named}  {probe.rtt_ms:.3f} ms" + (f" {annotation}" if annotation else "")


def hop_line(hop: RouteHop, names: Names, numeric: bool = False) -> str:
    """`` 1  name (addr)  0.512 ms  0.498 ms``: an address is printed when it changes."""
    text = f"{hop.ttl:2d} "
    previous: IPv4Address | None = None  # the last address printed on this line
    for probe in hop.probes:
        text += _probe_text(probe, previous, names, numeric)
        previous = probe.address or previous
    return text


def traceroute_text(trace: RouteTrace, names: Names, target_name: str | None = None,
                    numeric: bool = False) -> str:
    lines = [traceroute_header(trace, target_name),
             *(hop_line(hop, names, numeric) for hop in trace.hops)]
    return "\n".join(lines) + "\n"


def unresolved_traceroute(name: str) -> str:
    return f"{name}: Name or service not known\nCannot handle \"host\" cmdline arg `{name}' " \
           f"on position 1 (argc 1)\n"


# -- ping --------------------------------------------------------------------------------------


def microseconds(rtt_ms: float) -> int:
    return round(rtt_ms * 1000)


def reply_time(triptime: int) -> str:
    """``time=`` as ping prints it from whole microseconds: fewer decimals as it grows."""
    if triptime >= 100_000 - 50:
        return f"{(triptime + 500) // 1000}"
    if triptime >= 10_000 - 5:
        return f"{(triptime + 50) // 1000}.{(triptime + 50) % 1000 // 100}"
    if triptime >= 1000:
        return f"{(triptime + 5) // 1000}.{(triptime + 5) % 1000 // 10:02d}"
    return f"{triptime // 1000}.{triptime % 1000:03d}"


def _who(address: IPv4Address | None, names: Names, numeric: bool) -> str:
    name = None if numeric or address is None else names.get(address)
    return f"{name} ({address})" if name else str(address)


def reply_line(result: PingResult, sequence: int, reply: PingReply, names: Names,
               numeric: bool) -> str | None:
    """One reply's line; a request nobody answered prints nothing (ping without ``-O``)."""
    who = _who(reply.address, names, numeric)
    if reply.kind == "echo-reply":
        line = f"{result.size + ICMP_HEADER} bytes from {who}: icmp_seq={sequence} ttl={reply.ttl}"
        if result.size >= TIMEVAL_BYTES and reply.rtt_ms is not None:
            line += f" time={reply_time(microseconds(reply.rtt_ms))} ms"
        return line
    if reply.kind == "ttl-expired":
        return f"From {who} icmp_seq={sequence} Time to live exceeded"
    if reply.kind == "unreachable":
        what = "Host" if reply.unreachable == "host" else "Net"
        return f"From {who} icmp_seq={sequence} Destination {what} Unreachable"
    return None


def _single_precision(value: float) -> float:
    """ping casts the loss to a C float before printing it."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def statistics_line(sent: int, received: int, errors: int) -> str:
    text = f"{sent} packets transmitted, {received} received"
    if errors:
        text += f", +{errors} errors"
    loss = _single_precision((sent - received) * 100.0 / sent) if sent else 0.0
    elapsed = (sent - 1) * INTERVAL_MS if sent else 0  # from the first request to the last
    return text + f", {loss:g}% packet loss, time {elapsed}ms"


def _three(microsecond: int) -> str:
    return f"{microsecond // 1000}.{microsecond % 1000:03d}"


def rtt_line(times: Sequence[int]) -> str:
    """min/avg/max/mdev in whole microseconds, with ping's integer arithmetic."""
    total = len(times)
    tsum, tsum2 = sum(times), sum(t * t for t in times)
    variance = (tsum2 - tsum * tsum // total) // total
    mdev = math.isqrt(max(variance, 0))
    return (f"rtt min/avg/max/mdev = {_three(min(times))}/{_three(tsum // total)}/"
            f"{_three(max(times))}/{_three(mdev)} ms")


def ping_text(result: PingResult, names: Names, target_name: str | None = None,
              numeric: bool = False) -> str:
    """The whole iputils ping output. A TARGET typed as an address is never looked up."""
    host = target_name or str(result.target)
    numeric = numeric or target_name is None
    lines = [f"PING {host} ({result.target}) {result.size}({result.size + IP_ICMP_HEADERS}) "
             f"bytes of data."]
    for sequence, reply in enumerate(result.replies, 1):
        line = reply_line(result, sequence, reply, names, numeric)
        if line is not None:
            lines.append(line)
    echoes = result.echo_replies
    errors = sum(r.kind in ("ttl-expired", "unreachable") for r in result.replies)
    lines += ["", f"--- {host} ping statistics ---",
              statistics_line(len(result.replies), len(echoes), errors)]
    times = [microseconds(r.rtt_ms) for r in echoes if r.rtt_ms is not None]
    # ping ends its statistics with the rtt line, or with an empty one when nothing came back
    lines.append(rtt_line(times) if times and result.size >= TIMEVAL_BYTES else "")
    return "\n".join(lines) + "\n"


def unresolved_ping(name: str) -> str:
    return f"ping: {name}: Name or service not known\n"
