"""The gateway policy: a YAML file of plain data, validated with errors that
name the file and line of the offending value.

Example (every key optional; this is the built-in default)::

    version: 1
    models: []                      # allowlist of model names; empty allows any
    score:
      min_requests: 20              # an account's online risk ramps up to full weight
      thresholds: {review: 0.5, block: 0.8}
      weights: {}                   # feature name -> weight, overrides the table
    limits:                         # token buckets, requests per second
      account: {rate: 10, burst: 40}
      key: {rate: 10, burst: 40}
      org: {rate: 100, burst: 400}
    tiers:
      allow:  {action: allow}
      review: {action: safeguard,
               safeguards: {reasoning: summarise, max_tokens: 2048, n: 1, drop_logprobs: true}}
      block:  {action: block, status: 403}
    step_up: {kyc_levels: [none, email], url: "https://example.invalid/verify"}
    sources: {verdicts: "", blocklists: [], poll_s: 5}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from distillguard.gateway.capture import Safeguards
from distillguard.schema import KYC_LEVELS, ConfigError
from distillguard.schema.documents import parse_yaml, to_python

ACTIONS = ("allow", "safeguard", "throttle", "step_up", "block")
REASONING_MODES = ("pass", "withhold", "summarise")
TIERS = ("allow", "review", "block")


@dataclass(frozen=True, slots=True)
class Limit:
    rate: float
    burst: float


@dataclass(frozen=True, slots=True)
class TierPolicy:
    action: str
    safeguards: Safeguards = Safeguards()
    status: int = 403
    message: str = ""
    limit: Limit | None = None  # throttle: the tighter bucket for this tier


@dataclass(frozen=True, slots=True)
class Policy:
    models: tuple[str, ...] = ()
    min_requests: int = 20
    review_threshold: float = 0.5
    block_threshold: float = 0.8
    weights: Mapping[str, float] = field(default_factory=dict)
    limits: Mapping[str, Limit] = field(default_factory=lambda: {
        "account": Limit(10, 40), "key": Limit(10, 40), "org": Limit(100, 400)})
    tiers: Mapping[str, TierPolicy] = field(default_factory=lambda: {
        "allow": TierPolicy("allow"),
        "review": TierPolicy("safeguard", Safeguards("summarise", 2048, 1, True)),
        "block": TierPolicy("block", status=403),
    })
    step_up_kyc: tuple[str, ...] = ("none", "email")
    step_up_url: str = "https://example.invalid/verify"
    verdicts_path: str = ""
    blocklist_paths: tuple[str, ...] = ()
    poll_s: float = 5.0
    source: str = "<built-in>"


DEFAULT_POLICY = Policy()


class _Reader:
    """Walks a composed YAML node tree, keeping each value's line for errors."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[dict[str, Any]] = []

    def fail(self, node: yaml.Node | None, path: str, reason: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.errors.append({"file": self.source, "line": line, "field": path, "reason": reason})

    def value(self, node: yaml.Node) -> Any:
        return to_python(node)

    def mapping(self, node: yaml.Node | None, path: str, allowed: tuple[str, ...] | None
                ) -> dict[str, yaml.Node]:
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, "expected a mapping")
            return {}
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            key = str(k.value)
            if allowed is not None and key not in allowed:
                self.fail(k, f"{path}.{key}".lstrip("."),
                          f"unknown key; expected one of {list(allowed)}")
                continue
            out[key] = v
        return out

    def number(self, node: yaml.Node | None, path: str, default: float, *, lo: float = 0.0,
               hi: float | None = None) -> float:
        if node is None:
            return default
        v = self.value(node)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(node, path, f"expected a number, got {v!r}")
            return default
        if v < lo or (hi is not None and v > hi):
            self.fail(node, path, f"must be in [{lo}, {hi if hi is not None else 'inf'}], got {v}")
            return default
        return float(v)

    def strings(self, node: yaml.Node | None, path: str, choices: tuple[str, ...] | None = None
                ) -> tuple[str, ...]:
        if node is None:
            return ()
        v = self.value(node)
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            self.fail(node, path, "expected a list of strings")
            return ()
        if choices is not None:
            bad = [s for s in v if s not in choices]
            if bad:
                self.fail(node, path, f"unknown values {bad}; expected some of {list(choices)}")
                return ()
        return tuple(v)

    def string(self, node: yaml.Node | None, path: str, default: str,
               choices: tuple[str, ...] | None = None) -> str:
        if node is None:
            return default
        v = self.value(node)
        if not isinstance(v, str):
            self.fail(node, path, f"expected a string, got {v!r}")
            return default
        if choices is not None and v not in choices:
            self.fail(node, path, f"must be one of {list(choices)}, got {v!r}")
            return default
        return v


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML; raises ConfigError listing every problem with its line."""
    root = parse_yaml(text, source).root
    r = _Reader(source)
    top = r.mapping(root, "", ("version", "models", "score", "limits", "tiers", "step_up",
                               "sources"))
    d = DEFAULT_POLICY
    if "version" in top and r.value(top["version"]) != 1:
        r.fail(top["version"], "version", "only version 1 is understood")
    models = r.strings(top.get("models"), "models")
    score = r.mapping(top.get("score"), "score", ("min_requests", "thresholds", "weights"))
    min_req = int(r.number(score.get("min_requests"), "score.min_requests", d.min_requests))
    th = r.mapping(score.get("thresholds"), "score.thresholds", ("review", "block"))
    review = r.number(th.get("review"), "score.thresholds.review", d.review_threshold, hi=1.0)
    block = r.number(th.get("block"), "score.thresholds.block", d.block_threshold, hi=1.0)
    if review > block:
        r.fail(th.get("review") or score.get("thresholds"), "score.thresholds",
               f"review ({review}) must not exceed block ({block})")
    weights = {k: r.number(v, f"score.weights.{k}", 0.0, hi=100.0)
               for k, v in r.mapping(score.get("weights"), "score.weights", None).items()}
    limits: dict[str, Limit] = dict(d.limits) if "limits" not in top else {}
    for scope_name, node in r.mapping(top.get("limits"), "limits",
                                      ("account", "key", "org")).items():
        lim = _limit(r, node, f"limits.{scope_name}")
        if lim is not None:
            limits[scope_name] = lim
    tiers = dict(d.tiers)
    for tier, node in r.mapping(top.get("tiers"), "tiers", TIERS).items():
        tiers[tier] = _tier(r, node, f"tiers.{tier}")
    su = r.mapping(top.get("step_up"), "step_up", ("kyc_levels", "url"))
    kyc = r.strings(su.get("kyc_levels"), "step_up.kyc_levels", KYC_LEVELS) if (
        "kyc_levels" in su) else d.step_up_kyc
    url = r.string(su.get("url"), "step_up.url", d.step_up_url)
    src = r.mapping(top.get("sources"), "sources", ("verdicts", "blocklists", "poll_s"))
    base = Path(source).parent if source and not source.startswith("<") else Path(".")
    verdicts = r.string(src.get("verdicts"), "sources.verdicts", "")
    blocklists = r.strings(src.get("blocklists"), "sources.blocklists")
    poll = r.number(src.get("poll_s"), "sources.poll_s", d.poll_s, lo=0.1)
    if r.errors:
        first = r.errors[0]
        summary = "; ".join(f"{e['file']}:{e['line']}: {e['field']}: {e['reason']}"
                            for e in r.errors)
        raise ConfigError(summary, details={"file": source, "line": first["line"],
                                            "errors": r.errors})
    return Policy(
        models=models, min_requests=max(1, min_req), review_threshold=review,
        block_threshold=block, weights=weights, limits=limits, tiers=tiers,
        step_up_kyc=kyc, step_up_url=url,
        verdicts_path=str(base / verdicts) if verdicts else "",
        blocklist_paths=tuple(str(base / b) for b in blocklists), poll_s=poll, source=source,
    )


def _limit(r: _Reader, node: yaml.Node | None, path: str) -> Limit | None:
    m = r.mapping(node, path, ("rate", "burst"))
    if "rate" not in m:
        r.fail(node, path, "a limit needs a rate (requests per second)")
        return None
    rate = r.number(m.get("rate"), f"{path}.rate", 1.0)
    burst = r.number(m.get("burst"), f"{path}.burst", max(1.0, rate), lo=1.0)
    if rate <= 0:
        r.fail(m.get("rate"), f"{path}.rate", "must be > 0")
    return Limit(rate, burst)


def _tier(r: _Reader, node: yaml.Node, path: str) -> TierPolicy:
    m = r.mapping(node, path, ("action", "safeguards", "status", "message", "limit"))
    if "action" not in m:
        r.fail(node, path, "a tier needs an action")
    action = r.string(m.get("action"), f"{path}.action", "allow", ACTIONS)
    sg = Safeguards()
    if "safeguards" in m:
        s = r.mapping(m["safeguards"], f"{path}.safeguards",
                      ("reasoning", "max_tokens", "n", "drop_logprobs"))
        dl = r.value(s["drop_logprobs"]) if "drop_logprobs" in s else False
        if not isinstance(dl, bool):
            r.fail(s["drop_logprobs"], f"{path}.safeguards.drop_logprobs", "expected true/false")
            dl = False
        sg = Safeguards(
            reasoning=r.string(s.get("reasoning"), f"{path}.safeguards.reasoning", "pass",
                               REASONING_MODES),
            max_tokens=int(r.number(s.get("max_tokens"), f"{path}.safeguards.max_tokens", 0)),
            n=int(r.number(s.get("n"), f"{path}.safeguards.n", 0)),
            drop_logprobs=dl,
        )
    status = int(r.number(m.get("status"), f"{path}.status", 403))
    if "status" in m and status not in (403, 429):
        r.fail(m["status"], f"{path}.status", "a refusal answers 403 or 429")
    limit = _limit(r, m["limit"], f"{path}.limit") if "limit" in m else None
    if action == "throttle" and limit is None:
        r.fail(node, path, "action throttle needs a limit: {rate, burst}")
    return TierPolicy(action, sg, status, r.string(m.get("message"), f"{path}.message", ""),
                      limit)


def load_policy(path: str | Path | None) -> Policy:
    if not path:
        return DEFAULT_POLICY
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read policy {p}: {exc}", details={"file": str(p)}) from exc
    return parse_policy(text, str(p))
