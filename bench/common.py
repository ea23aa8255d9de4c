"""What every benchmark needs: the machine it ran on, medians, and peak memory."""
from __future__ import annotations

import os
import platform
import resource
import statistics
import time


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}")


def as_installed(root) -> None:
    """Byte-compile graphtool's modules under ``root``, as installing the wheel does: a command timed in a
    fresh process then loads them instead of compiling every module's source, which no installed copy does
    (and which PYTHONDONTWRITEBYTECODE, set on some machines, would make every run pay: ~0.1-0.2 CPU s)."""
    import compileall
    from pathlib import Path

    compileall.compile_dir(Path(root) / "graphtool", quiet=1)


def median_time(fn, runs: int = 3, setup=None) -> tuple[float, list[float]]:
    """Median wall-clock seconds of ``fn()`` over ``runs`` runs (``setup()`` before each, untimed)."""
    times = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_section(path, section: str, text: str) -> None:
    """Replace one benchmark's ``## section`` of ``path`` (or append it), leaving the others alone."""
    from pathlib import Path

    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    text = text.rstrip("\n") + "\n"
    if section in old:
        head, rest = old.split(section, 1)
        nxt = rest.find("\n## ")
        new = head + text + ("\n" + rest[nxt + 1:] if nxt >= 0 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")

