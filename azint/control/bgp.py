"""BGP between on-premises routers, Microsoft edge routers (MSEE) and Azure gateways.

Propagation runs one prefix at a time to a fixpoint (prefixes never interact), so the work grows
with the routes that actually move, not with the square of the network, and a prefix that never
settles is found by its own repeating state, whatever else the network carries. Azure's
no-transit rules are export policies keyed by who a path was learned from:

* an ExpressRoute gateway advertises only its VNet (and gateway-transit spokes) into a circuit, so
  a VNet linked to two circuits never passes routes from one to the other, nor VPN routes into one;
* an MSEE passes on-premises routes to the circuit's gateways and VNet routes to the customer edge,
  and over Global Reach only its own customer's routes (Global Reach is not transitive);
* a VPN gateway re-advertises what it learns from one VPN peer to the others (not the default route
  nor prefixes overlapping its VNet), but never ExpressRoute-learned routes;
* with Route Server branch-to-branch, the two gateways of a VNet exchange what they learned.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network
from typing import Generic, NamedTuple, TypeVar

from azint.control.ids import Element, SessionKey
from azint.topology.frozen import frozen, record
from azint.topology.model import AZURE_GATEWAY_ASN

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")
ORIGINATED_WEIGHT = 32768
# A prefix whose state never repeats yet never settles is given up on after this many rounds per
# speaker (a safety net: a cycle is found by its repeated state long before).
ROUNDS_PER_SPEAKER = 64

SpeakerId = Element


class Role(StrEnum):
    """What kind of BGP speaker a peer is, which decides the export rules."""

    ROUTER = "router"
    MSEE = "msee"
    ERGW = "ergw"
    VPNGW = "vpngw"
    ROUTE_SERVER = "route-server"
    APPLIANCE = "appliance"  # an NVA that speaks BGP with a Route Server


class Relation(StrEnum):
    """How a path reached a speaker."""

    LOCAL = "local"  # originated here
    STATIC = "static"  # a static VPN connection's prefixes
    ROUTER = "router"
    MSEE = "msee"
    ERGW = "ergw"
    VPNGW = "vpngw"
    GLOBAL_REACH = "global-reach"
    BRANCH_TO_BRANCH = "branch-to-branch"
    APPLIANCE = "appliance"  # a Route Server heard it from an NVA
    ROUTE_SERVER = "route-server"  # an NVA heard it from a Route Server
    RS_EXPRESSROUTE = "route-server-expressroute"  # a Route Server heard it from its ER gateway
    RS_VPN = "route-server-vpn"  # a Route Server heard it from its VPN gateway


class Path(NamedTuple):
    """A path to a prefix as one speaker holds it (a hot record: a plain tuple)."""

    prefix: IPv4Network
    as_path: tuple[int, ...] = ()
    local_preference: int = 100
    weight: int = 0
    session: SessionKey | None = None  # the session it was learned on; None when originated here
    relation: Relation = Relation.LOCAL
    med: int = 0  # the MED the neighbour set (BGP reads a missing one as 0)

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: weight, local preference, AS-path length."""
        return (-self.weight, -self.local_preference, len(self.as_path))


class Terms(NamedTuple):
    """What a router's neighbour policy (rule 6.5) makes of one direction of a session."""

    prepend: int = 0  # extra copies of the sender's ASN
    med: int = 0  # the MED the sender sets
    exported: tuple[IPv4Network, ...] | None = None  # the sender lets only these (and inside) out
    imported: tuple[IPv4Network, ...] | None = None  # the receiver lets only these (and inside) in

    def admits(self, prefix: IPv4Network) -> bool:
        return _within(prefix, self.exported) and _within(prefix, self.imported)


def _within(prefix: IPv4Network, allowed: tuple[IPv4Network, ...] | None) -> bool:
    return allowed is None or any(prefix.subnet_of(entry) for entry in allowed)


NO_TERMS = Terms()


