"""BGP between on-premises routers, Microsoft edge routers (MSEE) and Azure gateways.

Propagation is a per-prefix worklist run to a fixpoint, so the work grows with the routes that
actually move, not with the square of the network. Azure's no-transit rules are export policies
keyed by who a path was learned from:

* an ExpressRoute gateway advertises only its VNet (and gateway-transit spokes) into a circuit, so
  a VNet linked to two circuits never passes routes from one to the other, nor VPN routes into one;
* an MSEE passes on-premises routes to the circuit's gateways and VNet routes to the customer edge,
  and over Global Reach only its own customer's routes (Global Reach is not transitive);
* a VPN gateway re-advertises what it learns from one VPN peer to the others (not the default route
  nor prefixes overlapping its VNet), but never ExpressRoute-learned routes;
* with Route Server branch-to-branch, the two gateways of a VNet exchange what they learned.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network

from azint.control.ids import Element, SessionKey
from azint.errors import TopologyError
from azint.topology.model import AZURE_GATEWAY_ASN

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")
ORIGINATED_WEIGHT = 32768


class Role(StrEnum):
    """What kind of BGP speaker a peer is, which decides the export rules."""

    ROUTER = "router"
    MSEE = "msee"
    ERGW = "ergw"
    VPNGW = "vpngw"


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


@dataclass(frozen=True)
class Path:
    """A path to a prefix as one speaker holds it."""

    prefix: IPv4Network
    as_path: tuple[int, ...] = ()
    local_preference: int = 100
    weight: int = 0
    session: SessionKey | None = None  # the session it was learned on; None when originated here
    relation: Relation = Relation.LOCAL

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: weight, local preference, AS-path length."""
        return (-self.weight, -self.local_preference, len(self.as_path))


@dataclass(frozen=True)
class Session:
    """One direction of a BGP session: what ``speaker`` hears from ``peer`` on connection ``name``."""

    name: str
    speaker: Element
    peer: Element
    relation: Relation
    local_preference: int = 100
    weight: int = 0

    @cached_property
    def key(self) -> SessionKey:
        return SessionKey(self.name, self.peer)

    @property
    def external(self) -> bool:
        """eBGP: the exporter prepends its ASN and the receiver rejects its own."""
        return self.relation not in (Relation.GLOBAL_REACH, Relation.BRANCH_TO_BRANCH)


@dataclass
class Speaker:
    id: Element
    asn: int
    role: Role
    multipath: bool = True
    readvertise: bool = False
    own_ranges: tuple[IPv4Network, ...] = ()  # a VPN gateway's VNet: not accepted, not passed on
    originated: dict[IPv4Network, Path] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)  # sessions this speaker hears on
    adj_in: dict[SessionKey, dict[IPv4Network, Path]] = field(default_factory=dict)
    best: dict[IPv4Network, tuple[Path, ...]] = field(default_factory=dict)

    def originate(self, prefix: IPv4Network, relation: Relation = Relation.LOCAL) -> None:
        self.originated[prefix] = Path(prefix, (), 100, ORIGINATED_WEIGHT, None, relation)

    def candidates(self, prefix: IPv4Network) -> list[Path]:
        found = [table[prefix] for table in self.adj_in.values() if prefix in table]
        if prefix in self.originated:
            found.append(self.originated[prefix])
        return found

    def select(self, prefix: IPv4Network) -> tuple[Path, ...]:
        """Best path(s): highest weight, then local preference, then shortest AS path."""
        paths = sorted(self.candidates(prefix), key=lambda p: (p.rank(), session_order(p), p.as_path))
        if not paths:
            return ()
        if not self.multipath:
            return (paths[0],)
        return tuple(p for p in paths if p.rank() == paths[0].rank())


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
}


def exportable(exporter: Speaker, towards: Session, path: Path) -> bool:
    """Whether ``exporter`` advertises ``path`` on the session ``towards`` (its view of it)."""
    if path.session == towards.key:
        return False  # never straight back to the peer it came from
    if exporter.role is Role.ROUTER:
        return path.relation is Relation.LOCAL or exporter.readvertise
    allowed = _EXPORTS.get((exporter.role, towards.relation), frozenset())
    if path.relation not in allowed:
        return False
    if exporter.role is Role.VPNGW and path.relation is not Relation.LOCAL:
        return path.prefix != DEFAULT_ROUTE and not _overlaps(path.prefix, exporter.own_ranges)
    return True


