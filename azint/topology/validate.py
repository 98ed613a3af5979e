"""``azint validate``: every problem in a topology file, as sorted report lines and an exit code.

The CLI calls one pure function (``azint.network.validate``: this one, with the control plane's
check of what BGP makes of the topology as ``deeper``) and prints its result::

    report = validate(Path("my.yaml"))      # or validate() for the bundled reference topology
    for line in report.lines:               # "FILE:LINE:COL: error|warning: message"
        click.echo(line)
    sys.exit(report.exit_code)              # 0 with only warnings, 2 with any error

``validate`` never raises for any file content: a file that cannot be read or parsed becomes one
error line. It never prints and never modifies the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from azint.errors import ExitCode, Position, TopologyError
from azint.topology.checks import Check
from azint.topology.loader import display_name, load_with_problems
from azint.topology.problems import Problem, Severity


@dataclass(frozen=True)
class ValidationReport:
    """The problems of one topology file, sorted by position, errors before warnings on a tie."""

    file: str
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.BAD_INPUT if self.errors else ExitCode.OK

    def verdict(self, strict: bool = False) -> ExitCode:
        """The exit code: 2 with errors; with ``strict``, 1 with warnings only; else 0."""
        if self.errors:
            return ExitCode.BAD_INPUT
        return ExitCode.UNREACHED if strict and self.warnings else ExitCode.OK

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(str(p) for p in self.problems)


def validate(path: Path | None = None, deeper: Check | None = None) -> ValidationReport:
    """Read, build and check ``path`` (default: the bundled reference topology).

    ``deeper`` checks what only a layer above can compute (``azint.network.validate`` passes the
    control plane's): it runs when the file has no errors, as a command would go on to do.
    """
    display = display_name(path)
    try:
        topology, problems = load_with_problems(path)
        if deeper is not None and topology is not None and not any(
                p.severity is Severity.ERROR for p in problems):
            problems.extend(deeper(topology, topology.where))
    except TopologyError as exc:  # unreadable or unparsable: nothing further can be checked
        where = exc.position or Position(display)
        problems = [Problem(where, Severity.ERROR, exc.message)]
    return ValidationReport(display, tuple(sorted(problems, key=_order)))


def _order(problem: Problem) -> tuple[str, int, int, bool, str]:
    where = problem.position
    return (where.file, where.line or 0, where.column or 0,
            problem.severity is not Severity.ERROR, problem.message)
