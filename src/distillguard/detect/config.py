"""The scoring table: named features, their weights and thresholds, as data.

Yente-style: every feature the hunt scores is a row of :data:`FEATURE_SPECS`
with a weight, the range over which its raw value turns into evidence
(``lo`` .. ``hi``, reversed for features where *low* values are suspicious) and
the sentence that explains it. A YAML file (``DISTILLGUARD_HUNT_CONFIG`` or
``--config``) may override weights, ranges, the bias, the thresholds and the
linkage weights; its errors name the file and line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

import yaml

from distillguard.schema import ConfigError
from distillguard.schema.documents import parse_yaml


@dataclass(frozen=True)
class Feature:
    """One named feature: raw value -> strength in [0, 1] -> weighted contribution.

    ``sign`` is the sign a fitted weight may take (+1, -1, or 0 for either). Graph
    features (group ``linkage`` or ``coordination``) enter in the second pass only."""

    name: str
    weight: float
    lo: float
    hi: float
    group: str
    explain: str  # format string with {value} (and {pct} for shares)
    sign: int = 0

    def strength(self, value: float) -> float:
        if math.isnan(value):
            return 0.0
        if self.hi == self.lo:
            return 1.0 if value >= self.hi else 0.0
        s = (value - self.lo) / (self.hi - self.lo)
        return min(1.0, max(0.0, s))

    @property
    def graph(self) -> bool:
        return self.group in GRAPH_GROUPS


#: Feature groups that need the account graph (scored in the final pass only).
GRAPH_GROUPS: Final = frozenset({"linkage", "coordination"})


def _f(name: str, lo: float, hi: float, group: str, explain: str, sign: int = 0) -> Feature:
    return Feature(name, 0.0, lo, hi, group, explain, sign)


#: Every feature the hunt scores: how its raw value becomes a strength, and the sign a
#: fitted weight may take. Weights come from the fitted model (:data:`MODEL_PATH`).
FEATURE_SPECS: Final = (
    _f("reasoning_coercion", 0.05, 0.6, "content",
       "reasoning coercion in {pct} of {n} requests", +1),
    _f("rubric_grading", 0.05, 0.5, "content",
       "rubric/grading/reward prompts in {pct} of {n} requests", +1),
    _f("synthetic_generation", 0.05, 0.5, "content",
       "synthetic-data generation instructions in {pct} of {n} requests", +1),
    _f("eval_harness", 0.2, 0.7, "content",
       "benchmark-harness phrasing in {pct} of requests"),
    _f("capability_concentration", 0.4, 0.9, "content",
       "topic concentration {value:.2f} (1 = a single capability)"),
    _f("reasoning_params", 0.1, 0.9, "behaviour",
       "maximal reasoning effort / thinking budget in {pct} of requests"),
    _f("long_output", 0.1, 0.9, "behaviour", "max_tokens >= 4096 in {pct} of requests"),
    _f("logprobs", 0.1, 0.8, "behaviour", "log-probabilities requested in {pct} of requests"),
    _f("multi_sample", 0.1, 0.8, "behaviour", "n > 1 samples in {pct} of requests"),
    _f("output_input_ratio", 1.0, 12.0, "behaviour", "output/input token ratio {value:.1f}"),
    _f("single_turn", 0.5, 0.98, "behaviour", "single-turn requests {pct}"),
    _f("volume", 1.0, 3.3, "behaviour", "{rate:,.0f} requests per active day"),
    _f("regularity", 1.5, 0.3, "behaviour",
       "inter-arrival coefficient of variation {value:.2f} (low = scripted)"),
    _f("batch_run", 4.0, 10.0, "behaviour",
       "traffic in bursts (inter-arrival CV {value:.1f})"),
    _f("one_sitting", 12.0, 1.0, "behaviour", "all traffic within {value:.1f} h"),
    _f("diurnal_flatness", 0.7, 0.95, "behaviour",
       "hour-of-day entropy {value:.2f} (1 = round the clock)"),
    _f("template_reuse", 0.2, 0.9, "structure", "one wrapper skeleton in {pct} of requests"),
    _f("param_uniformity", 0.5, 1.0, "behaviour",
       "one parameter fingerprint in {pct} of requests"),
    _f("model_pivot", 0.1, 0.8, "behaviour",
       "moved {pct} of traffic to a newly released model within {delay_h:.0f} h", +1),
    _f("tool_use", 0.1, 0.9, "behaviour", "tools defined in {pct} of requests"),
    _f("tool_loop", 0.05, 0.7, "behaviour",
       "agent loops {value:.2f} deep on average (1 = eight turns or more)"),
    _f("prompt_diversity", 0.2, 0.95, "behaviour",
       "{pct} of requests are distinct tasks"),
    _f("burstiness", 0.05, 0.5, "behaviour",
       "{pct} of all traffic in its busiest quarter hour"),
    _f("account_age", 30.0, 1.0, "identity", "account {value:.1f} days old at first request"),
    _f("kyc_plan", 0.3, 0.9, "identity", "{kyc} KYC on the {plan} plan"),
    _f("declared_use_match", 0.1, 0.5, "identity",
       "verified declared use explains {pct} of traffic", -1),
    _f("enterprise_contract", 0.5, 1.0, "identity", "contract KYC / enterprise plan", -1),
    _f("linkage", 1.0, 4.5, "linkage", "shares {linked_on} with {peers} linked accounts", +1),
    _f("group_member", 0.0, 1.0, "coordination",
       "tied to a group of {size} accounts"),
    _f("tie_infra", 0.0, 1.0, "coordination",
       "tied to its group of {size} by shared infrastructure (payment, addresses; tie "
       "strength {value:.2f})", +1),
    _f("tie_scaffold", 0.0, 1.0, "coordination",
       "tied to its group of {size} by shared scaffolding (prompt/wrapper skeletons, tool "
       "schemas, parameters; tie strength {value:.2f})", +1),
    _f("tie_timing", 0.0, 1.0, "coordination",
       "tied to its group of {size} by lockstep activity or sign-up time (tie strength "
       "{value:.2f})", +1),
    _f("group_size", 0.0, 1.0, "coordination",
       "one of {size} tied accounts", +1),
    _f("group_risk", 0.0, 1.0, "coordination",
       "the other members of its group score {value:.2f} on their own", +1),
    _f("group_logit", 0.0, 1.0, "coordination",
       "its group's other members, taken together, look like harvesters ({value:.2f})",
       +1),
    _f("group_harvest", 0.0, 1.0, "coordination",
       "the other members of its group ask for harvest-shaped output ({value:.2f})", +1),
    _f("common_control", 0.0, 1.0, "coordination",
       "its group of {size} shares at least three independent kinds of common control "
       "(infrastructure, scaffolding, timing, one script, level usage): {value:.2f}", +1),
    _f("creation_burst", 0.0, 1.0, "coordination",
       "{pct} of its group signed up within 48 h of it", +1),
    _f("usage_level", 0.0, 1.0, "coordination",
       "its group keeps usage level across accounts ({value:.2f}, a pooled quota)", +1),
    _f("script_likeness", 0.0, 1.0, "coordination",
       "behaves like a copy of its group's other accounts ({value:.2f})", +1),
    _f("org_cover", 0.0, 1.0, "coordination",
       "{pct} of its group are one contract/enterprise organisation", -1),
    _f("group_accountable", 0.0, 1.0, "coordination",
       "{pct} of its group are accountable customers (contract or verified identity, "
       "enterprise plan)", -1),
)

#: Risk of each KYC level and plan on its own (education/research/startup paths are abused).
KYC_RISK: Final = {"none": 1.0, "email": 0.8, "card": 0.4, "id_verified": 0.15, "contract": 0.0}
PLAN_RISK: Final = {"free": 0.7, "payg": 0.4, "education": 0.9, "research": 0.9,
                    "startup": 0.8, "enterprise": 0.0}

#: Linkage kinds and how much a shared rare value of each kind counts (before IDF).
DEFAULT_LINK_WEIGHTS: Final = {
    "payment": 1.8, "signup_ip": 1.2, "ip": 0.8, "ip_prefix": 0.4, "asn": 0.15, "ua": 0.2,
    "email_domain": 0.4, "org": 0.6, "created": 0.5, "pfp": 0.3, "tools": 0.8,
    "p24": 0.6, "s24": 0.6, "p64": 1.4, "s64": 1.4, "sysk": 1.6, "lockstep": 1.2,
}

#: The fitted scoring model shipped with the package (weights, thresholds, manifest).
MODEL_PATH: Final = Path(__file__).with_name("data") / "model.json"


@dataclass(frozen=True)
class HuntConfig:
    features: tuple[Feature, ...] = FEATURE_SPECS
    bias: float = 0.0
    review: float = 0.5
    block: float = 0.8
    link_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LINK_WEIGHTS))
    #: Smallest summed pair weight kept as a graph edge.
    min_edge: float = 0.9
    #: Smallest weight of an edge made of scaffolding alone (skeletons, tool sets,
    #: parameter fingerprints, SDKs): a popular public template alone does not link.
    min_scaffold_edge: float = 1.5
    #: Leiden resolution (CPM on normalised weights).
    resolution: float = 0.1
    #: Logit below which an account's own evidence does not count when its group's is
    #: weighed (what an ordinary account shows): looking more innocent than ordinary
    #: traffic cannot clear a member of an operation (fitted; -inf: no floor).
    own_floor: float = float("-inf")
    #: Which fitted model the weights came from (its version and training manifest).
    model: dict[str, Any] = field(default_factory=dict, compare=False)
    source: str = "built-in"

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)


def _floor(value: Any) -> float:
    return float("-inf") if value is None else float(value)


def with_model(cfg: HuntConfig, model: dict[str, Any], source: str) -> HuntConfig:
    """``cfg`` with the weights, biases and thresholds of a fitted model (as saved by
    :func:`distillguard.detect.train.save_model`)."""
    weights = {w["name"]: w for w in model.get("features", [])}
    feats = []
    for f in cfg.features:
        w = weights.get(f.name)
        feats.append(replace(f, weight=float(w["weight"]) if w else 0.0))
    th = model.get("thresholds", {})
    return replace(cfg, features=tuple(feats), bias=float(model["bias"]),
                   review=float(th.get("review", cfg.review)),
                   block=float(th.get("block", cfg.block)),
                   own_floor=_floor(model.get("own_floor")),
                   link_weights={**cfg.link_weights, **model.get("links", {})},
                   model={k: v for k, v in model.items() if k != "features"}, source=source)


def load_model(path: str | Path = MODEL_PATH) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read scoring model ({exc})",
                          details={"file": str(p)}) from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}:{exc.lineno}: invalid scoring model JSON ({exc.msg})",
                          details={"file": str(p), "line": exc.lineno}) from exc
    for key in ("features", "bias"):
        if key not in data:
            raise ConfigError(f"{p}: scoring model lacks {key!r}", details={"file": str(p)})
    return dict(data)


def default_config() -> HuntConfig:
    """The shipped fitted model (or, while none has been fitted, an all-zero table)."""
    if not MODEL_PATH.exists():
        return HuntConfig()
    return with_model(HuntConfig(), load_model(MODEL_PATH), "built-in")


#: Numeric parameters a YAML file may set at its top level (thresholds have their own key).
SCALAR_KEYS: Final = tuple(
    f.name for f in fields(HuntConfig)
    if f.type in ("float", float) and f.name not in ("review", "block"))
MODEL_KEY: Final = "model"


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _number(path: str, node: Any, key: str) -> float:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{path}:{_line(node)}: {key} must be a number",
                          details={"file": path, "line": _line(node), "field": key})
    try:
        return float(node.value)
    except ValueError:
        raise ConfigError(f"{path}:{_line(node)}: {key} must be a number, got {node.value!r}",
                          details={"file": path, "line": _line(node), "field": key}) from None


def load_config(path: str | Path | None) -> HuntConfig:
    """The built-in table, overridden by the YAML file at ``path`` (if any).

    Accepted keys: ``thresholds: {review, block}``, ``features: {name: {weight, lo,
    hi}}``, ``links: {kind: weight}`` and every numeric parameter of
    :class:`HuntConfig` (:data:`SCALAR_KEYS`: the bias, graph and attribution knobs).
    """
    cfg = default_config()
    if not path:
        return cfg
    p = Path(path)
    sp = str(p)
    if p.suffix == ".json":
        # A fitted model from `hunt train`, used as it is.
        return with_model(cfg, load_model(p), sp)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{sp}: cannot read hunt config ({exc})", details={"file": sp}) from exc
    root = parse_yaml(text, sp).root
    if root is None:
        return replace(cfg, source=sp)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{sp}:{_line(root)}: hunt config must be a mapping",
                          details={"file": sp, "line": _line(root)})
    features = {f.name: f for f in cfg.features}
    links = dict(cfg.link_weights)
    top: dict[str, Any] = {}
    for knode, vnode in root.value:
        key = knode.value
        if key in SCALAR_KEYS:
            top[key] = _number(sp, vnode, key)
        elif key == MODEL_KEY:
            if not isinstance(vnode, yaml.ScalarNode):
                raise ConfigError(f"{sp}:{_line(vnode)}: model must be a file path",
                                  details={"file": sp, "line": _line(vnode), "field": key})
            mp = (p.parent / vnode.value) if not Path(vnode.value).is_absolute() \
                else Path(vnode.value)
            cfg = with_model(cfg, load_model(mp), str(mp))
            features = {f.name: f for f in cfg.features}
        elif key == "thresholds":
            for tk, tv in _mapping(sp, vnode, key):
                if tk.value not in ("review", "block"):
                    raise _unknown(sp, tk, "threshold", ("review", "block"))
                val = _number(sp, tv, f"thresholds.{tk.value}")
                if not 0.0 < val < 1.0:
                    raise ConfigError(f"{sp}:{_line(tv)}: thresholds.{tk.value} must be in (0, 1)",
                                      details={"file": sp, "line": _line(tv)})
                top[tk.value] = val
        elif key == "features":
            for fk, fv in _mapping(sp, vnode, key):
                if fk.value not in features:
                    raise _unknown(sp, fk, "feature", tuple(features))
                changes: dict[str, Any] = {}
                for ak, av in _mapping(sp, fv, fk.value):
                    if ak.value not in ("weight", "lo", "hi"):
                        raise _unknown(sp, ak, "feature attribute", ("weight", "lo", "hi"))
                    changes[ak.value] = _number(sp, av, f"features.{fk.value}.{ak.value}")
                features[fk.value] = replace(features[fk.value], **changes)
        elif key == "links":
            for lk, lv in _mapping(sp, vnode, key):
                if lk.value not in links:
                    raise _unknown(sp, lk, "link kind", tuple(links))
                links[lk.value] = _number(sp, lv, f"links.{lk.value}")
        else:
            raise _unknown(sp, knode, "key",
                           (*SCALAR_KEYS, MODEL_KEY, "thresholds", "features", "links"))
    out = replace(cfg, features=tuple(features.values()), link_weights=links, source=sp, **top)
    if out.review >= out.block:
        raise ConfigError(f"{sp}: thresholds.review ({out.review}) must be below thresholds.block "
                          f"({out.block})", details={"file": sp})
    return out


def _mapping(path: str, node: Any, key: str) -> list[tuple[Any, Any]]:
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{path}:{_line(node)}: {key} must be a mapping",
                          details={"file": path, "line": _line(node), "field": key})
    return list(node.value)


def _unknown(path: str, node: Any, what: str, allowed: tuple[str, ...]) -> ConfigError:
    return ConfigError(
        f"{path}:{_line(node)}: unknown {what} {node.value!r} (expected one of "
        f"{', '.join(sorted(allowed))})",
        details={"file": path, "line": _line(node), "field": node.value},
    )
