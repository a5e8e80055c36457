"""Per-request and per-account features of the hunt.

``content`` holds the content families and topics; ``signals`` the registry of
per-request signals with their Python and SQL forms (shared with the gateway
through :func:`request_signals`); ``plan`` the portable SQL query plan that turns
canonical events into per-account feature rows on DuckDB or Spark.
"""

from distillguard.features.content import FAMILIES, TOPICS, topic_of
from distillguard.features.signals import SIGNALS, Signal, request_signals

__all__ = ["FAMILIES", "SIGNALS", "TOPICS", "Signal", "request_signals", "topic_of"]
