"""The cyclic garbage collector, paused while azint builds a model or walks all pairs.

A model of a landing zone is millions of small objects that live until the command ends, and
almost none of them forms a cycle that reference counting could not free. Each collection of the
oldest generation walks every one of them again: a third to a half of a large run went there.
Pausing the collector while building keeps reference counting (memory is freed as before); any
cyclic garbage made while paused waits for the next full collection after the pause.

Imports are paused the same way, and what they made (modules, classes, functions: they live
until the process ends) is then moved out of the collector's sight with ``gc.freeze``: else the
first collection after the pause walks all of it, a millisecond of every command's start-up.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's state is restored after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # Everything made in the block goes to the oldest generation at once (freeze, then
            # unfreeze, moves the lists and resets the young count): otherwise the first young
            # collection after the block walks all of it, a tenth of a large run, to find that
            # nearly all of it lives on. Cyclic garbage is still found by the next full one.
            # Never when something was frozen for good: unfreeze would thaw it too.
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@contextmanager
def importing() -> Iterator[None]:
    """``paused`` around imports; if they loaded a module, everything alive is frozen after."""
    loaded = len(sys.modules)
    with paused():
        yield
        if len(sys.modules) != loaded:
            gc.freeze()
