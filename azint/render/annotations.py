"""GitHub Actions workflow commands: ``::error file=…,line=…::`` lands on the intent's line (or,
for a bad intents file, on the line and column of the error).

Values are escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` inside
properties too), so a reason holding any of them still reads back as written.
"""

from __future__ import annotations

import posixpath

from azint.errors import Position
from azint.gate.check import IntentResult
from azint.render.gate import finding_text, limit_text, summary_line


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def error_annotation(message: str, position: Position) -> str:
    """Bad input as an annotation on the line (and column) the error names."""
    where = f",line={position.line}" if position.line is not None else ""
    where += f",col={position.column}" if position.line is not None and position.column else ""
    return (f"::error file={_property(posixpath.normpath(position.file))}{where},"
            f"title=azint check::{_data(message)}\n")


def check_annotations(results: list[IntentResult]) -> str:
    lines: list[str] = []
    for result in results:
        if result.finding is None:
            continue
        position = result.intent.position
        message = finding_text(result.finding) + limit_text(result)
        # the runner matches the path against the repository's files: ./a/../b.yaml is b.yaml
        file = posixpath.normpath(position.file)
        lines.append(f"::error file={_property(file)},line={position.line or 1},"
                     f"title={_property('intent: ' + result.intent.name)}::{_data(message)}")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"
