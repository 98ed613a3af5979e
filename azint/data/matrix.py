"""Who reaches whom: every network's first endpoint pinged from every other's, and over what.

A cell is reachable when an echo reply comes back. Its mechanisms are read off the forward walk,
in order, never from stored strings:

* ``peering``     the packet crosses a VNet peering straight from a VNet (not via a gateway);
* ``vpn``         it crosses a VPN connection (VNet-to-VNet or site-to-site);
* a circuit name  it crosses that ExpressRoute circuit's edge routers;
* ``NET-er-gw`` / ``NET-vpn-gw``  it crosses a gateway of VNet NET that is neither end: a spoke
  using its hub's gateways (gateway transit), or transit between two VPN connections;
* ``nva:NAME``    it is forwarded by virtual appliance NAME (a VM with IP forwarding that a user
  route sends it to) — and ``peering`` first when the appliance lives in a peered VNet.

A network without endpoints has nobody to ping from or to: it is listed as such, not left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from azint.collector import paused
from azint.control.ids import Kind
from azint.control.routes import Route
from azint.data.forked import in_two, pays
from azint.data.probes import Prober
from azint.data.vnetends import EndedAtOnce, ended_at_once
from azint.data.walk import Step, Walk
from azint.topology import model as m

PING_TIMEOUT_MS = 4000  # ping's default wait, as ``matrix`` pings


class Mechanism(NamedTuple):
    kind: str  # "peering", "vpn", "circuit", "gateway", "appliance"
    name: str  # the peering, connection, circuit or appliance name, or the gateway element id
    token: str  # the compact form a matrix cell shows


class Cell(NamedTuple):
    source: str
    target: str
    reachable: bool
    delivered: bool  # the forward walk reached the target (the reply may still be lost)
    mechanisms: tuple[Mechanism, ...]
    reason: str

    @property
    def text(self) -> str:
        if not self.reachable:
            return "no"
        return "+".join(m.token for m in self.mechanisms) or "local"


class Matrix:
    """Every cell of the matrix. A cell whose pair ends at once both ways (most of a large
    matrix) is not kept: it is made when asked for, its reason worded from the route that
    ended it; ``text`` and ``texts`` answer without making it."""

    def __init__(self, networks: tuple[str, ...], listed: tuple[str, ...],
                 walked: list[list[Cell | None]], ended: EndedAtOnce) -> None:
        self.networks = networks  # those with an endpoint: the cells' rows and columns
        self.listed = listed  # every network, in topology order
        self._index = {name: index for index, name in enumerate(networks)}
        self._walked = walked  # by row and column: a walked pair's cell, else None
        self._ended = ended  # by row and column: the reason a pair not walked ends at once
        self._cells: dict[tuple[str, str], Cell] | None = None
        self._columns: list[int | None] | None = None  # each listed network's index, if any

    def find(self, source: str, target: str) -> Cell | None:
        """The cell from ``source`` to ``target``; None on the diagonal, or for a network
        without an endpoint."""
        i, j = self._index.get(source), self._index.get(target)
        if i is None or j is None or i == j:
            return None
        found = self._walked[i][j]
        if found is None:
            return Cell(source, target, False, False, (), self._ended_reason(i, j))
        return found

    def cell(self, source: str, target: str) -> Cell:
        found = self.find(source, target)
        if found is None:
            raise KeyError((source, target))
        return found

    def text(self, source: str, target: str) -> str | None:
        """What the cell shows (``Cell.text``), without making a cell not walked."""
        i, j = self._index.get(source), self._index.get(target)
        if i is None or j is None or i == j:
            return None
        found = self._walked[i][j]
        return "no" if found is None else found.text

    def texts(self, source: str) -> list[str | None]:
        """``text`` from ``source`` to each network listed, in order (a row of the table)."""
        i = self._index.get(source)
        if i is None:
            return [None] * len(self.listed)
        if self._columns is None:
            self._columns = [self._index.get(target) for target in self.listed]
        row = self._walked[i]
        return [None if j is None or j == i else "no" if row[j] is None else row[j].text  # type: ignore[union-attr]
                for j in self._columns]

    @property
    def cells(self) -> dict[tuple[str, str], Cell]:
        """Every cell, row by row, each row in column order."""
        if self._cells is None:
            self._cells = {(cell.source, cell.target): cell for cell in self.each_cell()}
        return self._cells

    def each_cell(self) -> Iterator[Cell]:
        """Every cell in the order of ``cells``, each made as it comes (none kept)."""
        if self._cells is not None:
            yield from self._cells.values()
            return
        names = self.networks
        for i, (source, row) in enumerate(zip(names, self._walked, strict=True)):
            for j, (target, found) in enumerate(zip(names, row, strict=True)):
                if i != j:
                    yield found if found is not None else \
                        Cell(source, target, False, False, (), self._ended_reason(i, j))

    def _ended_reason(self, i: int, j: int) -> str:
        reason = self._ended.reason(i, j)
        assert reason is not None, "a pair neither walked nor ended at once"
        return reason

    @property
    def no_endpoint(self) -> tuple[str, ...]:
        """Networks with nothing to ping from or to."""
        return tuple(n for n in self.listed if n not in self._index)


def first_endpoints(topology: m.Topology) -> dict[str, m.Endpoint]:
    """Each network's first endpoint; networks without one take no part."""
    found: dict[str, m.Endpoint] = {}
    for endpoint in topology.endpoints():
        found.setdefault(endpoint.network, endpoint)
    return {name: found[name] for name in topology.network_names if name in found}


