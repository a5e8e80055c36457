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
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.detect import outputs
from distillguard.detect.campaigns import Cluster, analyse, linkage_values
from distillguard.detect.config import HuntConfig, load_config
from distillguard.detect.coordination import SCAFFOLD_KINDS, coordination
from distillguard.detect.decisions import read_decisions
from distillguard.detect.judgement import AccountRow, CampaignRow, HuntOutputs, Judgement
from distillguard.detect.progress import StageCallback, Stages
from distillguard.detect.scoring import feature_values, score, verdicts
from distillguard.features import plan
from distillguard.features.engine import Engine, make_engine
from distillguard.graph import Edges, build_edges, communities, keep_edges, lockstep
from distillguard.ingest.readers import live_log_files
from distillguard.schema import EVENT_SCHEMA, Account, InputError
from distillguard.settings import Settings

Renderer = Callable[[Path, Judgement, HuntOutputs, HuntConfig], Path]
SKELETON_KINDS = ("p24", "s24", "p64", "s64", "sysk")
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class HuntResult:
    out_dir: Path
    engine: str
    seconds: float
    summary: dict[str, Any]
    rows: list[AccountRow] = field(repr=False)
    clusters: list[CampaignRow] = field(repr=False)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        # A gateway's log directory: its rotated Parquet and the live JSONL of the current
        # days, so the hunt sees the latest exchanges without waiting for rotation.
        return sorted(p for p in path.rglob("*.parquet") if p.is_file()) + \
            live_log_files(path)
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
    progress: StageCallback | None = None,
    decisions: str | Path | None = None,
) -> HuntResult:
    """Score every account seen in ``events`` or ``accounts``; write the hunt's outputs.

    ``render`` draws extra outputs from the full result (the CLI passes
    :func:`distillguard.report.render_report`, which sits a layer above detection).
    ``progress`` hears each stage start (seconds None) and end (its seconds).
    ``decisions`` (or ``DISTILLGUARD_HUNT_DECISIONS``): analysts' labels that override
    the verdicts (:mod:`distillguard.detect.decisions`).
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
    stages = Stages(progress)
    with Quarantine(out / "quarantine.jsonl") as quarantine:
        with stages.stage("reading inputs"):
            files = prepare_events(ev_paths, out / "work", quarantine, stats)
            acc_list = read_accounts(accounts, quarantine) if accounts else []
        with stages.stage(f"starting {engine_name}"):  # a JVM on Spark: seconds
            eng: Engine = make_engine(engine_name, spark_master=st.spark_master,
                                      memory_limit=st.duckdb_memory_limit or None,
                                      temp_directory=out / "work" / "duckdb")
        try:
            with stages.stage(f"feature queries on {engine_name}"):
                tables = run_plan(eng, files, stages)
        finally:
            eng.close()
        qsummary = quarantine.summary()
    _require_something_usable(tables["totals"], acc_list, qsummary, ev_paths)
    with stages.stage("scoring and attribution"):
        result = _judge(tables, acc_list, cfg)
    result.summary.update(
        engine=engine_name, config=cfg.source, quarantine=qsummary,
        thresholds={"review": cfg.review, "block": cfg.block}, inputs={
            "events": [str(p) for p in ev_paths], "accounts": str(accounts) if accounts else None},
        **stats,
    )
    seconds = time.perf_counter() - started
    result.summary["seconds"] = round(seconds, 3)
    with stages.stage("writing outputs"):
        source = decisions or st.hunt_decisions
        decided = read_decisions(Path(source)) if source else {}
        written = outputs.write_all(out, result, cfg, decided)
        if render is not None:
            render(out, result, written, cfg)
    return HuntResult(out, engine_name, seconds, result.summary, written.rows,
                      written.campaigns)


def _require_something_usable(totals: pa.Table, acc_list: Sequence[Account],
                              qsummary: dict[str, Any], ev_paths: Sequence[Path]) -> None:
    """A run where nothing was usable fails loudly (a CSV given as events, a file of
    garbage), instead of writing an empty hunt that reads "no attack seen"."""
    events = int((totals.to_pylist()[0].get("events") if totals.num_rows else 0) or 0)
    if events > 0:
        return
    names = ", ".join(str(p) for p in ev_paths)
    if qsummary["total"]:
        reasons = ", ".join(f"{k} {v}" for k, v in qsummary["by_reason"].items())
        raise InputError(
            f"{names}: no usable event; {qsummary['total']} rows quarantined ({reasons}), "
            f"see {qsummary['path']}",
            details={"source": names, "quarantined": qsummary["total"],
                     "by_reason": qsummary["by_reason"], "quarantine": qsummary["path"]})
    if not acc_list:
        raise InputError(f"{names}: no events and no accounts: nothing to hunt",
                         details={"source": names})


def run_plan(eng: Engine, files: Sequence[Path], stages: Stages | None = None
             ) -> dict[str, pa.Table]:
    """The plan's tables; ``stages`` hears each step start and end, with its rows."""
    st = stages or Stages()
    with st.stage("per-event view"):
        eng.load_events(files)
        eng.materialize_events("ev")
    queries = {"features": ("account features", plan.account_features(eng.dialect)),
               "keys": ("account keys", plan.account_keys()),
               "pivot": ("model pivot", plan.model_pivot()),
               "activity": ("activity", plan.activity()),
               "daily": ("daily counts", plan.daily()),
               "totals": ("totals", plan.totals())}
    return {key: st.counted(name, partial(eng.query, sql))
            for key, (name, sql) in queries.items()}


