"""Duplicate event ids, found in bounded memory.

Exporters retry and logs get concatenated twice, so duplicates are normal. A
set of the id strings themselves costs ~100 bytes an id (1 GB at 10M events);
we keep only a 64-bit digest of each id in sorted NumPy runs instead: 8 bytes
an id (80 MB at 10M, plus one temporary copy while two runs merge). Runs are
merged log-structured (a new run absorbs every older run no larger than
itself), so there are O(log n) runs to search and each digest is copied
O(log n) times overall.

The digest comes from the C scanner's ``digest`` (FNV-1a of the UTF-8 bytes,
finalised) straight off the Arrow column, or without it from Python's own
``hash`` of each string; either is stable within one process, which is all
one job needs, and one process uses one or the other throughout. Two different ids
share a digest with probability about n^2 / 2^65 (3e-6 at 10M ids); such a row
would be quarantined as a duplicate, which is visible and recoverable, never
silently lost.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from distillguard.ingest import native

Digests = npt.NDArray[np.int64]


def digests(ids: pa.Array | pa.ChunkedArray) -> Digests:
    """One digest per id: the whole job must get all its digests from here."""
    fast = native.digests(ids)
    if fast is not None:
        return fast
    return np.fromiter((hash(i) for i in ids.to_pylist()), dtype=np.int64, count=len(ids))


class SeenIds:
    """A set of 64-bit digests supporting vectorised test-and-insert."""

    PENDING_LIMIT = 65_536

    def __init__(self) -> None:
        self._runs: list[Digests] = []
        self._pending: set[int] = set()

    def __len__(self) -> int:
        return sum(len(r) for r in self._runs) + len(self._pending)

    def _in_runs(self, keys: Digests) -> npt.NDArray[np.bool_]:
        hit = np.zeros(len(keys), dtype=bool)
        for run in self._runs:
            pos = np.searchsorted(run, keys)
            pos[pos == len(run)] = 0
            hit |= run[pos] == keys
        return hit

    def _push_run(self, run: Digests) -> None:
        while self._runs and len(self._runs[-1]) <= len(run):
            run = np.union1d(self._runs.pop(), run)
        self._runs.append(run)

    def _flush_pending(self) -> None:
        if self._pending:
            self._push_run(np.fromiter(self._pending, dtype=np.int64, count=len(self._pending)))
            self._pending = set()

    def add_many(self, keys: Digests) -> npt.NDArray[np.bool_]:
        """Insert ``keys``; mask of those already seen (before, or earlier in ``keys``)."""
        self._flush_pending()
        dup = self._in_runs(keys)
        # Within the batch, every occurrence after the first is a duplicate.
        _, first = np.unique(keys, return_index=True)
        later = np.ones(len(keys), dtype=bool)
        later[first] = False
        dup |= later
        fresh = np.unique(keys[~dup])
        if len(fresh):
            self._push_run(fresh)
        return dup

    def add(self, key: int) -> bool:
        """Insert one digest; ``True`` if it was already there."""
        if key in self._pending:
            return True
        if self._runs and bool(self._in_runs(np.array([key], dtype=np.int64))[0]):
            return True
        self._pending.add(key)
        if len(self._pending) >= self.PENDING_LIMIT:
            self._flush_pending()
        return False
