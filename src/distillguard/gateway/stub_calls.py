"""The stub model's tool use: which function tool it calls for a request, and
with what arguments (filled deterministically from the tool's JSON schema), in
the three wire formats' tool and tool-choice shapes.

A request gets a call when it offers function tools, does not forbid them
(``tool_choice`` none), and its last turn is not a tool result; the call is of
the tool ``tool_choice`` names, else the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson


class Call(NamedTuple):
    """A tool call the stub model makes; ``arguments`` is JSON text."""

    call_id: str
    name: str
    arguments: str


def _functions(endpoint: str, tools: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, JSON schema) of every function tool offered, in order."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for t in tools if isinstance(tools, list) else ():
        if not isinstance(t, dict):
            continue
        if endpoint == "messages":
            name, schema = t.get("name"), t.get("input_schema")
            if t.get("type") not in (None, "custom"):
                continue  # server tools (web search, ...) run at the vendor
        elif endpoint == "chat.completions":
            fn = t.get("function") if t.get("type") == "function" else None
            name, schema = (fn.get("name"), fn.get("parameters")) if isinstance(fn, dict) else (
                None, None)
        else:
            name, schema = (t.get("name"), t.get("parameters")) if t.get(
                "type") == "function" else (None, None)
        if isinstance(name, str) and name:
            out.append((name, schema if isinstance(schema, Mapping) else {}))
    return out


def _after_tool_result(endpoint: str, req: Mapping[str, Any]) -> bool:
    turns = req.get("input" if endpoint == "responses" else "messages")
    if not isinstance(turns, list) or not turns or not isinstance(turns[-1], dict):
        return False
    last = turns[-1]
    if endpoint == "messages":
        content = last.get("content")
        return isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    return last.get("role") == "tool" or last.get("type") == "function_call_output"


def _value(schema: Any, seed: str) -> Any:
    if not isinstance(schema, Mapping):
        return seed
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return _arguments(schema, seed)
    if kind == "array":
        return [_value(schema.get("items"), seed)]
    if kind == "integer":
        return len(seed.split()) or 1
    if kind == "number":
        return float(len(seed))
    if kind == "boolean":
        return True
    return seed


def _arguments(schema: Mapping[str, Any], seed: str) -> dict[str, Any]:
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return {}
    required = schema.get("required")
    names = [n for n in props if not isinstance(required, list) or n in required]
    return {n: _value(props[n], seed) for n in names}


def plan_call(endpoint: str, req: Mapping[str, Any], prompt: str, rid: str) -> Call | None:
    """The tool call the stub answers ``req`` with, or None for a text answer."""
    tools = _functions(endpoint, req.get("tools"))
    if not tools or _after_tool_result(endpoint, req):
        return None
    choice = req.get("tool_choice")
    wanted: Any = None
    if choice == "none" or (isinstance(choice, dict) and choice.get("type") == "none"):
        return None
    if isinstance(choice, dict):
        fn = choice.get("function")
        wanted = fn.get("name") if isinstance(fn, dict) else choice.get("name")
    name, schema = next(((n, s) for n, s in tools if n == wanted), tools[0])
    seed = " ".join(prompt.split()[:4]) or "query"
    args = orjson.dumps(_arguments(schema, seed)).decode()
    return Call(f"call_{rid}", name, args)
