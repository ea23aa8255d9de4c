"""When graphtool may fork a worker process, and how many CPUs it may use.

Maps draw their pages and ``analyze`` splits its betweenness pivots in forked children: a fork
inherits the parent's arrays without pickling them and needs no main-module guard in a user's
script.  It is only safe on Linux (macOS system libraries are not fork-safe) and only from a
single-threaded process: a thread holding a lock at the moment of the fork (``graphtool serve``'s
request threads, a store driver's pool) would leave the child waiting on that lock forever.
"""

from __future__ import annotations

import os
import sys
import threading


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fork_is_safe() -> bool:
    """True where a forked child cannot inherit a lock another thread holds (Linux, one thread)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1