def _overlaps(prefix: IPv4Network, ranges: Iterable[IPv4Network]) -> bool:
    return any(prefix.overlaps(r) for r in ranges)


def advertised(exporter: Speaker, session: Session, path: Path) -> Path:
    """``path`` as the receiver of ``session`` gets it from ``exporter`` (before it accepts it)."""
    as_path = path.as_path
    if session.external:
        if exporter.role is Role.MSEE:
            # Azure's private gateway ASN never leaves the Microsoft edge (on-premises sees 12076).
            as_path = tuple(a for a in as_path if a != AZURE_GATEWAY_ASN)
        as_path = (exporter.asn, *as_path)
    return Path(path.prefix, as_path, session.local_preference, session.weight, session.key,
                session.relation)


def accepts(receiver: Speaker, session: Session, path: Path) -> bool:
    if session.external and receiver.asn in path.as_path:
        return False  # AS-path loop prevention
    if receiver.role is Role.VPNGW and path.prefix in receiver.own_ranges:
        return False  # a VPN gateway refuses its own VNet's prefixes
    return True


class BgpFabric:
    """All speakers and sessions of a topology, propagated to a fixpoint."""

    def __init__(self) -> None:
        self.speakers: dict[Element, Speaker] = {}
        self._reverse: dict[Element, list[tuple[Session, Session]]] = {}

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
                a_policy: tuple[int, int] = (100, 0), b_policy: tuple[int, int] = (100, 0)) -> None:
        """A session named ``name``; each side's (local preference, weight) for what it hears."""
        at_a = Session(name, a, b, a_hears, *a_policy)
        at_b = Session(name, b, a, b_hears, *b_policy)
        self.speakers[a].sessions.append(at_a)
        self.speakers[b].sessions.append(at_b)
        # exporter -> (its own view of the session, the receiver's view)
        self._reverse.setdefault(a, []).append((at_a, at_b))
        self._reverse.setdefault(b, []).append((at_b, at_a))

    def run(self) -> None:
        queue: deque[tuple[Element, IPv4Network]] = deque()
        waiting: set[tuple[Element, IPv4Network]] = set()

        def push(speaker_id: Element, prefix: IPv4Network) -> None:
            if (speaker_id, prefix) not in waiting:
                waiting.add((speaker_id, prefix))
                queue.append((speaker_id, prefix))

        for speaker in self.speakers.values():
            for prefix in speaker.originated:
                push(speaker.id, prefix)
        budget = 64 * (len(queue) + 1) * (len(self._reverse) + 1) + 10_000
        while queue:
            budget -= 1
            if budget < 0:
                raise TopologyError("BGP does not converge (persistent route oscillation)")
            speaker_id, prefix = queue.popleft()
            waiting.discard((speaker_id, prefix))
            speaker = self.speakers[speaker_id]
            best = speaker.select(prefix)
            if best == speaker.best.get(prefix, ()):
                continue
            if best:
                speaker.best[prefix] = best
            else:
                speaker.best.pop(prefix, None)
            for own_view, theirs in self._reverse.get(speaker_id, ()):
                if self._send(speaker, own_view, theirs, prefix, best):
                    push(theirs.speaker, prefix)

    def _send(self, speaker: Speaker, own_view: Session, theirs: Session, prefix: IPv4Network,
              best: tuple[Path, ...]) -> bool:
        receiver = self.speakers[theirs.speaker]
        offered = None
        if best and exportable(speaker, own_view, best[0]):
            offered = advertised(speaker, theirs, best[0])
            if not accepts(receiver, theirs, offered):
                offered = None
        table = receiver.adj_in.setdefault(theirs.key, {})
        if table.get(prefix) == offered:
            return False
        if offered is None:
            del table[prefix]
        else:
            table[prefix] = offered
        return True
