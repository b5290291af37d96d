"""Finished replications kept for reuse by every session of the server.

A replication is fully determined by its scenario, the master seed and its index (replication
*i* uses child *i* of the seed), so a result computed for one student is exactly the result
another student's identical request would compute. Runs are stored pickled, which bounds the
cache by bytes and hands every reader its own copy.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""About 3,000 replications with weekly series (~80 kB each when pickled)."""


class RunKey(NamedTuple):
    """What determines one replication's result."""

    scenario: str  # fingerprint of the scenario's JSON data
    seed: int
    replication: int
    series: bool  # whether the run carries its weekly series


def scenario_fingerprint(data: Mapping[str, Any]) -> str:
    """A stable hash of a scenario's JSON data (``Scenario.model_dump(mode="json")``)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResultCache:
    """A thread-safe store of replications by RunKey; least recently used dropped first."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[RunKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: RunKey) -> dict[str, Any] | None:
        """The run stored under `key` (a fresh copy), or one with series if asked without."""
        found = key
        with self._lock:
            blob = self._items.get(found)
            if blob is None and not key.series:
                found = key._replace(series=True)
                blob = self._items.get(found)
            if blob is None:
                return None
            self._items.move_to_end(found)
        run: dict[str, Any] = pickle.loads(blob)
        if not key.series:
            run.pop("weekly", None)
        return run

    def put(self, key: RunKey, run: Mapping[str, Any]) -> None:
        """Store a run; older runs are dropped while the cache holds more than `max_bytes`."""
        blob = pickle.dumps(dict(run), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            if len(blob) > self.max_bytes:
                return
            self._items[key] = blob
            self._bytes += len(blob)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def size_bytes(self) -> int:
        """Bytes held (pickled runs)."""
        with self._lock:
            return self._bytes
