"""LiteLLM proxy spend logs (its ``LiteLLM_SpendLogs`` table) into canonical events.

Accepted exports: CSV with a header row (``COPY "LiteLLM_SpendLogs" TO ... CSV
HEADER`` or the UI's export), JSON Lines (one row per line), a JSON array, or a
``{"data": [...]}`` page of ``/spend/logs``. CSV and JSON Lines stream; a JSON
array or page is read whole (convert huge ones with ``jq -c '.[]'``).

What maps where:

- ``event_id`` <- ``request_id``; ``ts`` <- ``startTime`` (naive times are UTC,
  as LiteLLM stores them); ``latency_ms`` <- ``endTime - startTime``
- ``account_id`` <- the first non-empty of the ``account_from`` columns
  (default ``team_id,user,api_key``; ``metadata.user_api_key_team_id`` and
  ``metadata.user_api_key_user_id`` stand in for missing columns), then
  translated through ``account_map`` (a dict) when given
- ``api_key_id`` <- ``api_key`` (LiteLLM stores the hashed key)
- ``ip`` <- ``requester_ip_address`` (or the same key in ``metadata``)
- ``user_agent`` <- ``metadata.user_agent`` or ``metadata.headers.user-agent``
- ``endpoint`` <- ``call_type`` (``completion``/``acompletion`` ->
  chat.completions, ``anthropic_messages`` -> messages, ``responses`` ->
  responses, ``text_completion`` -> completions); embeddings, images, audio and
  the like are not exchanges distillguard models: quarantined as
  ``unsupported_call_type``
- ``model`` <- ``model_group`` (the name the client asked for), else ``model``
- ``request`` <- ``proxy_server_request`` when LiteLLM kept it, else a body
  rebuilt from ``messages``; LiteLLM keeps prompts and responses only with
  ``store_prompts_in_spend_logs: true`` - without it the events carry
  ``{"model": ...}`` and an empty ``response_text`` (volume and timing signals
  only)
- ``response_text``, ``reasoning_text``, ``reasoning_tokens`` <- ``response``
- ``prompt_tokens``, ``completion_tokens`` <- the columns of the same name
- ``status`` <- 200 for ``status = success``, else the error code LiteLLM
  recorded in ``metadata.error_information`` (500 when it has none)
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

from distillguard.ingest.adapters.common import (
    as_int,
    drop_none,
    loose_ts,
    maybe_json,
    response_parts,
)
from distillguard.ingest.quarantine import (
    INVALID_UTF8,
    UNREADABLE_FILE,
    UNSUPPORTED_CALL_TYPE,
    Quarantine,
    dump_raw,
    reject,
)
from distillguard.ingest.readers import Record, iter_records
from distillguard.ingest.sources import (
    DEFAULT_MAX_LINE_BYTES,
    decode_json_line,
    first_significant_byte,
    iter_lines,
    read_json_document,
)
from distillguard.opener import open_binary, sniff
from distillguard.schema import FieldError

CALL_TYPES: Final = {
    "completion": "chat.completions", "acompletion": "chat.completions",
    "anthropic_messages": "messages", "aanthropic_messages": "messages",
    "responses": "responses", "aresponses": "responses",
    "text_completion": "completions", "atext_completion": "completions",
}
DEFAULT_ACCOUNT_FROM: Final = ("team_id", "user", "api_key")
_META_FALLBACK: Final = {"team_id": "user_api_key_team_id", "user": "user_api_key_user_id",
                         "organization_id": "user_api_key_org_id"}


@dataclass(frozen=True)
class LiteLLMOptions:
    account_from: tuple[str, ...] = DEFAULT_ACCOUNT_FROM
    account_map: Mapping[str, str] = field(default_factory=dict)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _ms_between(start: Any, end: Any) -> int | None:
    from datetime import datetime

    a, b = loose_ts(start), loose_ts(end)
    if not a or not b:
        return None
    try:
        delta = datetime.fromisoformat(b) - datetime.fromisoformat(a)
    except ValueError:
        return None
    ms = int(delta.total_seconds() * 1000)
    return ms if ms >= 0 else None


def _request(row: Mapping[str, Any], model: str | None) -> dict[str, Any]:
    psr = maybe_json(row.get("proxy_server_request"))
    if isinstance(psr, Mapping) and psr:
        inner = psr.get("body")
        return dict(inner) if isinstance(inner, Mapping) else dict(psr)
    msgs = maybe_json(row.get("messages"))
    if isinstance(msgs, Mapping) and msgs:
        body = dict(msgs)
        body.setdefault("model", model)
        return body
    if isinstance(msgs, Sequence) and not isinstance(msgs, str) and msgs:
        return {"model": model, "messages": list(msgs)}
    if isinstance(msgs, str) and msgs.strip():
        return {"model": model, "messages": [{"role": "user", "content": msgs}]}
    return {"model": model}


def convert(row: Mapping[str, Any], opts: LiteLLMOptions) -> dict[str, Any] | FieldError:
    """One SpendLogs row as a canonical event mapping, or why it is not an exchange."""
    call_type = _text(row.get("call_type")) or ""
    endpoint = CALL_TYPES.get(call_type)
    if endpoint is None:
        return FieldError("call_type", f"{call_type!r} is not a text-generation call "
                          f"(supported: {sorted(CALL_TYPES)})")
    meta = maybe_json(row.get("metadata"))
    meta = meta if isinstance(meta, Mapping) else {}
    account = None
    for col in opts.account_from:
        account = _text(row.get(col)) or _text(meta.get(_META_FALLBACK.get(col, col)))
        if account:
            break
    if account is not None:
        account = opts.account_map.get(account, account)
    model = _text(row.get("model_group")) or _text(row.get("model"))
    text, reasoning, usage = response_parts(maybe_json(row.get("response")))
    status_text = (_text(row.get("status")) or "success").lower()
    status = 200
    if status_text not in ("success", "200"):
        err = meta.get("error_information")
        code = as_int(err.get("error_code")) if isinstance(err, Mapping) else None
        status = code if code is not None and 100 <= code <= 599 else 500
    headers = meta.get("headers")
    ua = _text(meta.get("user_agent"))
    if ua is None and isinstance(headers, Mapping):
        ua = _text(headers.get("user-agent") or headers.get("User-Agent"))
    return drop_none({
        "event_id": _text(row.get("request_id")),
        "ts": loose_ts(row.get("startTime") or row.get("start_time")),
        "account_id": account,
        "api_key_id": _text(row.get("api_key")),
        "ip": _text(row.get("requester_ip_address")) or _text(meta.get("requester_ip_address")),
        "user_agent": ua,
        "endpoint": endpoint,
        "model": model,
        "request": _request(row, model),
        "response_text": text,
        "reasoning_text": reasoning,
        "prompt_tokens": as_int(row.get("prompt_tokens")) or usage.get("prompt_tokens"),
        "completion_tokens": (as_int(row.get("completion_tokens"))
                              or usage.get("completion_tokens")),
        "reasoning_tokens": usage.get("reasoning_tokens"),
        "status": status,
        "latency_ms": _ms_between(row.get("startTime") or row.get("start_time"),
                                  row.get("endTime") or row.get("end_time")),
    })


def _csv_rows(path: Path, quarantine: Quarantine | None,
              max_line_bytes: int) -> Iterator[Record]:
    source = str(path)
    csv.field_size_limit(max(min(max_line_bytes, sys.maxsize), csv.field_size_limit()))
    with open_binary(path) as fh:
        # surrogateescape keeps undecodable bytes in place so one bad row cannot take its
        # neighbours down with it (a strict decoder fails a whole buffer at a time).
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape",
                                newline="")
        reader = csv.DictReader(text)
        line = 1
        try:
            for row in reader:
                line = reader.line_num
                values = {k: v for k, v in row.items() if k is not None}
                joined = "\x1f".join(v for v in values.values() if isinstance(v, str))
                try:
                    joined.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raw = joined.encode("utf-8", "surrogateescape")
                    reject(quarantine, source, line, INVALID_UTF8, "<line>",
                           f"invalid UTF-8 ({exc.reason})", raw)
                    continue
                yield source, line, values, ""
        except csv.Error as exc:
            reject(quarantine, source, line + 1, UNREADABLE_FILE, "<file>",
                   f"malformed CSV after line {line} ({exc}); the rest of the file was not read",
                   b"")


def _json_rows(path: Path, quarantine: Quarantine | None,
               max_line_bytes: int) -> Iterator[Record]:
    source = str(path)
    first = first_significant_byte(path)
    if first == b"{":
        lines = iter_lines(path, quarantine, max_line_bytes=max_line_bytes)
        head = next(lines, None)
        if head is not None:
            try:
                orjson.loads(head[1])
                is_jsonl = True
            except orjson.JSONDecodeError:
                is_jsonl = False
            if is_jsonl:
                for lineno, line in itertools.chain([head], lines):
                    obj = decode_json_line(source, lineno, line, quarantine)
                    if obj is not None:
                        yield source, lineno, obj, line
                return
    doc = read_json_document(path, quarantine)
    if isinstance(doc, Mapping):
        doc = doc.get("data", [doc])
    if not isinstance(doc, list):
        return
    for i, obj in enumerate(doc, 1):
        if isinstance(obj, Mapping):
            yield source, i, obj, b""
        else:
            reject(quarantine, source, i, "not_an_object", "<record>",
                   f"array item {i} is a {type(obj).__name__}, not an object",
                   dump_raw(obj))


def rows(path: Path, quarantine: Quarantine | None, *,
         max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Record]:
    """SpendLogs rows of one export file, whatever its format (``line`` is the row's line)."""
    kind = sniff(path)
    if kind == "parquet":
        yield from iter_records(path, quarantine, max_line_bytes=max_line_bytes)
        return
    first = first_significant_byte(path)
    if first in (b"{", b"["):
        yield from _json_rows(path, quarantine, max_line_bytes)
    elif first:
        yield from _csv_rows(path, quarantine, max_line_bytes)


def records(paths: Sequence[Path], quarantine: Quarantine | None, opts: LiteLLMOptions, *,
            max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Record]:
    """Canonical event mappings from LiteLLM exports; non-exchanges go to the quarantine."""
    for path in paths:
        for source, line, row, raw in rows(path, quarantine, max_line_bytes=max_line_bytes):
            out = convert(row, opts)
            if isinstance(out, FieldError):
                reject(quarantine, source, line, UNSUPPORTED_CALL_TYPE, out.field, out.reason,
                       raw or dump_raw(row))
                continue
            yield source, line, out, raw or dump_raw(row)
