"""Independent jobs on threads, with the results and the errors a plain loop over them would give.

Used where the work is Arrow kernels or the Parquet writer, which release the GIL (validating and encoding
the tables of a snapshot, reading the credential report's CSV). Threads pay only when a core is idle: on a
busy machine they contend for the cores and the GIL, and encoding the four tables of a 120,000-principal
account on two threads took 1.3 times as long as one after the other (``bench/normalise_write.py``, load 4 on
2 cores). So the jobs get as many threads as there are idle cores, plus the one the caller runs on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")

#: At most this many jobs at once, however idle the machine.
THREADS = 8


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def idle_cores() -> float:
    """Cores not busy: over the last minute (the load average, which counts this process too) and right now,
    whichever is fewer.

    The average alone lags by a minute: when the nightly DAG starts its mapped collect tasks together, each saw
    the other core idle and started threads, and two processes with threads each on 2 cores normalised an
    organisation 15 % slower than without (``bench/normalise_write.py --org``)."""
    if not hasattr(os, "getloadavg"):
        return 0.0
    return _cores() - max(os.getloadavg()[0], _running_now())


def _running_now() -> float:
    """Threads running or runnable right now, the caller's included, as the load average counts them (Linux:
    ``/proc/loadavg``); 0 where unknown."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return float(f.read().split()[3].partition("/")[0])
    except (OSError, IndexError, ValueError):
        return 0.0


def workers(jobs: int) -> int:
    """Threads worth running ``jobs`` on now: 1 means a plain loop in the caller's thread.

    A core at least half idle counts: the load average includes this process's own busy thread, so on a
    2-core machine with the other core free it reads a little under 1 idle core whenever anything else
    stirs, and rounding down would switch the threads off exactly when they pay."""
    return max(1, min(THREADS, jobs, 1 + int(idle_cores() + 0.5)))


def in_order(jobs: Mapping[K, Callable[[], T]], cost: Mapping[K, int] | None = None) -> dict[K, T]:
    """Each job's result, keyed and ordered as ``jobs``.

    The jobs must not depend on one another. When several fail, the error raised is that of the first in
    ``jobs`` order, as a loop would raise it; the jobs not yet started are dropped. ``cost`` (e.g. rows)
    starts the dearest first, so that the last one to finish is a cheap one.
    """
    threads = workers(len(jobs))
    if threads < 2:
        return {key: job() for key, job in jobs.items()}
    order = sorted(jobs, key=lambda k: -cost.get(k, 0)) if cost else list(jobs)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="muster") as pool:
        futures = {key: pool.submit(jobs[key]) for key in order}
        try:
            return {key: futures[key].result() for key in jobs}
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
