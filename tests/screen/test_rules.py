"""Configuration, ownership (BIS 50% rule) and jurisdiction rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from distillguard.schema.errors import ConfigError, InputError
from distillguard.screen.config import load_config
from distillguard.screen.jurisdiction import load_rules
from distillguard.screen.ownership import Holding, evaluate_ownership, parse_share


def test_config_override_and_errors_carry_file_and_line(write) -> None:  # type: ignore[no-untyped-def]
    ok = write("ok.yaml", "thresholds:\n  review: 0.7\n")
    cfg = load_config(str(ok))
    assert (cfg.review, cfg.match) == (0.7, 0.9)
    bad = write("bad.yaml", "thresholds:\n  review: 0.7\n  match: high\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(bad))
    assert err.value.details["line"] == 3 and str(bad) in err.value.message
    inverted = write("inv.yaml", "thresholds:\n  review: 0.95\n  match: 0.9\n")
    with pytest.raises(ConfigError, match=r"inv.yaml:2: .*exceeds"):
        load_config(str(inverted))
    unknown = write("unk.yaml", "features:\n  name_tokens: 0.5\n  shoe_size: 0.1\n")
    with pytest.raises(ConfigError, match=r"unk.yaml:3: features.shoe_size"):
        load_config(str(unknown))
    weights = write("w.yaml", "features:\n  name_tokens: 0.9\n")
    with pytest.raises(ConfigError, match="sum to 1"):
        load_config(str(weights))
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(str(write("y.yaml", "thresholds: [\n")))


RULE = load_config().ownership
LISTED = {"L1": "Huawei [EL]", "L2": "SMIC [EL]"}


def test_rule_status_follows_configured_dates() -> None:
    assert RULE.status(dt.date(2025, 9, 1)) == "not_in_force"
    assert RULE.status(dt.date(2025, 10, 15)) == "in_force"
    assert RULE.status(dt.date(2026, 6, 1)) == "suspended"
    assert RULE.status(dt.date(2026, 11, 27)) == "in_force"


def test_direct_aggregate_and_indirect_ownership() -> None:
    holdings = [
        Holding("L1", "A", 0.30),
        Holding("L2", "A", 0.25),  # aggregate 55%
        Holding("A", "B", 0.60),  # indirect via an affiliate
        Holding("L1", "C", 0.30),
        Holding("X", "C", 0.70),  # minority
        Holding("L1", "D", 0.10),  # below the minority flag
    ]
    today = dt.date(2026, 11, 27)
    f = evaluate_ownership(holdings, LISTED, RULE, today)
    assert f["A"].status == "affiliate" and f["A"].decision == "match"
    assert abs(f["A"].listed_share - 0.55) < 1e-9
    assert f["B"].decision == "match"
    assert any(p.startswith("Huawei [EL] -30%-> A -60%-> B") for p in f["B"].paths)
    assert f["C"].status == "significant_minority" and f["C"].decision == "review"
    assert "D" not in f


def test_suspension_turns_affiliates_into_red_flags() -> None:
    holdings = [Holding("L1", "A", 0.5), Holding("L1", "C", 0.3)]
    f = evaluate_ownership(holdings, LISTED, RULE, dt.date(2026, 6, 1))
    assert (f["A"].decision, f["A"].rule_status) == ("review", "suspended")
    assert f["C"].decision == "review"


def test_cycles_terminate() -> None:
    holdings = [Holding("A", "B", 0.6), Holding("B", "A", 0.6), Holding("L1", "A", 0.3)]
    assert (
        evaluate_ownership(holdings, LISTED, RULE, dt.date(2026, 11, 27))["A"].decision == "review"
    )


def test_share_parsing() -> None:
    assert parse_share("50%", "x") == 0.5
    assert parse_share("0.25", "x") == 0.25
    assert parse_share("75", "x") == 0.75
    with pytest.raises(InputError, match="x: share"):
        parse_share("lots", "x")
    with pytest.raises(InputError):
        parse_share("150%", "x")


def test_jurisdiction_rules_per_product() -> None:
    rules = load_rules()
    assert rules.evaluate("model_api", "Singapore", "China").decision == "deny"
    gpu = rules.evaluate("gpu_cloud", "CN")
    assert (
        gpu.decision == "review"
        and gpu.rule == "d5-controlled"
        and "headquarters in CN" in gpu.reason
    )
    assert rules.evaluate("gpu_cloud", "Iran").decision == "deny"
    assert rules.evaluate("model_api", "Germany").decision == "allow"
    with pytest.raises(InputError):
        rules.evaluate("toaster", "CN")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("country_groups: {G: [XX]}\nproducts: [a]\nrules: []\n", 1, "unknown country"),
        (
            "country_groups:\n  G: [CN]\nproducts: [a]\nrules:\n  - id: r\n    when: {hq_in: [H]}\n"
            "    decisions: {a: deny}\n    reason: x\n",
            6,
            "unknown country group",
        ),
        (
            "country_groups:\n  G: [CN]\nproducts: [a]\nrules:\n  - id: r\n    when: {hq_in: [G]}\n"
            "    decisions:\n      a: maybe\n    reason: x\n",
            8,
            "allow|review|deny",
        ),
        (
            "country_groups:\n  G: [CN]\nproducts: [a]\nrules:\n"
            "  - id: r\n    when: {hq_in: [G]}\n",
            5,
            "lacks 'decisions'",
        ),
    ],
)
def test_jurisdiction_validator_errors(write, text: str, line: int, message: str) -> None:  # type: ignore[no-untyped-def]
    path: Path = write("rules.yaml", text)
    with pytest.raises(ConfigError, match=message) as err:
        load_rules(str(path))
    assert err.value.details["line"] == line
    assert err.value.message.startswith(f"{path}:{line}:")
