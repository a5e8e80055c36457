"""Policy YAML: the default, a full file, and errors that carry file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.gateway.policy import DEFAULT_POLICY, load_policy, parse_policy
from distillguard.schema import ConfigError

FULL = """\
version: 1
models: [stub-chat, stub-claude]
score:
  min_requests: 5
  thresholds: {review: 0.4, block: 0.7}
  weights: {reasoning_coercion: 3}
limits:
  account: {rate: 2, burst: 4}
tiers:
  review:
    action: safeguard
    safeguards: {reasoning: withhold, max_tokens: 512, n: 1, drop_logprobs: true}
  block: {action: block, status: 429, message: "go away"}
step_up: {kyc_levels: [none], url: "https://verify.example/"}
sources: {verdicts: hunt/accounts.csv, blocklists: [bl.csv], poll_s: 1}
"""


def test_default_and_full(tmp_path: Path) -> None:
    assert load_policy("") is DEFAULT_POLICY
    p = tmp_path / "policy.yaml"
    p.write_text(FULL)
    pol = load_policy(p)
    assert pol.models == ("stub-chat", "stub-claude")
    assert (pol.review_threshold, pol.block_threshold, pol.min_requests) == (0.4, 0.7, 5)
    assert set(pol.limits) == {"account"} and pol.limits["account"].burst == 4
    assert pol.tiers["review"].safeguards.reasoning == "withhold"
    assert pol.tiers["block"].status == 429 and pol.tiers["allow"].action == "allow"
    assert pol.verdicts_path == str(tmp_path / "hunt/accounts.csv")
    assert pol.blocklist_paths == (str(tmp_path / "bl.csv"),)


BAD = """\
version: 1
score:
  thresholds: {review: 0.9, block: 0.5}
limits:
  account: {rate: -1}
  galaxy: {rate: 1}
tiers:
  review: {action: shout}
  block: {action: block, status: 500}
step_up: {kyc_levels: [passport]}
"""


def test_every_error_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy(BAD, "p.yaml")
    errors = info.value.details["errors"]
    where = {(e["field"], e["line"]) for e in errors}
    assert ("score.thresholds", 3) in where
    assert ("limits.account.rate", 5) in where
    assert ("limits.galaxy", 6) in where
    assert ("tiers.review.action", 8) in where
    assert ("tiers.block.status", 9) in where
    assert ("step_up.kyc_levels", 10) in where
    assert all(e["file"] == "p.yaml" for e in errors)
    assert "p.yaml:8: tiers.review.action" in info.value.message


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy("tiers:\n  review: {action: [\n", "x.yaml")
    assert info.value.details["line"] is not None


def test_check_policy_command(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(BAD)
    res = CliRunner().invoke(cli, ["gateway", "check-policy", str(p)])
    assert res.exit_code == 1 and "bad.yaml:8" in res.output
    p.write_text(FULL)
    res = CliRunner().invoke(cli, ["gateway", "check-policy", str(p), "--format", "json"])
    assert res.exit_code == 0 and '"review": 0.4' in res.output
