"""Per-request and per-account features of the hunt.

``content`` holds the content families (shared with the gateway through
:func:`request_signals`); ``plan`` holds the portable SQL query plan that turns
canonical events into per-account feature rows on DuckDB or Spark.
"""

from distillguard.features.content import FAMILIES, TOPICS, request_signals, topic_of

__all__ = ["FAMILIES", "TOPICS", "request_signals", "topic_of"]