@frozen
class Session:
    """One direction of a BGP session: what ``speaker`` hears from ``peer`` on connection ``name``."""

    name: str
    speaker: Element
    peer: Element
    relation: Relation
    local_preference: int = 100
    weight: int = 0
    terms: Terms = NO_TERMS
    tunnel: int = 0  # which of the connection's tunnels it runs in (``tunnels``)

    @cached_property
    def key(self) -> SessionKey:
        return SessionKey(self.name, self.peer, self.tunnel)

    @property
    def external(self) -> bool:
        """eBGP: the exporter prepends its ASN and the receiver rejects its own."""
        return self.relation not in _INTERNAL


# Sessions inside one AS: Global Reach between MSEEs, and within a VNet between its gateways and
# its Route Server (all ASN 65515), which pass paths on without prepending.
_INTERNAL = frozenset({Relation.GLOBAL_REACH, Relation.BRANCH_TO_BRANCH, Relation.RS_EXPRESSROUTE,
                       Relation.RS_VPN})


@record
class Speaker:
    id: Element
    asn: int
    role: Role
    multipath: bool = True
    readvertise: bool = False
    demoted: frozenset[Relation] = frozenset()  # learned this way, a path loses (``choose``)
    own_ranges: tuple[IPv4Network, ...] = ()  # a VPN gateway's VNet: not accepted, not passed on
    originated: dict[IPv4Network, Path] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)  # sessions this speaker hears on
    adj_in: dict[SessionKey, Mapping[IPv4Network, Path]] = field(default_factory=dict)
    best: Mapping[IPv4Network, tuple[Path, ...]] = field(default_factory=dict)

    def originate(self, prefix: IPv4Network, relation: Relation = Relation.LOCAL) -> None:
        self.originated[prefix] = Path(prefix, (), 100, ORIGINATED_WEIGHT, None, relation)

    def candidates(self, prefix: IPv4Network) -> list[Path]:
        found = [table[prefix] for table in self.adj_in.values() if prefix in table]
        if prefix in self.originated:
            found.append(self.originated[prefix])
        return found


def choose(candidates: list[Path], multipath: bool,
           demoted: frozenset[Relation] = frozenset()) -> tuple[Path, ...]:
    """Best path(s): highest weight, then not ``demoted``, then local preference, then shortest
    AS path.

    ``demoted`` is a gateway's hub routing preference: with Route Server, paths learned the
    way it does not prefer lose before AS paths are compared. Among equally good paths the one
    from the session that sorts first is the best; with multipath every equally good path is
    kept (all are installed, the first is advertised).
    """
    if not candidates:
        return ()

    def rank(path: Path) -> tuple[int, bool, int, int]:
        return (-path.weight, path.relation in demoted, -path.local_preference, len(path.as_path))

    paths = sorted(candidates, key=lambda p: (rank(p), session_order(p), p.as_path))
    if not multipath and not any(p.med for p in paths):
        return (paths[0],)
    top = _lowest_med([p for p in paths if rank(p) == rank(paths[0])])
    return tuple(top) if multipath else (top[0],)


def _lowest_med(paths: list[Path]) -> list[Path]:
    """Drop each path a path from the same neighbouring AS beats on MED (RFC 4271, 9.1.2.2)."""
    if not any(p.med for p in paths):
        return paths
    return [p for p in paths
            if not any(q.med < p.med and q.as_path[:1] == p.as_path[:1] for q in paths)]


def session_order(path: Path) -> str:
    """Where a path sorts among equally good ones: by its session as printed, originated first."""
    return "" if path.session is None else str(path.session)


