"""Two-lab intel exchange on simulated worlds: what sharing adds at the receiving lab.

For each world (``seed:split``) it simulates at default scale unless the world is
already under ``--work``, splits the accounts in two by a stable hash of the
account id (lab A and lab B see disjoint accounts of the same campaigns), hunts
both halves, then runs the exchange exactly as two labs would, through the CLI:
``intel keys generate`` (its output used verbatim as the key), ``intel export``
at lab A, ``intel match --hunt`` at lab B (B's own hunt gives its base rates).

Printed per world:

* recall: lab-B distillers alerted (review or block), of the campaigns lab A's
  hunt flagged at least one account of; and at block only;
* benign alert rate of lab B, per persona, and for benign accounts that share a
  client address with a distiller (residential proxy exits, carrier NAT, campus
  NAT: the simulator's analogue of a VPN exit);
* extra: lab-B distillers alerted by matching that B's own hunt missed, beside
  the gap (B's distillers its hunt missed);
* leaks: every raw identifier of lab A's input (as given, lower/upper case, IP
  spellings and prefixes, unkeyed MD5/SHA-1/SHA-256) and every 6-word window of
  every prompt, response and reasoning text, looked up in the bundle's tokens
  and windows; the same scan must catch leaks planted in a copy of the bundle.

Reproduce the documented figures (docs/intel.md; 3-10 minutes per world on 2
shared cores, most of it the leak scan, the two matches and the export)::

    .venv/bin/python bench/intel_exchange.py --worlds 105:holdout,106:holdout,8:tune,7:tune
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ID_FIELDS = ("event_id", "account_id", "api_key_id", "ip", "ip_prefix", "user_agent",
             "email_domain", "payment_fingerprint", "signup_ip", "org_id", "declared_use")
_TOKEN_SPLIT = re.compile(r"[\s\"',;()\[\]{}=]+")


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    exe = Path(sys.executable).parent / "distillguard"
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise SystemExit(f"distillguard {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def lab_of(account_id: str) -> str:
    return "a" if hashlib.sha256(account_id.encode()).digest()[0] & 1 else "b"


def split_world(w: Path) -> None:
    """Write a/ and b/ with each lab's own events and accounts (kept across runs)."""
    if (w / "b" / "accounts.jsonl").exists():
        return
    for lab in "ab":
        (w / lab).mkdir(exist_ok=True)
    acc = {lab: (w / lab / "accounts.jsonl").open("w") for lab in "ab"}
    with (w / "accounts.jsonl").open() as fh:
        for line in fh:
            acc[lab_of(json.loads(line)["account_id"])].write(line)
    ev = {lab: gzip.open(w / lab / "events.jsonl.gz", "wt",  # noqa: SIM115 - closed below
                         compresslevel=3) for lab in "ab"}
    with gzip.open(w / "events.jsonl.gz", "rt") as fh:
        for line in fh:
            ev[lab_of(json.loads(line)["account_id"])].write(line)
    for f in [*acc.values(), *ev.values()]:
        f.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- leak scan


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _windows(text: str) -> Iterator[str]:
    words = text.split()
    for i in range(max(1, len(words) - 5)):
        yield " ".join(words[i:i + 6])


def spellings(value: str) -> set[str]:
    out = {value, value.lower(), value.upper(), value.strip()}
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        bits = 24 if ip.version == 4 else 48
        out |= {ip.compressed, ip.exploded,
                ipaddress.ip_network(f"{ip}/{bits}", strict=False).compressed}
    for s in list(out):
        b = s.encode()
        out |= {hashlib.md5(b).hexdigest(), hashlib.sha1(b).hexdigest(),
                hashlib.sha256(b).hexdigest()}
    return {s for s in out if len(s) >= 3}


class BundleIndex:
    """Every string, token and 6-word window of a bundle, for membership tests."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.tokens: set[str] = set()
        self.windows: set[str] = set()
        for s in _strings(bundle):
            self.tokens.add(s)
            self.tokens.update(_TOKEN_SPLIT.split(s))
            self.windows.update(_windows(s))
        self.tokens.discard("")


def scan_leaks(index: BundleIndex, lab: Path) -> tuple[int, int, list[str]]:
    """(identifier spellings checked, 6-word windows checked, hits) over a lab's input."""
    ids_checked = windows_checked = 0
    hits: list[str] = []
    seen: set[str] = set()

    def check_id(v: Any) -> None:
        nonlocal ids_checked
        if not isinstance(v, str) or v in seen:
            return
        seen.add(v)
        for s in spellings(v):
            ids_checked += 1
            if s in index.tokens:
                hits.append(s)

    def check_text(t: str) -> None:
        nonlocal windows_checked
        if len(t.split()) < 2 and len(t) < 12:
            return  # roles, model names, enum values: not user data
        for win in _windows(t):
            windows_checked += 1
            if win in index.windows or win in index.tokens:
                hits.append(win)

    with (lab / "accounts.jsonl").open() as fh:
        for line in fh:
            row = json.loads(line)
            for f in ID_FIELDS:
                check_id(row.get(f))
    with gzip.open(lab / "events.jsonl.gz", "rt") as fh:
        for line in fh:
            row = json.loads(line)
            for f in ID_FIELDS:
                check_id(row.get(f))
            for t in [*_strings(row.get("request")), row.get("response_text") or "",
                      row.get("reasoning_text") or ""]:
                check_text(t)
    for row in read_csv(lab / "hunt" / "accounts.csv"):
        check_id(row["account_id"])
        if row.get("cluster_id"):
            check_id(row["cluster_id"])
    return ids_checked, windows_checked, hits


