"""Why a trace goes where it goes: the route behind every step, and the reason behind every loss.

For each step of the forward walk: the route that decided it (prefix, source, next hop type, where
it was learned). For each tracert hop that times out: why its reply does not come back (no address
on that side, an address not advertised into the source network, or a reply that is dropped). For
a packet (or its echo reply) that is dropped: where, and — from ``control.why`` — the causes, as
data: the user route, the setting, the link down or the BGP rule that keeps a route from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from types import MappingProxyType

from azint.control import why
from azint.control.ids import Element, Kind, element_label
from azint.control.plane import ControlPlane
from azint.control.routes import Route
from azint.control.tunnels import tunnel_instance
from azint.control.why import Diagnosis, network_of
from azint.data.flowhash import Flow
from azint.data.probes import NETWORK_DEVICE_TTL, Prober, TraceHop, TraceResult, no_restore
from azint.data.walk import DENIED_NOTE, OWN_SUBNET, Disposition, Step, Walk
from azint.topology import model as m

_DROPS = (Disposition.NO_ROUTE, Disposition.NULL_ROUTED, Disposition.EXITS_TO_INTERNET)


@dataclass(frozen=True)
class StepExplanation:
    step: Step
    hop: int | None  # the tracert line this step is, when it is a hop
    decision: str  # the route (or rule) that sent the packet on
    verdict: str  # for a hop: whether and why its reply comes back
    tunnel: str = ""  # into an active-active VPN gateway: the instance its tunnel ends at


@dataclass(frozen=True)
class Missing:
    """Where a packet (or its reply) is dropped for want of a route, and why."""

    where: Element  # the element that dropped it
    network: str  # the VNet or site it belongs to
    address: IPv4Address
    matched: Route | None  # the route the address fell to, if any
    diagnosis: Diagnosis
    disposition: Disposition

    @property
    def prefix(self) -> IPv4Network | None:
        """The destination's prefix that would have beaten ``matched``, if anything holds one."""
        return self.diagnosis.prefix


@dataclass(frozen=True)
class Explanation:
    trace: TraceResult
    steps: tuple[StepExplanation, ...]
    outcome: str
    missing: Missing | None  # why the packet (or its reply) had no route


def explain(prober: Prober, source: m.Endpoint, target: IPv4Address,
            trace: TraceResult | None = None) -> Explanation:
    """Explain ``tracert`` from ``source`` to ``target`` (reusing ``trace`` when given)."""
    trace = trace or prober.tracert(source, target)
    lines = {line.ttl: line for line in trace.hops}
    hop_numbers = {id(step): index for index, step in enumerate(trace.walk.hops, start=1)}
    steps = tuple(_step(prober, source, step, hop_numbers.get(id(step)), lines, trace.walk)
                  for step in trace.walk.steps)
    outcome, missing = _outcome(prober, source, trace)
    return Explanation(trace, steps, outcome, missing)


def _step(prober: Prober, source: m.Endpoint, step: Step, hop: int | None,
          lines: dict[int, TraceHop], walk: Walk) -> StepExplanation:
    verdict = ""
    if hop is not None:
        line = lines.get(hop)
        if line is not None and line.kind == "time-exceeded":
            verdict = f"hop {hop} answers from {line.address}"
        elif line is not None:
            verdict = f"hop {hop} times out: {timeout_reason(prober, source, step)}"
    decided = decision(step)
    if step.note == DENIED_NOTE and walk.denied is not None:
        decided = f"dropped by {walk.denied.describe()} [rule 8.2]"
    return StepExplanation(step, hop, decided, verdict, _tunnel(prober.forwarder.plane, step))


def _tunnel(plane: ControlPlane, step: Step) -> str:
    """Which instance of an active-active VPN gateway a packet's tunnel ends at (rule 4.5)."""
    if step.element.kind is not Kind.VPNGW or not (step.port or "").startswith("conn:"):
        return ""
    instance = tunnel_instance(plane.topology.vnets[step.element.name].vpn_gateway,
                               step.reply_address)
    return f"instance {instance} ({step.reply_address})" if instance is not None else ""


def decision(step: Step) -> str:
    """The route (or fixed behaviour) that moved the packet on from this step."""
    route = step.route
    if route is not None:
        origin = f", {route.origin}" if route.origin else ""
        path = f", AS path {' '.join(map(str, route.as_path))}" if route.as_path else ""
        return f"{route.prefix} [{route.source}] -> {route.next_hop_type}{origin}{path}"
    if step.note == "delivered":
        return "the destination: it owns the address"
    if step.note == DENIED_NOTE:
        return DENIED_NOTE
    if step.note == OWN_SUBNET:
        return "on its own subnet, directly (ARP), not through its gateway"
    if step.element.kind is Kind.VM and step.port is not None:
        return ""  # a host the packet came into and that never sent it on (its TTL ran out)
    fixed = {Kind.VNET: "delivered inside the VNet to the owner of the address",
             Kind.ERGW: "from the circuit into its VNet",
             Kind.VM: "to its default gateway"}
    return fixed.get(step.element.kind, "")