def reachability(prober: Prober) -> Matrix:
    """Ping every network's first endpoint from every other network's.

    Each pair is walked once each way: without network security groups a reply is forwarded
    like any packet, so the walk from B to A is both B's probe to A and the way back of A's
    probe to B (the same start, flow and TTL), and is not walked twice. Pairs whose VNet
    routes end the packet at once both ways (most of a large matrix) are not walked at all:
    every VNet's table is read for all destinations together first. Many pairs to walk are
    shared with a second process where the machine has two cores and can fork; the cells
    are the same either way.
    """
    ends = first_endpoints(prober.plane.topology)
    names, senders = list(ends), list(ends.values())
    count = len(names)
    walked: list[list[Cell | None]] = [[None] * count for _ in range(count)]
    with paused():
        ended = ended_at_once(prober.forwarder, [e.name for e in senders],
                              [e.address for e in senders])
        going = ended.goes_on
        pairs = [(i, j) for i, row in enumerate(going) for j in range(i + 1, count)
                 if row is None or row[j] or going[j] is None or going[j][i]]  # type: ignore[index]
        for i, j, there, back in _walk_pairs(prober, senders, ended, pairs):
            walked[i][j], walked[j][i] = there, back
    return Matrix(tuple(ends), prober.plane.topology.network_names, walked, ended)


PairCells = tuple[int, int, "Cell", "Cell"]
PARALLEL_PAIRS = 2000  # fewer pairs to walk than this: a second process costs more than it saves


def _walk_pairs(prober: Prober, senders: list[m.Endpoint], ended: EndedAtOnce,
                pairs: list[tuple[int, int]]) -> list[PairCells]:
    """The cells of each pair, both ways: half of them in a forked process where it pays."""
    def work(some: list[tuple[int, int]]) -> list[PairCells]:
        return list(_cells_of(prober, senders, ended, some))

    return in_two(work, pairs) if pays(len(pairs), PARALLEL_PAIRS) else work(pairs)


def _cells_of(prober: Prober, senders: list[m.Endpoint], ended: EndedAtOnce,
              pairs: list[tuple[int, int]]) -> Iterator[PairCells]:
    source = -1
    crossings: Crossings = {}
    for i, j in pairs:
        if i != source:
            prober.forget_returns()  # the return walks cached so far are of no use further on
            source = i
        there, back = _pair(prober, senders[i], senders[j], crossings,
                            (ended.first_route(i, j), ended.first_route(j, i)))
        yield i, j, there, back


def _pair(prober: Prober, sender: m.Endpoint, receiver: m.Endpoint, crossings: Crossings,
          first: tuple[Route | None, Route | None]) -> tuple[Cell, Cell]:
    """The cells from ``sender`` to ``receiver`` and back; the two walks serve each other as
    the way back when replies are walked as probes."""
    forwarder = prober.forwarder
    if not forwarder.replies_as_probes:
        there = prober.probe_walk(sender, receiver.address)
        back = prober.probe_walk(receiver, sender.address)
        return (_cell(prober, sender, receiver, there, _back(prober, sender, there), crossings),
                _cell(prober, receiver, sender, back, _back(prober, receiver, back), crossings))
    there = prober.probe_walk(sender, receiver.address, first[0])
    back = prober.probe_walk(receiver, sender.address, first[1])
    return (_cell(prober, sender, receiver, there, _shared(prober, sender, receiver, there, back),
                  crossings),
            _cell(prober, receiver, sender, back, _shared(prober, receiver, sender, back, there),
                  crossings))


