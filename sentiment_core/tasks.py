"""Slow computations on a worker thread, and a small cache of their results.

A page that starts a t-SNE map should keep drawing a progress bar while it runs, so the work
happens on a thread (:class:`BackgroundTask`) that the page polls. Finished results are kept in
a :class:`ResultCache` with a bounded number of entries, so memory does not grow with use.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Hashable

# compute(progress) where progress(step: str, fraction: float) says how far it has got.
Compute = Callable[[Callable[[str, float], None]], Any]


@dataclass(frozen=True)
class TaskProgress:
    step: str
    fraction: float
    elapsed_s: float
    estimate_s: float | None


class BackgroundTask:
    """Runs ``compute(progress)`` on a daemon thread; poll :meth:`snapshot`, then :meth:`result`.

    ``estimate_s`` (a rough duration) lets the reported fraction move between the steps the
    computation reports itself; it never reaches 1 until the work is done.
    """

    def __init__(self, compute: Compute, estimate_s: float | None = None):
        self.compute = compute
        self.estimate_s = estimate_s

    def start(self) -> "BackgroundTask":
        self.step_, self.fraction_ = "Starting ...", 0.0
        self.result_, self.error_ = None, None
        self.started_ = time.perf_counter()
        self.thread_ = threading.Thread(target=self._run, name="background-task", daemon=True)
        self.thread_.start()
        return self

    def _run(self) -> None:
        try:
            self.result_ = self.compute(self._progress)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by result()
            self.error_ = error
        self.fraction_ = 1.0

    def _progress(self, step: str, fraction: float) -> None:
        self.step_, self.fraction_ = step, min(max(float(fraction), 0.0), 1.0)

    @property
    def done(self) -> bool:
        return not self.thread_.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True once the work has finished (or failed)."""
        self.thread_.join(timeout)
        return self.done

    def snapshot(self) -> TaskProgress:
        elapsed = time.perf_counter() - self.started_
        fraction = self.fraction_
        if not self.done and self.estimate_s:
            fraction = max(fraction, min(elapsed / self.estimate_s, 0.95))
        return TaskProgress(self.step_, 1.0 if self.done else min(fraction, 0.99), elapsed, self.estimate_s)

    def result(self):
        """The computation's return value; re-raises its exception if it failed."""
        self.wait()
        if self.error_ is not None:
            raise self.error_
        return self.result_


class ResultCache:
    """Results by key, least recently used dropped first once there are ``max_entries``. Thread-safe."""

    def __init__(self, max_entries: int = 12):
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1; got {max_entries}.")
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items
