"""Served before block: what a campaign got away with before the gateway first
refused any of its accounts.

Two places count it and must count it alike: the gateway's replay (outcomes it sent
itself) and evaluate's reading of a gateway's exchange log (statuses it finds in a
file). The rule lives here once. A group (a campaign, or a lone actor) is first
blocked at the earliest refusal of any of its accounts, whichever account and in
whatever order the refusals are read; an exchange is before that block only when
strictly earlier (one at the same instant counts after: the gateway had decided by
then), and every exchange of a group never refused is before. What is a refusal
stays each caller's own: the replay tells a rate limit from a block, a log has only
statuses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Harvest:
    """One group's exchanges, split at its first block."""

    first_block: datetime | None
    attempted: int
    served: int
    served_before_first_block: int
    attempted_after_first_block: int
    served_after_first_block: int


class HarvestCounter:
    """Counts over a stream of exchanges in two passes, as a log too large to hold
    is read: every refusal first (:meth:`refused`, any order), then every exchange
    (:meth:`exchange`). Memory grows with the number of groups, not of exchanges."""

    def __init__(self) -> None:
        self._first: dict[str, datetime] = {}
        # attempted, served, served before, attempted after, served after
        self._counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])

    def refused(self, group: str, ts: datetime) -> None:
        first = self._first.get(group)
        if first is None or ts < first:
            self._first[group] = ts

    def first_block(self, group: str) -> datetime | None:
        return self._first.get(group)

    def exchange(self, group: str, ts: datetime, served: bool) -> None:
        c = self._counts[group]
        c[0] += 1
        c[1] += served
        first = self._first.get(group)
        if first is None or ts < first:
            c[2] += served
        else:
            c[3] += 1
            c[4] += served

    def harvest(self, group: str) -> Harvest:
        return Harvest(self._first.get(group), *self._counts.get(group, [0, 0, 0, 0, 0]))
