"""Rendered request bodies read back through the schema's normaliser unchanged:
the simulator speaks the three real wire formats, not a dialect of its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.schema import normalize_request
from distillguard.simulate.bodies import Call, Msg, ToolDef, render

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
TOOLS = st.lists(st.sampled_from(("read_file", "bash", "grep", "lookup_order")), unique=True,
                 max_size=3).map(lambda names: tuple(ToolDef(n, "d", ("path",)) for n in names))


@st.composite
def calls(draw: st.DrawFn) -> Call:
    turns = draw(st.lists(TEXT, min_size=1, max_size=4))
    msgs = []
    for i, t in enumerate(turns):
        if i:
            msgs.append(Msg("assistant", draw(TEXT)))
        msgs.append(Msg("user", t))
    return Call(
        system=draw(st.one_of(st.just(""), TEXT)), messages=msgs, response="r",
        temperature=draw(st.one_of(st.none(), st.sampled_from((0.0, 0.7)))),
        max_tokens=draw(st.one_of(st.none(), st.integers(16, 64000))),
        effort=draw(st.one_of(st.none(), st.sampled_from(("low", "medium", "high")))),
        tools=draw(TOOLS), logprobs=draw(st.booleans()), stream=draw(st.booleans()),
        n=draw(st.sampled_from((1, 1, 2))),
    )


@given(st.sampled_from(("chat.completions", "responses", "messages")), calls())
def test_rendered_bodies_normalise_back(endpoint: str, call: Call) -> None:
    body = render(endpoint, "orion-2", call)
    view = normalize_request(endpoint, body)
    assert view.model == "orion-2"
    assert view.system == call.system
    assert view.user_texts == tuple(m.text for m in call.messages if m.role == "user")
    assert view.tools == tuple(t.name for t in call.tools)
    assert view.reasoning.enabled == (call.effort is not None)
    assert view.stream == call.stream
    if endpoint != "messages":
        assert view.max_tokens == call.max_tokens
        assert view.logprobs == call.logprobs
    else:
        assert view.max_tokens is not None and view.max_tokens >= (call.max_tokens or 1)
        if call.effort:
            assert view.reasoning.budget_tokens is not None
            assert view.max_tokens > view.reasoning.budget_tokens
    if endpoint == "chat.completions":
        assert view.n == call.n


def test_tool_turns_keep_their_shape() -> None:
    call = Call("sys", [Msg("user", "fix it"),
                        Msg("assistant", "reading", ("call_1", "read_file", {"path": "a.py"})),
                        Msg("tool", "print(1)", ("call_1", "read_file", None)),
                        Msg("user", "and now?")], "ok",
                tools=(ToolDef("read_file", "read", ("path",)),))
    for endpoint in ("chat.completions", "responses", "messages"):
        view = normalize_request(endpoint, render(endpoint, "m", call))
        texts = " ".join(t.text for t in view.turns)
        assert "print(1)" in texts, endpoint
        assert view.user_texts[0] == "fix it"
        assert view.tools == ("read_file",)
