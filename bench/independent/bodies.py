"""Request bodies in the three wire shapes (OpenAI chat completions, OpenAI responses,
Anthropic messages), built from one neutral conversation, plus tool sets and tool loops."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

# A neutral turn: ("system", text) | ("user", text) | ("assistant", text)
#                 | ("calls", [(call_id, name, args_dict), ...]) | ("result", call_id, name, text)
Turn = tuple


@dataclass
class Params:
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = False
    effort: str | None = None  # reasoning effort (OpenAI) or None
    thinking_budget: int | None = None  # Anthropic extended thinking
    n: int | None = None
    logprobs: bool = False
    top_p: float | None = None
    user: str | None = None  # metadata.user / user / metadata.user_id
    tool_choice: str | None = None
    response_format: str | None = None  # "json_object"
    extra: dict[str, Any] = field(default_factory=dict)


def tool(
    name: str, desc: str, props: dict[str, str], required: list[str] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "description": desc,
        "parameters": {
            "type": "object",
            "properties": {
                k: {"type": v.split(":")[0], "description": v.split(":", 1)[-1]}
                for k, v in props.items()
            },
            "required": required if required is not None else list(props)[:1],
        },
    }


def build(
    endpoint: str,
    model: str,
    turns: list[Turn],
    p: Params,
    tools: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if endpoint == "messages":
        return _messages(model, turns, p, tools)
    if endpoint == "responses":
        return _responses(model, turns, p, tools)
    return _chat(model, turns, p, tools)


def _chat(
    model: str, turns: list[Turn], p: Params, tools: list[dict[str, Any]] | None
) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = []
    for t in turns:
        if t[0] in ("system", "user", "assistant"):
            msgs.append({"role": t[0], "content": t[1]})
        elif t[0] == "calls":
            msgs.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {"name": n, "arguments": json.dumps(a)},
                        }
                        for cid, n, a in t[1]
                    ],
                }
            )
        else:
            msgs.append({"role": "tool", "tool_call_id": t[1], "content": t[3]})
    body: dict[str, Any] = {"model": model, "messages": msgs}
    if tools:
        body["tools"] = [{"type": "function", "function": tl} for tl in tools]
        if p.tool_choice:
            body["tool_choice"] = p.tool_choice
    if p.temperature is not None:
        body["temperature"] = p.temperature
    if p.top_p is not None:
        body["top_p"] = p.top_p
    if p.max_tokens is not None:
        body["max_completion_tokens" if p.effort else "max_tokens"] = p.max_tokens
    if p.effort:
        body["reasoning_effort"] = p.effort
    if p.n:
        body["n"] = p.n
    if p.logprobs:
        body["logprobs"], body["top_logprobs"] = True, 5
    if p.stream:
        body["stream"], body["stream_options"] = True, {"include_usage": True}
    if p.user:
        body["user"] = p.user
    if p.response_format:
        body["response_format"] = {"type": p.response_format}
    body.update(p.extra)
    return body


def _responses(
    model: str, turns: list[Turn], p: Params, tools: list[dict[str, Any]] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model}
    items: list[dict[str, Any]] = []
    for t in turns:
        if t[0] == "system":
            body["instructions"] = t[1]
        elif t[0] == "user":
            items.append({"role": "user", "content": [{"type": "input_text", "text": t[1]}]})
        elif t[0] == "assistant":
            items.append({"role": "assistant", "content": [{"type": "output_text", "text": t[1]}]})
        elif t[0] == "calls":
            items.extend(
                {"type": "function_call", "call_id": cid, "name": n, "arguments": json.dumps(a)}
                for cid, n, a in t[1]
            )
        else:
            items.append({"type": "function_call_output", "call_id": t[1], "output": t[3]})
    if (
        len(items) == 1
        and items[0].get("role") == "user"
        and random.Random(len(str(items))).random() < 0.5
    ):
        body["input"] = items[0]["content"][0]["text"]
    else:
        body["input"] = items
    if tools:
        body["tools"] = [{"type": "function", **tl} for tl in tools]
    if p.effort:
        body["reasoning"] = {"effort": p.effort, "summary": "auto"}
    if p.temperature is not None and not p.effort:
        body["temperature"] = p.temperature
    if p.max_tokens is not None:
        body["max_output_tokens"] = p.max_tokens
    if p.stream:
        body["stream"] = True
    if p.user:
        body["user"] = p.user
    body["store"] = bool(p.extra.get("store", False))
    return body


def _messages(
    model: str, turns: list[Turn], p: Params, tools: list[dict[str, Any]] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": p.max_tokens or 4096}
    msgs: list[dict[str, Any]] = []

    def push(role: str, block: Any) -> None:
        if msgs and msgs[-1]["role"] == role:
            c = msgs[-1]["content"]
            if isinstance(c, str):
                msgs[-1]["content"] = [{"type": "text", "text": c}]
            msgs[-1]["content"].append(
                block if isinstance(block, dict) else {"type": "text", "text": block}
            )
        else:
            msgs.append({"role": role, "content": block if isinstance(block, str) else [block]})

    for t in turns:
        if t[0] == "system":
            body["system"] = t[1]
        elif t[0] in ("user", "assistant"):
            push(t[0], t[1])
        elif t[0] == "calls":
            for cid, n, a in t[1]:
                push("assistant", {"type": "tool_use", "id": cid, "name": n, "input": a})
        else:
            push("user", {"type": "tool_result", "tool_use_id": t[1], "content": t[3]})
    body["messages"] = msgs
    if tools:
        body["tools"] = [
            {"name": tl["name"], "description": tl["description"], "input_schema": tl["parameters"]}
            for tl in tools
        ]
    if p.thinking_budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": p.thinking_budget}
        body["max_tokens"] = max(body["max_tokens"], p.thinking_budget + 2048)
    elif p.temperature is not None:
        body["temperature"] = p.temperature
    if p.stream:
        body["stream"] = True
    if p.user:
        body["metadata"] = {"user_id": p.user}
    return body


# ---------------------------------------------------------------- tool sets

CODING_TOOLS = [
    tool("read_file", "Read a file from the workspace.", {"path": "string:Relative path"}),
    tool(
        "write_file",
        "Create or overwrite a file.",
        {"path": "string:Relative path", "content": "string:Full content"},
        ["path", "content"],
    ),
    tool(
        "run_command",
        "Run a shell command in the sandbox and return stdout/stderr.",
        {"command": "string:Command line", "timeout": "integer:Seconds"},
    ),
    tool(
        "search_code",
        "Ripgrep the repository.",
        {"pattern": "string:Regex", "glob": "string:File glob"},
    ),
    tool("apply_patch", "Apply a unified diff to the workspace.", {"patch": "string:Unified diff"}),
]

DOMAIN_TOOLSETS: dict[str, list[dict[str, Any]]] = {
    "travel": [
        tool(
            "search_flights",
            "Search flights.",
            {"origin": "string:IATA", "destination": "string:IATA", "date": "string:YYYY-MM-DD"},
        ),
        tool(
            "book_flight",
            "Book a flight offer.",
            {"offer_id": "string:Offer id", "passenger": "object:Passenger"},
        ),
        tool("get_weather", "Forecast for a city.", {"city": "string:City"}),
    ],
    "commerce": [
        tool(
            "search_products",
            "Search catalogue.",
            {"query": "string:Query", "max_price": "number:Max price"},
        ),
        tool("get_order", "Look up an order.", {"order_id": "string:Order id"}),
        tool(
            "issue_refund",
            "Refund an order.",
            {"order_id": "string:Order id", "amount": "number:Amount"},
        ),
    ],
    "analytics": [
        tool("list_tables", "List warehouse tables.", {"schema": "string:Schema"}),
        tool("describe_table", "Columns of a table.", {"table": "string:Table"}),
        tool("run_sql", "Run a read-only SQL query.", {"sql": "string:Query"}),
    ],
    "research": [
        tool("web_search", "Search the web.", {"q": "string:Query"}),
        tool("fetch_url", "Fetch a page as text.", {"url": "string:URL"}),
        tool("save_note", "Save a note.", {"text": "string:Note"}),
    ],
    "devops": [
        tool(
            "kubectl_get",
            "Get Kubernetes resources.",
            {"kind": "string:Kind", "namespace": "string:Namespace"},
        ),
        tool("get_logs", "Tail logs of a pod.", {"pod": "string:Pod", "lines": "integer:Lines"}),
        tool("restart_deployment", "Restart a deployment.", {"name": "string:Deployment"}),
    ],
    "crm": [
        tool("lookup_customer", "Find customer by email.", {"email": "string:Email"}),
        tool(
            "update_ticket",
            "Update a support ticket.",
            {"ticket_id": "string:Id", "status": "string:Status", "note": "string:Note"},
        ),
        tool(
            "send_email",
            "Send an email.",
            {"to": "string:Recipient", "subject": "string:Subject", "body": "string:Body"},
        ),
    ],
    "finance": [
        tool("get_quote", "Latest price of a ticker.", {"symbol": "string:Ticker"}),
        tool("get_fx_rate", "FX rate.", {"base": "string:ISO", "quote": "string:ISO"}),
        tool("portfolio_positions", "Positions of an account.", {"account": "string:Account"}),
    ],
    "home": [
        tool(
            "set_thermostat",
            "Set temperature.",
            {"room": "string:Room", "celsius": "number:Target"},
        ),
        tool("list_devices", "List smart-home devices.", {"room": "string:Room"}),
        tool("run_scene", "Activate a scene.", {"scene": "string:Scene"}),
    ],
    "calendar": [
        tool(
            "list_events",
            "Events in a range.",
            {"start": "string:ISO date", "end": "string:ISO date"},
        ),
        tool(
            "create_event",
            "Create an event.",
            {"title": "string:Title", "start": "string:ISO datetime", "attendees": "array:Emails"},
        ),
        tool(
            "find_free_slot",
            "Find a free slot.",
            {"duration_min": "integer:Minutes", "attendees": "array:Emails"},
        ),
    ],
    "geo": [
        tool("geocode", "Address to coordinates.", {"address": "string:Address"}),
        tool(
            "route",
            "Route between points.",
            {"from": "string:Place", "to": "string:Place", "mode": "string:Mode"},
        ),
    ],
}

VERBS = ["get", "fetch", "lookup", "query", "find", "list", "call", "do", "exec", "invoke"]


def mutate_tools(rng: random.Random, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Operators regenerate tool schemas per environment: renamed tools, reworded descriptions."""
    out = []
    for t in tools:
        t2 = json.loads(json.dumps(t))
        if rng.random() < 0.5:
            t2["name"] = (
                rng.choice(VERBS)
                + "_"
                + t["name"].split("_")[-1]
                + rng.choice(["", "_v2", "s", "_tool"])
            )
        if rng.random() < 0.5:
            t2["description"] = (
                rng.choice(["Tool: ", "Use this to ", "API: "]) + t["description"].lower()
            )
        out.append(t2)
    rng.shuffle(out)
    return out


def tool_output(rng: random.Random, name: str, synthetic: bool) -> str:
    """What the environment returned. Real sandboxes return messy text; a simulated
    environment returns tidy JSON stubs."""
    if synthetic:
        return json.dumps(
            {
                "status": "ok",
                "result": {
                    "id": rng.randrange(10**6),
                    "value": rng.choice(["A", "B", "C", 42, 3.5, True]),
                    "items": rng.randint(0, 9),
                },
                "tool": name,
            }
        )
    if "file" in name:
        return "import os\nimport sys\n\n" + "".join(
            f"def fn_{i}(x):\n    return x * {i}\n\n" for i in range(rng.randint(1, 6))
        )
    if "command" in name:
        return rng.choice(
            [
                "===== 42 passed, 1 failed in 3.21s =====\nFAILED tests/test_io.py::test_roundtrip "
                "- AssertionError",
                "ok\n",
                "error: could not compile `core` due to 2 previous errors",
                "Traceback (most recent call last):\n  File \"app.py\", line 12\nKeyError: 'id'",
            ]
        )
    if "search" in name:
        return "\n".join(
            f"src/mod_{rng.randrange(40)}.py:{rng.randrange(400)}: match"
            for _ in range(rng.randint(1, 8))
        )
    return "done"
