"""Served before block, the one rule the gateway's replay and evaluate both count by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from distillguard.schema import Harvest, HarvestCounter

T0 = datetime(2026, 5, 4, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_group_is_cut_at_its_earliest_refusal_whatever_the_order() -> None:
    h = HarvestCounter()
    # refusals read out of order (a log is not sorted): the earliest, minute 3, is the block
    h.refused("camp", at(7))
    h.refused("camp", at(3))
    for minute, served in ((0, True), (1, False), (2, True), (3, True), (5, True), (8, False)):
        h.exchange("camp", at(minute), served)
    # a group never refused got everything it was served before a block
    h.exchange("lone", at(9), True)
    # minute 3 is the block's own instant: after it, the gateway had decided
    assert h.harvest("camp") == Harvest(at(3), attempted=6, served=4,
                                        served_before_first_block=2,
                                        attempted_after_first_block=3,
                                        served_after_first_block=2)
    assert h.harvest("lone") == Harvest(None, 1, 1, 1, 0, 0)
    assert h.harvest("unseen") == Harvest(None, 0, 0, 0, 0, 0)
