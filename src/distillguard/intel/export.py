"""Turn a hunt's findings into a STIX 2.1 bundle that carries no user data.

Raw observables are read from the lab's own events and accounts, kept in memory
only, and leave as keyed hashes under the community key. An observable is
exported only when it is *pure*: most accounts that show it were flagged by the
hunt, so a shared SDK user agent or a mail provider never becomes an indicator,
and *confirmed*: held by an account the hunt blocked, or by at least two it sent
to review. The hunt's review level is where its mistakes live: a lone review
verdict would otherwise travel as that customer's card, domain and prompt
template, and block the same customer at every partner. (What a partner makes
of a hit on a customer it knows to be accountable is its own call: see
``scoring``.)
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from distillguard.intel import keys as K
from distillguard.intel import sketch
from distillguard.intel.huntdir import HuntResult, read_hunt
from distillguard.intel.keys import CommunityKey
from distillguard.intel.stixdefs import (
    BEHAVIOR_TYPE,
    EXTENSION_ID,
    KEYED_HASH_TYPE,
    extension_definition,
    stix_id,
    tlp_marking,
    validate_bundle,
)
from distillguard.schema import Account, Event, format_ts, normalize_request
from distillguard.schema.errors import InputError

MAX_LINES_PER_GROUP = 20_000
MAX_LINES_PER_ACCOUNT = 300
MAX_TIMES_PER_ACCOUNT = 20_000


@dataclass(frozen=True, slots=True)
class ExportOptions:
    producer: str = "distillguard-lab"
    tlp: str = "amber"
    min_verdict: str = "review"
    min_purity: float = 0.8
    # Review-level holders that confirm an indicator without a blocked one.
    min_suspected: int = 2
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.min_verdict not in ("review", "block"):
            raise InputError(f"min_verdict must be review or block, got {self.min_verdict!r}")
        if not 0.0 < self.min_purity <= 1.0:
            raise InputError(f"min_purity must be in (0, 1], got {self.min_purity}")
        if self.min_suspected < 1:
            raise InputError(f"min_suspected must be at least 1, got {self.min_suspected}")


@dataclass(slots=True)
class _Seen:
    accounts: set[str] = field(default_factory=set)
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, account_id: str, ts: datetime | None, n: int = 1) -> None:
        self.accounts.add(account_id)
        self.count += n
        if ts is not None:
            self.first = ts if self.first is None or ts < self.first else self.first
            self.last = ts if self.last is None or ts > self.last else self.last


@dataclass(slots=True)
class _Group:
    """A campaign (hunt cluster) or a lone flagged account."""

    accounts: set[str] = field(default_factory=set)
    lines: Counter[str] = field(default_factory=Counter)
    events: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportReport:
    bundle_path: str
    objects: int
    indicators: int
    behaviors: int
    campaigns: int
    sightings: int
    impure_skipped: int
    unconfirmed_skipped: int
    flagged_accounts: int
    quarantined: int

    def as_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class _Collector:
    def __init__(self, hunt: HuntResult, opts: ExportOptions) -> None:
        levels = ("block",) if opts.min_verdict == "block" else ("review", "block")
        self.flagged = {a: v for a, v in hunt.verdicts.items() if v.verdict in levels}
        self.min_suspected = opts.min_suspected
        self.obs: dict[tuple[str, str], _Seen] = defaultdict(_Seen)
        self.groups: dict[str, _Group] = defaultdict(_Group)
        self.times: dict[str, list[datetime]] = defaultdict(list)
        self.profiles: dict[str, set[str]] = defaultdict(set)
        self.group_profiles: dict[str, Counter[str]] = defaultdict(Counter)
        self.acct_lines: dict[str, Counter[bytes]] = defaultdict(Counter)
        self.acct_events: Counter[str] = Counter()

    def confirmed(self, accounts: Iterable[str]) -> bool:
        """A blocked holder, or ``min_suspected`` review-level ones (module docstring)."""
        suspected = 0
        for a in accounts:
            v = self.flagged.get(a)
            if v is None:
                continue
            if v.verdict == "block":
                return True
            suspected += 1
        return suspected >= self.min_suspected

    def group_of(self, account_id: str) -> str | None:
        v = self.flagged.get(account_id)
        if v is None:
            return None
        return f"c:{v.cluster_id}" if v.cluster_id else f"a:{account_id}"

    def _obs(self, kind: str, raw: str | int | None, account_id: str, ts: datetime | None,
             n: int = 1) -> None:
        if raw is None:
            return
        try:
            value = K.normalize_observable(kind, raw)
        except InputError:
            return
        if value is not None:
            self.obs[(kind, value)].add(account_id, ts, n)

    def account(self, acc: Account) -> None:
        a = acc.account_id
        self._obs(K.EMAIL_DOMAIN, acc.email_domain, a, acc.created_at)
        self._obs(K.PAYMENT, acc.payment_fingerprint, a, acc.created_at)
        if acc.signup_ip:
            self._obs(K.IP, acc.signup_ip, a, acc.created_at)
            self._obs(K.IP_PREFIX, K.ip_prefix_of(acc.signup_ip), a, acc.created_at)

    def event(self, ev: Event) -> None:
        a = ev.account_id
        if ev.ip:
            self._obs(K.IP, ev.ip, a, ev.ts)
            self._obs(K.IP_PREFIX, K.ip_prefix_of(ev.ip) or ev.ip_prefix, a, ev.ts)
        elif ev.ip_prefix:
            self._obs(K.IP_PREFIX, ev.ip_prefix, a, ev.ts)
        self._obs(K.ASN, ev.asn, a, ev.ts)
        self._obs(K.USER_AGENT, ev.user_agent, a, ev.ts)
        view = normalize_request(ev.endpoint, ev.request)
        profile = sketch.parameter_profile(view)
        self.profiles[profile].add(a)
        lines = sketch.template_lines(view)
        mine = self.acct_lines[a]
        self.acct_events[a] += 1
        for line in lines:
            k = sketch.line_key(line)
            if k in mine or len(mine) < MAX_LINES_PER_ACCOUNT:
                mine[k] += 1
        group = self.group_of(a)
        if group is None:
            return
        g = self.groups[group]
        g.accounts.add(a)
        g.events += 1
        g.first = ev.ts if g.first is None or ev.ts < g.first else g.first
        g.last = ev.ts if g.last is None or ev.ts > g.last else g.last
        for line in lines:
            if line in g.lines or len(g.lines) < MAX_LINES_PER_GROUP:
                g.lines[line] += 1
        self.group_profiles[group][profile] += 1
        if len(self.times[a]) < MAX_TIMES_PER_ACCOUNT:
            self.times[a].append(ev.ts)


def _ts(dt: datetime | None, default: str) -> str:
    return format_ts(dt) if dt is not None else default


class _Builder:
    def __init__(self, key: CommunityKey, hunt: HuntResult, opts: ExportOptions,
                 col: _Collector) -> None:
        self.key, self.hunt, self.opts, self.col = key, hunt, opts, col
        self.now = _ts(opts.now or datetime.now(UTC), "")
        self.producer_id = stix_id("identity", "producer", opts.producer)
        self.tlp = tlp_marking(opts.tlp)
        self.objects: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.campaigns: dict[str, str] = {}
        self.unconfirmed = 0

    def _common(self, otype: str, oid: str) -> dict[str, Any]:
        return {"type": otype, "spec_version": "2.1", "id": oid,
                "created_by_ref": self.producer_id, "created": self.now, "modified": self.now}

    def _marked(self, obj: dict[str, Any], confidence: int | None = None) -> dict[str, Any]:
        if confidence is not None:
            obj["confidence"] = max(0, min(100, confidence))
        obj["object_marking_refs"] = [self.tlp["id"]]
        self.objects.append(obj)
        self.counts[obj["type"]] += 1
        return obj

    def header(self) -> None:
        self.objects.extend(extension_definition())
        self.objects.append(self.tlp)
        self.objects.append({
            "type": "identity", "spec_version": "2.1", "id": self.producer_id,
            "created": self.now, "modified": self.now, "name": self.opts.producer,
            "identity_class": "organization",
        })

    def campaigns_for_clusters(self) -> None:
        for group, g in sorted(self.col.groups.items()):
            if not group.startswith("c:") or not self.col.confirmed(g.accounts):
                continue
            cluster = group[2:]
            digest = self.key.digest("cluster", cluster)[:16]
            # Sorted and fsum'd: g.accounts is a set, and a float sum in set order
            # can flip the rounded mean (0.945 -> 0.94 or 0.95) from run to run.
            risks = sorted(self.col.flagged[a].risk for a in g.accounts)
            feats = Counter(f for a in g.accounts for f in self.hunt.top_features.get(a, ()))
            ranked = sorted(feats.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            top = ", ".join(f for f, _ in ranked) or "n/a"
            obj = self._common("campaign", stix_id("campaign", self.opts.producer,
                                                   self.key.community, digest))
            obj.update({
                "name": f"distillation operation {digest}",
                "description": f"{len(g.accounts)} accounts, {g.events} exchanges, mean risk "
                               f"{math.fsum(risks) / len(risks):.2f}; strongest features: {top}",
                "objective": "harvest model outputs to train another model",
                "first_seen": _ts(g.first, self.now), "last_seen": _ts(g.last, self.now),
            })
            self.campaigns[group] = obj["id"]
            self._marked(obj, round(100 * max(risks)))

    def indicators(self) -> int:
        impure = 0
        flagged = self.col.flagged
        for (kind, value), seen in sorted(self.col.obs.items()):
            hit = [a for a in seen.accounts if a in flagged]
            if not hit:
                continue
            purity = len(hit) / len(seen.accounts)
            if purity < self.opts.min_purity:
                impure += 1
                continue
            if not self.col.confirmed(hit):
                self.unconfirmed += 1
                continue
            h = self.key.digest(kind, value)
            pattern = (f"[{KEYED_HASH_TYPE}:kind = '{kind}' AND {KEYED_HASH_TYPE}:key_id = "
                       f"'{self.key.key_id}' AND {KEYED_HASH_TYPE}:value = '{h}']")
            ind = self._common("indicator", stix_id("indicator", self.opts.producer,
                                                    self.key.community, self.key.key_id, kind, h))
            ind.update({
                "name": f"{kind} keyed hash ({self.key.community}/{self.key.key_id})",
                "description": f"seen on {len(hit)} flagged of {len(seen.accounts)} accounts",
                "indicator_types": ["malicious-activity"], "pattern": pattern,
                "pattern_type": "stix", "valid_from": _ts(seen.first, self.now),
            })
            risk = max(flagged[a].risk for a in hit)
            self._marked(ind, round(100 * risk * purity))
            groups = {g for a in hit if (g := self.col.group_of(a)) in self.campaigns}
            for group in sorted(groups):
                camp = self.campaigns[group]
                rel = self._common("relationship", stix_id("relationship", ind["id"], camp))
                rel.update({"relationship_type": "indicates", "source_ref": ind["id"],
                            "target_ref": camp})
                self._marked(rel)
            sight = self._common("sighting", stix_id("sighting", ind["id"], self.now))
            sight.update({"sighting_of_ref": ind["id"], "count": min(seen.count, 999_999_999),
                          "where_sighted_refs": [self.producer_id],
                          "first_seen": _ts(seen.first, self.now),
                          "last_seen": _ts(seen.last, self.now)})
            self._marked(sight)
        return impure

    def _behavior(self, group: str, g: _Group, kind: str, props: dict[str, Any]) -> None:
        digest = self.key.digest("group", group)[:16]
        oid = stix_id(BEHAVIOR_TYPE, self.opts.producer, self.key.community, self.key.key_id,
                      kind, digest)
        obj = self._common(BEHAVIOR_TYPE, oid)
        obj.update({"name": f"{kind} {digest}", "behavior_type": kind,
                    "community": self.key.community, "key_id": self.key.key_id, **props,
                    "observed_accounts": len(g.accounts), "observed_count": g.events,
                    "first_seen": _ts(g.first, self.now), "last_seen": _ts(g.last, self.now),
                    "extensions": {EXTENSION_ID: {"extension_type": "new-sdo"}}})
        if group in self.campaigns:
            obj["campaign_ref"] = self.campaigns[group]
        risk = max(self.col.flagged[a].risk for a in g.accounts)
        self._marked(obj, round(100 * risk))

    def _template_lines(self, g: _Group) -> list[str]:
        """Lines recurring across the group, or in the templates of two of its accounts.

        The second rule keeps a campaign whole: a low-and-slow operation the hunt
        merged with a loud one sends a small share of the cluster's requests, so
        its wrapper never recurs in 5 % of them, yet it is the template of each of
        its own accounts (the scaffolding that ties them).
        """
        lines = set(sketch.frequent_lines(g.lines, g.events))
        if len(g.accounts) < 2:
            return sorted(lines)
        floors = {a: sketch.line_floor(self.col.acct_events[a]) for a in g.accounts}
        for line in sketch.frequent_lines(g.lines, 0):
            if line in lines:
                continue
            k = sketch.line_key(line)
            holders = 0
            for a in g.accounts:
                holders += self.col.acct_lines[a].get(k, 0) >= floors[a]
                if holders >= 2:
                    lines.add(line)
                    break
        return sorted(lines)

    def _pure_lines(self, g: _Group) -> list[str]:
        """Template lines of the group that mostly flagged accounts repeat."""
        lines = self._template_lines(g)
        keys = {sketch.line_key(line): line for line in lines}
        users: dict[bytes, list[str]] = defaultdict(list)
        for account, counts in self.col.acct_lines.items():
            for k in keys:
                if counts.get(k, 0) >= 2:
                    users[k].append(account)
        flagged = self.col.flagged
        return [line for k, line in keys.items() if users[k] and sum(
            1 for a in users[k] if a in flagged) / len(users[k]) >= self.opts.min_purity
            and self.col.confirmed(users[k])]

    def behaviors(self) -> None:
        hasher = sketch.MinHasher.for_key(self.key)
        for group, g in sorted(self.col.groups.items()):
            if not self.col.confirmed(g.accounts):
                # A lone account the hunt only sent to review is not evidence enough to
                # travel: its sketch would match the same customer's accounts elsewhere.
                continue
            pure = self._pure_lines(g)
            sh = sketch.skeleton_shingles(pure)
            if len(sh) >= sketch.MIN_SKETCH_SHINGLES:
                self._behavior(group, g, "wrapper-sketch", {
                    "minhash": hasher.signature(sh), "num_perm": hasher.num_perm,
                    "shingle_size": sketch.SHINGLE, "shingle_count": len(sh),
                    "line_hashes": sorted(sketch.line_digest(self.key, x) for x in pure)})
            profiles = self.col.group_profiles[group]
            if profiles:
                profile, n = profiles.most_common(1)[0]
                users = self.col.profiles[profile]
                purity = sum(1 for a in users if a in self.col.flagged) / len(users)
                if n * 2 >= g.events and purity >= self.opts.min_purity \
                        and self.col.confirmed(users):
                    self._behavior(group, g, "parameter-fingerprint", {
                        "fingerprint": sketch.parameter_fingerprint(self.key, profile),
                        "parameter_share": round(n / g.events, 4)})
            hist = sketch.mean_histogram(
                sketch.timing_histogram(self.col.times[a]) for a in sorted(g.accounts))
            if hist:
                self._behavior(group, g, "timing-signature", {
                    "histogram_permille": [round(1000 * x) for x in hist],
                    "bin_base_seconds": 1.0})


def build_bundle(key: CommunityKey, hunt: HuntResult, events: Iterable[Event],
                 accounts: Sequence[Account], opts: ExportOptions
                 ) -> tuple[dict[str, Any], int, int]:
    """The validated bundle, and how many observables were withheld as impure and as
    unconfirmed."""
    col = _Collector(hunt, opts)
    for acc in accounts:
        col.account(acc)
    for ev in events:
        col.event(ev)
    b = _Builder(key, hunt, opts, col)
    b.header()
    b.campaigns_for_clusters()
    impure = b.indicators()
    b.behaviors()
    ids = "|".join(o["id"] for o in b.objects)
    bundle = {"type": "bundle", "id": stix_id("bundle", ids, b.now), "objects": b.objects}
    validate_bundle(bundle, source="export")
    return bundle, impure, b.unconfirmed


def export_bundle(key: CommunityKey, hunt_dir: str | Path, events: Sequence[str | Path],
                  accounts: str | Path | None, out: str | Path,
                  opts: ExportOptions) -> ExportReport:
    """``distillguard intel export``: read the hunt, events and accounts; write the bundle."""
    # Imported here so the TAXII server and matching do not load the ingest stack.
    from distillguard.ingest import Quarantine, iter_events, read_accounts

    hunt = read_hunt(hunt_dir)
    quarantine = Quarantine()
    accs = read_accounts(accounts, quarantine) if accounts else []

    def all_events() -> Iterable[Event]:
        for path in events:
            yield from iter_events(path, quarantine)

    bundle, impure, unconfirmed = build_bundle(key, hunt, all_events(), accs, opts)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    tmp.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out_path)
    types = Counter(o["type"] for o in bundle["objects"])
    levels = ("block",) if opts.min_verdict == "block" else ("review", "block")
    return ExportReport(
        bundle_path=str(out_path), objects=len(bundle["objects"]), indicators=types["indicator"],
        behaviors=types[BEHAVIOR_TYPE], campaigns=types["campaign"], sightings=types["sighting"],
        impure_skipped=impure, unconfirmed_skipped=unconfirmed,
        flagged_accounts=sum(1 for v in hunt.verdicts.values() if v.verdict in levels),
        quarantined=quarantine.total,
    )
