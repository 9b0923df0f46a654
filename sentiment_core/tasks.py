"""A small, thread-safe cache of finished results with a bounded number of entries, so memory does
not grow with use (the Embeddings page keeps its maps here)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

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
