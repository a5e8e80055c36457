"""What the CLI verbs and the HTTP hook call: one function per action, taking
settings and plain arguments, so the verbs stay thin and the logic testable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError
from distillguard.screen.compute import compute_report
from distillguard.screen.config import ScreenConfig, load_config
from distillguard.screen.customers import BatchReport, read_customers, screen_customers
from distillguard.screen.jurisdiction import JurisdictionRules, load_rules
from distillguard.screen.normalize import has_han
from distillguard.screen.ownership import Holding, evaluate_ownership, read_holdings
from distillguard.screen.scoring import Query, Screener
from distillguard.screen.store import load_entities, staleness, store_dir, update_store
from distillguard.settings import Settings


@dataclass(frozen=True)
class Context:
    """Everything a screen needs, built once per process."""

    screener: Screener
    config: ScreenConfig
    rules: JurisdictionRules
    manifest: dict[str, Any]


def build_context(settings: Settings) -> Context:
    cfg = load_config(settings.screen_config)
    rules_path = _jurisdiction_path(settings.screen_config)
    entities, manifest = load_entities(store_dir(settings.screen_lists_dir, settings.data_dir))
    return Context(Screener(entities, cfg), cfg, load_rules(rules_path), manifest)


def _jurisdiction_path(config_path: str) -> str:
    """A config file may name its own jurisdiction rules (``jurisdiction: rules.yaml``)."""
    if not config_path:
        return ""
    import yaml

    data = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    rel = data.get("jurisdiction") if isinstance(data, dict) else None
    return str(Path(config_path).parent / str(rel)) if rel else ""


def update_lists(
    settings: Settings,
    sources: Sequence[str | Path],
    *,
    cn_names: Path | None = None,
    compress: bool = False,
) -> dict[str, Any]:
    return update_store(
        sources,
        store_dir(settings.screen_lists_dir, settings.data_dir),
        cn_names=cn_names,
        compress=compress,
    )


def download_lists(settings: Settings) -> str:
    """Fetch the configured official files; the dated directory spec to parse."""
    from distillguard.screen.download import download

    cfg = load_config(settings.screen_config)
    target = store_dir(settings.screen_lists_dir, settings.data_dir) / "downloads"
    return download(dict(cfg.downloads), target)


def show_lists(settings: Settings) -> tuple[list[dict[str, Any]], list[str]]:
    """Entities, names and as-of date per list, and the staleness warnings."""
    entities, manifest = load_entities(store_dir(settings.screen_lists_dir, settings.data_dir))
    counts: dict[str, int] = {}
    han: dict[str, int] = {}
    for e in entities:
        counts[e.list] = counts.get(e.list, 0) + 1
        if any(has_han(n) for n in e.names):
            han[e.list] = han.get(e.list, 0) + 1
    source = manifest.get("store") or manifest.get("source_dir", "")
    as_of = manifest.get("as_of") or {}
    rows = [
        {
            "list": k,
            "entities": v,
            "with_chinese_name": han.get(k, 0),
            "as_of": as_of.get(k, ""),
            "source": source,
        }
        for k, v in sorted(counts.items())
    ]
    return rows, staleness(manifest)


def parse_as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--as-of {value!r} is not a date YYYY-MM-DD", details={"as_of": value}
        ) from None


def ownership_overrides(
    ctx: Context,
    holdings: Sequence[Holding],
    as_of: dt.date,
    direct: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, str]]:
    """Customer id -> (decision, reason) from the affiliates rule. Owners are
    screened by name; an owner whose name is a ``match`` counts as listed."""
    listed: dict[str, str] = dict(direct or {})
    for h in holdings:
        if h.owner in listed or not h.owner_name:
            continue
        d = ctx.screener.screen(Query(h.owner_name, h.owner_country))
        if d.decision == "match" and d.best is not None:
            listed[h.owner] = f"{h.owner_name} [{d.best.entity.list} {d.best.entity.entity_id}]"
    findings = evaluate_ownership(holdings, listed, ctx.config.ownership, as_of)
    return {party: (f.decision, f.reason()) for party, f in findings.items()}


def screen_customer_file(
    settings: Settings,
    customers: Path,
    out_dir: Path,
    *,
    owners: Path | None = None,
    as_of: str | None = None,
    workers: int = 0,
    progress: bool = False,
) -> BatchReport:
    ctx = build_context(settings)
    overrides: dict[str, tuple[str, str]] = {}
    if owners is not None:
        holdings = read_holdings(owners)
        # Customers that are themselves matches count as listed owners of others.
        direct = {}
        for row in read_customers(customers, []):
            if row.customer_id in {h.owner for h in holdings}:
                d = ctx.screener.screen(Query(row.name, row.country, row.address, row.identifiers))
                if d.decision == "match" and d.best is not None:
                    direct[row.customer_id] = (
                        f"{row.name} [{d.best.entity.list} {d.best.entity.entity_id}]"
                    )
        overrides = ownership_overrides(ctx, holdings, parse_as_of(as_of), direct)
    return screen_customers(
        ctx.screener, customers, out_dir, workers=workers, progress=progress, overrides=overrides
    )


def compute_usage(
    settings: Settings, usage: Path, customers: Path | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = load_config(settings.screen_config)
    screening: dict[str, dict[str, str]] = {}
    countries: dict[str, str] = {}
    if customers is not None:
        ctx = build_context(settings)
        for row in read_customers(customers, []):
            d = ctx.screener.screen(Query(row.name, row.country, row.address, row.identifiers))
            countries[row.customer_id] = row.country
            best = d.best if d.decision != "clear" else None
            screening[row.customer_id] = {
                "decision": d.decision,
                "entity_id": best.entity.entity_id if best else "",
                "list": best.entity.list if best else "",
            }
    return compute_report(usage, cfg, screening, countries)


def screen_account(ctx: Context, payload: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The account-creation hook: name screening, declared owners and jurisdiction."""
    name = str(payload.get("name") or "").strip()
    ids = payload.get("identifiers") or []
    if not name and not ids:
        raise InputError("name (or identifiers) is required", details={"field": "name"})
    if not isinstance(ids, list):
        raise InputError("identifiers must be a list of strings", details={"field": "identifiers"})
    q = Query(
        name,
        str(payload.get("country") or ""),
        str(payload.get("address") or ""),
        tuple(map(str, ids)),
    )
    d = ctx.screener.screen(q)
    out = d.to_dict()
    decision = d.decision
    reasons = list(d.reasons)
    owners = payload.get("owners") or []
    if not isinstance(owners, list):
        raise InputError(
            "owners must be a list of {name, share, country}", details={"field": "owners"}
        )
    if owners:
        holdings = []
        for i, o in enumerate(owners):
            if not isinstance(o, Mapping) or not o.get("name") or o.get("share") is None:
                raise InputError(
                    f"owners[{i}] needs name and share", details={"field": f"owners[{i}]"}
                )
            from distillguard.screen.ownership import parse_share

            holdings.append(
                Holding(
                    f"owner{i}",
                    "account",
                    parse_share(str(o["share"]), f"owners[{i}].share"),
                    str(o["name"]),
                    str(o.get("country") or ""),
                )
            )
        found = ownership_overrides(ctx, holdings, as_of).get("account")
        if found:
            if ["clear", "review", "match"].index(found[0]) > ["clear", "review", "match"].index(
                decision
            ):
                decision = found[0]
            reasons.append(found[1])
            out["ownership"] = {"decision": found[0], "reason": found[1]}
    product = payload.get("product")
    products = [str(product)] if product else list(ctx.rules.products)
    out["jurisdiction"] = [
        ctx.rules.evaluate(
            p,
            str(payload.get("hq_country") or payload.get("country") or ""),
            str(payload.get("parent_country") or ""),
        ).to_dict()
        for p in products
    ]
    out["decision"] = decision
    out["reasons"] = reasons
    out["as_of"] = as_of.isoformat()
    return out