_EXPORTS: dict[tuple[Role, Relation], frozenset[Relation]] = {
    # (exporter, relation of the receiving session as the exporter sees it) -> paths it may send
    (Role.ERGW, Relation.MSEE): frozenset({Relation.LOCAL, Relation.BRANCH_TO_BRANCH}),
    (Role.ERGW, Relation.BRANCH_TO_BRANCH): frozenset({Relation.MSEE}),
    (Role.MSEE, Relation.ERGW): frozenset({Relation.ROUTER, Relation.ERGW}),
    (Role.MSEE, Relation.ROUTER): frozenset({Relation.ERGW, Relation.GLOBAL_REACH}),
    (Role.MSEE, Relation.GLOBAL_REACH): frozenset({Relation.ROUTER}),
    (Role.VPNGW, Relation.VPNGW): frozenset({Relation.LOCAL, Relation.STATIC, Relation.VPNGW,
                                             Relation.ROUTER, Relation.BRANCH_TO_BRANCH}),
    (Role.VPNGW, Relation.ROUTER): frozenset({Relation.LOCAL, Relation.STATIC, Relation.VPNGW,
                                              Relation.ROUTER, Relation.BRANCH_TO_BRANCH}),
    (Role.VPNGW, Relation.BRANCH_TO_BRANCH): frozenset({Relation.STATIC, Relation.VPNGW,
                                                        Relation.ROUTER}),
    # Route Server: its VNet's ranges and other appliances' routes to each appliance, with
    # branch-to-branch also what the gateways learned; to the gateways, the appliances' routes
    # (ExpressRoute <-> VPN goes over the gateways' own branch-to-branch session).
    (Role.ROUTE_SERVER, Relation.APPLIANCE): frozenset({Relation.LOCAL, Relation.APPLIANCE,
                                                        Relation.RS_EXPRESSROUTE,
                                                        Relation.RS_VPN}),
    (Role.ROUTE_SERVER, Relation.RS_EXPRESSROUTE): frozenset({Relation.APPLIANCE}),
    (Role.ROUTE_SERVER, Relation.RS_VPN): frozenset({Relation.APPLIANCE}),
}


def exportable(exporter: Speaker, towards: Session, path: Path) -> bool:
    """Whether ``exporter`` advertises ``path`` on the session ``towards`` (its view of it)."""
    session = path.session
    if session == towards.key or (session is not None and session.tunnel != towards.tunnel
                                  and _other_tunnel(session, towards)):
        return False  # never straight back to the peer it came from (over any of its tunnels)
    if exporter.role in (Role.ROUTER, Role.APPLIANCE):
        return path.relation is Relation.LOCAL or exporter.readvertise
    allowed = _EXPORTS.get((exporter.role, towards.relation), frozenset())
    if path.relation not in allowed:
        return False
    if exporter.role is Role.VPNGW and path.relation is not Relation.LOCAL:
        return path.prefix != DEFAULT_ROUTE and not _overlaps(path.prefix, exporter.own_ranges)
    return True


def _other_tunnel(session: SessionKey, towards: Session) -> bool:
    """Whether a path heard on ``session`` came from the peer of ``towards`` over another tunnel
    of the same connection (an active-active VPN gateway's)."""
    return session.connection == towards.name and session.peer == towards.peer


def _overlaps(prefix: IPv4Network, ranges: Iterable[IPv4Network]) -> bool:
    return any(prefix.overlaps(r) for r in ranges)


def advertised(exporter: Speaker, session: Session, path: Path) -> Path:
    """``path`` as the receiver of ``session`` gets it from ``exporter`` (before it accepts it)."""
    as_path = path.as_path
    if session.external:
        if exporter.role is Role.MSEE:
            # Azure's private gateway ASN never leaves the Microsoft edge (on-premises sees 12076).
            as_path = tuple(a for a in as_path if a != AZURE_GATEWAY_ASN)
        as_path = (exporter.asn,) * (1 + session.terms.prepend) + as_path
    return Path(path.prefix, as_path, session.local_preference, session.weight, session.key,
                session.relation, session.terms.med)


def accepts(receiver: Speaker, session: Session, path: Path) -> bool:
    if session.terms is not NO_TERMS and not session.terms.admits(path.prefix):
        return False  # a router's prefix filter, on the sending or the receiving end
    if session.external and receiver.asn in path.as_path:
        return False  # AS-path loop prevention
    if receiver.role is Role.VPNGW and path.prefix in receiver.own_ranges:
        return False  # a VPN gateway refuses its own VNet's prefixes
    return True


def _path_order(path: Path) -> tuple[str, tuple[int, ...]]:
    return (session_order(path), path.as_path)


class Oscillation(NamedTuple):
    """A prefix that never settles: each speaker that keeps changing and the paths it moves between.

    ``paths`` holds, per flapping speaker, every path it takes as best on the way around the
    cycle (the sessions they were learned on are the sessions involved).
    """

    prefixes: tuple[IPv4Network, ...]  # the prefix run, then any alike
    paths: tuple[tuple[SpeakerId, tuple[Path, ...]], ...]

    @property
    def prefix(self) -> IPv4Network:
        return self.prefixes[0]

    @property
    def speakers(self) -> tuple[SpeakerId, ...]:
        return tuple(speaker for speaker, _ in self.paths)


