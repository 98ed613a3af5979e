"""JSON output, version 1: a stable, documented shape for scripts (see README, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the error path imports this module without the model
    from azint.data.linuxprobes import Probe, RouteTrace
    from azint.data.probes import PingResult, TraceResult
    from azint.errors import Position
    from azint.topology import model as m
    from azint.topology.validate import ValidationReport

SCHEMA_VERSION = 1


def _ms(rtt: float | None) -> float | None:
    return None if rtt is None else round(rtt, 3)


def _endpoint(endpoint: m.Endpoint) -> dict[str, Any]:
    return {"name": endpoint.name, "network": endpoint.network, "address": str(endpoint.address)}


def dumps(document: dict[str, Any]) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **document}, indent=2, sort_keys=False) + "\n"


def error_json(message: str, position: Position | None) -> str:
    """What ``--json`` prints instead of a result when the command fails (null where unknown)."""
    where = position
    return dumps({"error": {
        "message": message,
        "file": None if where is None else where.file,
        "line": None if where is None else where.line,
        "column": None if where is None else where.column}})


def tracert_document(result: TraceResult, topology: str, target_name: str | None,
                     down: tuple[str, ...] = ()) -> dict[str, Any]:
    hops = [{
        "hop": hop.ttl,
        "kind": hop.kind,
        "address": None if hop.address is None else str(hop.address),
        "probes_ms": [_ms(p) for p in hop.probes],
        # the element that answered, or for a timeout the one that stayed silent (null when
        # the probe never got that far)
        "element": None if hop.step is None else str(hop.step.element),
    } for hop in result.hops]
    return {
        "command": "tracert", "topology": topology, "down": list(down),
        "source": _endpoint(result.source),
        "target": {"address": str(result.target), "name": target_name},
        "max_hops": result.max_hops, "reached": result.reached,
        "disposition": result.walk.disposition.value, "reason": result.reason,
        "hops": hops}


def route_document(trace: RouteTrace, command: str, topology: str, target_name: str | None,
                   down: tuple[str, ...] = ()) -> dict[str, Any]:
    """traceroute and mtr: tracert's document, with every probe's own answer (ECMP can send the
    probes of one hop to different routers) and, for mtr, one probe per cycle."""
    hops = [{
        "hop": hop.ttl,
        "kind": _hop_kind(hop.probes),
        "address": None if not hop.addresses else str(hop.addresses[0]),
        "probes_ms": [_ms(p.rtt_ms) for p in hop.probes],
        "element": next((str(p.step.element) for p in hop.probes if p.step is not None), None),
        "probes": [{"kind": p.kind, "address": None if p.address is None else str(p.address),
                    "rtt_ms": _ms(p.rtt_ms), "unreachable": p.unreachable} for p in hop.probes],
    } for hop in trace.hops]
    return {
        "command": command, "topology": topology, "down": list(down),
        "source": _endpoint(trace.source),
        "target": {"address": str(trace.target), "name": target_name},
        "protocol": trace.protocol, "max_hops": trace.max_hops, "reached": trace.reached,
        "disposition": trace.walk.disposition.value, "reason": trace.reason,
        "hops": hops}


def _hop_kind(probes: Sequence[Probe]) -> str:
    """The hop's kind as tracert's: the final answer if any, else the first answer."""
    kinds = [p.kind for p in probes if p.kind != "timeout"]
    final = [k for k in kinds if k != "time-exceeded"]
    return (final or kinds or ["timeout"])[0]


def ping_json(result: PingResult, topology: str, target_name: str | None,
              down: tuple[str, ...] = ()) -> str:
    replies = [{"kind": r.kind, "address": None if r.address is None else str(r.address),
                "rtt_ms": _ms(r.rtt_ms), "ttl": r.ttl, "unreachable": r.unreachable}
               for r in result.replies]
    sent = len(result.replies)
    return dumps({
        "command": "ping", "topology": topology, "down": list(down),
        "source": _endpoint(result.source),
        "target": {"address": str(result.target), "name": target_name}, "size": result.size,
        "sent": sent, "received": result.received, "lost": sent - result.received,
        "echo_replies": len(result.echo_replies), "success": bool(result.echo_replies),
        "disposition": result.walk.disposition.value, "reason": result.reason,
        "replies": replies})


def validation_json(report: ValidationReport, strict: bool, code: int) -> str:
    """``azint validate --json``: every problem with its position, and the verdict."""
    return dumps({
        "command": "validate", "file": report.file, "strict": strict, "valid": code == 0,
        "errors": len(report.errors), "warnings": len(report.warnings),
        "problems": [{"severity": p.severity.value, "message": p.message,
                      "file": p.position.file, "line": p.position.line,
                      "column": p.position.column} for p in report.problems]})
