"""A topology as a git revision holds it: ``HEAD~1:net.yaml``, for ``azint diff``.

``REV:PATH`` is read with ``git cat-file blob``; PATH is relative to the current folder (as a file name
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
    if revision.startswith("-"):  # git would take it for an option (--output=FILE writes)
        raise UsageError(f"'{spec}' is neither a file nor a git revision (REV:PATH): a revision "
                         f"does not start with '-'")
    inside = name if name.startswith(("/", "./", "../")) else f"./{name}"
    return loader.load_document(parse_document(_git_blob(f"{revision}:{inside}", spec), spec))


def _git_blob(object_name: str, spec: str) -> bytes:
    """The file's bytes at that revision; a folder there is named as one."""
    done = _git(["cat-file", "blob", object_name], spec)
    if done.returncode == 0:
        return done.stdout
    if _git(["cat-file", "-t", object_name], spec).stdout.strip() == b"tree":
        raise UsageError(f"cannot read '{spec}' from git: it is a folder (tree), not a topology "
                         f"file")
    detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
    reason = detail[-1].removeprefix("fatal: ") if detail else f"git exit {done.returncode}"
    raise UsageError(f"cannot read '{spec}' from git: {reason}")


def _git(arguments: list[str], spec: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *arguments], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git to read '{spec}': {exc}") from exc
