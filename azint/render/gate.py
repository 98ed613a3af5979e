"""``azint check``: one line per intent, a summary, and the JSON document.

A failing intent's line carries the model's reason: for a target that is not reached, the outcome
of ``explain`` and, when a route is missing, the rule that stopped it; for one reached that must
not be, the route its source sends it by; for a path that breaks a condition, what it crossed.
"""

from __future__ import annotations

from typing import Any

from azint.control.ids import element_label
from azint.data.explain import Explanation
from azint.gate.check import Finding, IntentResult, Probe, Problem
from azint.render.explain import alternative_text, explanation_document
from azint.render.jsonout import dumps


def probe_text(probe: Probe) -> str:
    down = f" with {', '.join(probe.down)} down" if probe.down else ""
    return f"{probe.source.label} -> {probe.target.label}{down}"


def finding_text(finding: Finding) -> str:
    """Why the probe breaks its intent, in one line."""
    over = f" over {', '.join(finding.path)}" if finding.path else ""
    problem = finding.problem
    if problem is Problem.REACHED:
        assert finding.explanation is not None
        reason = f"reached{over}, but it must not be{sent_by(finding.explanation)}"
    elif problem is Problem.UNREACHED:
        assert finding.explanation is not None
        reason = f"not reached: {explanation_reason(finding.explanation)}"
    elif problem is Problem.NOT_VIA:
        reason = f"reached{over or ' directly'}, not via {', '.join(finding.names)}"
    elif problem is Problem.CROSSES:
        reason = f"reached{over}, crossing {', '.join(finding.names)}"
    elif problem is Problem.HOPS:
        reason = f"reached{over} in {finding.measured:g} hops"
    else:
        reason = f"reached{over} in {finding.measured:g} ms"
    return f"{probe_text(finding.probe)}: {reason}"


def sent_by(explanation: Explanation) -> str:
    """The route that decides reachability: the first one the packet is sent by, at its source."""
    step = next((s for s in explanation.steps if s.step.route is not None), None)
    if step is None:
        return ""
    return f": {element_label(step.step.element)} sends it by route {step.decision}"


def explanation_reason(explanation: Explanation) -> str:
    """``explain``'s outcome and, when a route is missing, where and the first way to get it."""
    missing = explanation.missing
    if missing is None:
        return explanation.outcome
    text = explanation.outcome
    if missing.prefix is not None:
        text += f"; {missing.network} has no route for {missing.prefix}"
    ways = missing.diagnosis.alternatives
    if ways:
        others = f" (or {len(ways) - 1} other ways)" if len(ways) > 1 else ""
        text += f"; {alternative_text(ways[0]).removesuffix('.')}{others}"
    return text


def limit_text(result: IntentResult) -> str:
    intent = result.intent
    if result.finding is None:
        return ""
    if result.finding.problem is Problem.HOPS:
        return f" (at most {intent.max_hops})"
    if result.finding.problem is Problem.RTT:
        return f" (at most {intent.max_rtt_ms:g} ms)"
    return ""


def result_line(result: IntentResult) -> str:
    position = result.intent.position
    where = f"{position.file}:{position.line}"
    if result.passed:
        return f"{where}: PASS {result.intent.name}"
    assert result.finding is not None
    more = f" [{result.failed} of {result.probes} probes fail]" if result.probes > 1 else ""
    return (f"{where}: FAIL {result.intent.name}: {finding_text(result.finding)}"
            f"{limit_text(result)}{more}")


def summary_line(results: list[IntentResult]) -> str:
    failed = sum(not r.passed for r in results)
    probes = sum(r.probes for r in results)
    count = len(results)
    return (f"{count} intent{'s' if count != 1 else ''}: {count - failed} passed, {failed} failed "
            f"({probes} probes)")


def check_text(results: list[IntentResult]) -> str:
    return "\n".join([*(result_line(r) for r in results), summary_line(results)]) + "\n"


def check_json(topology: str, file: str, results: list[IntentResult]) -> str:
    return dumps({"command": "check", "topology": topology, "intents_file": file,
                  "passed": all(r.passed for r in results),
                  "summary": {"intents": len(results),
                              "passed": sum(r.passed for r in results),
                              "failed": sum(not r.passed for r in results),
                              "probes": sum(r.probes for r in results)},
                  "intents": [_result_json(r) for r in results]})


def _result_json(result: IntentResult) -> dict[str, Any]:
    finding = result.finding
    return {"name": result.intent.name, "line": result.intent.position.line,
            "passed": result.passed, "probes": result.probes, "failed": result.failed,
            "finding": None if finding is None else _finding_json(finding)}


def _finding_json(finding: Finding) -> dict[str, Any]:
    probe = finding.probe
    return {"source": {"label": probe.source.label, "address": str(probe.source.address)},
            "target": {"label": probe.target.label, "address": str(probe.target.address)},
            "down": list(probe.down), "problem": finding.problem.value,
            "path": list(finding.path), "names": list(finding.names),
            "measured": finding.measured, "reason": finding_text(finding),
            "explain": None if finding.explanation is None
            else explanation_document(finding.explanation)}
