"""`distillguard replay` against a live gateway (uvicorn on loopback, stub
upstream in process): campaigns are cut off early, benign accounts served."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.settings import Settings
from intel.taxii_helpers import serve

from .conftest import make_gateway

POLICY = """\
limits: {}
score: {min_requests: 10, thresholds: {review: 0.3, block: 0.45}}
"""
HARVEST = ("Generate 5 diverse new questions about topic {i}, then answer each one. Think step "
           "by step and show your full reasoning before giving your final answer.")


def _world(tmp: Path) -> tuple[Path, Path, Path]:
    t0 = datetime(2026, 5, 2, 12, tzinfo=UTC)
    accounts, events, labels = [], [], ["account_id,label,campaign"]
    for a in range(4):
        acct = f"benign-{a}"
        accounts.append({"account_id": acct, "created_at": "2026-01-01T00:00:00Z",
                         "kyc_level": "card", "org_id": f"org-b{a}"})
        labels.append(f"{acct},benign,")
        for i in range(25):
            events.append((t0 + timedelta(minutes=7 * i + a), acct, {
                "model": "stub-chat", "messages": [
                    {"role": "user", "content": f"Can you draft a reply to email {i}?"},
                    {"role": "assistant", "content": "Sure, what should it say?"},
                    {"role": "user", "content": "Say I will attend the meeting."}]}))
    for a in range(3):
        acct = f"harvest-{a}"
        accounts.append({"account_id": acct, "created_at": "2026-04-30T00:00:00Z",
                         "kyc_level": "card", "org_id": "org-h"})
        labels.append(f"{acct},distiller,camp-1")
        for i in range(120):
            events.append((t0 + timedelta(seconds=20 * i + a), acct, {
                "model": "stub-reasoner", "max_tokens": 16000, "reasoning_effort": "high",
                "messages": [{"role": "user", "content": HARVEST.format(i=i)}]}))
    events.sort(key=lambda e: e[0])
    ev_path, acc_path, lab_path = tmp / "events.jsonl", tmp / "accounts.jsonl", tmp / "labels.csv"
    with open(ev_path, "wb") as fh:
        for n, (ts, acct, req) in enumerate(events):
            fh.write(orjson.dumps({
                "event_id": f"ev{n}", "ts": ts.isoformat().replace("+00:00", "Z"),
                "account_id": acct, "endpoint": "chat.completions", "model": req["model"],
                "request": req, "response_text": "x", "ip": "203.0.113.7"}) + b"\n")
    acc_path.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in accounts))
    lab_path.write_text("\n".join(labels) + "\n")
    return ev_path, acc_path, lab_path


def test_replay_reports_served_before_block(settings: Settings, tmp_path: Path) -> None:
    ev_path, acc_path, lab_path = _world(tmp_path)
    gw = make_gateway(settings, tmp_path, policy=POLICY)
    out = tmp_path / "replay.json"
    with serve(gw.app, lifespan="on", log_level="warning") as url:
        res = CliRunner().invoke(cli, [
            "replay", "--events", str(ev_path), "--accounts", str(acc_path),
            "--labels", str(lab_path), "--gateway", url, "--concurrency", "8",
            "--out", str(out), "--format", "json"],
            # FORCE_COLOR: stderr drawn as on a terminal, where progress shows
            env={"DISTILLGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.db'}",
                 "FORCE_COLOR": "1"})
        assert res.exit_code == 0, res.output
    # the library's progress callback, drawn by the CLI's one renderer: all 460 sent
    assert "replay: 460 sent" in res.stderr, res.stderr
    report = json.loads(out.read_text())
    assert report["sent"] == 4 * 25 + 3 * 120 and report["errors"] == 0
    (camp,) = report["campaigns"]
    assert camp["campaign"] == "camp-1" and camp["accounts_blocked"] == 3
    assert camp["sent"] == 360
    assert 0 < camp["served_before_first_block"] < 0.25 * camp["sent"]
    assert report["benign_accounts"] == 4 and report["benign_blocked"] == []
    assert json.loads(res.stdout)["campaigns"][0]["campaign"] == "camp-1"
    # every exchange the gateway answered is in its log with the replayed request
    n_logged = sum(len(p.read_bytes().splitlines()) for p in gw.log.files())
    assert n_logged == report["sent"]


def test_summary_counts_rate_limits_apart_and_cut_offs() -> None:
    from distillguard.gateway.replay import BLOCKED, RATE_LIMITED, SERVED, Outcome, summarise
    from distillguard.schema import Label

    t0 = datetime(2026, 5, 4, tzinfo=UTC)
    labels = [Label("c1", "distiller", "camp"), Label("c2", "distiller", "camp"),
              Label("d1", "distiller", "other"), Label("b1", "benign"), Label("b2", "benign")]
    outs = [Outcome(t0 + timedelta(hours=h), "c1", SERVED) for h in range(4)]
    outs += [Outcome(t0 + timedelta(hours=4), "c1", RATE_LIMITED, "rate_limited")]
    outs += [Outcome(t0 + timedelta(hours=5), "c1", BLOCKED, "account_blocked")]
    # the campaign's other account keeps being served after the first block: 78% served
    outs += [Outcome(t0 + timedelta(hours=6 + h), "c2", SERVED) for h in range(14)]
    outs += [Outcome(t0 + timedelta(hours=h), "d1", BLOCKED, "account_blocked")
             for h in range(3)]
    outs += [Outcome(t0 + timedelta(days=1), "b1", SERVED),
             Outcome(t0 + timedelta(days=1), "b2", BLOCKED, "account_blocked: hunt")]
    rep = summarise(outs, labels, 1.0, personas={"b1": "casual", "b2": "student"})
    camp = {r["campaign"]: r for r in rep.campaigns}
    assert camp["camp"]["sent"] == 20 and camp["camp"]["served"] == 18
    assert camp["camp"]["rate_limited"] == 1 and camp["camp"]["blocked"] == 1
    assert camp["camp"]["share_served"] == 0.9
    assert camp["camp"]["served_before_first_block"] == 4  # the 429 is not a block
    assert camp["camp"]["share_served_after_first_block"] == round(14 / 15, 4)
    assert camp["camp"]["cut_off"] is False and camp["other"]["cut_off"] is True
    h = rep.headline
    assert (h["campaigns"], h["campaigns_cut_off"]) == (2, 1)
    assert h["campaign_accounts_refused"] == 2 and h["campaign_accounts"] == 3
    assert h["rate_limited"] == 1 and rep.rate_limited == 1
    assert h["benign_refused"] == 1 and rep.benign_blocked[0]["persona"] == "student"
    assert [d["day"] for d in rep.days] == ["2026-05-04", "2026-05-05"]
    later = summarise(outs, labels, 1.0, measure_from=t0 + timedelta(days=1))
    assert later.headline["distiller_attempted"] == 0 and later.sent == 2
