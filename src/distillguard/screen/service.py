"""What the CLI verbs and the HTTP hook call: one function per action, taking
settings and plain arguments, so the verbs stay thin and the logic testable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError
from distillguard.screen.compute import compute_report
from distillguard.screen.config import ScreenConfig, load_config
from distillguard.screen.customers import (
    RANK,
    BatchReport,
    JurisdictionPolicy,
    Override,
    jurisdiction_of,
    read_customers,
    screen_customers,
)
from distillguard.screen.han import has_han
from distillguard.screen.jurisdiction import JurisdictionRules, load_rules
from distillguard.screen.ownership import (
    Holding,
    ListedOwner,
    evaluate_ownership,
    over_owned,
    parent_countries,
    parse_share,
    read_holdings,
)
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
    from distillguard.schema.documents import read_yaml

    data = read_yaml(config_path).data or {}
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


def listed_owner(ctx: Context, name: str, country: str = "") -> ListedOwner | None:
    """The owner as a listed party: confirmed when its name is a match, possible
    when it only reaches review; the ownership rules its lists carry."""
    if not name.strip():
        return None
    cfg = ctx.config
    found = [m for m in ctx.screener.matches(Query(name, country)) if m.score >= cfg.review]
    if not found:
        return None
    confirmed = found[0].score >= cfg.match
    use = [m for m in found if m.score >= cfg.match] if confirmed else found
    rules: set[str] = set()
    for m in use:
        if m.entity.list in cfg.ofac_rule_lists:
            rules.add("ofac")
        if m.entity.list in cfg.bis_rule_lists:
            rules.add("bis")
    best = use[0]
    tag = "" if confirmed else f", possible match {best.score:.2f}"
    return ListedOwner(
        f"{name} [{best.entity.list} {best.entity.entity_id}{tag}]",
        best.entity.entity_id,
        best.entity.list,
        frozenset(rules),
        confirmed,
    )


def ownership_overrides(
    ctx: Context,
    holdings: Sequence[Holding],
    as_of: dt.date,
    direct: Mapping[str, ListedOwner] | None = None,
    countries: Mapping[str, str] | None = None,
) -> dict[str, Override]:
    """Customer id -> ownership finding and parents' countries. Owners are
    screened by name (``direct`` gives parties already known to be listed)."""
    listed: dict[str, ListedOwner] = dict(direct or {})
    for h in holdings:
        if h.owner in listed or not h.owner_name:
            continue
        lo = listed_owner(ctx, h.owner_name, h.owner_country)
        if lo is not None:
            listed[h.owner] = lo
    findings = evaluate_ownership(holdings, listed, ctx.config.ownership, as_of)
    good, _ = over_owned(holdings)
    own_country = dict(countries or {})
    for h in good:
        if h.owner_country:
            own_country.setdefault(h.owner, h.owner_country)
    out: dict[str, Override] = {}
    for party in {h.owned for h in holdings}:
        f = findings.get(party)
        parents = parent_countries(party, good, ctx.config.ownership.parent_share, own_country)
        if f is None and not parents:
            continue
        out[party] = Override(
            f.decision if f else "clear",
            f.reason() if f else "",
            f.entity_id if f else "",
            f.list if f else "",
            tuple(parents.items()),
        )
    return out


def _policy(ctx: Context, product: str) -> JurisdictionPolicy:
    if product and product not in ctx.rules.products:
        raise InputError(
            f"unknown product {product!r}; known: {', '.join(ctx.rules.products)}",
            details={"product": product},
        )
    return JurisdictionPolicy(ctx.rules, product)


def screen_customer_file(
    settings: Settings,
    customers: Path,
    out_dir: Path,
    *,
    owners: Path | None = None,
    as_of: str | None = None,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    product: str = "",
) -> BatchReport:
    ctx = build_context(settings)
    policy = _policy(ctx, product)
    overrides: dict[str, Override] = {}
    owners_quarantine: list[dict[str, Any]] = []
    if owners is not None:
        read = read_holdings(owners)
        holdings = read.holdings
        owners_quarantine = read.quarantined
        owner_ids = {h.owner for h in holdings}
        # Customers that are themselves listed count as listed owners of others.
        direct: dict[str, ListedOwner] = {}
        countries: dict[str, str] = {}
        for row in read_customers(customers, []):
            countries[row.customer_id] = row.country
            if row.customer_id in owner_ids:
                lo = listed_owner(ctx, row.name, row.country)
                if lo is not None:
                    direct[row.customer_id] = lo
        overrides = ownership_overrides(ctx, holdings, parse_as_of(as_of), direct, countries)
        for q in owners_quarantine:
            cid = q["customer_id"]
            if not cid:
                continue
            old = overrides.get(cid, Override())
            why = f"ownership row {q['file']}:{q['line']} unusable ({q['reason']}): review"
            overrides[cid] = Override(
                "review" if old.decision == "clear" else old.decision,
                "; ".join(p for p in (old.reason, why) if p),
                old.entity_id,
                old.list,
                old.parents,
            )
    report = screen_customers(
        ctx.screener,
        customers,
        out_dir,
        workers=workers,
        progress=progress,
        overrides=overrides,
        policy=policy,
        lists_as_of=str(ctx.manifest.get("lists_as_of", "")),
    )
    report.warnings = staleness(ctx.manifest)
    if owners is not None:
        _write_owner_quarantine(out_dir / "owners_quarantine.csv", owners_quarantine)
        report.owners_quarantined = len(owners_quarantine)
    return report


def _write_owner_quarantine(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(
            fh, fieldnames=["file", "line", "customer_id", "reason"], lineterminator="\n"
        )
        w.writeheader()
        w.writerows(rows)


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
    """The account-creation hook: name screening, declared owners and jurisdiction,
    folded into one ``decision`` as ``screen customers`` does."""
    name = str(payload.get("name") or "").strip()
    ids = payload.get("identifiers") or []
    if not name and not ids:
        raise InputError("name (or identifiers) is required", details={"field": "name"})
    if not isinstance(ids, list):
        raise InputError("identifiers must be a list of strings", details={"field": "identifiers"})
    country = str(payload.get("country") or "")
    q = Query(name, country, str(payload.get("address") or ""), tuple(map(str, ids)))
    d = ctx.screener.screen(q)
    out = d.to_dict()
    decision = d.decision
    reasons = list(d.reasons)
    owners = payload.get("owners") or []
    if not isinstance(owners, list):
        raise InputError(
            "owners must be a list of {name, share, country}", details={"field": "owners"}
        )
    parents: dict[str, str] = {}
    parent = str(payload.get("parent_country") or "")
    if parent:
        parents[parent] = "declared parent"
    if owners:
        holdings = []
        for i, o in enumerate(owners):
            if not isinstance(o, Mapping) or not o.get("name") or o.get("share") is None:
                raise InputError(
                    f"owners[{i}] needs name and share", details={"field": f"owners[{i}]"}
                )
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
        if found is not None:
            if found.reason:
                if RANK[found.decision] > RANK[decision]:
                    decision = found.decision
                    if found.entity_id:
                        out["entity_id"], out["list"] = found.entity_id, found.list
                reasons.append(found.reason)
                out["ownership"] = {
                    "decision": found.decision,
                    "reason": found.reason,
                    "entity_id": found.entity_id,
                    "list": found.list,
                }
            parents.update(dict(found.parents))
    product = str(payload.get("product") or "")
    policy = _policy(ctx, product)
    hq = str(payload.get("hq_country") or country)
    products = [product] if product else list(ctx.rules.products)
    out["jurisdiction"] = [
        ctx.rules.evaluate(p, hq, list(parents), parents).to_dict() for p in products
    ]
    out["list_decision"] = decision
    jdec, _, jreason = jurisdiction_of(policy, hq, parents)
    if RANK[jdec] > RANK[decision]:
        decision = jdec
    if jreason:
        reasons.append(jreason)
    out["decision"] = decision
    out["reasons"] = reasons
    out["as_of"] = as_of.isoformat()
    out["lists_as_of"] = str(ctx.manifest.get("lists_as_of", ""))
    out["warnings"] = staleness(ctx.manifest)
    return out
