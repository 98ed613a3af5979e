"""JSON output, version 1: a stable, documented shape for scripts (see README, "JSON output")."""

from __future__ import annotations

import json
from typing import Any

from azint.data.probes import PingResult, TraceResult
from azint.topology import model as m

SCHEMA_VERSION = 1


def _ms(rtt: float | None) -> float | None:
    return None if rtt is None else round(rtt, 3)


def _endpoint(endpoint: m.Endpoint) -> dict[str, Any]:
    return {"name": endpoint.name, "network": endpoint.network, "address": str(endpoint.address)}


def dumps(document: dict[str, Any]) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **document}, indent=2, sort_keys=False) + "\n"


def tracert_document(result: TraceResult, topology: str, target_name: str | None) -> dict[str, Any]:
    hops = [{
        "hop": hop.ttl,
        "kind": hop.kind,
        "address": None if hop.address is None else str(hop.address),
        "probes_ms": [_ms(p) for p in hop.probes],
        "element": str(hop.step.element) if hop.step and hop.kind != "timeout" else None,
    } for hop in result.hops]
    return {
        "command": "tracert", "topology": topology, "source": _endpoint(result.source),
        "target": {"address": str(result.target), "name": target_name},
        "max_hops": result.max_hops, "reached": result.reached,
        "disposition": result.walk.disposition.value, "reason": result.reason,
        "hops": hops}


def ping_json(result: PingResult, topology: str, target_name: str | None) -> str:
    replies = [{"kind": r.kind, "address": None if r.address is None else str(r.address),
                "rtt_ms": _ms(r.rtt_ms), "ttl": r.ttl, "unreachable": r.unreachable}
               for r in result.replies]
    sent = len(result.replies)
    return dumps({
        "command": "ping", "topology": topology, "source": _endpoint(result.source),
        "target": {"address": str(result.target), "name": target_name}, "size": result.size,
        "sent": sent, "received": result.received, "lost": sent - result.received,
        "echo_replies": len(result.echo_replies), "success": bool(result.echo_replies),
        "disposition": result.walk.disposition.value, "reason": result.reason,
        "replies": replies})
