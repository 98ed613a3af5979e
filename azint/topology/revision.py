"""A topology as a git revision holds it: ``HEAD~1:net.yaml``, for ``azint diff``.

``REV:PATH`` is read with ``git show``; PATH is relative to the current folder (as a file name
on the command line is), not to the repository's top. An existing file of that name wins.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from azint.errors import UsageError
from azint.topology import loader
from azint.topology.model import Topology
from azint.topology.source import parse_document


def load_spec(spec: str) -> Topology:
    """Load ``spec``: a topology file, or ``REV:PATH`` from git."""
    path = Path(spec)
    if path.exists() or ":" not in spec:
        return loader.load(path)
    revision, _, name = spec.partition(":")
    inside = name if name.startswith(("/", "./", "../")) else f"./{name}"
    return loader.load_document(parse_document(_git_show(revision, inside, spec), spec))


def _git_show(revision: str, name: str, spec: str) -> bytes:
    try:
        done = subprocess.run(["git", "show", f"{revision}:{name}"], capture_output=True,
                              check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git to read '{spec}': {exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1].removeprefix("fatal: ") if detail else f"git exit {done.returncode}"
        raise UsageError(f"cannot read '{spec}' from git: {reason}")
    return done.stdout
