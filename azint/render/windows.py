"""Windows 10 ``tracert`` and ``ping`` text, byte for byte (the format: ``docs/windows-output.md``).

Times are whole milliseconds as Windows measures them: truncated, and ``<1`` below one.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: ``tracert --help`` must not load the model
    from azint.data.probes import PingResult, TraceHop, TraceResult

Names = Mapping[IPv4Address, str]


def whole_ms(rtt: float) -> int:
    return int(rtt)


def probe_field(rtt: float | None) -> str:
    """One probe of a hop line: 9 characters."""
    if rtt is None:
        return "   *     "
    if whole_ms(rtt) < 1:
        return "  <1 ms  "
    return f"{whole_ms(rtt):4d} ms  "


def _named(address: IPv4Address, names: Names) -> str:
    name = names.get(address)
    return f"{name} [{address}]" if name else str(address)


def hop_line(hop: TraceHop, names: Names) -> str:
    fields = "".join(probe_field(p) for p in hop.probes)
    if hop.kind == "unreachable" and hop.address is not None:
        what = "host" if hop.unreachable == "host" else "net"
        return f"{hop.ttl:3d}  {fields}{hop.address}  reports: Destination {what} unreachable."
    if hop.address is None:
        return f"{hop.ttl:3d}  {fields}Request timed out."
    return f"{hop.ttl:3d}  {fields}{_named(hop.address, names)}"


def tracert_text(result: TraceResult, names: Names, target_name: str | None = None) -> str:
    """The whole tracert output, starting with its empty line."""
    name = target_name or names.get(result.target)
    if name:
        header = [f"Tracing route to {name} [{result.target}]",
                  f"over a maximum of {result.max_hops} hops:"]
    else:
        header = [f"Tracing route to {result.target} over a maximum of {result.max_hops} hops"]
    lines = ["", *header, "", *(hop_line(h, names) for h in result.hops), "", "Trace complete."]
    return "\n".join(lines) + "\n"


def unresolved_tracert(name: str) -> str:
    return f"Unable to resolve target system name {name}.\n"


def unresolved_ping(name: str) -> str:
    return f"Ping request could not find host {name}. Please check the name and try again.\n"


def _time(rtt: float) -> str:
    ms = whole_ms(rtt)
    return "time<1ms" if ms < 1 else f"time={ms}ms"


def ping_text(result: PingResult, target_name: str | None = None) -> str:
    """The whole ping output, starting with its empty line."""
    target = f"{target_name} [{result.target}]" if target_name else str(result.target)
    lines = ["", f"Pinging {target} with {result.size} bytes of data:"]
    for reply in result.replies:
        if reply.kind == "echo-reply":
            assert reply.rtt_ms is not None
            lines.append(f"Reply from {reply.address}: bytes={result.size} {_time(reply.rtt_ms)} "
                         f"TTL={reply.ttl}")
        elif reply.kind == "ttl-expired":
            lines.append(f"Reply from {reply.address}: TTL expired in transit.")
        elif reply.kind == "unreachable":
            lines.append(f"Reply from {reply.address}: Destination {reply.unreachable} unreachable.")
        else:
            lines.append("Request timed out.")
    sent, received = len(result.replies), result.received
    lost = sent - received
    lines += ["", f"Ping statistics for {result.target}:",
              f"    Packets: Sent = {sent}, Received = {received}, Lost = {lost} "
              f"({lost * 100 // sent if sent else 0}% loss),"]
    times = [whole_ms(r.rtt_ms) for r in result.echo_replies if r.rtt_ms is not None]
    if times:
        lines += ["Approximate round trip times in milli-seconds:",
                  f"    Minimum = {min(times)}ms, Maximum = {max(times)}ms, "
                  f"Average = {sum(times) // len(times)}ms"]
    return "\n".join(lines) + "\n"
