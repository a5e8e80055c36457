"""One table of link kinds: every kind the hunt weighs or the door checks is named there."""

from __future__ import annotations

from distillguard.detect.campaigns import KIND_NAMES
from distillguard.detect.config import DEFAULT_LINK_WEIGHTS
from distillguard.detect.coordination import INFRA_KINDS, SCAFFOLD_KINDS, TIMING_KINDS
from distillguard.gateway.linkage import KIND_WORDS
from distillguard.graph.kinds import KINDS, family
from distillguard.watch.keys import RECORD_KINDS, REQUEST_KINDS


def test_every_weighed_or_checked_kind_has_words_and_a_family() -> None:
    for kind in (*DEFAULT_LINK_WEIGHTS, *REQUEST_KINDS, *RECORD_KINDS):
        assert kind in KINDS, kind
        assert family(kind) != "other", kind


def test_the_families_do_not_overlap_and_everyone_reads_the_same_words() -> None:
    assert not (INFRA_KINDS & SCAFFOLD_KINDS or INFRA_KINDS & TIMING_KINDS
                or SCAFFOLD_KINDS & TIMING_KINDS)
    assert KIND_NAMES is KIND_WORDS
    assert KIND_WORDS["payment"] == "payment instrument"