def planted_leaks_caught(bundle: dict[str, Any], lab: Path) -> tuple[int, int]:
    """Plant 7 kinds of leak in a copy of the bundle; how many does the scan catch?"""
    with (lab / "accounts.jsonl").open() as fh:
        acc = next(row for x in fh if (row := json.loads(x)).get("payment_fingerprint")
                   and row.get("email_domain"))
    with gzip.open(lab / "events.jsonl.gz", "rt") as fh:
        ev = next(json.loads(x) for x in fh
                  if len(str(json.loads(x).get("response_text") or "").split()) >= 8)
    ip = str(ev["ip"])
    words = str(ev["response_text"]).split()
    prompt = next(s for s in _strings(ev["request"]) if len(s.split()) >= 8)
    plants = [
        f"seen on account {acc['account_id']}", f"exit {ip}",
        f"network {ipaddress.ip_network(ip + '/24', strict=False)}" if ":" not in ip else ip,
        f"payment {hashlib.sha256(str(acc['payment_fingerprint']).encode()).hexdigest()}",
        f"domain {str(acc['email_domain']).upper()}",
        "prompt: " + " ".join(prompt.split()[:9]), "answer: " + " ".join(words[:8]),
    ]
    base = BundleIndex(bundle)
    copy = json.loads(json.dumps(bundle))
    per_plant: list[BundleIndex] = []
    for i, p in enumerate(plants):
        copy["objects"][-1 - i]["description"] = p
        idx = BundleIndex({"description": p})
        idx.tokens -= base.tokens
        idx.windows -= base.windows
        per_plant.append(idx)
    # One scan of the planted copy (only what the plants added is looked up).
    added = BundleIndex(copy)
    added.tokens -= base.tokens
    added.windows -= base.windows
    hits = set(scan_leaks(added, lab)[2])
    caught = sum(1 for idx in per_plant if hits & (idx.tokens | idx.windows))
    return caught, len(plants)


# ---------------------------------------------------------------- the exchange


def shared_address_benign(w: Path, distillers: set[str]) -> set[str]:
    """Benign accounts that used a client address some distiller also used."""
    by_ip: dict[str, set[str]] = defaultdict(set)
    with gzip.open(w / "events.jsonl.gz", "rt") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("ip"):
                by_ip[row["ip"]].add(row["account_id"])
    out: set[str] = set()
    for accts in by_ip.values():
        if accts & distillers:
            out |= accts - distillers
    return out


