"""``azint explain`` and ``tracert --explain``: the route behind each step, the reason for a loss.

Plain text (the explanation follows tracert's own plain output), and JSON.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from azint.control.bgp import Path, Relation
from azint.control.ids import Element, Kind, element_label
from azint.control.security import Verdict
from azint.control.why import Alternative, Because, Cause
from azint.data.explain import Explanation, Missing, StepExplanation
from azint.data.walk import Disposition
from azint.render.jsonout import dumps


def explain_text(explanation: Explanation, width: int = 100) -> str:
    """The explanation, wrapped at ``width`` columns between words (never inside an address,
    a prefix or a name: a word longer than the width keeps its own line)."""
    wrap = _Wrap(max(width, 20))
    trace = explanation.trace
    source = trace.source
    lines = [*wrap(f"Explaining {trace.target} from {source.name} ({source.address}, "
                   f"{source.network}):", "", "  "), ""]
    for number, step in enumerate(explanation.steps, start=1):
        lines += _step_lines(number, step, wrap)
    lines += ["", *wrap(f"Outcome: {explanation.outcome}", "", "  ")]
    if explanation.missing is not None:
        lines += _missing_lines(explanation.missing, wrap)
    return "\n".join(lines) + "\n"


class _Wrap:
    """Wraps paragraphs at a width, breaking only between words."""

    def __init__(self, width: int) -> None:
        self.width = width

    def __call__(self, text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(text, self.width, initial_indent=first, subsequent_indent=rest,
                             break_long_words=False, break_on_hyphens=False)


def _step_lines(number: int, step: StepExplanation, wrap: _Wrap) -> list[str]:
    port = f" (in on {step.step.port})" if step.step.port else ""
    lines = wrap(f"{step.step.element}{port}", f"{number:3d}. ", "       ")
    if step.tunnel:
        lines += wrap(f"tunnel: to {step.tunnel}", "       ", "         ")
    if step.decision:
        lines += wrap(f"route: {step.decision}", "       ", "         ")
    if step.verdict:
        lines += wrap(step.verdict, "       ", "         ")
    return lines


_KINDS = {"Default": "system ", "User": "user ", "VirtualNetworkGateway": "gateway "}


def _missing_lines(missing: Missing, _wrapped: _Wrap) -> list[str]:
    where, ways = _place(missing), missing.diagnosis.alternatives
    fell = ""
    if missing.matched is not None:
        source = missing.matched.source
        kind = "" if source == missing.matched.next_hop_type else _KINDS.get(source, f"{source} ")
        verb = "is sent by" if missing.disposition is Disposition.LINK_DOWN else "falls to"
        fell = (f" ({missing.address} {verb} the {missing.matched.prefix} -> "
                f"{missing.matched.next_hop_type} {kind}route)")
    if missing.disposition is Disposition.LINK_DOWN:
        head = f"{where} forwards {missing.address} into a connection that is down{fell}."
    elif missing.disposition is Disposition.NOT_FORWARDED:
        head = f"{where} receives a packet for {missing.address} and does not forward it."
    elif missing.disposition is Disposition.FORWARDED_NOT_ALLOWED:
        head = f"{where} forwards {missing.address} over a peering that refuses it{fell}."
    elif missing.disposition is Disposition.EXITS_TO_INTERNET and missing.prefix is None:
        head = f"{where} sends {missing.address} to the Internet{fell}."
    elif missing.prefix is None:
        head = f"{where} drops {missing.address}{fell}."
    else:
        head = f"{where} has no usable route for {missing.prefix}{fell}."
    lines = _wrapped(head, "Why: ", "     ")
    if not ways:
        lines.append("  azint finds no change to the topology that would bring the route.")
    if len(ways) > 1:
        lines += _wrapped("Any one of these, undone, would change that:", "  ", "  ")
    for way in ways:
        lines += _wrapped(alternative_text(way), "  - ", "    ")
    return lines


def _place(missing: Missing) -> str:
    kind = missing.where.kind
    forwarder = any(c.kind in (Because.NOT_FORWARDING, Because.FORWARDED_TRAFFIC_OFF)
                    for a in missing.diagnosis.alternatives for c in a.causes)
    if kind in (Kind.VNET, Kind.FABRIC) or (kind is Kind.VM and not forwarder):
        return f"VNet {missing.network}"  # a NIC's routes are its VNet's (and subnet's)
    return f"{element_label(missing.where)} ({missing.network})"


def alternative_text(way: Alternative) -> str:
    """One way the route could arrive, and everything that stops it on that way, in words."""
    causes = "; and ".join(cause_text(c) for c in way.causes) or "nothing stops it"
    if way.holder is None:
        return f"{causes}."
    holds = (f"{element_label(way.holder)} {_learned(way.path)}" if way.path is not None else
             f"{element_label(way.holder)} would originate it")
    onwards = " -> ".join(element_label(e) for e in (way.holder, *way.chain))
    return f"{holds}; on the way {onwards}: {causes}."


def _learned(path: Path) -> str:
    if path.session is None:
        return ("has it as a static VPN prefix" if path.relation is Relation.STATIC
                else "originates it")
    connection, peer = path.session.connection, path.session.peer
    if path.relation is Relation.MSEE:
        how = f"learned it from ExpressRoute circuit {peer.name}"
    elif path.relation is Relation.ROUTER:
        how = f"learned it from {element_label(peer)} over {connection}"
    else:
        how = f"learned it from {element_label(peer)} ({path.relation.value} session {connection})"
    return f"{how}, AS path {' '.join(map(str, path.as_path)) or '(empty)'}"


def cause_text(cause: Cause) -> str:
    """A cause in plain words, led by its rule id."""
    text = _WORDS[cause.kind](cause)
    return f"[rule {cause.rule}] {text}" if cause.rule else text


def _label(element: Element | None) -> str:
    return element_label(element) if element is not None else ""


def _prefix(cause: Cause) -> str:
    return str(cause.prefix) if cause.prefix is not None else "the prefix"


def _not_advertised(cause: Cause) -> str:
    address = cause.prefix.network_address if cause.prefix else ""
    beaten = cause.setting[0] if cause.setting else ""
    if not beaten or (beaten == "0.0.0.0/0" and cause.element.kind is Kind.VNET):
        return f"no network advertises a route for {address}"  # any would do
    return f"no network advertises a route for {address} more specific than {beaten}"


_WORDS = {
    Because.LINK_DOWN: lambda c: f"'{c.setting[0]}' is down",
    Because.USER_ROUTE: lambda c: (f"user route '{c.setting[1]}' of route table "
                                   f"'{c.setting[0]}' sends {_prefix(c)} to {c.setting[2]}"),
    Because.PROPAGATION_OFF: lambda c: (f"route table '{c.setting[0]}' of {_label(c.element)} has "
                                        f"gateway route propagation off, so the subnet gets no "
                                        f"gateway routes"),
    Because.USE_REMOTE_GATEWAYS_OFF: lambda c: (
        f"{_label(c.element)} does not use remote gateways on peering '{c.setting[0]}' "
        f"(use_remote_gateways is off), so it does not use the gateways of {_label(c.peer)}"),
    Because.ALLOW_GATEWAY_TRANSIT_OFF: lambda c: (
        f"{_label(c.element)} does not allow gateway transit on peering '{c.setting[0]}' "
        f"(allow_gateway_transit is off), so {_label(c.peer)} cannot use its gateways"),
    Because.NO_GATEWAY: lambda c: (f"{_label(c.element)} has no gateway and uses none through "
                                   f"gateway transit"),
    Because.NOT_TRANSITIVE: lambda c: (
        f"{_label(c.element)} is not peered with {_label(c.peer)}: both are peered with VNet "
        f"{c.setting[0]}, but peering is not transitive"),
    Because.NOT_PEERED: lambda c: f"{_label(c.element)} is not peered with {_label(c.peer)}",
    Because.NO_EXPRESSROUTE_VPN_TRANSIT: lambda c: (
        f"the ExpressRoute and VPN gateways of {_label(c.element)} pass neither routes nor traffic "
        f"to each other without Route Server branch-to-branch (branch_to_branch is off)"),
    Because.NO_CIRCUIT_TRANSIT: lambda c: (
        f"{_label(c.element)} advertises only its VNet's ranges (and gateway-transit spokes') "
        f"into a circuit, so a VNet does not pass routes from one circuit to another; circuits "
        f"exchange routes only over Global Reach"),
    Because.GLOBAL_REACH_LIMITS: lambda c: (
        f"{_label(c.element)} does not pass {_prefix(c)} to {_label(c.peer)}: over Global Reach "
        f"an edge passes only its own customer's on-premises routes, and routes learned over "
        f"Global Reach go to the customer edge only (Global Reach is not transitive and carries "
        f"no VNet routes)"),
    Because.VPN_NO_DEFAULT_ROUTE: lambda c: (
        f"{_label(c.element)} does not pass the default route {_prefix(c)} on to "
        f"{_label(c.peer)}: a VPN gateway does not re-advertise the default route"),
    Because.VPN_OWN_RANGE: lambda c: (
        f"{_label(c.element)} does not pass {_prefix(c)} on to {_label(c.peer)}: a VPN gateway "
        f"does not re-advertise prefixes overlapping its VNet"),
    Because.NO_READVERTISE: lambda c: (
        f"{_label(c.element)} advertises only its own networks to {_label(c.peer)}, not "
        f"BGP-learned {_prefix(c)} (readvertise is off)"),
    Because.AS_PATH_LOOP: lambda c: (
        f"{_label(c.element)} drops {_prefix(c)} from {_label(c.peer)}: the AS path already "
        f"holds ASN {c.setting[0]}, its own (loop prevention)"),
    Because.PREFIX_FILTER: lambda c: (
        f"{_label(c.element)} filters {_prefix(c)} out of what it "
        f"{'announces to' if c.setting[1] == 'announce' else 'accepts from'} {_label(c.peer)} "
        f"on '{c.setting[0]}' (its neighbour policy's {c.setting[1]} list)"),
    Because.REFUSES_OWN_RANGE: lambda c: (
        f"{_label(c.element)} refuses {_prefix(c)} from {_label(c.peer)}: a VPN gateway refuses "
        f"a prefix equal to its own VNet's range"),
    Because.EXPORT_POLICY: lambda c: (
        f"{_label(c.element)} does not advertise routes learned from a {c.setting[1]} peer to a "
        f"{c.setting[0]} peer ({_label(c.peer)})"),
    Because.NOT_FORWARDING: lambda c: (f"{_label(c.element)} is not the destination and does "
                                       f"not forward (IP forwarding is off)"),
    Because.NOT_CONNECTED: lambda c: (
        f"no connection, up or down, joins {_label(c.peer or c.element)} to anything that has "
        f"{_prefix(c)}"),
    Because.NOT_ADVERTISED: lambda c: _not_advertised(c),
    Because.ACCESS_OFF: lambda c: (
        f"{_label(c.element)} does not allow virtual network access on peering "
        f"'{c.setting[0]}' (allow_virtual_network_access is off), so the peering carries "
        f"nothing between it and {_label(c.peer)}"),
    Because.FORWARDED_TRAFFIC_OFF: lambda c: (
        f"{_label(c.element)} does not allow forwarded traffic on peering '{c.setting[0]}' "
        f"(allow_forwarded_traffic is off), so it drops what an appliance in {_label(c.peer)} "
        f"forwards from elsewhere"),
}


def _cause_json(cause: Cause) -> dict[str, Any]:
    return {"kind": cause.kind.value, "rule": cause.rule or None, "element": str(cause.element),
            "peer": None if cause.peer is None else str(cause.peer),
            "setting": list(cause.setting),
            "prefix": None if cause.prefix is None else str(cause.prefix),
            "text": cause_text(cause)}


def _path_json(path: Path) -> dict[str, Any]:
    session = path.session
    return {"connection": session.connection if session else None,
            "peer": str(session.peer) if session else None,
            "relation": path.relation.value, "as_path": list(path.as_path)}


def _alternative_json(way: Alternative) -> dict[str, Any]:
    path = way.path
    return {"holder": None if way.holder is None else str(way.holder),
            "chain": [str(e) for e in way.chain],
            "learned": None if path is None else _path_json(path),
            "causes": [_cause_json(c) for c in way.causes], "text": alternative_text(way)}


def explanation_json(topology: str, explanation: Explanation, down: Sequence[str] = (),
                     diagram: str | None = None) -> str:
    """The explain document; with ``diagram`` (``explain --diagram``), that text as a field."""
    extra = {"diagram": diagram} if diagram is not None else {}
    return dumps({"command": "explain", "topology": topology, "down": list(down),
                  **explanation_document(explanation), **extra})


def explanation_document(explanation: Explanation) -> dict[str, Any]:
    trace, missing = explanation.trace, explanation.missing
    return {
        "source": {"name": trace.source.name, "network": trace.source.network,
                   "address": str(trace.source.address)},
        "target": str(trace.target), "reached": trace.reached,
        "disposition": trace.walk.disposition.value, "outcome": explanation.outcome,
        "steps": [_step_json(s) for s in explanation.steps],
        **_denied_json(trace.walk.denied),
        "missing": None if missing is None else {
            "where": str(missing.where), "network": missing.network, "address": str(missing.address),
            "prefix": None if missing.prefix is None else str(missing.prefix),
            "matched": None if missing.matched is None else str(missing.matched.prefix),
            "alternatives": [_alternative_json(a) for a in missing.diagnosis.alternatives]}}


def _denied_json(verdict: Verdict | None) -> dict[str, Any]:
    """``denied``, only in documents where a network security group dropped the packet (so the
    documents of every other walk stay as they were)."""
    if verdict is None:
        return {}
    attachment = verdict.attachment
    return {"denied": {
        "network_security_group": attachment.group.name,
        "association": {"subnet" if attachment.level == "subnet" else "network_interface":
                        attachment.where},
        "rule": verdict.rule.name, "priority": verdict.rule.priority,
        "direction": verdict.direction.value, "text": verdict.describe()}}


def _step_json(step: StepExplanation) -> dict[str, Any]:
    route, reply = step.step.route, step.step.reply_address
    tunnel = {"tunnel": step.tunnel} if step.tunnel else {}
    return {"element": str(step.step.element), "port": step.step.port, "hop": step.hop, **tunnel,
            "reply_address": None if reply is None else str(reply),
            "route": None if route is None else {
                "prefix": str(route.prefix), "source": route.source,
                "next_hop_type": str(route.next_hop_type), "origin": route.origin or None,
                "as_path": list(route.as_path)},
            "decision": step.decision, "verdict": step.verdict or None}
