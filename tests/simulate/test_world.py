"""The simulated world honours the contract, is deterministic and covers every
persona and tactic without leaving a single-field giveaway."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from distillguard.schema import EVENT_SCHEMA, Account, Event, Label, normalize_request
from distillguard.simulate import (
    BENIGN_PERSONAS,
    PERSONAS_CSV_HEADER,
    SimConfig,
    simulate,
)
from distillguard.simulate.world import TACTICS

SMALL = SimConfig(accounts=150, days=4, seed=11)
FILES = ("events.jsonl.gz", "accounts.jsonl", "labels.csv", "personas.csv", "world.json",
         "hardness.json")


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate(SMALL, out)
    return out


def _events(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_gives_identical_bytes(world_dir: Path, tmp_path: Path) -> None:
    simulate(SMALL, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (world_dir / name).read_bytes(), name


def test_different_seed_gives_a_different_world(tmp_path: Path) -> None:
    for seed in (1, 2):
        simulate(SimConfig(accounts=60, days=1, seed=seed), tmp_path / str(seed))
    for name in ("events.jsonl.gz", "labels.csv", "accounts.jsonl"):
        assert (tmp_path / "1" / name).read_bytes() != (tmp_path / "2" / name).read_bytes()


def test_every_file_follows_the_contract(world_dir: Path) -> None:
    accounts = []
    with (world_dir / "accounts.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            accounts.append(Account.from_mapping(json.loads(line), source="accounts", line=n))
    ids = {a.account_id for a in accounts}
    assert len(ids) == len(accounts) == SMALL.accounts

    header = (world_dir / "labels.csv").read_text().splitlines()[0]
    assert header == "account_id,label,campaign"
    labels = [Label.from_mapping(r) for r in _csv(world_dir / "labels.csv")]
    assert {lab.account_id for lab in labels} == ids
    assert (world_dir / "personas.csv").read_text().splitlines()[0] == \
        ",".join(PERSONAS_CSV_HEADER)

    events = _events(world_dir / "events.jsonl.gz")
    assert len(events) > 1000
    seen_ids: set[str] = set()
    last = None
    for n, rec in enumerate(events, 1):
        ev = Event.from_mapping(rec, source="events", line=n)
        assert ev.account_id in ids
        assert ev.event_id not in seen_ids
        seen_ids.add(ev.event_id)
        assert last is None or ev.ts >= last, "events are written in time order"
        last = ev.ts
        assert SMALL.start <= ev.ts < SMALL.end
        view = normalize_request(ev.endpoint, ev.request)
        assert view.turns, rec["event_id"]
        assert ev.request["model"] == ev.model
        if ev.status == 200:
            assert ev.completion_tokens and ev.prompt_tokens

    world = json.loads((world_dir / "world.json").read_text())
    assert world["seed"] == SMALL.seed
    assert world["counts"]["events"] == len(events)
    new = [m for m in world["models"] if m["name"] == world["new_model"]]
    assert new and new[0]["released_in_window"]


def test_parquet_events_use_the_canonical_schema(tmp_path: Path) -> None:
    cfg = SimConfig(accounts=80, days=2, seed=3, events_format="parquet")
    report = simulate(cfg, tmp_path / "a")
    table = pq.read_table(tmp_path / "a" / "events.parquet")
    assert table.schema.equals(EVENT_SCHEMA)
    assert table.num_rows == report.events > 0
    simulate(cfg, tmp_path / "b")
    assert (tmp_path / "a" / "events.parquet").read_bytes() == \
        (tmp_path / "b" / "events.parquet").read_bytes()


def test_every_persona_and_tactic_is_present(world_dir: Path) -> None:
    rows = _csv(world_dir / "personas.csv")
    personas = {r["persona"] for r in rows}
    assert personas == set(BENIGN_PERSONAS) | {"distiller"}
    tactics = {t for r in rows for t in r["tactic"].split("+") if t}
    assert {"hydra", "reasoning_coercion", "rubric_grading", "agentic_coding",
            "new_model_pivot", "low_and_slow", "lone_enterprise"} <= tactics <= \
        set(TACTICS) | {"camouflage", "proxy_pool"}
    labels = {r["account_id"]: r for r in _csv(world_dir / "labels.csv")}
    for r in rows:
        lab = labels[r["account_id"]]
        assert (lab["label"] == "distiller") == (r["persona"] == "distiller")
        assert lab["campaign"] == r["campaign"]
        if r["tactic"] == "lone_enterprise":
            assert lab["campaign"] == ""
    active = {e["account_id"] for e in _events(world_dir / "events.jsonl.gz")}
    by_persona: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["account_id"] in active:
            by_persona[r["persona"]] += 1
    assert set(by_persona) == personas, "every persona sends traffic"


def test_no_single_field_gives_attackers_away(world_dir: Path) -> None:
    labels = {r["account_id"]: r["label"] for r in _csv(world_dir / "labels.csv")}
    values: dict[str, dict[str, set[object]]] = {
        k: {"benign": set(), "distiller": set()}
        for k in ("user_agent", "model", "endpoint")}
    for e in _events(world_dir / "events.jsonl.gz"):
        side = labels[str(e["account_id"])]
        for k in values:
            values[k][side].add(e.get(k))
    for k, sides in values.items():
        only_attack = sides["distiller"] - sides["benign"]
        assert not only_attack, f"{k} values used only by distillers: {only_attack}"
    # (Networks are checked on the larger world of test_tactics.py: in 150 accounts
    # there are fewer casual users than residential networks.)
    # Account ids are hashes: same shape for everyone, and files list them in id order,
    # so neither the id nor the row position says who is who.
    assert list(labels) == sorted(labels)
    assert {len(a) for a in labels} == {len("acct-") + 12}


def test_new_model_pivot_happens_within_a_day(world_dir: Path) -> None:
    world = json.loads((world_dir / "world.json").read_text())
    release = next(m["released"] for m in world["models"] if m["name"] == world["new_model"])
    pivot = {r["account_id"] for r in _csv(world_dir / "personas.csv")
             if "new_model_pivot" in r["tactic"]}
    first: dict[str, str] = {}
    for e in _events(world_dir / "events.jsonl.gz"):
        if e["account_id"] in pivot and e["model"] == world["new_model"]:
            first.setdefault(str(e["account_id"]), str(e["ts"]))
    assert first, "the pivot campaign uses the new model"
    release_ts = Event.from_mapping({"event_id": "x", "ts": release, "account_id": "a",
                                     "endpoint": "messages", "model": "m", "request": {},
                                     "response_text": ""}).ts
    for ts in first.values():
        delta = Event.from_mapping({"event_id": "x", "ts": ts, "account_id": "a",
                                    "endpoint": "messages", "model": "m", "request": {},
                                    "response_text": ""}).ts - release_ts
        assert 0 <= delta.total_seconds() <= 86400


def test_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """String hashing is randomised per process; nothing in the world may depend on it."""
    import os
    import subprocess
    import sys

    code = ("import sys; from distillguard.simulate import SimConfig, simulate; "
            "simulate(SimConfig(accounts=60, days=1, seed=5), sys.argv[1])")
    for n in (1, 2):
        env = dict(os.environ, PYTHONHASHSEED=str(n))
        subprocess.run([sys.executable, "-c", code, str(tmp_path / str(n))], check=True,
                       env=env, timeout=120)
    for name in FILES:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


GOLDEN = Path(__file__).resolve().parent / "golden_world_counts.json"


def test_world_counts_match_the_golden_file(world_dir: Path) -> None:
    """Counts of the small world; regenerate deliberately after changing the generator:
    ``cd tests && ../.venv/bin/python -c "import simulate.test_world as t;
    t.regenerate_golden()"``.
    """
    assert _golden_view(world_dir) == json.loads(GOLDEN.read_text())


def _golden_view(world_dir: Path) -> dict[str, object]:
    world = json.loads((world_dir / "world.json").read_text())
    return {"counts": world["counts"], "campaigns": world["campaigns"],
            "models": world["models"], "lone": world["lone_distillers"]}


def regenerate_golden() -> None:  # pragma: no cover - a maintenance helper
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        simulate(SMALL, d)
        GOLDEN.write_text(json.dumps(_golden_view(Path(d)), indent=2, sort_keys=True) + "\n")
