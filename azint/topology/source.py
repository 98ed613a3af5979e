"""Reading a YAML file safely into plain values, remembering where every value came from.

The model builder reports problems as ``FILE:LINE:COL``; this module keeps a map from each value's
path in the document (``("networks", 0, "address_space", 1)``) to its position. Hostile input
(huge files, alias bombs, deep nesting, bytes that are not UTF-8) ends in a ``TopologyError``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any, BinaryIO

from azint.errors import Position, TopologyError
from azint.topology import cache
from azint.topology.frozen import frozen

# Caps sized from Azure's limits ("Azure subscription and service limits, quotas, and
# constraints", https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/
# azure-subscription-service-limits#networking-limits): a VNet has at most 500 peerings, so the
# largest full mesh Azure allows joins 501 VNets with 125,250 peerings — under 10 MB of YAML in
# flow or block style, about 1.2 million values. The byte cap admits it; values are not counted
# on their own (the bytes bound them), except those that aliases add.
MAX_BYTES = 16 * 1024 * 1024
PathKey = tuple[str | int, ...]


@frozen
class Document:
    """A parsed YAML document: its plain value and the position of every value in it.

    ``written`` keeps the source text of each unquoted scalar that YAML 1.1 read as something
    other than a string (``yes``, ``017``, ``1:00:00``, ``2024-01-01``), so that a name is taken
    as written and a number in a surprising notation can be refused with a clear message.
    """

    file: str
    root: Any
    positions: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)
    written: Mapping[PathKey, str] = field(default_factory=dict)

    def where(self, path: PathKey) -> Position:
        """The position of the value at ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return Position(self.file, found[0], found[1])
        return Position(self.file)


STDIN = Path("-")  # ``--topology -``: the document arrives on standard input
STDIN_NAME = "<stdin>"


def read_document(path: Path, display_name: str | None = None,
                  kind: str = "a topology") -> Document:
    """Load ``path`` (or standard input for ``-``) as one YAML document; never modifies a file.

    Every kind of file is read with a bounded read, so that a pipe, a FIFO or a device such as
    ``/dev/zero`` is refused at the cap like a large regular file instead of filling memory.
    """
    if path == STDIN:
        name = display_name or STDIN_NAME
        return parse_document(_bounded(sys.stdin.buffer, name), name, kind)
    name = display_name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise TopologyError(
                f"file is {size:,} bytes; {kind} may be at most {MAX_BYTES:,}",
                Position(name),
            )
        with path.open("rb") as stream:
            raw = _bounded(stream, name)
    except OSError as exc:
        raise TopologyError(f"cannot read: {exc.strerror or exc}", Position(name)) from exc
    return parse_document(raw, name, kind)


def _bounded(stream: BinaryIO, name: str) -> bytes:
    """At most ``MAX_BYTES`` from ``stream``; one byte more means the input is too large."""
    chunks: list[bytes] = []
    left = MAX_BYTES + 1
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    if left <= 0:
        raise TopologyError(f"input is over {MAX_BYTES:,} bytes; a topology may be at most "
                            f"{MAX_BYTES:,}", Position(name))
    return b"".join(chunks)


def parse_document(raw: bytes, name: str, kind: str = "a topology") -> Document:
    """Parse bytes as a single UTF-8 YAML document (``kind`` names the file in messages)."""
    if len(raw) > MAX_BYTES:
        raise TopologyError(f"input is over {MAX_BYTES:,} bytes", Position(name))
    text = _decode(raw, name)
    where = cache.directory()
    parsed = cache.load(raw, where)
    if parsed is None:
        from azint.topology import yamlparse  # imports PyYAML: only when the cache has no entry

        parsed = yamlparse.parse(text, name, kind)
        cache.store(raw, parsed, where)
    root, positions, written = parsed
    return Document(name, root, positions, written)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TopologyError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            Position(name, line, column),
        ) from exc


