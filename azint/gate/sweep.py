"""Failure sweeps (``whatif``): fail each element in turn, and see which pairs lose or move.

The pairs are ``matrix``'s: every network's first endpoint to every other's. A baseline walk of
each pair records what it depends on: for every element the packet (and its echo reply) meets,
the table the element decides by and the address it looks up there. A failure recomputes the
control plane (BGP may move anything), then compares, table by table, what changed: the
prefixes whose rows differ, or the whole table when what it stands on changed (gateway
instances, router interfaces, a VNet's peerings). Only the pairs that looked up a changed prefix
in a changed table are walked again; every other pair's walk is the same decision by decision,
so its result is too. Cost: one control plane per failure, plus the walks a failure touches.

With ``depth=2`` every two failures are also swept together, each with its own control plane:
adding up two single failures would miss a primary and its backup failing together (each alone
moves or touches nothing the other does), so no pair of failures is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from itertools import combinations

from azint.control.ids import Element, Kind
from azint.control.plane import ControlPlane
from azint.data.flowhash import Flow
from azint.data.forked import in_two, pays
from azint.data.probes import NETWORK_DEVICE_TTL
from azint.data.walk import Walk
from azint.gate.check import single_failures
from azint.gate.pairs import Pair, PairState, ended_states, network_pairs, pair_state
from azint.gate.paths import Crossings
from azint.network import Network
from azint.topology import model as m

# ("vnet" | "owners" | "router" | "site", name) or ("table", a gateway's or an MSEE's element)
TableKey = tuple[str, str | Element]
WHOLE = None  # a table changed in what it stands on: every address looked up in it counts


@dataclass(frozen=True)
class Moved:
    pair: Pair
    before: PairState
    after: PairState


@dataclass(frozen=True)
class Effect:
    """What failing ``down`` does to the pairs."""

    down: tuple[str, ...]
    kinds: tuple[m.FailableKind, ...]
    lost: tuple[Moved, ...]  # reachable before, not after
    gained: tuple[Moved, ...]  # not reachable before, reachable after
    moved: tuple[Moved, ...]  # reachable both times, over another path
    walked: int  # pairs walked again (the rest could not change)
    alone: tuple[Pair, ...] = ()  # depth 2: pairs lost only when both fail


@dataclass(frozen=True)
class Sweep:
    pairs: int
    reachable: int
    effects: tuple[Effect, ...]  # ranked: most pairs lost first


Progress = Callable[[int, int], None]


def sweep(network: Network, depth: int = 1, progress: Progress | None = None) -> Sweep:
    """Fail every element ``--down`` can name one at a time (and two at a time at depth 2)."""
    baseline = _Baseline(network)
    topology = network.topology
    kinds = {f.name: f.kind for f in topology.failables()}
    names = single_failures(topology, network.down)
    singles: list[tuple[str, ...]] = [(name,) for name in names]
    doubles: list[tuple[str, ...]] = list(combinations(names, 2)) if depth >= 2 else []
    counted = _Counted(progress, len(singles) + len(doubles))
    effects = dict(zip(singles, _fail_each(baseline, singles, kinds, counted), strict=True))
    for down, effect in zip(doubles, _fail_each(baseline, doubles, kinds, counted), strict=True):
        single = {p.pair for name in down for p in effects[(name,)].lost}
        effects[down] = _with_alone(effect, tuple(p.pair for p in effect.lost
                                                  if p.pair not in single))
    order = {key: i for i, key in enumerate(effects)}
    ranked = sorted(effects.values(), key=lambda e: (-len(e.alone), -len(e.lost), -len(e.moved),
                                                      order[e.down]))
    return Sweep(len(baseline.states), sum(s.reachable for s in baseline.states.values()),
                 tuple(ranked))


PARALLEL_FAILURES = 4  # fewer failures to sweep: a second process costs more than it saves


class _Counted:
    """Progress over all the failures, this process's share counted for both (the forked
    one does as many, at about the same pace)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def step(self, weight: int) -> None:
        self.done = min(self.total, self.done + weight)
        if self.progress is not None:
            self.progress(self.done, self.total)


