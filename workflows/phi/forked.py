"""Independent, deterministic jobs in forked worker processes: the tooling's long loops
(training's fits, the corpus's duplicate search). Never used by the screen itself."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

# what a job reads: set just before the fork, so that large inputs are inherited by the
# workers instead of pickled to each of them
SHARED: dict[str, Any] = {}


def cores() -> int:
    return os.cpu_count() or 1


def available_memory() -> int:
    """Bytes the kernel says can be allocated without swapping (0 when unknown, which
    leaves one process)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_forked(
    workers: int, job: Callable[[Any], Any], jobs: Sequence[Any], **shared: Any
) -> list[Any]:
    """``[job(j) for j in jobs]``, in up to ``workers`` forked processes; ``job`` is a
    module-level function reading its inputs from ``SHARED``. Each job is deterministic,
    so the results are those of one process."""
    SHARED.update(shared)
    try:
        if workers <= 1 or len(jobs) <= 1:
            return [job(j) for j in jobs]
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            return list(pool.map(job, jobs, chunksize=1))
    finally:
        SHARED.clear()
