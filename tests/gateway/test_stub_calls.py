"""The stub model's choice of tool call, in each wire format's shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from distillguard.gateway.stub_calls import plan_call

SCHEMA = {"type": "object", "required": ["q", "n", "opts"], "properties": {
    "q": {"type": "string"}, "n": {"type": "integer"}, "unused": {"type": "string"},
    "opts": {"type": "object", "properties": {"deep": {"type": "boolean"},
                                              "tags": {"type": "array",
                                                       "items": {"type": "string"}}}}}}


def _tools(endpoint: str) -> list[dict[str, Any]]:
    if endpoint == "chat.completions":
        return [{"type": "function", "function": {"name": n, "parameters": SCHEMA}}
                for n in ("search", "fetch")]
    if endpoint == "responses":
        return [{"type": "web_search"}] + [
            {"type": "function", "name": n, "parameters": SCHEMA} for n in ("search", "fetch")]
    return [{"type": "web_search_20250305", "name": "web_search"}] + [
        {"name": n, "input_schema": SCHEMA} for n in ("search", "fetch")]


NAMED = {"chat.completions": {"type": "function", "function": {"name": "fetch"}},
         "responses": {"type": "function", "name": "fetch"},
         "messages": {"type": "tool", "name": "fetch"}}
NONE = {"chat.completions": "none", "responses": "none", "messages": {"type": "none"}}


@pytest.mark.parametrize("endpoint", sorted(NAMED))
def test_first_function_tool_named_tool_or_none(endpoint: str) -> None:
    req: dict[str, Any] = {"tools": _tools(endpoint)}
    call = plan_call(endpoint, req, "find the latest papers on sparse attention", "r1")
    assert call is not None and call.name == "search" and call.call_id == "call_r1"
    assert orjson.loads(call.arguments) == {
        "q": "find the latest papers", "n": 4,
        "opts": {"deep": True, "tags": ["find the latest papers"]}}
    named = plan_call(endpoint, {**req, "tool_choice": NAMED[endpoint]}, "x", "r1")
    assert named is not None and named.name == "fetch"
    assert plan_call(endpoint, {**req, "tool_choice": NONE[endpoint]}, "x", "r1") is None
    assert plan_call(endpoint, {}, "x", "r1") is None
    assert plan_call(endpoint, {"tools": [{"type": "function"}, 3, "x"]}, "x", "r1") is None
