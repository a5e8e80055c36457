"""Ingest: streaming readers of exchange logs, a quarantine, adapters and the canonical writer.

Public API (what other areas import)::

    Quarantine, iter_events, iter_event_batches, read_accounts, read_labels, ingest
"""

from distillguard.ingest.accounts import read_accounts, read_labels
from distillguard.ingest.pipeline import ADAPTERS, AdapterOptions, IngestReport, detect, ingest
from distillguard.ingest.quarantine import REASONS, Quarantine
from distillguard.ingest.readers import (
    ReadStats,
    iter_event_batches,
    iter_events,
    iter_records,
    live_log_files,
)

__all__ = [
    "ADAPTERS", "AdapterOptions", "IngestReport", "REASONS", "Quarantine", "ReadStats",
    "detect", "ingest", "iter_event_batches", "iter_events", "iter_records", "live_log_files",
    "read_accounts", "read_labels",
]
