"""The runner's one entry to the model: load a topology, take links down, compute, probe."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from azint.collector import paused
from azint.control.plane import ControlPlane, check_bgp
from azint.data.probes import Prober
from azint.errors import AzintError, UsageError
from azint.topology import loader
from azint.topology.frozen import record
from azint.topology.model import Locate, Topology
from azint.topology.problems import Problem, Severity

if TYPE_CHECKING:
    from azint.topology.validate import ValidationReport


def validate(path: Path | None = None) -> ValidationReport:
    """``azint validate``: the file's problems, then what the control plane would refuse.

    What ``validate`` accepts, every command accepts (with all links up, as the file states).
    Once BGP settles, it also warns where a router's neighbour policy makes paths asymmetric.
    """
    from azint.topology.validate import validate as validate_file  # not on a command's way

    return validate_file(path, deeper=_deeper)


def _deeper(topology: Topology, at: Locate) -> Iterator[Problem]:
    from azint.gate.symmetry import check_policy_symmetry

    problems = list(check_bgp(topology, at))
    yield from problems
    if not any(p.severity is Severity.ERROR for p in problems):
        yield from check_policy_symmetry(topology, at)


@record
class Network:
    """A loaded topology with its control plane computed (and links taken down as asked).

    ``written`` is the topology as loaded, before ``down``: what a diagram strikes through.
    ``culprits`` maps each element that is down because of ``down`` (a circuit link its router
    took with it, a connection its gateway did) to the names in ``down`` that would bring it
    back (groups, any one will do), so that ``explain`` names what was taken down, not what went
    with it.
    """

    topology: Topology
    plane: ControlPlane
    prober: Prober = field(init=False)
    written: Topology | None = None
    down: frozenset[str] = frozenset()
    culprits: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prober = Prober(self.plane, culprits=self.culprits, restore=self.restore)

    def restore(self, name: str) -> ControlPlane | None:
        """The control plane with ``name`` brought back up, if ``--down`` took it down (and
        BGP settles without it down)."""
        if name not in self.down or self.written is None:
            return None
        try:
            return ControlPlane.build(self.written.with_down(self.down - {name}))
        except AzintError:
            return None

    @classmethod
    def open(cls, path: Path | None = None, down: Iterable[str] = ()) -> Network:
        with paused():
            topology = loader.load(path)
            return cls.of(topology, down)

    @classmethod
    def of(cls, topology: Topology, down: Iterable[str] = ()) -> Network:
        names = frozenset(down)
        known = topology.downable_names()
        for name in sorted(names):
            if name not in known:
                import difflib  # a hint for bad input only: not at start-up
                hint = difflib.get_close_matches(name, known, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                raise UsageError(f"--down: no link or connection named '{name}'{extra}")
        with paused():
            changed = topology.with_down(names)
            return cls(changed, ControlPlane.build(changed), topology, names,
                       _culprits(topology, names))


def _culprits(topology: Topology, names: frozenset[str]
              ) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each element down because of ``names`` (and not in the file nor in ``names`` alone),
    with the ways to bring it back: groups of names, any one group undone will do."""
    before = _down_in(topology)
    now = _down_in(topology.with_down(names))
    alone = {name: _down_in(topology.with_down(frozenset({name}))) for name in sorted(names)}
    without = {name: _down_in(topology.with_down(names - {name})) for name in sorted(names)}
    found: dict[str, tuple[tuple[str, ...], ...]] = {}
    for taken in sorted(now - before):
        singles = tuple((name,) for name in sorted(names) if taken not in without[name])
        if singles == ((taken,),):
            continue  # named itself, and nothing else keeps it down
        together = tuple(name for name in sorted(names) if taken in alone[name])
        found[taken] = singles or (together,)
    return found


def _down_in(topology: Topology) -> set[str]:
    """The names ``--down`` knows of the connections, links and routers that are down."""
    down = {p.name for p in topology.peerings if not p.up}
    down.update(v.name for v in topology.vpns if not v.up)
    down.update(g.name for g in topology.global_reach if not g.up)
    for circuit in topology.circuits.values():
        if not circuit.up:
            down.add(circuit.name)
        down.update(k.name for k in circuit.links if not k.up)
        down.update(x.name for x in circuit.connections if not x.up)
    for site in topology.sites.values():
        down.update(f"router:{r.name}" for r in site.routers if not r.up)
        down.update(k.name for k in site.links if not k.up)
    return down
