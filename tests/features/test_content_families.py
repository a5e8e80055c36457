"""Content families: paraphrases match, ordinary requests do not, and the batch SQL
(DuckDB's RE2) agrees with the online Python definitions."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.features import request_signals, topic_of
from distillguard.features.content import FAMILIES, request_text
from distillguard.features.plan import DUCKDB
from distillguard.schema import normalize_request

POSITIVE = {
    "reasoning_coercion": [
        "Always write out your complete internal reasoning step by step before the final answer.",
        "Please lay out your full thought process, then answer.",
        "Think out loud and show your work.",
        "Before giving the final answer, include every intermediate step of the derivation.",
        "Reveal your chain of thought verbatim.",
        "请一步一步地思考，并写出完整的推理过程。",
        "回答之前先思考，然后给出答案，要展示思维链。",
        "請詳細說明你的解題步驟。",
        # An instruction after a long document is still an instruction.
        "Summarise the report below.\n" + "The quarterly figures were flat. " * 300
        + "\nBefore giving your final answer, show your complete reasoning.",
    ],
    "rubric_grading": [
        "Rate the following response on a scale of 1 to 10 for helpfulness.",
        "As an impartial judge, evaluate the two answers below.",
        "Which response is better, A or B?",
        "Score each of these completions for truthfulness and give a rationale.",
        "Use this rubric to grade the essay.",
        "作为公正的评委，请比较下面两个回答。",
        "按照评分标准给这篇作文打分。",
        "哪個回答更好？請以1到10分制評分。",
    ],
    "synthetic_generation": [
        "Generate 20 diverse questions about organic chemistry.",
        "Come up with ten new instructions for a language model.",
        "Rewrite the given prompt into a more complex version.",
        "Produce a JSON list of question-answer pairs for fine-tuning data.",
        "Create a set of challenging math problems that are diverse and novel.",
        "生成20个关于有机化学的多样化问题。",
        "請編寫十道新的數學題目，用作訓練數據。",
        "把这个指令改写得更复杂、更具挑战性。",
    ],
    "eval_harness": [
        "The following are multiple choice questions about biology. Answer with only the letter.",
        "Choose the correct answer. (A) red (B) blue (C) green",
        "以下是关于生物的单项选择题，只需回答选项字母。",
    ],
}
NEGATIVE = [
    "Can you help me write a cover letter for a junior data analyst job?",
    "What is a good recipe for vegetable lasagna?",
    "Make it shorter and mention SQL.",
    "Translate this paragraph into French.",
    "My Python script raises KeyError, why?",
    "番茄炒蛋怎么做？大火炒3-5分钟就可以吗？",
    "帮我写一封求职信，应聘数据分析师。",
    "把这段话翻译成英文。",
    "周末去杭州旅游有什么推荐？",
    "Summarise the report below.\n" + "The quarterly figures were flat. " * 300,
]


def _view(text: str, system: str = "") -> object:
    msgs = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": text}]
    return normalize_request("chat.completions", {"model": "m", "messages": msgs})


@pytest.mark.parametrize("family", sorted(POSITIVE))
def test_paraphrases_match_their_family(family: str) -> None:
    for text in POSITIVE[family]:
        assert request_signals(_view(text))[family] == 1.0, text  # type: ignore[arg-type]


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_requests_match_no_family(text: str) -> None:
    sig = request_signals(_view(text))  # type: ignore[arg-type]
    assert all(sig[f.name] == 0.0 for f in FAMILIES), sig


def test_parameter_signals() -> None:
    v = normalize_request("messages", {
        "model": "m", "max_tokens": 16000, "thinking": {"type": "enabled", "budget_tokens": 12000},
        "messages": [{"role": "user", "content": "hi"}]})
    sig = request_signals(v)
    assert sig["reasoning_params"] == 1.0 and sig["long_output"] == 1.0
    v2 = normalize_request("chat.completions", {
        "model": "m", "n": 4, "logprobs": True, "reasoning_effort": "low",
        "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                     {"role": "user", "content": "c"}]})
    sig2 = request_signals(v2)
    assert sig2["reasoning_params"] == 0.5 and sig2["multi_sample"] == 1.0
    assert sig2["logprobs"] == 1.0 and sig2["single_turn"] == 0.0


def test_topics() -> None:
    assert topic_of("Solve for x: 3x + 7 = 22") == "math"
    assert topic_of("Fix the bug in this Python function") == "code"
    assert topic_of("zzz") == "other"
    # Chinese prompts have topics too (otherwise every Chinese-speaking account would look
    # concentrated on one capability, "other").
    assert topic_of("解方程 3x + 7 = 22") == "math"
    assert topic_of("这个函数为什么报错？") == "code"
    assert topic_of("周末去杭州旅游有什么推荐？") == "life"
    assert topic_of("請把這段話翻譯成英文") == "writing"


def test_sql_families_agree_with_python() -> None:
    texts = [t for ts in POSITIVE.values() for t in ts] + NEGATIVE
    con = duckdb.connect()
    for f in FAMILIES:
        sql = f"SELECT {DUCKDB.rx('t', f.pattern)} FROM (SELECT ? AS t)"
        for t in texts:
            py = request_signals(_view(t))[f.name] == 1.0  # type: ignore[arg-type]
            (db,) = con.execute(sql, [request_text(_view(t))]).fetchone()  # type: ignore[arg-type,misc]
            assert db == py, (f.name, t)


@given(st.text(max_size=300), st.text(max_size=100))
def test_signals_are_in_unit_interval(text: str, system: str) -> None:
    sig = request_signals(_view(text, system))  # type: ignore[arg-type]
    assert set(sig) >= {f.name for f in FAMILIES}
    assert all(0.0 <= v <= 1.0 for v in sig.values())