def timeout_reason(prober: Prober, source: m.Endpoint, step: Step) -> str:
    """Why a hop's ICMP reply never reaches the source."""
    address = step.reply_address
    label = element_label(step.element)
    if address is None:
        return (f"{label} has no address the source can route on the side the probe arrived "
                f"({step.port or 'origin'}), so its reply cannot come back")
    if not prober.source_knows(source, address):
        return (f"{label} answers from {address}, which is not advertised into "
                f"{source.network}, so the reply is not routed back")
    back = prober.forwarder.walk(step.element, Flow(address, source.address), NETWORK_DEVICE_TTL,
                                 is_reply=True)
    if back.delivered:
        return f"{label} answers from {address}, but later than the wait (-w)"
    return f"{label} answers from {address}, but the reply is lost: {back.reason}"


def _outcome(prober: Prober, source: m.Endpoint, trace: TraceResult) -> tuple[str, Missing | None]:
    walk = trace.walk
    if trace.reached:
        return f"delivered to {element_label(walk.last.element)}; the echo reply comes back", None
    if walk.delivered and trace.late_replies:
        return (f"delivered to {element_label(walk.last.element)}; the echo replies come back, "
                f"but later than the wait of {trace.timeout_ms} ms"), None
    if walk.delivered:
        back = prober.forwarder.walk(walk.last.element, Flow(trace.target, source.address),
                                     NETWORK_DEVICE_TTL, is_reply=True)
        return (f"delivered, but the echo reply is lost: {back.reason}",
                _missing(prober, back, source.address))
    return _dropped(walk), _missing(prober, walk, trace.target)


def _dropped(walk: Walk) -> str:
    return f"{walk.disposition.value.lower().replace('_', ' ')}: {walk.reason}"


def _missing(prober: Prober, walk: Walk, address: IPv4Address) -> Missing | None:
    last = walk.last
    found = diagnose(prober.plane, walk.disposition, last, address, prober.culprits,
                     prober.restore)
    if found is None:
        return None
    return Missing(last.element, network_of(prober.plane, last.element), address, last.route,
                   found, walk.disposition)


def diagnose(plane: ControlPlane, disposition: Disposition, last: Step, address: IPv4Address,
             culprits: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType({}),
             restore: Callable[[str], ControlPlane | None] = no_restore) -> Diagnosis | None:
    """The causes of a walk that ended at ``last`` with ``disposition`` (None: not a drop);
    links down are named by what took them down (``culprits`` and ``restore`` as the
    ``Prober``'s)."""
    found = _diagnose(plane, disposition, last, address, restore)
    return why.blamed(found, culprits) if found is not None else None


def _diagnose(plane: ControlPlane, disposition: Disposition, last: Step, address: IPv4Address,
              restore: Callable[[str], ControlPlane | None]) -> Diagnosis | None:
    element, route = last.element, last.route
    if disposition is Disposition.NOT_FORWARDED:
        return why.not_forwarding(element)
    if disposition is Disposition.FORWARDED_NOT_ALLOWED:
        return why.forwarded_refused(plane, element, route)
    if disposition is Disposition.LINK_DOWN:
        return why.link_down(plane, element, route)
    if disposition not in _DROPS:
        return None
    if element.kind is Kind.FABRIC:
        vnet = plane.topology.vnets[element.name]
        if route is not None and route.next_hop_type == m.NextHopType.GATEWAY \
                and not vnet.branch_to_branch:
            return why.gateway_no_transit(vnet.name, route)  # one gateway of a VNet to the other
        gateway_subnet = any(s.name == "GatewaySubnet" for s in vnet.subnets)
        return why.diagnose_vnet(plane, vnet.name, "GatewaySubnet" if gateway_subnet else None,
                                 address, route)
    if element.kind is Kind.VM:
        host = next(e for e in plane.topology.endpoints() if e.name == element.name)
        home = plane.topology.vnets.get(host.network)
        if home is None:  # an on-premises host whose default gateway is gone
            return why.gateway_down(plane, host)
        subnet = home.subnet_of(host.address)
        return why.diagnose_vnet(plane, home.name, subnet.name if subnet else None, address,
                                 route)
    if element.kind is Kind.ROUTER:
        down = (why.site_links_down(plane, element.name, address, route)
                or why.routers_down(plane, element.name, address, route, restore))
        if down is not None:
            return down
    return why.diagnose_element(plane, element, address, route)