class BgpFabric:
    """All speakers and sessions of a topology, propagated to a fixpoint."""

    def __init__(self) -> None:
        self.speakers: dict[Element, Speaker] = {}
        self._reverse: dict[Element, list[tuple[Session, Session]]] = {}
        self.unsettled: list[Oscillation] = []  # prefixes the last ``run`` found oscillating
        self.groups: list[PrefixRun] = []  # the last ``run``'s groups of alike prefixes

    def sessions_of(self, speaker_id: Element) -> list[tuple[Session, Session]]:
        """The speaker's sessions as (its own view, the receiver's view) pairs."""
        return list(self._reverse.get(speaker_id, ()))

    def advertisements(self, speaker_id: Element) -> list[tuple[Session, list[Path]]]:
        """What a speaker sends on each session: its best paths its export policy lets out.

        Paths are as the receiver gets them (AS path prepended); the receiver may still refuse
        some (loop prevention, a VPN gateway's own ranges).
        """
        speaker = self.speakers[speaker_id]
        found: list[tuple[Session, list[Path]]] = []
        for own_view, theirs in self.sessions_of(speaker_id):
            found.append((theirs, [advertised(speaker, theirs, best[0])
                                   for _, best in sorted(speaker.best.items())
                                   if exportable(speaker, own_view, best[0])]))
        return found

    def add(self, speaker: Speaker) -> Speaker:
        self.speakers[speaker.id] = speaker
        return speaker

    def connect(self, name: str, a: Element, b: Element, a_hears: Relation, b_hears: Relation,
                a_policy: tuple[int, int] = (100, 0), b_policy: tuple[int, int] = (100, 0),
                a_terms: Terms = NO_TERMS, b_terms: Terms = NO_TERMS, tunnel: int = 0) -> None:
        """A session named ``name`` (in the connection's ``tunnel``); each side's (local
        preference, weight) and terms for what it hears."""
        at_a = Session(name, a, b, a_hears, *a_policy, a_terms, tunnel)
        at_b = Session(name, b, a, b_hears, *b_policy, b_terms, tunnel)
        self.speakers[a].sessions.append(at_a)
        self.speakers[b].sessions.append(at_b)
        # exporter -> (its own view of the session, the receiver's view)
        self._reverse.setdefault(a, []).append((at_a, at_b))
        self._reverse.setdefault(b, []).append((at_b, at_a))

    def run(self, bring_up: Sequence[str] | None = None) -> None:
        """Propagate every prefix to a fixpoint: each group of alike prefixes once.

        Prefixes never interact (every rule decides per prefix), so each settles on its own and
        costs only the work its own routes make. Prefixes that the same speakers originate and
        that every rule treats alike (``_alike``) take the same paths, so one of them is run and
        the others copy its outcome, as routers share one update among many prefixes.

        Every session is up from the start, and speakers decide in order of their ids: where a
        policy has more than one stable state, this is the one azint shows. ``bring_up``
        instead brings the sessions (by connection name) up one at a time in that order, each
        settling before the next: ``check_bgp`` compares such runs to find the other states.
        A prefix that never settles is recorded in ``unsettled``; the others are still
        settled, but then nothing is written into the speakers' tables (no table can be built).
        """
        exporters = {speaker_id: sorted(pairs, key=lambda pair: (pair[1].speaker, pair[1].name))
                     for speaker_id, pairs in self._reverse.items()}
        by_name: dict[str, list[tuple[SpeakerId, Session, Session]]] = {}
        for speaker_id, pairs in exporters.items():
            for own_view, theirs in pairs:
                by_name.setdefault(own_view.name, []).append((speaker_id, own_view, theirs))
        self.unsettled = []
        self.groups = []
        for prefixes, origins in _alike(self.speakers.values()):
            run = PrefixRun(self, prefixes, exporters)
            if bring_up is None:
                oscillation = run.settle(origins)
            else:
                oscillation = run.settle_in_turn(origins, bring_up, by_name)
            self.groups.append(run)
            if oscillation is not None:
                self.unsettled.append(oscillation._replace(prefixes=prefixes))
        if not self.unsettled:
            groups = Groups([run.prefixes for run in self.groups],
                            {p: i for i, run in enumerate(self.groups) for p in run.prefixes})
            for index, run in enumerate(self.groups):
                run.commit(index, groups)

    def session_names(self) -> list[str]:
        """Every connection a session runs over, sorted."""
        return sorted({s.name for speaker in self.speakers.values() for s in speaker.sessions})