@dataclass(frozen=True)
class Prepared:
    """Everything the judgement needs, per account, before any weight is applied: the
    raw feature values, the account graph and its communities. Training builds the same
    object from labelled worlds (:mod:`distillguard.detect.train`)."""

    universe: list[str]
    accounts: list[Account | None]
    seen: set[str]
    by_id: dict[str, Account]
    agg: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    harvest: np.ndarray
    edges: Edges
    labels: np.ndarray
    strongest: np.ndarray
    peers: np.ndarray
    linked_on: list[str]
    delay_h: np.ndarray
    tables: dict[str, pa.Table]

    @property
    def n(self) -> int:
        return len(self.universe)


def prepare(tables: dict[str, pa.Table], acc_list: Sequence[Account],
            cfg: HuntConfig) -> Prepared:
    """Feature values and the account graph from the plan's tables and the accounts."""
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
    act = tables["activity"]
    act_idx = _positions(act["account_id"], universe_arr)
    busiest = np.zeros(n)
    np.maximum.at(busiest, act_idx, act["c"].to_numpy().astype(np.float64))
    values = feature_values(agg, accounts, reuse, pivot, busiest)

    edges = build_edges(key_table, n, cfg.link_weights, min_weight=0.3)
    act_t = pa.table({"account": pa.array(act_idx, pa.int64()), "bin": act["bin"],
                      "c": act["c"]})
    edges = lockstep(edges, act_t, n, cfg.link_weights.get("lockstep", 0.0))
    edges = keep_edges(edges, cfg.min_edge, shared_kinds=SCAFFOLD_KINDS,
                       shared_min=cfg.min_scaffold_edge)
    labels = communities(edges, n, cfg.resolution)
    # Harvesting content: share of requests in any of the three harvesting families
    # (an operation that mixes families and camouflage still shows its total), at
    # least the largest single family where the engine gave no combined share.
    largest = np.maximum.reduce([
        values["reasoning_coercion"], values["rubric_grading"], values["synthetic_generation"]])
    any_share = agg.get("harvest_any")
    combined = largest if any_share is None else np.where(np.isfinite(largest), any_share,
                                                          np.nan)
    harvest = np.nan_to_num(np.fmax(largest, combined), nan=0.0)
    # Content a verified declared use explains (a licensed vendor) is not harvesting.
    harvest = np.where(np.nan_to_num(values["declared_use_match"], nan=0.0) > 0, 0.0, harvest)
    strongest, peers, linked_on = linkage_values(edges, n)
    return Prepared(universe, accounts, seen, by_id, agg, values, harvest, edges, labels,
                    strongest, peers, linked_on, delay_h, tables)


def judge_values(p: Prepared, base_risk: np.ndarray) -> dict[str, np.ndarray]:
    """Every feature value, the graph's included, given the first pass's risk."""
    values = dict(p.values)
    values["linkage"] = np.where(p.peers > 0, p.strongest, np.nan)
    coord = coordination(p.edges, p.labels, p.accounts, base_risk, p.harvest, p.values,
                         np.nan_to_num(p.agg.get("n_events", np.zeros(p.n)), nan=0.0))
    values.update(coord.values)
    return values


def _judge(tables: dict[str, pa.Table], acc_list: Sequence[Account],
           cfg: HuntConfig) -> Judgement:
    p = prepare(tables, acc_list, cfg)
    n = p.n
    base = score(p.values, cfg, n, include_graph=False)
    values = judge_values(p, base.risk)
    final = score(values, cfg, n, include_graph=True)
    verdict = verdicts(final.risk, cfg)
    clusters = analyse(p.labels, p.edges, p.accounts)
    return Judgement(
        universe=p.universe, accounts=p.accounts, agg=p.agg, values=values, base=base,
        final=final, verdicts=verdict, labels=p.labels, clusters=clusters, edges=p.edges,
        peers=p.peers, linked_on=p.linked_on, delay_h=p.delay_h, daily=tables["daily"],
        summary=_summary(tables["totals"], p.universe, p.seen, p.by_id, verdict, clusters))


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
