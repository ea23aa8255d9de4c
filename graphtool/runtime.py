"""How graphtool uses this interpreter and machine: CPUs, forked workers, the cycle collector.

Maps draw their pages and ``analyze`` splits its betweenness pivots in forked children: a fork
inherits the parent's arrays without pickling them and needs no main-module guard in a user's
script.  It is only safe on Linux (macOS system libraries are not fork-safe) and only from a
single-threaded process: a thread holding a lock at the moment of the fork (``graphtool serve``'s
request threads, a store driver's pool) would leave the child waiting on that lock forever.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from contextlib import contextmanager


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fork_is_safe() -> bool:
    """True where a forked child cannot inherit a lock another thread holds (Linux, one thread)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


@contextmanager
def cycle_collector_paused():
    """Pause Python's cycle collector for a phase that makes millions of small objects and no cycles.

    An import (records, batches, a first load's staged graph) or a coordination run (items, pairs)
    frees everything by reference counting; the collector's full passes over those objects were a
    third to a half of their CPU.  Collection resumes afterwards as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
