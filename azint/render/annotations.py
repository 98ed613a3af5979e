"""GitHub Actions workflow commands: ``::error file=…,line=…::`` lands on the intent's line (or,
for a bad intents file, on the line and column of the error).

Values are escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` inside
properties too), so a reason holding any of them still reads back as written.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from azint.errors import Position
from azint.gate.check import IntentResult
from azint.render.gate import finding_text, limit_text, summary_line


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class Checkout(NamedTuple):
    """Where the step runs (``cwd``) and the repository's top (``GITHUB_WORKSPACE``, if set)."""

    cwd: str = "."
    workspace: str | None = None

    def path(self, file: str) -> str:
        """``file`` as the runner matches it against the repository's files: from its top when
        inside it (``./a/../b.yaml`` is ``b.yaml`` either way)."""
        normal = posixpath.normpath(file)
        if self.workspace is None:
            return normal
        inside = posixpath.relpath(posixpath.join(self.cwd, normal), self.workspace)
        return normal if inside == ".." or inside.startswith("../") else inside


AS_GIVEN = Checkout()  # outside GitHub Actions: the path as given, normalised


def error_annotation(message: str, position: Position, checkout: Checkout = AS_GIVEN) -> str:
    """Bad input as an annotation on the line (and column) the error names."""
    where = f",line={position.line}" if position.line is not None else ""
    where += f",col={position.column}" if position.line is not None and position.column else ""
    return (f"::error file={_property(checkout.path(position.file))}{where},"
            f"title=azint check::{_data(message)}\n")


def check_annotations(results: list[IntentResult], checkout: Checkout = AS_GIVEN) -> str:
    lines: list[str] = []
    for result in results:
        if result.finding is None:
            continue
        position = result.intent.position
        message = finding_text(result.finding) + limit_text(result)
        file = checkout.path(position.file)
        lines.append(f"::error file={_property(file)},line={position.line or 1},"
                     f"title={_property('intent: ' + result.intent.name)}::{_data(message)}")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"
