"""The one exception tree azint raises for anything a user can fix, with its exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README and in ``--help``."""

    OK = 0
    UNREACHED = 1
    BAD_INPUT = 2


@dataclass(frozen=True)
class Position:
    """Where in a file a problem sits (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class AzintError(Exception):
    """Root of every user-facing error; ``cli`` catches it in one place and exits."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.position}: {self.message}"


class TopologyError(AzintError):
    """The topology file cannot be read or describes an impossible network."""


class UsageError(AzintError):
    """A command-line argument names something the topology does not have."""
