"""The hot path: a decoded JSONL record straight to a tuple of EVENT_SCHEMA column values.

``Event.from_mapping`` + ``normalize_request`` + ``event_row`` build three
objects per event and cost ~4x the JSON parse itself. This module does the
same for the shapes that make up nearly all real traffic (plain role/content
messages in one pass; content blocks and tool turns through the general
path's own ``split_turns``; the documented reasoning switches) and answers
``None`` for anything else, which then takes the general path. The native
scanner (``_scan.c``) applies these same rules in C.
It only ever accepts records the general path accepts and produces the same
values: ``tests/ingest/test_ingest_fastpath.py`` checks that on generated
records, so the two cannot drift apart silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import orjson

from distillguard.schema import ENDPOINTS, Event, content_text, event_row, split_turns
from distillguard.schema.requests import int_or_none, response_format, tool_name

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MS: Final = timedelta(milliseconds=1)
DAY_MS: Final = 86_400_000


def ts_ms(dt: datetime) -> int:
    """Milliseconds since the epoch, floored (as Arrow stores ``timestamp[ms]``)."""
    return (dt - EPOCH) // MS


def _plain_turns(messages: Any, system: list[str]) -> tuple[str, int] | None:
    """(last user text, user turns) when every message is {role: str, content: str|None}."""
    if not isinstance(messages, list):
        return None
    last_user = ""
    n_user = 0
    for m in messages:
        if type(m) is not dict:
            return None
        role = m.get("role")
        content = m.get("content")
        if type(role) is not str or not role:
            return None
        if content is None:
            content = ""
        elif type(content) is not str:
            return None
        if role == "system" or role == "developer":
            system.append(content)
        elif role == "user":
            last_user = content
            n_user += 1
    return last_user, n_user


def _turns(messages: Any, system: list[str]) -> tuple[str, int] | None:
    """``_plain_turns``, else the general path's own reading of the turns (content blocks,
    tool calls and results, odd roles): same values by construction, without building
    and validating an ``Event`` around them."""
    found: list[str] = []
    plain = _plain_turns(messages, found)
    if plain is not None or not isinstance(messages, list):
        system.extend(found)  # only whole answers: a failed plain reading left parts here
        return plain
    sys_parts, turns = split_turns(messages)
    system.extend(sys_parts)
    users = [t.text for t in turns if t.role == "user"]
    return (users[-1] if users else ""), len(users)


def _tools(tools: Any) -> str | None:
    if tools is None:
        return ""
    if not isinstance(tools, list):
        return None
    names = [n for t in tools if type(t) is dict and (n := tool_name(t)) is not None]
    return ",".join(names)


def request_columns(endpoint: str, body: dict[str, Any]) -> tuple[Any, ...] | None:
    """The ``req_*`` columns of EVENT_SCHEMA, or ``None`` to use ``normalize_request``."""
    system: list[str] = []
    effort: str | None = None
    budget: int | None = None
    enabled = False
    if endpoint == "chat.completions":
        turns = _turns(body.get("messages"), system)
        mt = body.get("max_completion_tokens")
        max_tokens = None if mt is None else int_or_none(mt)
        if max_tokens is None:
            mt = body.get("max_tokens")
            max_tokens = None if mt is None else int_or_none(mt)
        e = body.get("reasoning_effort")
        if isinstance(e, str):
            enabled, effort = e != "none", e
    elif endpoint == "messages":
        if "output_config" in body:
            return None
        sys_field = body.get("system")
        if sys_field:
            system.append(sys_field if type(sys_field) is str else content_text(sys_field))
        turns = _turns(body.get("messages"), system)
        max_tokens = int_or_none(body.get("max_tokens"))
        thinking = body.get("thinking")
        if isinstance(thinking, Mapping):
            enabled = thinking.get("type") in ("enabled", "adaptive")
            budget = int_or_none(thinking.get("budget_tokens"))
    elif endpoint == "responses":
        instructions = body.get("instructions")
        if isinstance(instructions, str):
            system.append(instructions)
        inp = body.get("input")
        turns = (inp, 1) if isinstance(inp, str) else _turns(inp, system)
        max_tokens = int_or_none(body.get("max_output_tokens"))
        r = body.get("reasoning")
        if isinstance(r, Mapping):
            e = r.get("effort")
            effort = e if isinstance(e, str) else None
            enabled = effort not in (None, "none")
    else:
        return None
    if turns is None:
        return None
    # Most keys are absent from most bodies: test presence before doing any work.
    get = body.get
    t = get("tools")
    tools = "" if t is None else _tools(t)
    if tools is None:
        return None
    tl = get("top_logprobs")
    top = None if tl is None else int_or_none(tl)
    logprobs = bool(get("logprobs")) or (top is not None and top > 0)
    include = get("include")
    if include is not None:
        if not isinstance(include, list):
            return None
        if any("logprobs" in str(i) for i in include):
            logprobs = True
    temp = get("temperature")
    temperature = float(temp) if isinstance(temp, (int, float)) and type(temp) is not bool else None
    nv = get("n")
    n = 1 if nv is None else (int_or_none(nv) or 1)
    rf = response_format(body) if "response_format" in body or "text" in body else None
    return (
        "\n\n".join([p for p in system if p]) if system else "", turns[0], turns[1],
        max_tokens, max(n, 1), logprobs, temperature, enabled, effort, budget, tools,
        bool(get("stream")), rf, ",".join(sorted(body)),
    )


def fast_row(rec: dict[str, Any]) -> tuple[Any, ...] | None:
    """EVENT_SCHEMA values (``ts`` and ``day`` as integers) or ``None`` for the general path."""
    event_id = rec.get("event_id")
    account_id = rec.get("account_id")
    model = rec.get("model")
    endpoint = rec.get("endpoint")
    request = rec.get("request")
    response_text = rec.get("response_text")
    ts = rec.get("ts")
    if (type(event_id) is not str or not event_id or type(account_id) is not str
            or not account_id or type(model) is not str or not model
            or type(request) is not dict or type(response_text) is not str
            or type(ts) is not str or type(endpoint) is not str or endpoint not in ENDPOINTS):
        return None
    try:
        dt = datetime.fromisoformat(ts.strip())
    except ValueError:
        return None
    if dt.tzinfo is None:
        return None
    if dt.year in (1, 9999):  # in UTC it may fall outside years 1-9999: the general path says
        try:
            dt.astimezone(UTC)
        except OverflowError:
            return None
    get = rec.get
    api_key_id, ip, ip_prefix = get("api_key_id"), get("ip"), get("ip_prefix")
    ip_country, user_agent, reasoning_text = get("ip_country"), get("user_agent"), \
        get("reasoning_text")
    for v in (api_key_id, ip, ip_prefix, ip_country, user_agent, reasoning_text):
        if v is not None and type(v) is not str:
            return None
    asn, prompt, completion, reasoning, latency = get("asn"), get("prompt_tokens"), \
        get("completion_tokens"), get("reasoning_tokens"), get("latency_ms")
    for c in (asn, prompt, completion, reasoning, latency):
        if c is not None and (type(c) is not int or c < 0):
            return None
    status = get("status", 200)
    if status is None:
        status = 200
    elif type(status) is not int or not 100 <= status <= 599:
        return None
    req = request_columns(endpoint, request)
    if req is None:
        return None
    ms = ts_ms(dt)
    return (
        event_id, ms, account_id, api_key_id, ip, ip_prefix, asn, ip_country, user_agent,
        endpoint, model, orjson.dumps(request), response_text, reasoning_text,
        prompt, completion, reasoning, status, latency, *req, ms // DAY_MS,
    )


def general_row(ev: Event) -> tuple[Any, ...]:
    """The same tuple from a validated :class:`Event` (the general path)."""
    row = event_row(ev)
    ms = ts_ms(ev.ts)
    row["ts"] = ms
    row["day"] = ms // DAY_MS
    return tuple(row.values())