def _alike(speakers: Iterable[Speaker]) -> list[tuple[tuple[IPv4Network, ...], list[SpeakerId]]]:
    """Prefixes grouped by what decides their propagation, each group sorted, with its origins.

    The rules that look at a prefix are few: who originates it (and how), whether it is the
    default route, which VPN gateways' own ranges it equals or overlaps, and which routers'
    prefix filters let it through. Prefixes alike in
    all of these travel the same way.
    """
    origins: dict[IPv4Network, list[tuple[SpeakerId, Relation]]] = {}
    own: dict[tuple[int, int], list[SpeakerId]] = {}
    for speaker in speakers:
        for prefix, path in speaker.originated.items():
            origins.setdefault(prefix, []).append((speaker.id, path.relation))
        for own_range in speaker.own_ranges:
            own.setdefault((int(own_range.network_address), own_range.prefixlen), []).append(
                speaker.id)
    starts = sorted(own)
    filters = sorted({f for speaker in speakers for s in speaker.sessions
                      for f in (s.terms.exported, s.terms.imported) if f is not None})
    groups: dict[object, list[IPv4Network]] = {}
    for prefix, by in origins.items():
        key = (tuple(sorted(by)), prefix == DEFAULT_ROUTE, _own_ranges_touched(prefix, own, starts),
               tuple(_within(prefix, f) for f in filters))
        groups.setdefault(key, []).append(prefix)
    found = [(tuple(sorted(members)), sorted({s for s, _ in origins[members[0]]}))
             for members in groups.values()]
    return sorted(found)


def _own_ranges_touched(prefix: IPv4Network, own: dict[tuple[int, int], list[SpeakerId]],
                        starts: list[tuple[int, int]]) -> tuple[tuple[SpeakerId, bool], ...]:
    """The speakers one of whose own ranges overlaps ``prefix``, and whether it equals it."""
    first, length = int(prefix.network_address), prefix.prefixlen
    touched: set[tuple[SpeakerId, bool]] = set()
    for outer in range(length + 1):  # ranges holding the prefix: its supernets
        for speaker_id in own.get((first & _MASKS[outer], outer), ()):
            touched.add((speaker_id, outer == length))
    last = first | (~_MASKS[length] & 0xFFFFFFFF)
    index = bisect_left(starts, (first, length + 1))
    while index < len(starts) and starts[index][0] <= last:  # ranges inside the prefix
        touched.update((speaker_id, False) for speaker_id in own[starts[index]])
        index += 1
    return tuple(sorted(touched))


