"""Domain randomisation and tactic selection: worlds differ in more than the seed,
stay deterministic and valid, and hold exactly the tactics asked for."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.ingest import ingest
from distillguard.schema import InputError
from distillguard.simulate import (
    BOUND,
    TACTIC_NAMES,
    SimConfig,
    build_world,
    select_tactics,
    simulate,
)
from distillguard.simulate.knobs import draw_knobs
from distillguard.simulate.world import BENIGN_PERSONAS

RANDOM = SimConfig(accounts=200, days=3, seed=21, randomize=True)


@pytest.fixture(scope="module")
def random_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("random")
    simulate(RANDOM, out)
    return out


def _tactics(root: Path) -> set[str]:
    with (root / "personas.csv").open(newline="", encoding="utf-8") as fh:
        return {r["tactic"] for r in csv.DictReader(fh) if r["tactic"]}


def test_knobs_are_fixed_by_default_and_drawn_from_the_seed() -> None:
    default = draw_knobs(5, False, TACTIC_NAMES, BENIGN_PERSONAS)
    assert not default.randomized and default.corpus_fraction == 1.0
    assert all(k.size == 1.0 and k.rate == 1.0 for k in default.tactics.values())
    a = draw_knobs(5, True, TACTIC_NAMES, BENIGN_PERSONAS)
    b = draw_knobs(5, True, TACTIC_NAMES, BENIGN_PERSONAS)
    c = draw_knobs(6, True, TACTIC_NAMES, BENIGN_PERSONAS)
    assert a == b and a != c
    sizes = {round(k.size, 6) for k in a.tactics.values()}
    assert len(sizes) == len(TACTIC_NAMES), "every tactic gets its own parameters"
    assert min(sizes) >= 0.4 and max(sizes) <= 2.5


def test_randomized_worlds_differ_in_their_make_up() -> None:
    def make_up(seed: int) -> dict[str, int]:
        world = build_world(SimConfig(accounts=1000, days=3, seed=seed, randomize=True))
        out: dict[str, int] = {}
        for a in world.actors:
            key = a.tactic or a.persona
            out[key] = out.get(key, 0) + 1
        return out

    one, two = make_up(1), make_up(2)
    assert one != two
    plain = build_world(SimConfig(accounts=1000, days=3, seed=1))
    assert sum(1 for a in plain.actors if a.label == "distiller") != \
        sum(one.get(t, 0) for t in TACTIC_NAMES)


def test_randomized_world_is_deterministic_and_records_its_knobs(random_world: Path,
                                                                 tmp_path: Path) -> None:
    simulate(RANDOM, tmp_path)
    for name in ("events.jsonl.gz", "accounts.jsonl", "labels.csv", "personas.csv",
                 "world.json", "hardness.json"):
        assert (tmp_path / name).read_bytes() == (random_world / name).read_bytes(), name
    meta = json.loads((random_world / "world.json").read_text())
    assert meta["randomize"] is True and meta["knobs"]["randomized"] is True
    assert meta["knobs"]["corpus_fraction"] < 1.0
    assert set(meta["tactics"]) == set(TACTIC_NAMES)
    for t, info in meta["tactics"].items():
        assert info["knobs"] == meta["knobs"]["tactics"][t]


def test_randomized_world_ingests_without_quarantine(random_world: Path, tmp_path: Path) -> None:
    report = ingest(random_world / "events.jsonl.gz", random_world / "accounts.jsonl",
                    tmp_path / "canon")
    assert report.events_quarantined == 0 and report.accounts_quarantined == 0
    assert report.events_written > 1000


def test_randomized_world_stays_hard(random_world: Path) -> None:
    hard = json.loads((random_world / "hardness.json").read_text())
    assert max(s["best_f1"] for s in hard["signals"]) < BOUND


def test_tactic_selection_by_name_and_part() -> None:
    assert select_tactics((), ()) == TACTIC_NAMES
    assert select_tactics(("pool_rotation+quota_keeping",), ()) == \
        ("pool_rotation+quota_keeping",)
    # A part selects every tactic made with it.
    coercion = select_tactics(("reasoning_coercion",), ())
    assert len(coercion) == 3 and all("reasoning_coercion" in t for t in coercion)
    rest = select_tactics((), ("low_and_slow_fleet",))
    assert "low_and_slow_fleet" not in rest and len(rest) == len(TACTIC_NAMES) - 1
    with pytest.raises(InputError, match="nonsense"):
        select_tactics(("nonsense",), ())


def test_subset_worlds_hold_only_the_chosen_tactics(tmp_path: Path) -> None:
    only = SimConfig(accounts=120, days=2, seed=4,
                     tactics=("agent_burst+tool_loops", "zh_harvest"))
    simulate(only, tmp_path / "only")
    assert _tactics(tmp_path / "only") == {"agent_burst+tool_loops",
                                           "zh_harvest+reasoning_coercion"}
    minus = SimConfig(accounts=120, days=2, seed=4, exclude_tactics=("agent_burst+tool_loops",))
    simulate(minus, tmp_path / "minus")
    got = _tactics(tmp_path / "minus")
    assert "agent_burst+tool_loops" not in got
    assert got == set(TACTIC_NAMES) - {"agent_burst+tool_loops"}
    meta = json.loads((tmp_path / "minus" / "world.json").read_text())
    assert "agent_burst+tool_loops" not in meta["tactics"]
    assert meta["counts"]["accounts"] == 120, "the left-out share goes to benign users"


def test_cli_flags(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["simulate", "--list-tactics", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["name"] for r in rows if r["kind"] == "attack tactic"] == list(TACTIC_NAMES)
    assert {r["name"] for r in rows if r["kind"] == "benign persona"} == set(BENIGN_PERSONAS)
    res = runner.invoke(cli, ["simulate", "--out", str(tmp_path / "w"), "--accounts", "80",
                              "--days", "1", "--randomize", "--exclude-tactics",
                              "low_and_slow_fleet,lone_enterprise", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert "low_and_slow_fleet" not in doc["tactics"] and "lone_enterprise" not in doc["tactics"]
    res = runner.invoke(cli, ["simulate", "--out", str(tmp_path / "x"), "--tactics", "bogus"])
    assert res.exit_code == 1
    err = json.loads(res.output.strip().splitlines()[-1])["error"]
    assert err["code"] == "invalid_input" and err["details"]["unknown"] == ["bogus"]
    res = runner.invoke(cli, ["simulate"])
    assert res.exit_code == 1 and "--out" in res.output
