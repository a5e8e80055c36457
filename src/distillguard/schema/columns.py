"""The canonical columnar shape of events and accounts (Parquet / Arrow).

Every column of ``spec/log-format.md`` is kept as the spec defines it
(``request`` as a JSON string, ``ts`` as ``timestamp[ms, tz=UTC]``), followed
by ``req_*`` columns lifted from the normalised request view so that batch
engines (DuckDB, Spark) never need to parse three wire formats in SQL, and a
``day`` partition column. Ingest writes this shape; the hunt reads it.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, Final

import orjson
import pyarrow as pa

from distillguard.schema.records import Account, Event
from distillguard.schema.requests import normalize_request

TS = pa.timestamp("ms", tz="UTC")

EVENT_SCHEMA: Final = pa.schema([
    ("event_id", pa.string()),
    ("ts", TS),
    ("account_id", pa.string()),
    ("api_key_id", pa.string()),
    ("ip", pa.string()),
    ("ip_prefix", pa.string()),
    ("asn", pa.int64()),
    ("ip_country", pa.string()),
    ("user_agent", pa.string()),
    ("endpoint", pa.string()),
    ("model", pa.string()),
    ("request", pa.string()),
    ("response_text", pa.string()),
    ("reasoning_text", pa.string()),
    ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()),
    ("reasoning_tokens", pa.int64()),
    ("status", pa.int32()),
    ("latency_ms", pa.int64()),
    # Lifted from the normalised request view (see schema.requests).
    ("req_system", pa.string()),
    ("req_user", pa.string()),
    ("req_n_turns", pa.int32()),
    ("req_max_tokens", pa.int64()),
    ("req_n", pa.int32()),
    ("req_logprobs", pa.bool_()),
    ("req_temperature", pa.float64()),
    ("req_reasoning_enabled", pa.bool_()),
    ("req_reasoning_effort", pa.string()),
    ("req_thinking_budget", pa.int64()),
    ("req_tools", pa.string()),
    ("req_stream", pa.bool_()),
    ("req_response_format", pa.string()),
    ("req_param_keys", pa.string()),
    ("day", pa.date32()),
])

ACCOUNT_SCHEMA: Final = pa.schema([
    ("account_id", pa.string()),
    ("created_at", TS),
    ("org_id", pa.string()),
    ("email_domain", pa.string()),
    ("payment_fingerprint", pa.string()),
    ("billing_country", pa.string()),
    ("signup_ip", pa.string()),
    ("kyc_level", pa.string()),
    ("plan", pa.string()),
    ("declared_use", pa.string()),
])


def _float_or_none(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def event_row(ev: Event) -> dict[str, Any]:
    """One event as a row of :data:`EVENT_SCHEMA` (a plain dict, Arrow-ready)."""
    view = normalize_request(ev.endpoint, ev.request)
    return {
        "event_id": ev.event_id,
        "ts": ev.ts,
        "account_id": ev.account_id,
        "api_key_id": ev.api_key_id,
        "ip": ev.ip,
        "ip_prefix": ev.ip_prefix,
        "asn": ev.asn,
        "ip_country": ev.ip_country,
        "user_agent": ev.user_agent,
        "endpoint": ev.endpoint,
        "model": ev.model,
        "request": orjson.dumps(ev.request, default=str).decode(),
        "response_text": ev.response_text,
        "reasoning_text": ev.reasoning_text,
        "prompt_tokens": ev.prompt_tokens,
        "completion_tokens": ev.completion_tokens,
        "reasoning_tokens": ev.reasoning_tokens,
        "status": ev.status,
        "latency_ms": ev.latency_ms,
        "req_system": view.system,
        "req_user": view.last_user_text,
        "req_n_turns": view.n_user_turns,
        "req_max_tokens": view.max_tokens,
        "req_n": view.n,
        "req_logprobs": view.logprobs,
        "req_temperature": _float_or_none(view.sampling.get("temperature")),
        "req_reasoning_enabled": view.reasoning.enabled,
        "req_reasoning_effort": view.reasoning.effort,
        "req_thinking_budget": view.reasoning.budget_tokens,
        "req_tools": ",".join(view.tools),
        "req_stream": view.stream,
        "req_response_format": view.response_format,
        "req_param_keys": ",".join(sorted(str(k) for k in ev.request)),
        "day": ev.ts.astimezone(UTC).date(),
    }


def account_row(acc: Account) -> dict[str, Any]:
    return {
        "account_id": acc.account_id,
        "created_at": acc.created_at,
        "org_id": acc.org_id,
        "email_domain": acc.email_domain,
        "payment_fingerprint": acc.payment_fingerprint,
        "billing_country": acc.billing_country,
        "signup_ip": acc.signup_ip,
        "kyc_level": acc.kyc_level,
        "plan": acc.plan,
        "declared_use": acc.declared_use,
    }


def events_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def accounts_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ACCOUNT_SCHEMA)