_MASKS = tuple((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF for length in range(33))


class PrefixRun:
    """One prefix on its way through the fabric: what each speaker heard, and its best paths.

    Kept apart from the speakers' tables (keyed by session only) while the prefix settles, and
    written into them once at the end.
    """

    def __init__(self, fabric: BgpFabric, prefixes: tuple[IPv4Network, ...],
                 exporters: dict[SpeakerId, list[tuple[Session, Session]]]) -> None:
        self.fabric, self.exporters = fabric, exporters
        self.prefixes = prefixes  # the first is run; the others are alike and copy its paths
        self.prefix = prefixes[0]
        self.heard: dict[SpeakerId, dict[SessionKey, Path]] = {}
        self.best: dict[SpeakerId, tuple[Path, ...]] = {}
        self.up: set[str] | None = None  # the connections up, when not all are

    def settle_in_turn(self, origins: list[SpeakerId], order: Sequence[str],
                       by_name: dict[str, list[tuple[SpeakerId, Session, Session]]]
                       ) -> Oscillation | None:
        """Bring the sessions up one connection at a time in ``order``, settling after each:
        a newly up session carries both ends' best paths, then the news spreads."""
        self.up = set()
        self.settle(origins)  # the origins take their own routes; nothing is up to send them
        for name in order:
            self.up.add(name)
            news: set[SpeakerId] = set()
            for speaker_id, own_view, theirs in by_name.get(name, ()):
                best = self.best.get(speaker_id)
                if best and self._send(self.fabric.speakers[speaker_id], own_view, theirs,
                                       best[0]):
                    news.add(theirs.speaker)
            if news:
                oscillation = self.settle(list(news))
                if oscillation is not None:
                    return oscillation
        return None

    def settle(self, origins: list[SpeakerId]) -> Oscillation | None:
        """Run in rounds until nobody has news; None once settled.

        In each round every speaker that heard news since it last decided picks its best paths
        again, in order of its id, seeing what the speakers before it in that round just sent.
        Between rounds, the state (every speaker's best paths and who has news) decides all that
        follows, so a state seen before is a cycle: the prefix oscillates forever. A signature
        of that state, kept up to date as best paths change, finds the repeat within as many
        rounds as the cycle is long, whatever the size of the rest of the network.
        """
        pending = sorted(set(origins))
        signature = 0
        seen: dict[tuple[int, int], int] = {}
        limit = ROUNDS_PER_SPEAKER * (len(self.fabric.speakers) + 1)
        for number in range(limit):
            if not pending:
                return None
            state = (signature, hash(frozenset(pending)))
            if state in seen:
                return self._cycle(pending, number - seen[state])
            seen[state] = number
            news: set[SpeakerId] = set()
            for speaker_id in pending:
                old = self.best.get(speaker_id, ())
                new = self._decide(speaker_id, news)
                if new != old:
                    signature += _signature(speaker_id, new) - _signature(speaker_id, old)
            pending = sorted(news)
        return self._cycle(pending, limit)

    def _decide(self, speaker_id: SpeakerId, news: set[SpeakerId]) -> tuple[Path, ...]:
        """Re-select one speaker's best paths and send a change to its peers."""
        speaker = self.fabric.speakers[speaker_id]
        old = self.best.get(speaker_id, ())
        found = list(self.heard.get(speaker_id, {}).values())
        if self.prefix in speaker.originated:
            found.append(speaker.originated[self.prefix])
        best = choose(found, speaker.multipath, speaker.demoted)
        if best == old:
            return old
        if best:
            self.best[speaker_id] = best
        else:
            del self.best[speaker_id]
        offer = best[0] if best else None
        for own_view, theirs in self.exporters.get(speaker_id, []):
            if self.up is not None and own_view.name not in self.up:
                continue
            if self._send(speaker, own_view, theirs, offer):
                news.add(theirs.speaker)
        return best

    def _send(self, speaker: Speaker, own_view: Session, theirs: Session,
              best: Path | None) -> bool:
        """Offer ``best`` (or a withdrawal) on one session; whether the receiver's view changed."""
        offered = None
        if best is not None and exportable(speaker, own_view, best):
            offered = advertised(speaker, theirs, best)
            if not accepts(self.fabric.speakers[theirs.speaker], theirs, offered):
                offered = None
        heard = self.heard.setdefault(theirs.speaker, {})
        if heard.get(theirs.key) == offered:
            return False
        if offered is None:
            del heard[theirs.key]
        else:
            heard[theirs.key] = offered
        return True

    def _cycle(self, pending: list[SpeakerId], rounds: int) -> Oscillation:
        """Go once more around a cycle of ``rounds`` rounds, noting the paths each speaker takes."""
        held: dict[SpeakerId, set[Path]] = {}
        for _ in range(rounds):
            news: set[SpeakerId] = set()
            for speaker_id in pending:
                before = self.best.get(speaker_id, ())
                after = self._decide(speaker_id, news)
                if after != before:
                    held.setdefault(speaker_id, set()).update(before + after)
            pending = sorted(news)
        return Oscillation((self.prefix,), tuple(
            (speaker_id, tuple(sorted(held[speaker_id], key=_path_order)))
            for speaker_id in sorted(held)))

    def commit(self, index: int, groups: Groups) -> None:
        """Write the paths into the speakers' tables as the group's (number ``index``) paths:
        each alike prefix's own copy is made when read (millions of paths in a large landing
        zone would otherwise be held at once)."""
        speakers = self.fabric.speakers
        for speaker_id, heard in self.heard.items():
            tables = speakers[speaker_id].adj_in
            for key, path in heard.items():
                table = tables.get(key)
                if not isinstance(table, Grouped):
                    table = tables[key] = Grouped(groups, _path_for)
                table.runs[index] = path
        for speaker_id, best in self.best.items():
            speaker = speakers[speaker_id]
            if not isinstance(speaker.best, Grouped):
                speaker.best = Grouped(groups, _paths_for)
            speaker.best.runs[index] = best


class Groups(NamedTuple):
    """A run's groups of alike prefixes: each group's prefixes, and each prefix's group."""

    prefixes: list[tuple[IPv4Network, ...]]
    group_of: dict[IPv4Network, int]


T = TypeVar("T")


class Grouped(Mapping[IPv4Network, T], Generic[T]):
    """A speaker's table by prefix, held once per group of alike prefixes (``Groups``): the
    value of a group's first prefix is stored, and ``retarget`` makes another prefix's own."""

    __slots__ = ("groups", "retarget", "runs")

    def __init__(self, groups: Groups, retarget: Callable[[T, IPv4Network], T]) -> None:
        self.groups, self.retarget = groups, retarget
        self.runs: dict[int, T] = {}  # group number -> the value for its first prefix

    def __getitem__(self, prefix: IPv4Network) -> T:
        index = self.groups.group_of.get(prefix)
        if index is None or index not in self.runs:
            raise KeyError(prefix)
        value = self.runs[index]
        return value if prefix == self.groups.prefixes[index][0] else self.retarget(value, prefix)

    def __contains__(self, prefix: object) -> bool:
        index = self.groups.group_of.get(prefix)  # type: ignore[call-overload]
        return index is not None and index in self.runs

    def __iter__(self) -> Iterator[IPv4Network]:
        for index in self.runs:
            yield from self.groups.prefixes[index]

    def __len__(self) -> int:
        return sum(len(self.groups.prefixes[index]) for index in self.runs)

    def items(self) -> ItemsView[IPv4Network, T]:
        return _GroupedItems(self)

    def pairs(self) -> Iterator[tuple[IPv4Network, T]]:
        """(prefix, value) for every prefix, group by group, without a lookup per prefix."""
        retarget = self.retarget
        for index, value in self.runs.items():
            prefixes = self.groups.prefixes[index]
            yield prefixes[0], value
            for prefix in prefixes[1:]:
                yield prefix, retarget(value, prefix)


def by_group(table: Mapping[IPv4Network, T]) -> Iterator[tuple[Sequence[IPv4Network], T]]:
    """Each group of alike prefixes of ``table`` with its value as the group holds it (paths
    to its first prefix): what is built from the paths but their prefix is built once."""
    if not isinstance(table, Grouped):
        return (((prefix,), value) for prefix, value in table.items())
    return ((table.groups.prefixes[index], value) for index, value in table.runs.items())


class _GroupedItems(ItemsView[IPv4Network, T]):
    _mapping: Grouped[T]

    def __iter__(self) -> Iterator[tuple[IPv4Network, T]]:
        return self._mapping.pairs()


def _path_for(path: Path, prefix: IPv4Network) -> Path:
    """``path`` to another prefix of its group (built as a plain tuple: this runs per prefix)."""
    return tuple.__new__(Path, (prefix, *path[1:]))


def _paths_for(paths: tuple[Path, ...], prefix: IPv4Network) -> tuple[Path, ...]:
    return tuple([tuple.__new__(Path, (prefix, *path[1:])) for path in paths])


def _signature(speaker_id: SpeakerId, best: tuple[Path, ...]) -> int:
    """A speaker's part of a prefix's state signature (the prefix is the same for all parts)."""
    return hash((speaker_id, tuple((p.session, p.as_path) for p in best))) if best else 0
