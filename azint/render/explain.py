"""``azint explain`` and ``tracert --explain``: the route behind each step, the reason for a loss.

Plain text (the explanation follows tracert's own plain output), and JSON.
"""

from __future__ import annotations

import textwrap
from typing import Any

from azint.control.ids import Kind
from azint.control.why import Barrier, element_label
from azint.data.explain import Explanation, Missing, StepExplanation
from azint.render.jsonout import dumps


def explain_text(explanation: Explanation) -> str:
    trace = explanation.trace
    source = trace.source
    lines = [f"Explaining {trace.target} from {source.name} ({source.address}, {source.network}):",
             ""]
    for number, step in enumerate(explanation.steps, start=1):
        lines += _step_lines(number, step)
    lines += ["", f"Outcome: {explanation.outcome}"]
    if explanation.missing is not None:
        lines += _missing_lines(explanation.missing)
    return "\n".join(lines) + "\n"


def _step_lines(number: int, step: StepExplanation) -> list[str]:
    port = f" (in on {step.step.port})" if step.step.port else ""
    lines = [f"{number:3d}. {step.step.element}{port}"]
    if step.decision:
        lines.append(f"       route: {step.decision}")
    if step.verdict:
        lines.append(f"       {step.verdict}")
    return lines


WIDTH = 100
_KINDS = {"Default": "system ", "User": "user ", "VirtualNetworkGateway": "gateway "}


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest)


def _missing_lines(missing: Missing) -> list[str]:
    where = _place(missing)
    if not missing.prefix:
        return _wrapped(f"no network advertises a route for {missing.address}.", "Why: ", "     ")
    fell = ""
    if missing.matched is not None:
        kind = _KINDS.get(missing.matched.source, f"{missing.matched.source} ")
        fell = (f" ({missing.address} falls to the {missing.matched.prefix} -> "
                f"{missing.matched.next_hop_type} {kind}route)")
    lines = _wrapped(f"{where} has no route for {missing.prefix}{fell}.", "Why: ", "     ")
    if not missing.barriers:
        lines += _wrapped(f"BGP does deliver {missing.prefix} to {where}'s speakers; "
                          f"the route the packet met above decides.", "  ", "  ")
    return lines + [line for barrier in missing.barriers for line in _barrier_lines(barrier)]


def _place(missing: Missing) -> str:
    if missing.where.kind in (Kind.VM, Kind.VNET, Kind.FABRIC):
        return f"VNet {missing.network}"
    return f"{element_label(missing.where)} ({missing.network})"


def _barrier_lines(barrier: Barrier) -> list[str]:
    onwards = " -> ".join(element_label(e) for e in barrier.chain)
    text = (f"{element_label(barrier.holder)} {barrier.learned}, but does not pass it to "
            f"{element_label(barrier.receiver)}: {barrier.rule}. (From there it would reach "
            f"the source along {onwards}.)")
    return _wrapped(text, "  - ", "    ")


def _barrier_json(barrier: Barrier) -> dict[str, Any]:
    return {"prefix": str(barrier.prefix), "holder": str(barrier.holder),
            "receiver": str(barrier.receiver), "learned": barrier.learned, "rule": barrier.rule,
            "chain": [str(e) for e in barrier.chain]}


def explanation_json(topology: str, explanation: Explanation) -> str:
    return dumps({"command": "explain", "topology": topology, **explanation_document(explanation)})


def explanation_document(explanation: Explanation) -> dict[str, Any]:
    trace, missing = explanation.trace, explanation.missing
    return {
        "source": {"name": trace.source.name, "network": trace.source.network,
                   "address": str(trace.source.address)},
        "target": str(trace.target), "reached": trace.reached,
        "disposition": trace.walk.disposition.value, "outcome": explanation.outcome,
        "steps": [_step_json(s) for s in explanation.steps],
        "missing": None if missing is None else {
            "where": str(missing.where), "network": missing.network, "address": str(missing.address),
            "prefix": missing.prefix or None,
            "matched": None if missing.matched is None else str(missing.matched.prefix),
            "barriers": [_barrier_json(b) for b in missing.barriers]}}


def _step_json(step: StepExplanation) -> dict[str, Any]:
    route, reply = step.step.route, step.step.reply_address
    return {"element": str(step.step.element), "port": step.step.port, "hop": step.hop,
            "reply_address": None if reply is None else str(reply),
            "route": None if route is None else {
                "prefix": str(route.prefix), "source": route.source,
                "next_hop_type": str(route.next_hop_type), "origin": route.origin,
                "as_path": list(route.as_path)},
            "decision": step.decision, "verdict": step.verdict or None}
