"""`distillguard intel match`: find a peer's indicators in our own accounts and events.

The same keyed hashes and sketches are computed over our data with every key of
the keyring a bundle refers to (current and previous, for rotation). Each hit is
an alert carrying the indicator's provenance (producer, campaign, confidence,
TLP, key id); an account's score combines its hits through a declarative feature
table, and accounts over the thresholds go to the gateway blocklist.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import orjson

from distillguard.intel import keys as K
from distillguard.intel import sketch
from distillguard.intel.huntdir import read_hunt
from distillguard.intel.keys import CommunityKey, Keyring
from distillguard.intel.scoring import (
    BLOCK,
    FEATURES,
    REVIEW,
    AccountMatch,
    Hit,
    Provenance,
    raw_hit,
    score_accounts,
)
from distillguard.intel.stixdefs import BEHAVIOR_TYPE, KEYED_HASH_TYPE, TLP_BY_ID
from distillguard.schema import Account, Event, normalize_request
from distillguard.schema.errors import InputError

ALERT_COLUMNS: Final = ("account_id", "score", "action", "feature", "similarity",
                        "contribution", "local_share", "local_holders", "indicator_id",
                        "producer", "campaign", "confidence", "tlp", "key_id", "explanation")
BLOCKLIST_COLUMNS: Final = ("account_id", "action", "reason", "source")
_PATTERN: Final = re.compile(
    rf"\[{KEYED_HASH_TYPE}:kind = '([a-z-]+)' AND {KEYED_HASH_TYPE}:key_id = "
    rf"'([A-Za-z0-9._-]+)' AND {KEYED_HASH_TYPE}:value = '([0-9a-f]{{64}})'\]")
MAX_LINES: Final = 2_000


@dataclass(slots=True)
class Intel:
    """What a set of pulled objects or bundles says, indexed for matching."""

    hashes: dict[tuple[str, str, str], Provenance] = field(default_factory=dict)
    behaviors: list[tuple[dict[str, Any], Provenance]] = field(default_factory=list)
    unknown_keys: Counter[str] = field(default_factory=Counter)
    objects: int = 0
    ignored_patterns: int = 0


def load_objects(path: str | Path, bad: list[str] | None = None) -> list[dict[str, Any]]:
    """Objects of a bundle file, an ``objects.jsonl`` or a directory holding either.

    Unreadable lines of a ``.jsonl`` are skipped and described in ``bad`` (when given)
    so one damaged line does not hide the rest of a pull.
    """
    p = Path(path)
    files = sorted(x for x in p.rglob("*") if x.suffix in (".json", ".jsonl")
                   and x.name != "state.json") if p.is_dir() else [p]
    if not files:
        raise InputError(f"{p}: no .json bundle or .jsonl objects found")
    out: list[dict[str, Any]] = []
    for f in files:
        try:
            if f.suffix == ".jsonl":
                for no, line in enumerate(f.read_bytes().splitlines(), start=1):
                    if not line.strip():
                        continue
                    try:
                        obj = orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        if bad is None:
                            raise InputError(f"{f}:{no}: not JSON ({exc})",
                                             details={"source": str(f), "line": no}) from exc
                        bad.append(f"{f}:{no}: not JSON ({exc})")
                        continue
                    if isinstance(obj, dict):
                        out.append(obj)
                    elif bad is not None:
                        bad.append(f"{f}:{no}: not a JSON object")
                continue
            doc = orjson.loads(f.read_bytes())
        except (orjson.JSONDecodeError, OSError) as exc:
            raise InputError(f"{f}: not readable JSON ({exc})", details={"source": str(f)}) from exc
        if isinstance(doc, dict) and isinstance(doc.get("objects"), list):
            out.extend(o for o in doc["objects"] if isinstance(o, dict))
        else:
            raise InputError(f"{f}: not a STIX bundle or TAXII envelope",
                             details={"source": str(f)})
    return out


def index_intel(objects: Sequence[dict[str, Any]], keyring: Keyring) -> Intel:
    latest: dict[str, dict[str, Any]] = {}
    for o in objects:
        oid = o.get("id")
        if not isinstance(oid, str):
            continue
        v = str(o.get("modified") or o.get("created") or "")
        if oid not in latest or v > str(latest[oid].get("modified") or latest[oid].get("created")
                                        or ""):
            latest[oid] = o
    names = {i: str(o.get("name", "")) for i, o in latest.items()
             if o.get("type") in ("identity", "campaign", "intrusion-set")}
    campaigns: dict[str, list[str]] = defaultdict(list)
    for o in latest.values():
        if o.get("type") == "relationship" and o.get("relationship_type") in (
                "indicates", "attributed-to", "related-to"):
            target = str(o.get("target_ref", ""))
            if target.startswith(("campaign--", "intrusion-set--")):
                campaigns[str(o.get("source_ref"))].append(names.get(target, target))
    intel = Intel(objects=len(latest))

    def provenance(o: dict[str, Any], key_id: str) -> Provenance:
        marks = [TLP_BY_ID[m] for m in o.get("object_marking_refs", []) if m in TLP_BY_ID]
        camp = campaigns.get(o["id"], [])
        if o.get("campaign_ref"):
            camp = [names.get(o["campaign_ref"], o["campaign_ref"])]
        return Provenance(o["id"], names.get(str(o.get("created_by_ref")), "unknown producer"),
                          "; ".join(sorted(set(camp))), int(o.get("confidence", 50)),
                          marks[0] if marks else "", key_id)

    for o in latest.values():
        if o.get("type") == "indicator":
            m = _PATTERN.fullmatch(str(o.get("pattern", "")).strip())
            if m is None:
                intel.ignored_patterns += 1
                continue
            kind, key_id, value = m.groups()
            if keyring.get(key_id) is None:
                intel.unknown_keys[key_id] += 1
                continue
            intel.hashes[(key_id, kind, value)] = provenance(o, key_id)
        elif o.get("type") == BEHAVIOR_TYPE:
            key_id = str(o.get("key_id"))
            if keyring.get(key_id) is None or o.get("community") != keyring.community:
                intel.unknown_keys[key_id] += 1
                continue
            intel.behaviors.append((o, provenance(o, key_id)))
    return intel


@dataclass(slots=True)
class _AccountData:
    observables: set[tuple[str, str]] = field(default_factory=set)
    lines: Counter[str] = field(default_factory=Counter)
    profiles: Counter[str] = field(default_factory=Counter)
    times: list[datetime] = field(default_factory=list)
    events: int = 0


def _collect(events: Iterable[Event], accounts: Iterable[Account]) -> dict[str, _AccountData]:
    data: dict[str, _AccountData] = defaultdict(_AccountData)

    def obs(acct: str, kind: str, raw: str | int | None) -> None:
        if raw is None:
            return
        try:
            value = K.normalize_observable(kind, raw)
        except InputError:
            return
        if value is not None:
            data[acct].observables.add((kind, value))

    for acc in accounts:
        a = acc.account_id
        data[a]  # every account is scored, even without events
        obs(a, K.EMAIL_DOMAIN, acc.email_domain)
        obs(a, K.PAYMENT, acc.payment_fingerprint)
        if acc.signup_ip:
            obs(a, K.IP, acc.signup_ip)
            obs(a, K.IP_PREFIX, K.ip_prefix_of(acc.signup_ip))
    for ev in events:
        d = data[ev.account_id]
        d.events += 1
        if ev.ip:
            obs(ev.account_id, K.IP, ev.ip)
            obs(ev.account_id, K.IP_PREFIX, K.ip_prefix_of(ev.ip) or ev.ip_prefix)
        elif ev.ip_prefix:
            obs(ev.account_id, K.IP_PREFIX, ev.ip_prefix)
        obs(ev.account_id, K.ASN, ev.asn)
        obs(ev.account_id, K.USER_AGENT, ev.user_agent)
        view = normalize_request(ev.endpoint, ev.request)
        for line in sketch.template_lines(view):
            if line in d.lines or len(d.lines) < MAX_LINES:
                d.lines[line] += 1
        d.profiles[sketch.parameter_profile(view)] += 1
        d.times.append(ev.ts)
    return data


def _behavior_hits(d: _AccountData, intel: Intel, keyring: Keyring,
                   cache: dict[str, Any]) -> list[Hit]:
    hits: list[Hit] = []
    for obj, prov in intel.behaviors:
        key = keyring.get(prov.key_id)
        assert key is not None
        kind = obj.get("behavior_type")
        if kind == "wrapper-sketch" and obj.get("minhash"):
            perms = int(obj.get("num_perm", sketch.NUM_PERM))
            sig, n, lines = _account_sketch(d, key, perms, cache)
            theirs = int(obj.get("shingle_count") or n)
            # Either side may hold lines the other lacks: an account uses a few of an
            # operation's rotated templates, and a producer drops lines its benign users
            # share. Containment in either direction is the evidence.
            sim = max(sketch.containment(sig, n, obj["minhash"], theirs),
                      sketch.containment(obj["minhash"], theirs, sig, n)) if sig else 0.0
            # Operations rotate wrappers: a few shared template lines are evidence even
            # when the whole sets differ.
            sim = max(sim, sketch.line_similarity(lines, set(obj.get("line_hashes") or [])))
            h = raw_hit(kind, sim, prov)
        elif kind == "parameter-fingerprint" and d.events:
            profile, uses = d.profiles.most_common(1)[0]
            same = sketch.parameter_fingerprint(key, profile) == obj.get("fingerprint")
            h = raw_hit(kind, 1.0, prov) if same and uses * 2 >= d.events else None
        elif kind == "timing-signature" and obj.get("histogram_permille"):
            mine = sketch.timing_histogram(d.times)
            hist = [x / 1000 for x in obj["histogram_permille"]]
            h = raw_hit(kind, sketch.cosine(mine, hist), prov) if mine else None
        else:
            h = None
        if h is not None:
            hits.append(h)
    return hits


def _account_sketch(d: _AccountData, key: CommunityKey, num_perm: int,
                    cache: dict[str, Any]) -> tuple[list[int], int, set[str]]:
    """The account's wrapper sketch, its shingle count and its keyed template lines."""
    cache_key = f"{key.key_id}/{num_perm}"
    if cache_key not in cache:
        frequent = sketch.frequent_lines(d.lines, d.events)
        sh = sketch.skeleton_shingles(frequent)
        sig = (sketch.MinHasher.for_key(key, num_perm).signature(sh)
               if len(sh) >= sketch.MIN_SKETCH_SHINGLES else [])
        cache[cache_key] = (sig, len(sh), {sketch.line_digest(key, x) for x in frequent})
    sig, n, lines = cache[cache_key]
    return list(sig), int(n), set(lines)


