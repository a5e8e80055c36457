"""The hunt: score every account and attribute campaigns, on DuckDB or Spark.

``hunt(events, accounts, out_dir)`` is the user API. It converts whatever the
user has into canonical Parquet (through :mod:`distillguard.ingest`, with a
quarantine), runs the portable query plan on the chosen engine, builds the
account graph, finds communities, scores and writes ``accounts.csv``,
``clusters.csv``, ``evidence.jsonl``, ``summary.json`` and ``report.html``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.detect import outputs
from distillguard.detect.campaigns import (
    Cluster,
    analyse,
    internal_weight,
    linkage_values,
    wrapper_peer_rate,
)
from distillguard.detect.config import HuntConfig, load_config
from distillguard.detect.progress import Stages
from distillguard.detect.scoring import MIN_EVENTS_SHAPE, feature_values, score, verdicts
from distillguard.features import plan
from distillguard.features.engine import Engine, make_engine
from distillguard.graph import build_edges, communities, keep_edges, lockstep
from distillguard.schema import EVENT_SCHEMA, Account, InputError
from distillguard.settings import Settings

Renderer = Callable[[Path, dict[str, Any], HuntConfig], Path]
SKELETON_KINDS = ("p24", "s24", "p64", "s64", "sysk")
HOUR_MS = 3_600_000
#: Base risk of ordinary traffic: below it a member brings no evidence of its own.
OWN_FLOOR = 0.1


@dataclass(frozen=True)
class HuntResult:
    out_dir: Path
    engine: str
    seconds: float
    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(repr=False)
    clusters: list[dict[str, Any]] = field(repr=False)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if p.is_file())
    return [path]


def _is_canonical_parquet(files: Sequence[Path]) -> bool:
    needed = set(EVENT_SCHEMA.names) - {"day"}
    try:
        return bool(files) and all(
            f.suffix == ".parquet" and needed <= set(pq.read_schema(f).names) for f in files
        )
    except (OSError, pa.ArrowException):
        return False


def prepare_events(events: Sequence[Path], work: Path, quarantine: Any,
                   stats: dict[str, Any]) -> list[Path]:
    """Canonical Parquet files for ``events``: passed through, or converted via ingest."""
    from distillguard.ingest import ReadStats, iter_event_batches

    for p in events:
        if not p.exists():
            raise InputError(f"{p}: events file not found", details={"source": str(p)})
    files = [f for p in events for f in _files(p)]
    if _is_canonical_parquet(files):
        return files
    work.mkdir(parents=True, exist_ok=True)
    out = work / "events.parquet"
    rs = ReadStats()
    with pq.ParquetWriter(out, EVENT_SCHEMA, compression="zstd") as writer:
        for batch in iter_event_batches(list(events), quarantine=quarantine, stats=rs):
            writer.write_batch(batch)
    stats["ingest"] = {k: v for k, v in vars(rs).items() if isinstance(v, (int, float, str))}
    return [out]


def _align(table: pa.Table, index: dict[str, int], n: int) -> dict[str, np.ndarray]:
    pos = np.array([index[a] for a in table["account_id"].to_pylist()], dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for name in table.column_names:
        if name == "account_id":
            continue
        col = table[name]
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)
                or pa.types.is_decimal(col.type)):
            continue
        arr = np.full(n, np.nan)
        vals = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
        arr[pos] = vals
        out[name] = arr
    return out


def _positions(ids: pa.ChunkedArray | pa.Array, universe: pa.Array) -> np.ndarray:
    """Index of every id in the sorted universe (vectorised)."""
    pos = pc.index_in(ids.cast(pa.string()), value_set=universe)
    return np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)


def _account_keys(accounts: Sequence[Account | None]) -> list[tuple[int, str, str]]:
    rows: list[tuple[int, str, str]] = []
    for i, a in enumerate(accounts):
        if a is None:
            continue
        for kind, v in (("payment", a.payment_fingerprint), ("signup_ip", a.signup_ip),
                        ("email_domain", a.email_domain), ("org", a.org_id)):
            if v:
                rows.append((i, kind, v))
        rows.append((i, "created", str(int(a.created_at.timestamp() * 1000) // HOUR_MS)))
    return rows


def _pivot(table: pa.Table, index: dict[str, int], n: int) -> tuple[np.ndarray, np.ndarray]:
    value = np.full(n, np.nan)
    delay_h = np.full(n, np.nan)
    for r in table.to_pylist():
        i = index[r["account_id"]]
        if r["n_window"] < 5:
            continue
        d = r["delay_ms"]
        v = 0.0 if d is None else float(r["share"]) * min(1.0, 24.0 / max(d / HOUR_MS, 1.0))
        if np.isnan(value[i]) or v > value[i]:
            value[i] = v
            delay_h[i] = np.nan if d is None else d / HOUR_MS
    return value, delay_h


def hunt(
    events: str | Path | Iterable[str | Path],
    accounts: str | Path | None,
    out_dir: str | Path,
    *,
    engine: str | None = None,
    config: HuntConfig | str | Path | None = None,
    settings: Settings | None = None,
    render: Renderer | None = None,
) -> HuntResult:
    """Score every account seen in ``events`` or ``accounts``; write the hunt's outputs.

    ``render`` draws extra outputs from the full result (the CLI passes
    :func:`distillguard.report.render_report`, which sits a layer above detection).
    """
    from distillguard.ingest import Quarantine, read_accounts

    started = time.perf_counter()
    st = settings or Settings()
    cfg = config if isinstance(config, HuntConfig) else load_config(config or st.hunt_config)
    engine_name = engine or st.engine
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ev_paths = [Path(events)] if isinstance(events, (str, Path)) else [Path(p) for p in events]
    stats: dict[str, Any] = {}
    stages = Stages()
    with Quarantine(out / "quarantine.jsonl") as quarantine:
        with stages.stage("reading inputs"):
            files = prepare_events(ev_paths, out / "work", quarantine, stats)
            acc_list = read_accounts(accounts, quarantine) if accounts else []
        eng: Engine = make_engine(engine_name, spark_master=st.spark_master,
                                  memory_limit=st.duckdb_memory_limit or None,
                                  temp_directory=out / "work" / "duckdb")
        try:
            with stages.stage(f"feature queries on {engine_name}"):
                tables = _run_plan(eng, files)
        finally:
            eng.close()
        qsummary = quarantine.summary()
    with stages.stage("scoring and attribution"):
        result = _judge(tables, acc_list, cfg)
    result["summary"].update(
        engine=engine_name, config=cfg.source, quarantine=qsummary,
        thresholds={"review": cfg.review, "block": cfg.block}, inputs={
            "events": [str(p) for p in ev_paths], "accounts": str(accounts) if accounts else None},
        **stats,
    )
    seconds = time.perf_counter() - started
    result["summary"]["seconds"] = round(seconds, 3)
    with stages.stage("writing outputs"):
        outputs.write_all(out, result, cfg)
        if render is not None:
            render(out, result, cfg)
    return HuntResult(out, engine_name, seconds, result["summary"], result["rows"],
                      result["cluster_rows"])


def _run_plan(eng: Engine, files: Sequence[Path]) -> dict[str, pa.Table]:
    eng.load_events(files)
    eng.materialize_events("ev")
    return {
        "features": eng.query(plan.account_features(eng.dialect)),
        "keys": eng.query(plan.account_keys()),
        "pivot": eng.query(plan.model_pivot()),
        "activity": eng.query(plan.activity()),
        "daily": eng.query(plan.daily()),
        "totals": eng.query(plan.totals()),
    }


def _judge(tables: dict[str, pa.Table], acc_list: Sequence[Account],
           cfg: HuntConfig) -> dict[str, Any]:
    feats = tables["features"]
    by_id = {a.account_id: a for a in acc_list}
    seen = set(feats["account_id"].to_pylist())
    universe = sorted(seen | set(by_id))
    n = len(universe)
    index = {a: i for i, a in enumerate(universe)}
    accounts: list[Account | None] = [by_id.get(a) for a in universe]
    agg = _align(feats, index, n)

    keys = tables["keys"]
    universe_arr = pa.array(universe, pa.string())
    acc_idx = _positions(keys["account_id"], universe_arr)
    is_skel = pc.is_in(keys["kind"], pa.array(SKELETON_KINDS)).to_numpy(zero_copy_only=False)
    share = (keys["c"].to_numpy().astype(np.float64)
             / np.maximum(keys["total"].to_numpy().astype(np.float64), 1.0))
    reuse = np.zeros(n)
    np.maximum.at(reuse, acc_idx[is_skel], share[is_skel])
    extra = _account_keys(accounts)
    key_table = pa.concat_tables([
        pa.table({"account": pa.array(acc_idx, pa.int64()),
                  "kind": keys["kind"].cast(pa.string()),
                  "value": keys["value"].cast(pa.string())}),
        pa.table({"account": pa.array([r[0] for r in extra], pa.int64()),
                  "kind": pa.array([r[1] for r in extra], pa.string()),
                  "value": pa.array([r[2] for r in extra], pa.string())}),
    ])
    pivot, delay_h = _pivot(tables["pivot"], index, n)
    values = feature_values(agg, accounts, reuse, pivot)
    base = score(values, cfg, n, include_graph=False)

    edges = build_edges(key_table, n, cfg.link_weights, min_weight=0.3)
    act = tables["activity"]
    act_t = pa.table({
        "account": pa.array(_positions(act["account_id"], universe_arr), pa.int64()),
        "bin": act["bin"], "c": act["c"],
    })
    edges = lockstep(edges, act_t, n, cfg.link_weights.get("lockstep", 0.0))
    edges = keep_edges(edges, cfg.min_edge)
    labels = communities(edges, n, cfg.resolution)
    # Harvesting content: share of requests in any of the three harvesting families
    # (an operation that mixes families and camouflage still shows its total), at
    # least the largest single family where the engine gave no combined share.
    largest = np.maximum.reduce([
        values["reasoning_coercion"], values["rubric_grading"], values["synthetic_generation"]])
    any_share = agg.get("harvest_any")
    combined = largest if any_share is None else np.where(np.isfinite(largest), any_share,
                                                          np.nan)
    content_raw = np.nan_to_num(np.fmax(largest, combined), nan=0.0)
    harvest = content_raw * (1.0 - base.strengths.get("batch_run", np.zeros(n)))
    # Content a verified declared use explains (a licensed vendor) is not harvesting.
    harvest = np.where(np.nan_to_num(values["declared_use_match"], nan=0.0) > 0, 0.0, harvest)
    clusters = analyse(labels, edges, base.risk, accounts, harvest,
                       content_full=cfg.cluster_content_full,
                       size_full=cfg.campaign_size_full)
    strongest, peers, linked_on = linkage_values(edges, n)
    values["linkage"] = np.where(peers > 0, strongest, np.nan)
    campaign = np.full(n, np.nan)
    internal = internal_weight(edges, labels, n)
    peer_rate = wrapper_peer_rate(edges, labels, harvest, n)
    for cl in clusters:
        if not cl.is_org:
            tie = np.clip(internal[cl.members] / cfg.tie_full, 0.0, 1.0)
            # Own evidence: the member's base risk above the floor of ordinary traffic, or
            # its own harvesting content, whichever is stronger.
            # A share measured on a handful of requests is discounted (3 of 5 requests
            # asking for step-by-step reasoning is chance, not a harvest).
            sample = np.clip(np.nan_to_num(agg.get("n_events", np.zeros(n))[cl.members],
                                           nan=0.0) / MIN_EVENTS_SHAPE, 0.0, 1.0)
            # A member of the wrapper core (it runs the cluster's shared template) is judged
            # against the cluster's own harvesting rate: a low-and-slow operation asks for
            # little per account, but every member asks for it (never below half the
            # ordinary scale, so chance content stays chance). Bystanders keep the full scale.
            in_core = np.isin(cl.members, cl.core if cl.core is not None else [])
            # Its rate is the lighter of the cluster's and its own template peers' (two
            # operations merged into one community keep their own scales). A bystander tied
            # only by a card, an IP or a proxy needs twice as much of its own content
            # (``bystander_content_full``): ordinary users ask for step-by-step answers too.
            rate = np.fmin(cl.content_median, peer_rate[cl.members])
            content_full = np.where(
                in_core, np.clip(rate, cfg.own_content_full * cfg.core_content_floor,
                                 cfg.own_content_full), cfg.bystander_content_full)
            own = np.maximum(
                np.clip((base.risk[cl.members] - OWN_FLOOR) / (cfg.own_full - OWN_FLOOR), 0, 1),
                np.clip(harvest[cl.members] * sample / content_full, 0.0, 1.0))
            # Contradiction: in a harvesting cluster (the upper quartile of members'
            # harvesting content at least ``harvest_cluster``: the harvesters' rate, which
            # bystanders sharing the template cannot dilute), a member measured on enough
            # requests that carries under ``content_contradiction`` of that rate (in its raw
            # content, before any discount) shares the template (a public agent or SDK
            # prompt) but not the harvest; its own evidence fades to nothing.
            if cl.content_high >= cfg.harvest_cluster and cfg.content_contradiction > 0:
                measured = sample >= 1.0
                agree = np.clip(content_raw[cl.members]
                                / (cfg.content_contradiction * cl.content_high), 0.0, 1.0)
                own = np.where(measured, own * agree, own)
            # Dormant members (no traffic yet) cannot be bystanders by their traffic:
            # their tie alone decides.
            own = np.where(np.isnan(agg.get("n_events", np.full(n, np.nan))[cl.members]),
                           1.0, own)
            campaign[cl.members] = cl.evidence * tie * own
    values["campaign"] = campaign
    final = score(values, cfg, n, include_graph=True)
    verdict = verdicts(final.risk, cfg)
    return {
        "universe": universe, "accounts": accounts, "agg": agg, "values": values,
        "base": base, "final": final, "verdicts": verdict, "labels": labels,
        "clusters": clusters, "edges": edges, "peers": peers, "linked_on": linked_on,
        "delay_h": delay_h, "daily": tables["daily"],
        "summary": _summary(tables["totals"], universe, seen, by_id, verdict, clusters),
        "rows": [], "cluster_rows": [],
    }


def _summary(totals: pa.Table, universe: Sequence[str], seen: set[str],
             by_id: dict[str, Account], verdict: Sequence[str],
             clusters: Sequence[Cluster]) -> dict[str, Any]:
    t = totals.to_pylist()[0] if totals.num_rows else {}
    raw_rows = int(t.get("raw_rows") or 0)
    n_events = int(t.get("events") or 0)
    counts = {v: sum(1 for x in verdict if x == v) for v in ("allow", "review", "block")}
    notes = []
    if n_events == 0:
        notes.append("no usable events: every account is scored from its account record only")
    no_events = sum(1 for a in by_id if a not in seen)
    no_record = sum(1 for a in seen if a not in by_id)
    if no_events:
        notes.append(f"{no_events} accounts have no events")
    if no_record:
        notes.append(f"{no_record} accounts in events have no account record")
    if raw_rows > n_events:
        notes.append(f"{raw_rows - n_events} duplicate event ids ignored")
    if counts["block"] == 0 and counts["review"] == 0:
        notes.append("no account reached the review threshold: no attack seen")
    return {
        "accounts": len(universe), "events": n_events, "raw_event_rows": raw_rows,
        "accounts_without_events": no_events, "accounts_without_record": no_record,
        "first_event_ms": t.get("first_ms"), "last_event_ms": t.get("last_ms"),
        "verdicts": counts, "org_clusters": sum(1 for c in clusters if c.is_org),
        "notes": notes,
    }
