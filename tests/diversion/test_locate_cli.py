"""The locate verbs: verify with its map and JSON, trials, landmarks; and the
simulated trials' goal figures on a small seeded run."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.diversion.geo import distance_km
from distillguard.diversion.landmarks import load_places
from distillguard.diversion.trials import relay_curve, run_trials

PLACES = load_places()


def _measurements(tmp_path: Path, site: str, ids: list[str], extra: float = 0.4) -> Path:
    s = PLACES[site]
    p = tmp_path / "m.jsonl"
    lines = []
    for i in ids:
        d = float(distance_km(s.lat, s.lon, PLACES[i].lat, PLACES[i].lon))
        lines.append(json.dumps({"landmark": i, "rtts_ms": [2 * d * 1.5 / 200 + extra],
                                 "lost": 0, "invalid": 0}))
    p.write_text("\n".join([*lines, "{bad", '{"rtts_ms": [1]}']) + "\n")
    return p


def test_verify_json_with_map(tmp_path: Path) -> None:
    m = _measurements(tmp_path, "frankfurt", ["frankfurt", "amsterdam", "paris", "zurich"])
    res = CliRunner().invoke(cli, ["locate", "verify", "--measurements", str(m), "--site",
                                   "frankfurt", "--map", str(tmp_path / "map.png"),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["verdict"] == "consistent"
    assert [q["line"] for q in out["quarantined"]] == [5, 6]
    png = (tmp_path / "map.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_verify_table_prints_reasons_and_errors_are_json(tmp_path: Path) -> None:
    m = _measurements(tmp_path, "shanghai", ["hong-kong", "taipei", "tokyo", "seoul"])
    res = CliRunner().invoke(cli, ["locate", "verify", "--measurements", str(m),
                                   "--site", "singapore"])
    assert res.exit_code == 0 and "impossible:" in res.stderr
    res = CliRunner().invoke(cli, ["locate", "verify", "--measurements", str(m),
                                   "--site", "mars"])
    assert res.exit_code == 1
    assert json.loads(res.stderr.strip().splitlines()[-1])["error"]["code"] == "invalid_input"


def test_landmarks_and_keygen() -> None:
    res = CliRunner().invoke(cli, ["locate", "landmarks", "--format", "csv"])
    assert res.exit_code == 0 and "ap-southeast-1" in res.stdout
    res = CliRunner().invoke(cli, ["locate", "keygen"])
    assert len(bytes.fromhex(res.stdout.strip())) == 32


def test_trials_goal_figures_on_a_small_run() -> None:
    r = run_trials(15, seed=3)
    assert r["honest_impossible"] == 0
    assert r["relay_flagged"] == 1.0 and r["relay_suspected"] >= 0.95
    assert r["liar_rejected"] == 1.0 and r["delaying_liar_rejected"] == 1.0
    assert r["verdicts"]["honest"]["consistent"] > 0
    curve = relay_curve([0.0, 20.0], 10, seed=4)
    assert curve[1]["flagged"] == 1.0 and curve[0]["flagged"] < 1.0


def test_trials_cli() -> None:
    res = CliRunner().invoke(cli, ["locate", "trials", "--trials", "5", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["honest_impossible"] == 0


def test_calibrate_then_verify_with_the_delay_model(tmp_path: Path) -> None:
    model = tmp_path / "delay.json"
    res = CliRunner().invoke(cli, ["locate", "calibrate", "--targets", "40", "--seed", "4",
                                   "--out", str(model), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["observations"] > 1000
    m = _measurements(tmp_path, "frankfurt", ["frankfurt", "amsterdam", "paris", "zurich"])
    args = ["locate", "verify", "--measurements", str(m), "--site", "frankfurt",
            "--format", "json"]
    plain = json.loads(CliRunner().invoke(cli, args).stdout)
    fitted = json.loads(CliRunner().invoke(cli, [*args, "--delay-model", str(model)]).stdout)
    assert fitted["verdict"] == plain["verdict"] == "consistent"
    assert fitted["estimate"] != plain["estimate"]  # only the point estimate moves
    f = PLACES["frankfurt"]
    assert float(distance_km(f.lat, f.lon, fitted["estimate"]["lat"],
                             fitted["estimate"]["lon"])) < 100
    model.write_text("[]")
    res = CliRunner().invoke(cli, [*args, "--delay-model", str(model)])
    assert res.exit_code != 0 and "delay.json" in res.output + res.stderr


def test_verify_with_decoys_is_a_certificate(tmp_path: Path) -> None:
    m = _measurements(tmp_path, "frankfurt", ["frankfurt", "amsterdam", "paris", "zurich"])
    args = ["locate", "verify", "--measurements", str(m), "--site", "frankfurt",
            "--decoy", "tokyo", "--decoy", "50.0,8.3", "--device", "gpu-9"]
    res = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    cert = json.loads(res.stdout)["certificate"]
    assert cert["issued"] is True and cert["device"] == "gpu-9"
    by = {d["decoy"]: d for d in cert["decoys"]}
    assert by["tokyo"]["ruled_out"] and not by["50.0,8.3"]["ruled_out"]  # 30 km away
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0 and "tokyo" in table.stdout
    bad = CliRunner().invoke(cli, [*args, "--decoy", "atlantis", "--format", "json"])
    assert bad.exit_code != 0 and "atlantis" in bad.output
