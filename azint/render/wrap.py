"""Lines that fit a terminal: a line wider than the terminal breaks between words, its further
lines indented under it, so that nothing is cut off or broken mid-word by the terminal itself.
Only for a terminal: piped, every line stays whole, as scripts and goldens read it.
"""

from __future__ import annotations

import textwrap

CONTINUED = 4  # further lines of a broken line: indented this much more than its first


def fit(text: str, width: int | None) -> str:
    """``text`` with each line wider than ``width`` broken between words (None: as it is)."""
    if width is None:
        return text
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")))
        lines += textwrap.wrap(line, width, subsequent_indent=indent + " " * CONTINUED,
                               break_long_words=False, break_on_hyphens=False,
                               drop_whitespace=True) or [line]
    return "\n".join(lines)
