from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.schema import normalize_request

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)


def test_openai_chat() -> None:
    body = {"model": "m", "messages": [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "think step by step"}],
        "temperature": 0.2, "n": 4, "logprobs": True, "top_logprobs": 5,
        "max_completion_tokens": 900, "reasoning_effort": "high",
        "tools": [{"type": "function", "function": {"name": "run_tests"}}], "stream": True,
        "response_format": {"type": "json_object"}, "user": "u1"}
    v = normalize_request("chat.completions", body)
    assert v.system == "Be terse."
    assert v.user_texts == ("hi", "think step by step")
    assert v.n == 4 and v.logprobs and v.top_logprobs == 5 and v.max_tokens == 900
    assert v.reasoning.enabled and v.reasoning.effort == "high"
    assert v.tools == ("run_tests",) and v.stream and v.response_format == "json_object"
    assert v.sampling == {"temperature": 0.2} and v.metadata_user == "u1"
    assert v.raw is body


def test_anthropic_messages() -> None:
    body = {"model": "m", "max_tokens": 16000, "system": [{"type": "text", "text": "Tutor."}],
            "thinking": {"type": "enabled", "budget_tokens": 12000},
            "tools": [{"name": "bash", "input_schema": {}}],
            "metadata": {"user_id": "x"},
            "messages": [{"role": "user", "content": "q"},
                         {"role": "assistant", "content": [
                             {"type": "tool_use", "id": "t", "name": "bash",
                              "input": {"c": "ls"}}]},
                         {"role": "user", "content": [
                             {"type": "tool_result", "tool_use_id": "t", "content": "a.py"}]}]}
    v = normalize_request("messages", body)
    assert v.system == "Tutor." and v.max_tokens == 16000
    assert v.reasoning.enabled and v.reasoning.budget_tokens == 12000
    assert v.tools == ("bash",) and v.metadata_user == "x"
    assert [t.text for t in v.turns] == ["q", '{"c": "ls"}', "a.py"]


def test_openai_responses() -> None:
    body = {"model": "m", "instructions": "Sys", "input": "Solve it",
            "reasoning": {"effort": "high", "summary": "detailed"}, "max_output_tokens": 5000,
            "include": ["message.output_text.logprobs"]}
    v = normalize_request("responses", body)
    assert v.system == "Sys" and v.user_texts == ("Solve it",)
    assert v.reasoning.effort == "high" and v.reasoning.summary == "detailed"
    assert v.max_tokens == 5000 and v.logprobs


def test_legacy_completions() -> None:
    v = normalize_request("completions", {"model": "m", "prompt": ["a", "b"], "logprobs": 3})
    assert v.user_texts == ("a\nb",) and v.logprobs and v.top_logprobs == 3


@given(st.sampled_from(["chat.completions", "messages", "responses", "completions", "x"]),
       st.dictionaries(st.sampled_from(["messages", "input", "system", "instructions", "prompt",
                                        "thinking", "reasoning", "tools", "n", "max_tokens",
                                        "logprobs", "metadata", "include", "text",
                                        "response_format"]), JSON))
def test_never_crashes_on_odd_shapes(endpoint: str, body: dict) -> None:
    v = normalize_request(endpoint, body)
    assert v.n >= 1 and isinstance(v.system, str)
