"""GitHub Actions workflow commands: ``::error file=…,line=…::`` lands on the intent's line.

Values are escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` inside
properties too), so a reason holding any of them still reads back as written.
"""

from __future__ import annotations

import posixpath

from azint.gate.check import IntentResult
from azint.render.gate import finding_text, limit_text, summary_line


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


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
