"""Analysts' decisions as training labels: ``labels.csv`` (``account_id,label,campaign``),
the format ``distillguard hunt train --events ... --labels labels.csv`` reads.

Decisions apply in the order they were made, so a later one wins: an account
relabelled after its campaign was confirmed keeps the relabel. A confirmed
campaign labels its members ``distiller`` with the campaign's id; a false
positive labels them ``benign``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from distillguard.console.casebook import Decision
from distillguard.schema.records import LABELS_CSV_HEADER


def label_rows(decisions: Sequence[Decision]) -> list[tuple[str, str, str]]:
    """(account, label, campaign) per decided account, sorted by account."""
    out: dict[str, tuple[str, str]] = {}
    for d in sorted(decisions, key=lambda d: d.seq):
        campaign = d.target_id if d.target_kind == "campaign" and d.label == "distiller" \
            else ""
        for m in d.members:
            prev_campaign = out.get(m, ("", ""))[1]
            out[m] = (d.label, campaign or (prev_campaign if d.label == "distiller" else ""))
    return [(a, lab, c) for a, (lab, c) in sorted(out.items())]


def write_labels(decisions: Sequence[Decision], path: Path) -> int:
    """Write ``labels.csv`` atomically; the number of labelled accounts."""
    rows = label_rows(decisions)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(LABELS_CSV_HEADER)
        w.writerows(rows)
    tmp.replace(path)
    return len(rows)