def _shared(prober: Prober, sender: m.Endpoint, receiver: m.Endpoint, there: Walk,
            back: Walk) -> Walk | None:
    """The way back of ``there``: the reverse probe when it starts where ``there`` ended."""
    if not there.delivered:
        return None
    if there.last.element == prober.host(receiver.name):
        return back if back.delivered else None
    return _back(prober, sender, there)


def _back(prober: Prober, sender: m.Endpoint, there: Walk) -> Walk | None:
    return prober.echo_returns(sender, there.last, there.flow) if there.delivered else None


def _cell(prober: Prober, sender: m.Endpoint, receiver: m.Endpoint, walk: Walk,
          back: Walk | None, crossings: Crossings) -> Cell:
    """As ``ping -n 1``: reachable when the echo reply comes back within the wait."""
    if walk.delivered:
        replied = back is not None and prober.answers_in_time(
            walk.flow, walk.last.latency_ms, PING_TIMEOUT_MS, walk.local)
        reason = "" if replied else "the echo reply does not come back"
    else:
        replied, reason = False, walk.reason
    crossed = mechanisms(prober, walk, sender.network, receiver.network, crossings) \
        if len(walk.steps) > 1 \
        else ()  # a walk ending where it started crossed nothing
    return Cell(sender.network, receiver.network, replied, walk.delivered, crossed, reason)


Crossings = dict[tuple[object, ...], tuple[tuple[Mechanism, str | None], ...]]


def mechanisms(prober: Prober, walk: Walk, source: str, target: str,
               crossings: Crossings | None = None) -> tuple[Mechanism, ...]:
    """What the walk crossed, in order, each once. ``crossings`` keeps what each move from one
    element to the next crosses, for walks that make the same moves (``matrix``)."""
    found: list[Mechanism] = []
    ends = (source, target)
    topology = prober.plane.topology
    if crossings is None:
        crossings = {}
    for before, step in zip(walk.steps, walk.steps[1:], strict=False):
        key = (before.element, step.element, step.port, step.is_hop)
        crossed = crossings.get(key)
        if crossed is None:
            crossed = crossings[key] = _crossed(topology, before, step)
        for mechanism, gateway_of in crossed:
            if gateway_of not in ends and mechanism not in found:
                found.append(mechanism)
    return tuple(found)


def _crossed(topology: m.Topology, before: Step,
             step: Step) -> tuple[tuple[Mechanism, str | None], ...]:
    """What moving from ``before`` to ``step`` crosses; a gateway with its VNet's name (it
    counts only when that VNet is neither end)."""
    kind, name = step.element.kind, step.element.name
    port = step.port or ""
    if kind is Kind.MSEE:
        return ((Mechanism("circuit", name, name), None),)
    if kind is Kind.VM and step.is_hop:
        return tuple((crossed, None) for crossed in [
            *_peering_to_appliance(topology, before, name),
            Mechanism("appliance", name, f"nva:{name}")])
    if kind is Kind.VNET and port.startswith("peering:") and before.element.kind is not Kind.FABRIC:
        return ((Mechanism("peering", port.removeprefix("peering:"), "peering"), None),)
    found: list[tuple[Mechanism, str | None]] = []
    if kind in (Kind.ERGW, Kind.VPNGW) and port.startswith("conn:"):
        found.append((Mechanism("vpn", port.removeprefix("conn:"), "vpn"), None))
    if kind is Kind.ROUTER and before.element.kind is Kind.VPNGW:
        vpn = _tunnel(topology, name, port)
        if vpn is not None:
            found.append((Mechanism("vpn", vpn, "vpn"), None))
    if kind in (Kind.ERGW, Kind.VPNGW):
        found.append((Mechanism("gateway", str(step.element),
                                f"{name}-{'er' if kind is Kind.ERGW else 'vpn'}-gw"), name))
    return tuple(found)


def _tunnel(topology: m.Topology, router: str, interface: str) -> str | None:
    return next((v.name for v in topology.vpns
                 if v.b.router == router and v.b.interface == interface), None)


def _peering_to_appliance(topology: m.Topology, before: Step, appliance: str) -> list[Mechanism]:
    """The peering a user route crosses to reach an appliance in a peered VNet."""
    home = next(e.network for e in topology.endpoints() if e.name == appliance)
    kind, name = before.element.kind, before.element.name
    here = next(e.network for e in topology.endpoints() if e.name == name) if kind is Kind.VM else name
    if here == home:
        return []
    peering = next((p for p in topology.peerings if p.up and {p.a.network, p.b.network} == {here, home}),
                   None)
    return [Mechanism("peering", peering.name, "peering")] if peering is not None else []
