"""LiteLLM spend-log exports and OpenAI Batch file pairs into canonical events."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest

from distillguard.ingest import AdapterOptions, Quarantine, detect, ingest, iter_event_batches
from distillguard.ingest.adapters import litellm, openai_batch
from distillguard.schema import InputError

DATA = Path(__file__).resolve().parent / "data"


def _events(records: Any, q: Quarantine) -> list[dict[str, Any]]:
    batches = list(iter_event_batches([], quarantine=q, records=records))
    return pa.Table.from_batches(batches).to_pylist() if batches else []


@pytest.mark.parametrize("name", ["litellm_spendlogs.csv", "litellm_spendlogs.json"])
def test_litellm_export(name: str) -> None:
    q = Quarantine()
    rows = _events(litellm.records([DATA / name], q, litellm.LiteLLMOptions()), q)
    by_id = {r["event_id"]: r for r in rows}
    assert set(by_id) == {"chatcmpl-8f1c2a", "msg_01XbQ", "chatcmpl-fail1", "chatcmpl-noprompt",
                          "resp_9a"}
    assert q.counts == {"unsupported_call_type": 1}
    assert q.rows[0]["line"] == 4 if name.endswith(".csv") else q.rows[0]["line"] == 3
    assert q.rows[0]["problems"][0]["field"] == "call_type"

    chat = by_id["chatcmpl-8f1c2a"]
    assert chat["account_id"] == "team-acme"
    assert chat["endpoint"] == "chat.completions" and chat["model"] == "frontier-1"
    assert chat["ts"].isoformat() == "2026-05-02T13:04:05.123000+00:00"
    assert chat["latency_ms"] == 4210 and chat["ip"] == "203.0.113.17"
    assert chat["user_agent"] == "OpenAI/Python 1.82.0"
    assert orjson.loads(chat["request"])["temperature"] == 0.7  # from proxy_server_request
    assert chat["response_text"] == "Of course! Here's a draft..."
    assert chat["prompt_tokens"] == 21 and chat["completion_tokens"] == 312

    msg = by_id["msg_01XbQ"]
    assert msg["account_id"] == "team-tutor"  # from metadata when the column is empty
    assert msg["endpoint"] == "messages" and msg["req_reasoning_enabled"]
    assert msg["req_thinking_budget"] == 12000
    assert msg["response_text"] == "By induction: ..."
    assert msg["reasoning_text"] == "Base case n=1..."

    fail = by_id["chatcmpl-fail1"]
    assert fail["status"] == 429 and fail["day"].isoformat() == "2026-05-03"
    assert orjson.loads(fail["request"])["messages"][0]["content"] == "again"

    bare = by_id["chatcmpl-noprompt"]
    assert bare["account_id"] == "c3" and bare["response_text"] == ""
    assert orjson.loads(bare["request"]) == {"model": "gpt-4o-2024-08-06"}

    resp = by_id["resp_9a"]
    assert resp["endpoint"] == "responses" and resp["req_reasoning_effort"] == "high"
    assert resp["response_text"] == "Score: 7/10." and resp["reasoning_tokens"] == 420
    assert resp["reasoning_text"] == "Thinking about grading."


def test_litellm_account_options() -> None:
    q = Quarantine()
    opts = litellm.LiteLLMOptions(account_from=("api_key",),
                                  account_map={"c3": "acct-carol"})
    rows = _events(litellm.records([DATA / "litellm_spendlogs.csv"], q, opts), q)
    accounts = {r["event_id"]: r["account_id"] for r in rows}
    assert accounts["chatcmpl-noprompt"] == "acct-carol"
    assert accounts["chatcmpl-8f1c2a"].startswith("88dc28")


def test_litellm_jsonl_and_gzip(tmp_path: Path) -> None:
    rows = orjson.loads((DATA / "litellm_spendlogs.json").read_bytes())
    src = tmp_path / "spend.jsonl.gz"
    src.write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in rows)))
    assert detect(src) == "litellm"
    q = Quarantine()
    got = _events(litellm.records([src], q, litellm.LiteLLMOptions()), q)
    assert len(got) == 5 and q.counts == {"unsupported_call_type": 1}


def test_openai_batch_pairs() -> None:
    q = Quarantine()
    files = [DATA / "batch_output.jsonl", DATA / "batch_errors.jsonl", DATA / "batch_input.jsonl"]
    opts = openai_batch.BatchOptions(account_id="acct-batch", api_key_id="key-b",
                                     created_at="2026-05-02T12:00:00Z")
    rows = _events(openai_batch.records(files, q, opts), q)
    by_id = {r["event_id"]: r for r in rows}
    assert set(by_id) == {"batch_req_6a1", "batch_req_6a2", "batch_req_6a3"}
    one = by_id["batch_req_6a1"]
    assert one["account_id"] == "acct-batch" and one["api_key_id"] == "key-b"
    assert one["ts"].isoformat() == "2026-05-02T13:05:00+00:00"
    assert one["req_system"].startswith("You are a data generator")
    assert one["response_text"] == "1. A train leaves..." and one["completion_tokens"] == 900
    assert by_id["batch_req_6a2"]["reasoning_tokens"] == 512
    assert by_id["batch_req_6a2"]["req_reasoning_effort"] == "high"
    expired = by_id["batch_req_6a3"]
    assert expired["status"] == 500 and expired["ts"].isoformat().startswith("2026-05-02T12:00")
    assert expired["response_text"] == ""
    reasons = sorted((r["reason"], Path(r["source"]).name, r["line"]) for r in q.rows)
    assert reasons == [
        ("unmatched_batch_line", "batch_input.jsonl", 5),
        ("unmatched_batch_line", "batch_output.jsonl", 4),
        ("unsupported_call_type", "batch_input.jsonl", 4),
    ]


def test_openai_batch_without_created_at_quarantines_undated_errors() -> None:
    q = Quarantine()
    files = [DATA / "batch_input.jsonl", DATA / "batch_output.jsonl", DATA / "batch_errors.jsonl"]
    rows = _events(openai_batch.records(files, q, openai_batch.BatchOptions("acct-b")), q)
    assert {r["event_id"] for r in rows} == {"batch_req_6a1", "batch_req_6a2"}
    undated = [r for r in q.rows if r["reason"] == "invalid_record"]
    assert len(undated) == 1 and undated[0]["problems"][0]["field"] == "ts"


def test_ingest_auto_detects_each_shape(tmp_path: Path, fixtures_dir: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("litellm_spendlogs.csv", "batch_input.jsonl", "batch_output.jsonl"):
        shutil.copy(DATA / name, inputs / name)
    shutil.copy(fixtures_dir / "spec" / "example-events.jsonl", inputs / "events.jsonl")
    files = sorted(inputs.iterdir())
    assert {f.name: detect(f) for f in files} == {
        "batch_input.jsonl": "openai-batch", "batch_output.jsonl": "openai-batch",
        "events.jsonl": "canonical", "litellm_spendlogs.csv": "litellm"}
    with pytest.raises(InputError, match="--account-id"):
        ingest(files, None, tmp_path / "out")
    report = ingest(files, None, tmp_path / "out",
                    options=AdapterOptions(account_id="acct-batch"))
    assert report.events_written == 4 + 5 + 2
    assert report.quarantined_by_reason == {"unmatched_batch_line": 3,
                                            "unsupported_call_type": 2}
    assert report.days == 2 and report.first_day == "2026-05-02"
