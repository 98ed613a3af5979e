"""The one exception tree azint raises for anything a user can fix, with its exit codes."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class ExitCode(IntEnum):
    """Process exit codes, documented in the README and in ``--help`` (sysexits.h for 70, 74)."""

    OK = 0
    UNREACHED = 1  # tracert/ping: the target did not answer; validate --strict: warnings
    BAD_INPUT = 2
    INTERNAL = 70  # EX_SOFTWARE: a bug in azint, never the user's input
    IO_ERROR = 74  # EX_IOERR: the environment failed us (a full disk, a closed stdout)
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped as Python writes them.

    Names come from the user's file and command line; escaped, a name holding a newline or a NUL
    can neither split an error line nor forge a second one.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class Position(NamedTuple):
    """Where in a file a problem sits (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [printable(self.file)]
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