def match_accounts(intel: Intel, keyring: Keyring, events: Iterable[Event],
                   accounts: Iterable[Account], local_flagged: frozenset[str] | None = None,
                   min_confidence: int = 0,
                   local_blocked: frozenset[str] = frozenset()) -> list[AccountMatch]:
    """Every account an indicator hits, scored against our own base rates.

    ``local_flagged``: accounts our own hunt flagged, ``local_blocked`` those it
    blocked; ``min_confidence``: ignore indicators the producer is less confident
    of (0-100).
    """
    accs = list(accounts)
    accountable = frozenset(a.account_id for a in accs if a.accountable)
    data = _collect(events, accs)
    key_ids = sorted({k for k, _, _ in intel.hashes})
    raw: dict[str, list[Hit]] = {}
    for account_id in sorted(data):
        d = data[account_id]
        hits: list[Hit] = []
        for kind, value in sorted(d.observables):
            for kid in key_ids:
                key = keyring.get(kid)
                assert key is not None
                prov = intel.hashes.get((kid, kind, key.digest(kind, value)))
                if prov is not None and (h := raw_hit(kind, 1.0, prov)) is not None:
                    hits.append(h)
        hits.extend(_behavior_hits(d, intel, keyring, {}))
        hits = [h for h in hits if h.provenance.confidence >= min_confidence]
        if hits:
            raw[account_id] = hits
    return score_accounts(raw, local_flagged, accountable, local_blocked)


