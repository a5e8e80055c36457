"""The gateway's OpenAPI description, served at ``/openapi.json``.

It describes what the gateway itself accepts and answers (the subset of the
OpenAI and Anthropic request bodies it reads, and its own operations routes),
which is what the schemathesis fuzz test drives.
"""

from __future__ import annotations

from typing import Any

_MESSAGE = {
    "type": "object", "required": ["role", "content"],
    "properties": {"role": {"type": "string", "enum": ["system", "user", "assistant"]},
                   "content": {"type": "string"}},
}
_ERRORS = {str(s): {"description": d, "content": {"application/json": {"schema": {
    "type": "object"}}}} for s, d in (
    (400, "malformed request"), (401, "missing or wrong gateway key"),
    (403, "blocked, or step-up verification required"), (404, "unknown model"),
    (405, "method not allowed"), (413, "body over the limit"),
    (415, "content type is not JSON"), (422, "rejected by upstream"),
    (429, "rate limited or throttled"),
    (502, "upstream failed"), (503, "state store down (fail-closed)"),
    (504, "upstream timed out"))}


def _route(summary: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"post": {
        "summary": summary,
        "security": [{"bearer": []}, {"apiKey": []}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "the model's answer (JSON, or SSE when stream)",
                              "content": {"application/json": {"schema": {"type": "object"}},
                                          "text/event-stream": {"schema": {"type": "string"}}}},
                      **_ERRORS},
    }}


def _simple(summary: str, ctype: str = "application/json") -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {
        "200": {"description": "ok", "content": {ctype: {"schema": {}}}},
        "503": {"description": "not ready", "content": {ctype: {"schema": {}}}}}}}


def openapi_spec(models: tuple[str, ...] = ()) -> dict[str, Any]:
    model = {"type": "string", "minLength": 1}
    if models:
        model = {"type": "string", "enum": list(models)}
    common = {"model": model, "stream": {"type": "boolean"},
              "temperature": {"type": "number", "minimum": 0, "maximum": 2}}
    schema = {"type": "object"}  # a tool's JSON schema: anything goes, the model reads it
    chat_tools = {"type": "array", "items": {"type": "object", "required": ["type", "function"],
                  "properties": {"type": {"type": "string", "enum": ["function"]},
                                 "function": {"type": "object", "required": ["name"],
                                              "properties": {"name": {"type": "string"},
                                                             "parameters": schema}}}}}
    chat = {"type": "object", "required": ["model", "messages"], "properties": {
        **common, "messages": {"type": "array", "items": _MESSAGE, "minItems": 1},
        "tools": chat_tools,
        "max_tokens": {"type": "integer", "minimum": 1}, "n": {"type": "integer", "minimum": 1},
        "logprobs": {"type": "boolean"}, "reasoning_effort": {
            "type": "string", "enum": ["minimal", "low", "medium", "high"]}}}
    responses = {"type": "object", "required": ["model", "input"], "properties": {
        **common, "input": {"oneOf": [{"type": "string"},
                                      {"type": "array", "items": _MESSAGE}]},
        "instructions": {"type": "string"},
        "tools": {"type": "array", "items": {"type": "object", "required": ["type", "name"],
                  "properties": {"type": {"type": "string", "enum": ["function"]},
                                 "name": {"type": "string"}, "parameters": schema}}},
        "max_output_tokens": {"type": "integer", "minimum": 1},
        "reasoning": {"type": "object", "properties": {
            "effort": {"type": "string", "enum": ["minimal", "low", "medium", "high"]}}}}}
    anthropic_tools = {"type": "array", "items": {
        "type": "object", "required": ["name", "input_schema"],
        "properties": {"name": {"type": "string"}, "input_schema": schema}}}
    count = {"type": "object", "required": ["model", "messages"], "properties": {
        "model": model, "messages": {"type": "array", "items": _MESSAGE, "minItems": 1},
        "system": {"type": "string"}, "tools": anthropic_tools}}
    messages = {"type": "object", "required": ["model", "messages", "max_tokens"], "properties": {
        **common, "messages": {"type": "array", "items": _MESSAGE, "minItems": 1},
        "tools": anthropic_tools,
        "system": {"type": "string"}, "max_tokens": {"type": "integer", "minimum": 1},
        "thinking": {"type": "object", "properties": {
            "type": {"type": "string", "enum": ["enabled", "disabled"]},
            "budget_tokens": {"type": "integer", "minimum": 1024}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "distillguard gateway", "version": "1",
                 "description": "OpenAI- and Anthropic-compatible proxy that logs every "
                                "exchange, scores accounts online and enforces policy."},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}}},
        "paths": {
            "/v1/chat/completions": _route("OpenAI chat completions", chat),
            "/v1/responses": _route("OpenAI responses", responses),
            "/v1/messages": _route("Anthropic messages", messages),
            "/v1/messages/count_tokens": _route("Anthropic token counting (not logged)", count),
            "/v1/models": {"get": {"summary": "models served", "security": [{"bearer": []}],
                                   "responses": {"200": {"description": "model list"},
                                                 **_ERRORS}}},
            "/healthz": _simple("liveness"),
            "/readyz": _simple("readiness: key store, state store, exchange log, upstream"),
            "/metrics": _simple("Prometheus metrics", "text/plain"),
        },
    }