def run_world(work: Path, seed: int, split: str, accounts: int, days: int) -> dict[str, Any]:
    w = work / f"{split}{seed}"
    if not (w / "labels.csv").exists():
        cli("simulate", "--out", str(w), "--split", split, "--seed", str(seed),
            "--accounts", str(accounts), "--days", str(days), "--format", "json")
    split_world(w)
    t0 = time.monotonic()
    for lab in "ab":
        d = w / lab
        if not (d / "hunt" / "accounts.csv").exists():
            cli("hunt", "--events", str(d / "events.jsonl.gz"), "--accounts",
                str(d / "accounts.jsonl"), "--out", str(d / "hunt"), "--no-report",
                "--format", "json")
    t_hunt = time.monotonic() - t0
    key = cli("intel", "keys", "generate").strip()  # used verbatim, as a user would
    env = {"DISTILLGUARD_INTEL_COMMUNITY": "bench", "DISTILLGUARD_INTEL_COMMUNITY_KEY": key,
           "DISTILLGUARD_INTEL_KEY_ID": "k1"}
    a, b = w / "a", w / "b"
    t0 = time.monotonic()
    cli("intel", "export", "--hunt", str(a / "hunt"), "--events", str(a / "events.jsonl.gz"),
        "--accounts", str(a / "accounts.jsonl"), "--producer", "Lab A",
        "--out", str(w / "lab-a.json"), "--format", "json", env=env)
    t_export = time.monotonic() - t0
    t0 = time.monotonic()
    cli("intel", "match", "--intel", str(w / "lab-a.json"), "--events",
        str(b / "events.jsonl.gz"), "--accounts", str(b / "accounts.jsonl"),
        "--hunt", str(b / "hunt"), "--out", str(w / "alerts.csv"),
        "--blocklist", str(w / "blocklist.csv"), "--format", "json", env=env)
    t_match = time.monotonic() - t0
    # A lab without a hunt of its own: base rates from corroboration alone.
    cli("intel", "match", "--intel", str(w / "lab-a.json"), "--events",
        str(b / "events.jsonl.gz"), "--accounts", str(b / "accounts.jsonl"),
        "--out", str(w / "alerts-nohunt.csv"), "--blocklist", str(w / "blocklist-nohunt.csv"),
        "--format", "json", env=env)

    personas = {r["account_id"]: r for r in read_csv(w / "personas.csv")}
    hunt = {lab: {r["account_id"]: r["verdict"] for r in read_csv(w / lab / "hunt" /
                                                                   "accounts.csv")}
            for lab in "ab"}
    listed = {r["account_id"]: r["action"] for r in read_csv(w / "blocklist.csv")}
    distillers = {a for a, p in personas.items() if p["persona"] == "distiller"}
    seen_campaigns = {personas[x]["campaign"] for x, v in hunt["a"].items()
                      if v in ("review", "block") and x in distillers
                      and personas[x]["campaign"]}
    b_ids = {x for x in personas if lab_of(x) == "b"}
    target = {x for x in b_ids & distillers if personas[x]["campaign"] in seen_campaigns}
    alerted = set(listed)
    by_campaign = Counter(personas[x]["campaign"] for x in target)
    hit_campaign = Counter(personas[x]["campaign"] for x in target & alerted)
    benign_b = b_ids - distillers
    shared = shared_address_benign(w, distillers) & benign_b
    per_persona: dict[str, str] = {}
    for persona in sorted({personas[x]["persona"] for x in benign_b}):
        group = {x for x in benign_b if personas[x]["persona"] == persona}
        per_persona[persona] = f"{len(group & alerted)}/{len(group)}"
    b_hunt_flagged = {x for x, v in hunt["b"].items() if v in ("review", "block")}
    b_distillers = b_ids & distillers
    bare = {r["account_id"] for r in read_csv(w / "blocklist-nohunt.csv")}
    bundle = json.loads((w / "lab-a.json").read_text())
    ids_checked, windows_checked, hits = scan_leaks(BundleIndex(bundle), a)
    caught, planted = planted_leaks_caught(bundle, a)
    return {
        "world": f"{split} {seed}",
        "campaigns_seen_by_a": len(seen_campaigns),
        "recall": round(len(target & alerted) / max(1, len(target)), 3),
        "recall_n": f"{len(target & alerted)}/{len(target)}",
        "recall_block": round(len({x for x in target if listed.get(x) == "block"})
                              / max(1, len(target)), 3),
        "recall_by_tactic": {c: f"{hit_campaign[c]}/{n}" for c, n in sorted(by_campaign.items())},
        "benign_alert_rate": round(len(benign_b & alerted) / max(1, len(benign_b)), 4),
        "benign_alerted": f"{len(benign_b & alerted)}/{len(benign_b)}",
        "benign_by_persona": per_persona,
        "benign_shared_address": f"{len(shared & alerted)}/{len(shared)}",
        "without_own_hunt": {
            "recall": round(len(target & bare) / max(1, len(target)), 3),
            "benign_alerted": f"{len(benign_b & bare)}/{len(benign_b)}",
            "benign_shared_address": f"{len(shared & bare)}/{len(shared)}",
            "extra_distillers": len((b_distillers & bare) - b_hunt_flagged)},
        "b_hunt_recall": f"{len(b_distillers & b_hunt_flagged)}/{len(b_distillers)}",
        "extra_distillers": len((b_distillers & alerted) - b_hunt_flagged),
        "gap": len(b_distillers - b_hunt_flagged),
        "bundle_objects": len(bundle["objects"]),
        "leaks": len(hits), "leak_examples": hits[:3],
        "identifier_spellings_scanned": ids_checked, "windows_scanned": windows_checked,
        "planted_leaks_caught": f"{caught}/{planted}",
        "seconds": {"hunt_both": round(t_hunt, 1), "export": round(t_export, 1),
                    "match": round(t_match, 1)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--worlds", default="7:tune,103:holdout",
                    help="seed:split pairs, e.g. 7:tune,103:holdout")
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--work", type=Path, default=Path("var/intel_exchange"))
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}  (load average {os.getloadavg()[0]:.1f})", flush=True)
    for spec in args.worlds.split(","):
        seed, _, split = spec.partition(":")
        row = run_world(args.work, int(seed), split or "all", args.accounts, args.days)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
