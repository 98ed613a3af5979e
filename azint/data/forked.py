"""All-pairs work shared with a forked process, on a machine with two cores or more.

CPython runs one thread of Python at a time, so a second core helps only a second process.
Where the platform forks, the process forked shares everything built so far (the model, the
tables, the ways on already walked) without copying it: it works through the second half of
the items and sends its results back pickled, while this process works through the first.
Should the other process fail in any way, its half is worked here: the results are the same
either way, only slower.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on (all of the machine's where that is not known)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def pays(count: int, least: int) -> bool:
    """Whether ``count`` items are worth a second process: at least ``least`` of them (below
    that, forking costs more than it saves), two cores or more, and a platform that forks."""
    return count >= least and cores() >= 2 and hasattr(os, "fork")


def in_two(work: Callable[[list[T]], list[R]], items: list[T]) -> list[R]:
    """``work(items)``, its second half done by a forked process (one result per item)."""
    if not hasattr(os, "fork"):
        return work(items)
    half = len(items) // 2
    mine, theirs = items[:half], items[half:]
    try:
        reader, writer = os.pipe()
    except OSError:  # out of file descriptors: all of it here
        return work(items)
    try:
        child = os.fork()
    except OSError:  # the system refuses another process: all of it here
        os.close(reader)
        os.close(writer)
        return work(items)
    if child == 0:  # pragma: no cover - the forked process (its results are checked here)
        os.close(reader)
        try:
            payload = pickle.dumps(work(theirs), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)  # nothing of this process's exit: no flush, no handlers
    os.close(writer)
    try:
        done = work(mine)
    except BaseException:  # an error or an interrupt here: the other process ends with it
        os.close(reader)
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise
    with os.fdopen(reader, "rb") as source:
        payload = source.read()
    _, status = os.waitpid(child, 0)
    try:
        found: list[R] = pickle.loads(payload) if status == 0 else []
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        found = []
    if len(found) != len(theirs):  # the other process failed: its half is worked here
        found = work(theirs)
    return done + found