@dataclass(frozen=True, slots=True)
class MatchReport:
    objects: int
    indicators: int
    behaviors: int
    accounts_matched: int
    block: int
    review: int
    unknown_key_ids: str
    unreadable_intel_lines: int
    quarantined_rows: int
    alerts_path: str
    blocklist_path: str

    def as_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def write_alerts(matches: Sequence[AccountMatch], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ALERT_COLUMNS)
        for m in matches:
            for h in m.hits:
                p = h.provenance
                w.writerow([m.account_id, f"{m.score:.4f}", m.action, h.feature,
                            f"{h.similarity:.4f}", f"{h.contribution:.4f}",
                            f"{h.local_share:.4f}", h.local_holders, p.indicator_id,
                            p.producer, p.campaign, p.confidence, p.tlp, p.key_id,
                            f"{FEATURES[h.feature].explanation}; matched {h.local_holders} of "
                            f"our accounts, weight x{h.local_share:.2f} for our base rate "
                            f"(thresholds review {REVIEW}, block {BLOCK})"])


def write_blocklist(matches: Sequence[AccountMatch], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(BLOCKLIST_COLUMNS)
        for m in matches:
            if m.action == "allow":
                continue
            producers = sorted({h.provenance.producer for h in m.hits})
            campaigns = sorted({h.provenance.campaign for h in m.hits if h.provenance.campaign})
            feats = ", ".join(dict.fromkeys(h.feature for h in m.hits))
            reason = f"intel score {m.score:.2f}: {feats}"
            if campaigns:
                reason += f"; campaign {'; '.join(campaigns)}"
            w.writerow([m.account_id, m.action, reason, "intel:" + "; ".join(producers)])


def run_match(keyring: Keyring, intel_path: str | Path, events: Sequence[str | Path],
              accounts: str | Path | None, alerts: str | Path,
              blocklist: str | Path | None = None, own_hunt: str | Path | None = None,
              min_confidence: int = 0) -> MatchReport:
    """``distillguard intel match``: read intel and our logs, write alerts (and blocklist).

    ``own_hunt``: our own hunt's output directory; its verdicts are the base
    rates indicators are judged against (see ``scoring``).
    """
    from distillguard.ingest import Quarantine, iter_events, read_accounts

    local_flagged = None
    local_blocked: frozenset[str] = frozenset()
    if own_hunt is not None:
        verdicts = read_hunt(own_hunt).verdicts
        local_flagged = frozenset(a for a, v in verdicts.items()
                                  if v.verdict in ("review", "block"))
        local_blocked = frozenset(a for a, v in verdicts.items() if v.verdict == "block")
    bad: list[str] = []
    intel = index_intel(load_objects(intel_path, bad), keyring)
    quarantine = Quarantine()
    accs = read_accounts(accounts, quarantine) if accounts else []

    def all_events() -> Iterable[Event]:
        for p in events:
            yield from iter_events(p, quarantine)

    matches = match_accounts(intel, keyring, all_events(), accs, local_flagged, min_confidence,
                             local_blocked)
    write_alerts(matches, Path(alerts))
    if blocklist:
        write_blocklist(matches, Path(blocklist))
    return MatchReport(
        objects=intel.objects, indicators=len(intel.hashes), behaviors=len(intel.behaviors),
        accounts_matched=len(matches), block=sum(m.action == "block" for m in matches),
        review=sum(m.action == "review" for m in matches),
        unknown_key_ids=",".join(sorted(intel.unknown_keys)), unreadable_intel_lines=len(bad),
        quarantined_rows=quarantine.total, alerts_path=str(alerts),
        blocklist_path=str(blocklist or ""))