def _fail_each(baseline: _Baseline, cases: list[tuple[str, ...]],
               kinds: dict[str, m.FailableKind], counted: _Counted) -> list[Effect]:
    """Each failure's effect, in order: half of them in a forked process where it pays."""
    shared = pays(len(cases), PARALLEL_FAILURES)

    def work(some: list[tuple[str, ...]]) -> list[Effect]:
        found = []
        for down in some:
            found.append(baseline.fail(down, kinds))
            counted.step(2 if shared else 1)
        return found

    if not shared:
        return work(cases)
    start = counted.done
    found = in_two(work, cases)
    counted.done = start
    counted.step(len(cases))
    return found


def _with_alone(effect: Effect, alone: tuple[Pair, ...]) -> Effect:
    return Effect(effect.down, effect.kinds, effect.lost, effect.gained, effect.moved,
                  effect.walked, alone)


class _Baseline:
    """Every pair walked once, with the tables and addresses its result depends on."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.topology = network.topology
        self.ends = network_pairs(self.topology)
        self.order = {pair: index for index, pair in enumerate(self.ends)}
        self.home = {e.name: e.network for e in self.topology.endpoints()}
        crossings = Crossings(self.topology)
        self.states: dict[Pair, PairState] = {}
        self.index: dict[TableKey, list[tuple[Pair, IPv4Address]]] = {}
        ended = ended_states(network, crossings, self.ends)
        for pair, (sender, receiver) in self.ends.items():
            if pair in ended:  # its VNet's route ends it: that route is all it depends on
                self.states[pair] = ended[pair]
                self.index.setdefault(("vnet", sender.network), []).append((pair, receiver.address))
                continue
            state, result = pair_state(network, crossings, sender, receiver)
            self.states[pair] = state
            self._record(pair, result.walk, receiver.address)
            if result.walk.delivered:
                back = network.prober.forwarder.walk(
                    result.walk.last.element, Flow(receiver.address, sender.address),
                    NETWORK_DEVICE_TTL, is_reply=True)
                self._record(pair, back, sender.address)

    def _record(self, pair: Pair, walk: Walk, address: IPv4Address) -> None:
        for step in walk.steps:
            key = self._table(step.element)
            if key is not None:
                self.index.setdefault(key, []).append((pair, address))

    def _table(self, element: Element) -> TableKey | None:
        kind, name = element.kind, element.name
        if kind is Kind.VM:
            network = self.home.get(name, "")
            return ("vnet", network) if network in self.topology.vnets else ("site", network)
        if kind is Kind.FABRIC:
            return ("vnet", name)
        if kind is Kind.VNET:
            return ("owners", name)
        if kind is Kind.ROUTER:
            return ("router", name)
        if kind in (Kind.ERGW, Kind.VPNGW, Kind.MSEE):
            return ("table", element)
        return None

    def fail(self, down: tuple[str, ...], kinds: dict[str, m.FailableKind]) -> Effect:
        failed = Network.of(self.topology, down)
        touched = self._touched(failed.plane)
        crossings = Crossings(failed.topology)
        lost: list[Moved] = []
        gained: list[Moved] = []
        moved: list[Moved] = []
        for pair in sorted(touched, key=self.order.__getitem__):
            before = self.states[pair]
            after, _ = pair_state(failed, crossings, *self.ends[pair])
            change = Moved(pair, before, after)
            if before.reachable and not after.reachable:
                lost.append(change)
            elif after.reachable and not before.reachable:
                gained.append(change)
            elif before.reachable and before.path != after.path:
                moved.append(change)
        return Effect(down, tuple(kinds[n] for n in down), tuple(lost), tuple(gained),
                      tuple(moved), len(touched))

    def _touched(self, plane: ControlPlane) -> set[Pair]:
        touched: set[Pair] = set()
        tables = _Tables(self.network.plane, plane)
        for key, entries in self.index.items():
            changed = tables.changed(key)
            if changed is WHOLE:
                touched.update(pair for pair, _ in entries)
            elif changed:
                covers = _covering(changed)
                touched.update(pair for pair, address in entries if covers(address))
        return touched


Changed = list[IPv4Network] | None  # the prefixes whose rows differ, or WHOLE


class _Tables:
    """What changed in each table from one control plane to another (each layer once)."""

    def __init__(self, before: ControlPlane, after: ControlPlane) -> None:
        self.before, self.after = before, after
        self._gateway_layers: dict[str | None, Changed] = {}

    def changed(self, key: TableKey) -> Changed:
        kind, name = key
        if isinstance(name, Element):
            return self._element(name)
        if kind == "vnet":
            return self._vnet(name)
        if kind == "owners":
            return self._owners(name)
        if kind == "router":
            return self._router(name)
        before, after = self.before.routers, self.after.routers  # "site": the hosts' gateways
        site = self.before.topology.sites[name]
        same = all(before[r.name].up == after[r.name].up for r in site.routers)
        return [] if same else WHOLE

    def _vnet(self, name: str) -> Changed:
        before, after = self.before.vnets[name], self.after.vnets[name]
        if before.gateway_vnet != after.gateway_vnet or (_uses_appliances(before.vnet) and (
                self.before.peerings_of.get(name) != self.after.peerings_of.get(name))):
            return WHOLE
        changed = before.system.changed_prefixes(after.system)
        for table in before.user.keys() | after.user.keys():
            if table not in before.user or table not in after.user:
                return WHOLE
            changed += before.user[table].changed_prefixes(after.user[table])
        layer = self._gateway_layer(before.gateway_vnet)
        return WHOLE if layer is WHOLE else changed + layer

    def _gateway_layer(self, hub: str | None) -> Changed:
        if hub not in self._gateway_layers:
            before = self.before.vnets[hub].gateway if hub is not None else None
            after = self.after.vnets[hub].gateway if hub is not None else None
            if before is None or after is None:
                found: Changed = [] if before is after else WHOLE
            else:
                found = before.changed_prefixes(after)
            self._gateway_layers[hub] = found
        return self._gateway_layers[hub]

    def _owners(self, name: str) -> Changed:
        element = Element(Kind.VNET, name)
        before, after = self.before.owners.get(element, {}), self.after.owners.get(element, {})
        return [IPv4Network(a) for a in before.keys() | after.keys() if before.get(a) != after.get(a)]

    def _router(self, name: str) -> Changed:
        before, after = self.before.routers[name], self.after.routers[name]
        if before.up != after.up or before.interfaces != after.interfaces:
            return WHOLE
        return before.table.changed_prefixes(after.table)

    def _element(self, element: Element) -> Changed:
        """A gateway's or an edge router's table; a gateway's instances are what it stands on."""
        if element.kind in (Kind.ERGW, Kind.VPNGW) and \
                _instances(self.before, element) != _instances(self.after, element):
            return WHOLE
        before, after = self.before.tables.get(element), self.after.tables.get(element)
        if before is None or after is None:
            return [] if before is after else WHOLE
        return before.changed_prefixes(after)


def _covering(prefixes: list[IPv4Network]) -> Callable[[IPv4Address], bool]:
    """Whether an address falls in any of ``prefixes``: one set probe per prefix length."""
    by_length: dict[int, set[int]] = {}
    for prefix in prefixes:
        by_length.setdefault(prefix.prefixlen, set()).add(int(prefix.network_address))
    masks = [((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF, keys) for length, keys in by_length.items()]

    def covers(address: IPv4Address) -> bool:
        value = int(address)
        return any(value & mask in keys for mask, keys in masks)
    return covers


def _instances(plane: ControlPlane, element: Element) -> tuple[IPv4Address, ...]:
    network = plane.topology.vnets.get(element.name)
    if network is None:
        return ()
    gateway = network.expressroute_gateway if element.kind is Kind.ERGW else network.vpn_gateway
    return gateway.instances if gateway is not None else ()


def _uses_appliances(vnet: m.VNet) -> bool:
    """Whether a user route sends to an appliance (whose owner may sit in a peered VNet)."""
    return any(route.next_hop_type is m.NextHopType.APPLIANCE
               for table in vnet.route_tables.values() for route in table.routes)
