"""The runner's one entry to the model: load a topology, take links down, compute, probe."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from azint.control.plane import ControlPlane, check_bgp
from azint.data.probes import Prober
from azint.errors import UsageError
from azint.topology import loader
from azint.topology.model import Locate, Topology
from azint.topology.problems import Problem, Severity
from azint.topology.validate import ValidationReport
from azint.topology.validate import validate as validate_file


def validate(path: Path | None = None) -> ValidationReport:
    """``azint validate``: the file's problems, then what the control plane would refuse.

    What ``validate`` accepts, every command accepts (with all links up, as the file states).
    Once BGP settles, it also warns where a router's neighbour policy makes paths asymmetric.
    """
    return validate_file(path, deeper=_deeper)


def _deeper(topology: Topology, at: Locate) -> Iterator[Problem]:
    from azint.gate.symmetry import check_policy_symmetry

    problems = list(check_bgp(topology, at))
    yield from problems
    if not any(p.severity is Severity.ERROR for p in problems):
        yield from check_policy_symmetry(topology, at)


@dataclass
class Network:
    """A loaded topology with its control plane computed (and links taken down as asked).

    ``written`` is the topology as loaded, before ``down``: what a diagram strikes through.
    """

    topology: Topology
    plane: ControlPlane
    prober: Prober = field(init=False)
    written: Topology | None = None
    down: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.prober = Prober(self.plane)

    @classmethod
    def open(cls, path: Path | None = None, down: Iterable[str] = ()) -> Network:
        topology = loader.load(path)
        return cls.of(topology, down)

    @classmethod
    def of(cls, topology: Topology, down: Iterable[str] = ()) -> Network:
        names = frozenset(down)
        known = topology.downable_names()
        for name in sorted(names):
            if name not in known:
                hint = difflib.get_close_matches(name, known, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                raise UsageError(f"--down: no link or connection named '{name}'{extra}")
        changed = topology.with_down(names)
        return cls(changed, ControlPlane.build(changed), topology, names)
