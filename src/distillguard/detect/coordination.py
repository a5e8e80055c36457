"""Evidence of common control: what a group of accounts shares, per member.

A campaign is many accounts run by one operator. Whatever it harvests, the
operator leaves traces no content rule is needed for: shared infrastructure
(payment, sign-up and egress addresses, proxy pools), shared scaffolding
(system-prompt and wrapper skeletons, tool schemas, parameter fingerprints),
synchronised activity, accounts created in bursts, usage kept level across a
pool, and members that behave like copies of one script. Each of these is a
named value in [0, 1] per account, taken over the account's community in the
account graph; the learned scoring table weighs them against the benign
explanations (one declared organisation, a popular public template: the graph's
rarity weighting already discounts a value thousands share).

The functions here see only the graph, the communities and per-account arrays,
never events, so they cost the same on DuckDB and Spark.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from distillguard.graph import Edges
from distillguard.graph.kinds import of_family
from distillguard.schema import Account

#: Which link kinds are infrastructure, scaffolding or timing (one table: graph.kinds).
INFRA_KINDS: Final = of_family("infrastructure")
SCAFFOLD_KINDS: Final = of_family("scaffolding")
TIMING_KINDS: Final = of_family("timing")
#: Summed internal tie weight (of one kind group) at which a tie counts in full.
TIE_FULL: Final = 3.0
#: Members at which a group's size counts in full (log scale from a pair).
SIZE_FULL: Final = 32.0
#: Hours around a member's sign-up within which another member's sign-up is a burst.
BURST_HOURS: Final = 48.0
#: CV of members' log volumes at which a group counts as not kept level at all.
LEVEL_CV_ZERO: Final = 0.3
#: Behaviour columns compared across members (scaled per world to unit spread).
SCRIPT_COLUMNS: Final = ("volume", "output_input_ratio", "single_turn", "long_output",
                         "reasoning_params", "tool_use", "tool_loop", "param_uniformity",
                         "diurnal_flatness")
#: Names of the coordination values, in a fixed order.
NAMES: Final = ("group_member", "tie_infra", "tie_scaffold", "tie_timing", "group_size",
                "group_risk", "group_logit", "group_harvest", "common_control", "creation_burst",
                "usage_level", "script_likeness", "org_cover", "group_accountable")


@dataclass(frozen=True)
class Coordination:
    """Per-account coordination values (NaN-free, each in [0, 1]) and the context the
    explanations quote."""

    values: dict[str, np.ndarray]
    size: np.ndarray  # members in the account's community (1 when none)


def _kind_groups(edges: Edges) -> dict[str, np.ndarray]:
    ids = {name: np.array([i for i, k in enumerate(edges.kinds) if k in kinds], dtype=np.int64)
           for name, kinds in (("infra", INFRA_KINDS), ("scaffold", SCAFFOLD_KINDS),
                               ("timing", TIMING_KINDS))}
    return ids


def internal_by_group(edges: Edges, labels: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Each account's summed tie weight to its own community, per kind group."""
    out = {g: np.zeros(n) for g in ("infra", "scaffold", "timing")}
    if edges.size == 0:
        return out
    src = edges.src[edges.part_edge]
    dst = edges.dst[edges.part_edge]
    same = (labels[src] == labels[dst]) & (labels[src] >= 0)
    for g, kid in _kind_groups(edges).items():
        sel = same & np.isin(edges.part_kind, kid)
        np.add.at(out[g], src[sel], edges.part_weight[sel])
        np.add.at(out[g], dst[sel], edges.part_weight[sel])
    return out


