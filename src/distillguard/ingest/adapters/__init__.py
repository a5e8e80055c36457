"""Adapters: other log shapes (LiteLLM spend logs, OpenAI Batch files) into canonical events.

Each adapter yields ``(source, line, canonical mapping, raw)`` records that go
through the same validation, deduplication and quarantine as canonical input.
"""
