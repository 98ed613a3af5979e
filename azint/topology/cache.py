"""A cache of parsed documents, so that a command on an unchanged file skips PyYAML altogether.

An entry holds what ``yamlparse.parse`` returned for one file's bytes: the plain value, the
position of every value and the text of surprising scalars, written with ``marshal``. Entries
live in the user's cache directory (``$XDG_CACHE_HOME/azint``, else ``~/.cache/azint``), never
beside the topology, and are named by a hash of the bytes they were parsed from (with the cache
format and the Python version, since both shape an entry). Reading one checks that it starts with
this format's mark, that its checksum matches and that it was made from these very bytes;
anything else — a stale, truncated or corrupt entry, an unreadable or unwritable directory — is
ignored and the file is parsed as if there were no cache. Only documents that parsed without
error are stored, so every message about a file comes from parsing it.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

try:  # hashlib's own BLAKE2, without hashlib's import of OpenSSL (a few ms at start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

PathKey = tuple[str | int, ...]
Parsed = tuple[Any, dict[PathKey, tuple[int, int]], dict[PathKey, str]]

FORMAT = b"azint parsed document 1\n"  # change when an entry's shape or the parse changes
KEEP = 32  # entries kept: each file a user works on has its own, a few dozen is plenty
SUFFIX = ".parsed"


def directory(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where entries live: ``$XDG_CACHE_HOME/azint`` when it is an absolute path (as the XDG
    base directory specification asks), else ``~/.cache/azint``; None without a home."""
    base = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "azint"
    home = environ.get("HOME", "")
    return Path(home) / ".cache" / "azint" if os.path.isabs(home) else None


def key(raw: bytes) -> str:
    """The name of the entry for a file of bytes ``raw``."""
    return blake2b(FORMAT + sys.version.encode() + b"\0" + raw, digest_size=32).hexdigest()


def load(raw: bytes, where: Path | None) -> Parsed | None:
    """The parse stored for ``raw`` in ``where``, or None when there is no sound entry."""
    if where is None:
        return None
    name = key(raw)
    try:
        entry = (where / (name + SUFFIX)).read_bytes()
    except OSError:
        return None
    return _unpack(entry, name)


def _unpack(entry: bytes, name: str) -> Parsed | None:
    start = len(FORMAT) + 32
    if not entry.startswith(FORMAT) or len(entry) < start:
        return None
    payload = memoryview(entry)[start:]  # no copy: an entry may be tens of megabytes
    if blake2b(payload, digest_size=32).digest() != entry[len(FORMAT):start]:
        return None
    try:
        stored = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(stored, tuple) and len(stored) == 4 and stored[0] == name
            and isinstance(stored[2], dict) and isinstance(stored[3], dict)):
        return None
    return stored[1], stored[2], stored[3]


def store(raw: bytes, parsed: Parsed, where: Path | None) -> None:
    """Keep ``parsed`` for ``raw`` in ``where`` if it can: a value marshal cannot write (a
    YAML timestamp) or a directory that cannot be written just means no entry."""
    if where is None:
        return
    name = key(raw)
    try:
        payload = marshal.dumps((name, *parsed))
    except ValueError:
        return
    temporary = where / f".{name}.{os.getpid()}.tmp"
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        with temporary.open("wb") as entry:  # in parts: no second copy of a large payload
            entry.write(FORMAT + blake2b(payload, digest_size=32).digest())
            entry.write(payload)
        os.replace(temporary, where / (name + SUFFIX))  # readers see a whole entry or none
        _prune(where, name + SUFFIX)
    except OSError:
        with contextlib.suppress(OSError):  # a full disk: leave no half-written file behind
            temporary.unlink(missing_ok=True)


def _prune(where: Path, newest: str) -> None:
    """Drop the least recently written entries beyond ``KEEP`` (never ``newest``, just written,
    whatever the clock's resolution says)."""
    entries = [p for p in where.glob("*" + SUFFIX) if p.name != newest]
    if len(entries) < KEEP:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP - 1:]:
        old.unlink(missing_ok=True)
