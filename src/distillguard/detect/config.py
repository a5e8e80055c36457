"""The scoring table: named features, their weights and thresholds, as data.

Yente-style: every feature the hunt scores is a row of :data:`DEFAULT_FEATURES`
with a weight, the range over which its raw value turns into evidence
(``lo`` .. ``hi``, reversed for features where *low* values are suspicious) and
the sentence that explains it. A YAML file (``DISTILLGUARD_HUNT_CONFIG`` or
``--config``) may override weights, ranges, the bias, the thresholds and the
linkage weights; its errors name the file and line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

import yaml

from distillguard.schema import ConfigError


@dataclass(frozen=True)
class Feature:
    """One named feature: raw value -> strength in [0, 1] -> weighted contribution."""

    name: str
    weight: float
    lo: float
    hi: float
    group: str
    explain: str  # format string with {value} (and {pct} for shares)

    def strength(self, value: float) -> float:
        if math.isnan(value):
            return 0.0
        if self.hi == self.lo:
            return 1.0 if value >= self.hi else 0.0
        s = (value - self.lo) / (self.hi - self.lo)
        return min(1.0, max(0.0, s))


def _f(name: str, weight: float, lo: float, hi: float, group: str, explain: str) -> Feature:
    return Feature(name, weight, lo, hi, group, explain)


#: The default table. Shares are fractions of an account's requests.
DEFAULT_FEATURES: Final = (
    _f("reasoning_coercion", 2.2, 0.15, 0.6, "content",
       "reasoning coercion in {pct} of {n} requests"),
    _f("rubric_grading", 2.2, 0.1, 0.5, "content",
       "rubric/grading/reward prompts in {pct} of {n} requests"),
    _f("synthetic_generation", 2.2, 0.1, 0.5, "content",
       "synthetic-data generation instructions in {pct} of {n} requests"),
    _f("eval_harness", -1.5, 0.2, 0.7, "content",
       "benchmark-harness phrasing in {pct} of requests (evaluation, not harvesting)"),
    _f("capability_concentration", 0.6, 0.55, 0.9, "content",
       "topic concentration {value:.2f} (1 = a single capability)"),
    _f("reasoning_params", 0.9, 0.3, 0.9, "behaviour",
       "maximal reasoning effort / thinking budget in {pct} of requests"),
    _f("long_output", 0.5, 0.3, 0.9, "behaviour", "max_tokens >= 4096 in {pct} of requests"),
    _f("logprobs", 0.6, 0.2, 0.8, "behaviour", "log-probabilities requested in {pct} of requests"),
    _f("multi_sample", 0.4, 0.2, 0.8, "behaviour", "n > 1 samples in {pct} of requests"),
    _f("output_input_ratio", 0.5, 2.0, 12.0, "behaviour",
       "output/input token ratio {value:.1f}"),
    _f("single_turn", 0.6, 0.75, 0.98, "behaviour", "single-turn requests {pct}"),
    _f("volume", 0.9, 1.7, 3.3, "behaviour", "{rate:,.0f} requests per active day"),
    _f("regularity", 0.4, 1.0, 0.35, "behaviour",
       "inter-arrival coefficient of variation {value:.2f} (low = scripted)"),
    _f("batch_run", -3.5, 5.0, 10.0, "behaviour",
       "traffic in one-off bursts (inter-arrival CV {value:.1f}): a batch run, not a harvest"),
    _f("one_sitting", -2.0, 6.0, 1.0, "behaviour",
       "all traffic within {value:.1f} h: one bounded run (a benchmark pass), not a harvest"),
    _f("diurnal_flatness", 1.0, 0.8, 0.95, "behaviour",
       "hour-of-day entropy {value:.2f} (1 = round the clock)"),
    _f("template_reuse", 0.4, 0.3, 0.9, "structure",
       "one wrapper skeleton in {pct} of requests"),
    _f("param_uniformity", 0.2, 0.8, 1.0, "behaviour",
       "one parameter fingerprint in {pct} of requests"),
    _f("model_pivot", 0.9, 0.2, 0.8, "behaviour",
       "moved {pct} of traffic to a newly released model within {delay_h:.0f} h"),
    _f("account_age", 0.6, 30.0, 3.0, "identity", "account {value:.1f} days old at first request"),
    _f("kyc_plan", 0.5, 0.3, 0.9, "identity", "{kyc} KYC on the {plan} plan"),
    _f("declared_use_match", -2.5, 0.1, 0.5, "identity",
       "verified declared use explains {pct} of traffic"),
    _f("enterprise_contract", -1.5, 0.5, 1.0, "identity",
       "contract KYC / enterprise plan"),
    _f("linkage", 0.8, 1.5, 4.5, "linkage",
       "shares {linked_on} with {peers} linked accounts"),
    _f("campaign", 4.0, 0.2, 0.35, "linkage",
       "member of cluster {cluster} ({size} accounts): cluster evidence x tie x own "
       "evidence {value:.2f}"),
)

#: Risk of each KYC level and plan on its own (education/research/startup paths are abused).
KYC_RISK: Final = {"none": 1.0, "email": 0.8, "card": 0.4, "id_verified": 0.15, "contract": 0.0}
PLAN_RISK: Final = {"free": 0.7, "payg": 0.4, "education": 0.9, "research": 0.9,
                    "startup": 0.8, "enterprise": 0.0}

#: Linkage kinds and how much a shared rare value of each kind counts (before IDF).
DEFAULT_LINK_WEIGHTS: Final = {
    "payment": 1.8, "signup_ip": 1.2, "ip": 0.8, "ip_prefix": 0.4, "asn": 0.15, "ua": 0.2,
    "email_domain": 0.4, "org": 0.6, "created": 0.5, "pfp": 0.3,
    "p24": 0.6, "s24": 0.6, "p64": 1.4, "s64": 1.4, "sysk": 1.6, "lockstep": 1.2,
}


@dataclass(frozen=True)
class HuntConfig:
    features: tuple[Feature, ...] = DEFAULT_FEATURES
    bias: float = -4.2
    review: float = 0.5
    block: float = 0.8
    link_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LINK_WEIGHTS))
    #: Smallest summed pair weight kept as a graph edge.
    min_edge: float = 0.9
    #: Leiden resolution (CPM on normalised weights).
    resolution: float = 0.1
    #: Internal tie weight at which a member takes the campaign's full evidence.
    tie_full: float = 3.0
    #: Own base risk at which a member takes the campaign's full evidence (bystanders less).
    own_full: float = 0.4
    #: Share of harvesting content at which a member takes the campaign's full evidence.
    own_content_full: float = 0.3
    #: The same for a member outside the wrapper core (tied by card, IP, proxy pool):
    #: ordinary users on a shared reseller card ask for step-by-step answers too.
    bystander_content_full: float = 0.6
    #: Members' median harvesting content at which a wrapper-linked cluster's content
    #: evidence is full (then scaled by the wrapper share of its ties).
    cluster_content_full: float = 0.15
    #: Members at which a cluster's evidence counts in full; smaller clusters count in
    #: proportion to size - 1 (a pair a quarter): two or three accounts sharing a
    #: template and a rhythm are as often one team's test accounts as an operation, and
    #: must carry themselves on their own evidence.
    campaign_size_full: float = 5.0
    #: A wrapper-core member's own content is judged against the cluster's median
    #: harvesting content, but never against less than this share of ``own_content_full``.
    core_content_floor: float = 0.5
    #: A cluster whose members' upper-quartile harvesting content reaches this is a
    #: harvesting cluster; a member (>= 20 requests) with under ``content_contradiction``
    #: of that rate takes proportionally less of the campaign's evidence (shares the
    #: template, not the harvest).
    harvest_cluster: float = 0.3
    content_contradiction: float = 0.1
    #: Largest cluster a campaign may be before its weakest members are dropped.
    max_df_share: float = 0.05
    source: str = "built-in"

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)


#: Numeric parameters a YAML file may set at its top level (thresholds have their own key).
SCALAR_KEYS: Final = tuple(
    f.name for f in fields(HuntConfig)
    if f.type in ("float", float) and f.name not in ("review", "block"))


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
    cfg = HuntConfig()
    if not path:
        return cfg
    p = Path(path)
    sp = str(p)
    try:
        root = yaml.compose(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{sp}: cannot read hunt config ({exc})", details={"file": sp}) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"{sp}:{line}: invalid YAML ({exc})",
                          details={"file": sp, "line": line}) from exc
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
            raise _unknown(sp, knode, "key", (*SCALAR_KEYS, "thresholds", "features", "links"))
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
