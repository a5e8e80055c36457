"""OpenAI Batch API input/output file pairs into canonical events.

A batch is two (or three) JSONL files: the input the customer uploaded
(``{custom_id, method, url, body}`` per line) and the output and error files
OpenAI returned (``{id, custom_id, response: {status_code, request_id, body},
error}`` per line). Files are told apart by their content, so they can be
passed in any order and several batches at once; lines join on ``custom_id``
within the batch set given.

Memory: the input side is indexed (custom_id -> file, line, raw bytes) while
the output files stream. OpenAI caps a batch input file at 50,000 requests and
200 MB, so the index stays bounded per batch; ingest large backlogs a few
batches at a time.

What maps where:

- ``event_id`` <- the output line's ``id`` (``batch_req_...``), else
  ``response.request_id``, else ``<custom_id>``
- ``ts`` <- ``response.body.created`` (epoch seconds), else ``created_at`` of
  the options (the batch's creation time), else the row is quarantined
- ``account_id`` <- the ``account_id`` option (required: a batch file does not
  name the billed account; it is the owner of the batch); ``api_key_id`` <- the
  option of that name
- ``endpoint`` <- ``url`` (``/v1/chat/completions``, ``/v1/responses``,
  ``/v1/completions``; embeddings and moderations are quarantined as
  ``unsupported_call_type``)
- ``model`` <- ``body.model`` of the input; ``request`` <- the input ``body``
- ``response_text``, ``reasoning_text`` and token counts <- ``response.body``
- ``status`` <- ``response.status_code``; a line with only an ``error`` gets 500
- ``user_agent`` <- ``openai-batch``; ``latency_ms`` is not known
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from distillguard.ingest.adapters.common import (
    URL_ENDPOINTS,
    as_int,
    drop_none,
    loose_ts,
    response_parts,
)
from distillguard.ingest.quarantine import (
    DUPLICATE_EVENT_ID,
    NOT_AN_OBJECT,
    UNMATCHED_BATCH_LINE,
    UNSUPPORTED_CALL_TYPE,
    Quarantine,
    reject,
)
from distillguard.ingest.readers import Record
from distillguard.ingest.sources import DEFAULT_MAX_LINE_BYTES, iter_json_records
from distillguard.schema import ConfigError

USER_AGENT: Final = "openai-batch"


@dataclass(frozen=True)
class BatchOptions:
    account_id: str | None = None
    api_key_id: str | None = None
    created_at: str | None = None


def line_kind(obj: Mapping[str, Any]) -> str | None:
    """``input``, ``output`` or ``None`` for a decoded batch-file line."""
    if "custom_id" not in obj:
        return None
    if "body" in obj and ("url" in obj or "method" in obj):
        return "input"
    if "response" in obj or "error" in obj:
        return "output"
    return None


def _endpoint(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    path = url.split("?", 1)[0].rstrip("/")
    if not path.startswith("/v1/"):
        path = "/v1/" + path.lstrip("/")
    return URL_ENDPOINTS.get(path)


def convert(inp: Mapping[str, Any], out: Mapping[str, Any] | None,
            opts: BatchOptions) -> dict[str, Any]:
    """One joined input/output pair as a canonical event mapping."""
    body = inp.get("body")
    resp = out.get("response") if out is not None else None
    resp = resp if isinstance(resp, Mapping) else {}
    rbody = resp.get("body")
    text, reasoning, usage = response_parts(rbody)
    status = as_int(resp.get("status_code"))
    if status is None:
        status = 500
    ts = loose_ts(rbody.get("created")) if isinstance(rbody, Mapping) else None
    custom_id = str(inp.get("custom_id"))
    event_id = (out.get("id") if out is not None else None) or resp.get("request_id") or custom_id
    return drop_none({
        "event_id": str(event_id),
        "ts": ts or opts.created_at,
        "account_id": opts.account_id,
        "api_key_id": opts.api_key_id,
        "user_agent": USER_AGENT,
        "endpoint": _endpoint(inp.get("url")),
        "model": body.get("model") if isinstance(body, Mapping) else None,
        "request": body,
        "response_text": text,
        "reasoning_text": reasoning,
        **{k: v for k, v in usage.items() if v is not None},
        "status": status,
    })


def _file_kind(path: Path, max_line_bytes: int) -> str | None:
    """The kind of the first recognisable line (junk before it is quarantined later)."""
    scratch = Quarantine()
    for i, (_, obj, _) in enumerate(iter_json_records(path, scratch,
                                                      max_line_bytes=max_line_bytes)):
        kind = line_kind(obj)
        if kind is not None or i >= 1000:
            return kind
    return None


def records(paths: Sequence[Path], quarantine: Quarantine | None, opts: BatchOptions, *,
            max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Record]:
    """Joined input/output lines of the given batch files, as canonical event mappings."""
    if not opts.account_id:
        raise ConfigError("the openai-batch adapter needs an account id (--account-id): "
                          "batch files do not name the billed account",
                          details={"adapter": "openai-batch"})
    inputs: dict[str, tuple[str, int, bytes]] = {}
    kinds = {path: _file_kind(path, max_line_bytes) for path in paths}
    outputs = [p for p in paths if kinds[p] == "output"]
    for path in (p for p in paths if kinds[p] != "output"):
        source = str(path)
        for lineno, obj, raw in iter_json_records(path, quarantine,
                                                  max_line_bytes=max_line_bytes):
            if line_kind(obj) != "input":
                reject(quarantine, source, lineno, NOT_AN_OBJECT, "custom_id",
                       "not a Batch API input line (needs custom_id, url and body)", raw)
                continue
            cid = str(obj["custom_id"])
            if cid in inputs:
                reject(quarantine, source, lineno, DUPLICATE_EVENT_ID, "custom_id",
                       f"custom_id {cid!r} already used by {inputs[cid][0]}:{inputs[cid][1]} "
                       "(first occurrence kept)", raw)
                continue
            inputs[cid] = (source, lineno, raw)
    for path in outputs:
        source = str(path)
        for lineno, obj, raw in iter_json_records(path, quarantine,
                                                  max_line_bytes=max_line_bytes):
            if line_kind(obj) != "output":
                reject(quarantine, source, lineno, NOT_AN_OBJECT, "custom_id",
                       "not a Batch API output line in an output file", raw)
                continue
            hit = inputs.pop(str(obj["custom_id"]), None)
            if hit is None:
                reject(quarantine, source, lineno, UNMATCHED_BATCH_LINE, "custom_id",
                       f"no input line with custom_id {obj['custom_id']!r} among the files "
                       "given", raw)
                continue
            inp = orjson.loads(hit[2])
            if _endpoint(inp.get("url")) is None:
                reject(quarantine, hit[0], hit[1], UNSUPPORTED_CALL_TYPE, "url",
                       f"{inp.get('url')!r} is not a text-generation endpoint "
                       f"(supported: {sorted(URL_ENDPOINTS)})", hit[2])
                continue
            yield hit[0], hit[1], convert(inp, obj, opts), hit[2] + b"\n" + raw
    for cid, (source, lineno, raw) in inputs.items():
        reject(quarantine, source, lineno, UNMATCHED_BATCH_LINE, "custom_id",
               f"no output or error line for custom_id {cid!r} among the files given "
               "(request still pending, expired, or its output file was not passed)", raw)
