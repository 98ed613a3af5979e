"""Problems found in a topology, each tied to a position in the file."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from azint.errors import Position, TopologyError, printable
from azint.topology.frozen import frozen


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Problem:
    position: Position
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {printable(self.message)}"


class InvalidTopology(TopologyError):
    """The topology has errors; carries every problem found, errors first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = next(p for p in self.problems if p.severity is Severity.ERROR)
        more = sum(p.severity is Severity.ERROR for p in self.problems) - 1
        suffix = f" (and {more} more error{'s' if more != 1 else ''}; run 'azint validate')" if more else ""
        super().__init__(f"{first.message}{suffix}", first.position)
