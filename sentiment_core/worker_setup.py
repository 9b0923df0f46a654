"""A Dask preload for the app's workers: the training worker runs at a lower OS priority.

    dask worker tcp://scheduler:8786 --resources train=1 --preload sentiment_core.worker_setup

With ``SENTIMENT_WORKER_NICE=n`` in its environment (the embedded cluster sets 10 for the
training worker), every thread of the worker process is reniced by ``n`` before any task runs;
threads started later (Dask's, TensorFlow's) inherit it. On a 2-core machine this keeps pages
and predictions fast while a model trains.
"""

from __future__ import annotations

import os

NICE_ENV = "SENTIMENT_WORKER_NICE"


def lower_priority(increment: int) -> None:
    """Renice every thread of this process (on Linux, niceness belongs to threads)."""
    try:
        threads = [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        threads = [0]
    for tid in threads:
        try:
            current = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(current + increment, 19))
        except OSError:
            pass


def dask_setup(worker) -> None:
    increment = int(os.environ.get(NICE_ENV, "0") or 0)
    if increment > 0:
        lower_priority(increment)
