"""The runner's one entry to the model: load a topology, take links down, compute, probe."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from azint.collector import paused
from azint.control.plane import ControlPlane, check_bgp
from azint.data.probes import Prober
from azint.errors import UsageError
from azint.topology import loader
from azint.topology.model import Topology
from azint.topology.validate import ValidationReport
from azint.topology.validate import validate as validate_file


def validate(path: Path | None = None) -> ValidationReport:
    """``azint validate``: the file's problems, then what the control plane would refuse.

    What ``validate`` accepts, every command accepts (with all links up, as the file states).
    """
    return validate_file(path, deeper=check_bgp)


@dataclass
class Network:
    """A loaded topology with its control plane computed (and links taken down as asked)."""

    topology: Topology
    plane: ControlPlane
    prober: Prober = field(init=False)

    def __post_init__(self) -> None:
        self.prober = Prober(self.plane)

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
                hint = difflib.get_close_matches(name, known, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                raise UsageError(f"--down: no link or connection named '{name}'{extra}")
        with paused():
            changed = topology.with_down(names)
            return cls(changed, ControlPlane.build(changed))