def _loo_mean(values: np.ndarray, labels: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Mean of the *other* members' values (0 alone): a member cannot vouch for itself."""
    n = labels.size
    lab = np.where(labels >= 0, labels, 0)
    total = np.bincount(lab, weights=np.where(labels >= 0, values, 0.0),
                        minlength=int(lab.max()) + 1 if n else 1)
    others = size - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((labels >= 0) & (others > 0), (total[lab] - values) / np.maximum(others, 1),
                       0.0)
    return np.asarray(out, dtype=np.float64)


def _groups(labels: np.ndarray, min_size: int = 2) -> Iterator[np.ndarray]:
    """Members of each community (label >= 0) of at least ``min_size`` accounts."""
    if labels.size == 0:
        return
    order = np.argsort(labels, kind="stable")
    sl = labels[order]
    starts = np.flatnonzero(np.r_[True, sl[1:] != sl[:-1]])
    ends = np.r_[starts[1:], labels.size]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if sl[s] >= 0 and e - s >= min_size:
            yield order[s:e]


def _creation_burst(accounts: Sequence[Account | None], labels: np.ndarray,
                    size: np.ndarray) -> np.ndarray:
    """Share of the other members created within ``BURST_HOURS`` of this one."""
    n = labels.size
    created = np.array([a.created_at.timestamp() / 3600.0 if a is not None else np.nan
                        for a in accounts], dtype=np.float64)
    out = np.zeros(n)
    for members in _groups(labels):
        t = created[members]
        known = np.isfinite(t)
        if known.sum() < 2:
            continue
        tk = np.sort(t[known])
        lo = np.searchsorted(tk, t - BURST_HOURS, side="left")
        hi = np.searchsorted(tk, t + BURST_HOURS, side="right")
        near = np.where(known, hi - lo - 1, 0)
        out[members] = near / max(members.size - 1, 1)
    return out


def _group_stat(values: np.ndarray, labels: np.ndarray, fn: str) -> np.ndarray:
    """A per-community statistic of ``values`` broadcast back to the members."""
    n = labels.size
    out = np.zeros(n)
    for members in _groups(labels):
        v = values[members]
        v = v[np.isfinite(v)]
        if v.size < 2:
            continue
        if fn == "level":
            # A pool kept under a quota: members' volumes alike (CV of log counts near 0).
            # On the log scale every group's CV is small, so the value is 1 at equal
            # volumes and 0 from LEVEL_CV_ZERO on, where groups of independent people
            # (a course, an agent framework's users) sit, not 1 - CV.
            m = float(v.mean())
            out[members] = max(0.0, 1.0 - float(v.std()) / m / LEVEL_CV_ZERO) if m > 0 else 0.0
        elif fn == "q75":
            out[members] = float(np.quantile(v, 0.75))
    return out


def _script_likeness(behaviour: Mapping[str, np.ndarray], labels: np.ndarray,
                     n: int) -> np.ndarray:
    """How closely a member's behaviour matches its group's median (1 = a copy of one
    script): accounts of one operator run the same code with the same parameters;
    strangers sharing a VPN exit or a public template do not."""
    cols = []
    for name in SCRIPT_COLUMNS:
        v = behaviour.get(name)
        if v is None:
            continue
        v = np.asarray(v, dtype=np.float64)
        spread = np.nanstd(v) if np.isfinite(v).any() else 0.0
        cols.append(np.where(np.isfinite(v), v / spread if spread > 0 else 0.0, np.nan))
    if not cols:
        return np.zeros(n)
    x = np.stack(cols, axis=1)
    out = np.zeros(n)
    for members in _groups(labels, 3):
        xm = x[members]
        if not np.isfinite(xm).any():
            continue
        with warnings.catch_warnings():
            # Columns no member measured, members with nothing measured: NaN, handled below.
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(xm, axis=0)
            d = np.nanmean(np.abs(xm - med), axis=1)
        out[members] = np.where(np.isfinite(d), np.exp(-2.0 * d), 0.0)
    return out


def coordination(edges: Edges, labels: np.ndarray, accounts: Sequence[Account | None],
                 base_risk: np.ndarray, harvest: np.ndarray,
                 behaviour: Mapping[str, np.ndarray], n_events: np.ndarray) -> Coordination:
    """Every coordination value per account (see :data:`NAMES`)."""
    n = labels.size
    lab = np.where(labels >= 0, labels, 0)
    counts = np.bincount(lab[labels >= 0], minlength=int(lab.max()) + 1 if n else 1)
    size = np.where(labels >= 0, counts[lab], 1).astype(np.int64)
    inner = internal_by_group(edges, labels, n)
    tie = {g: np.clip(w / TIE_FULL, 0.0, 1.0) for g, w in inner.items()}
    tied = np.clip((inner["infra"] + inner["scaffold"] + inner["timing"]) / TIE_FULL, 0.0, 1.0)
    size_s = np.clip(np.log2(np.maximum(size, 1)) / np.log2(SIZE_FULL), 0.0, 1.0)
    group_risk = _loo_mean(base_risk, labels, size)
    # The same on the log-odds scale: many members each a little above ordinary traffic
    # (a low-and-slow fleet) are a group well above it.
    clipped = np.clip(base_risk, 1e-6, 1 - 1e-6)
    group_logit = _loo_mean(np.log(clipped / (1 - clipped)), labels, size)
    group_harvest = _loo_mean(harvest, labels, size)
    # The benign explanation a group can have: one organisation on contract terms.
    org = np.array([1.0 if a is not None and a.org_id and (
        a.kyc_level == "contract" or a.plan == "enterprise") else 0.0 for a in accounts])
    org_ids = [a.org_id if a is not None else None for a in accounts]
    same_org = np.zeros(n)
    if n:
        by_label: dict[int, dict[str, int]] = {}
        for i in np.flatnonzero(labels >= 0).tolist():
            oid = org_ids[i]
            if oid:
                d = by_label.setdefault(int(labels[i]), {})
                d[oid] = d.get(oid, 0) + 1
        for i in np.flatnonzero(labels >= 0).tolist():
            oid = org_ids[i]
            if oid and size[i] > 1:
                same_org[i] = (by_label[int(labels[i])][oid] - 1) / (size[i] - 1)
    burst = _creation_burst(accounts, labels, size) * tied
    level = _group_stat(np.log1p(n_events), labels, "level") * (size >= 5) * tied
    script = _script_likeness(behaviour, labels, n) * tied
    # Common control on several independent counts at once: strangers share one thing
    # (a VPN exit, a public framework's prompt, a campus NAT), an operator's accounts
    # share several (infrastructure and scaffolding and timing and one script).
    counts_ = np.stack([tie["infra"], tie["scaffold"], np.maximum(tie["timing"], burst),
                        script, level], axis=1)
    third = np.sort(counts_, axis=1)[:, -3]
    # Accountable members (Account.accountable): a group of them is a customer answerable
    # for what it does (a labelling company, a data vendor), however coordinated.
    accountable = np.array([1.0 if a is not None and a.accountable else 0.0
                            for a in accounts])
    acc_share = np.where(size > 1, (_loo_mean(accountable, labels, size) * (size - 1)
                                    + accountable) / np.maximum(size, 1), accountable)
    values = {
        # Baseline of any grouped account: lets the other values count as evidence
        # without lifting every member of every community (students behind one NAT).
        "group_member": tied,
        "tie_infra": tie["infra"],
        "tie_scaffold": tie["scaffold"],
        "tie_timing": tie["timing"],
        "group_size": size_s * tied,
        "group_risk": np.clip(group_risk, 0.0, 1.0) * tied,
        "group_logit": np.where(size > 1, np.clip((group_logit + 5.0) / 5.0, 0.0, 1.0), 0.0)
        * tied,
        "group_harvest": np.clip(group_harvest / 0.3, 0.0, 1.0) * tied,
        "common_control": third * size_s,
        "creation_burst": burst,
        "usage_level": level,
        "script_likeness": script,
        "org_cover": org * same_org,
        "group_accountable": acc_share * tied,
    }
    return Coordination({k: np.nan_to_num(v, nan=0.0) for k, v in values.items()}, size)
