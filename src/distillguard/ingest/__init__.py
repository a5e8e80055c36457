"""Ingest: streaming readers of exchange logs, a quarantine, adapters and the canonical writer.

Public API (what other areas import)::

    Quarantine, iter_events, iter_event_batches, read_accounts, read_labels
"""

from distillguard.ingest.quarantine import REASONS, Quarantine
from distillguard.ingest.readers import (
    ReadStats,
    iter_event_batches,
    iter_events,
    iter_records,
    read_accounts,
    read_labels,
)

__all__ = [
    "REASONS", "Quarantine", "ReadStats", "iter_event_batches", "iter_events", "iter_records",
    "read_accounts", "read_labels",
]
