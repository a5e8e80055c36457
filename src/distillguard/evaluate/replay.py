"""What a campaign got away with: exchanges served before the gateway first
blocked any of its accounts, from the gateway's replay log.

The log is canonical events as JSON Lines (plain, gzip or zstd, known by content); a
blocked exchange has status 403 or 429; what counts as served before the block is
:mod:`distillguard.schema.harvest`'s rule, the gateway replay's own. Two streaming
passes (first block time per campaign, then the counts) keep memory bounded by the
number of accounts, not the length of the log. Unreadable lines are counted and sampled in the
result, never fatal.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import orjson
import zstandard

from distillguard.evaluate.metrics import Truth
from distillguard.opener import open_binary
from distillguard.schema import HarvestCounter, NotFoundError, format_ts, parse_ts

BLOCKED_STATUSES: Final = frozenset({403, 429})
MAX_SAMPLES: Final = 20


@dataclass(frozen=True, slots=True)
class Exchange:
    account_id: str
    ts: datetime
    status: int


class _Log:
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise NotFoundError(f"{path}: no such file", details={"path": str(path)})
        self.path = path
        self.bad = 0
        self.samples: list[dict[str, Any]] = []

    def _fail(self, line: int, field: str, reason: str) -> None:
        self.bad += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append({"line": line, "field": field, "reason": reason})

    def exchanges(self) -> Iterator[Exchange]:
        self.bad = 0
        self.samples = []
        n = 0
        try:
            # compression is read from the magic bytes, as everywhere (not the suffix)
            with open_binary(self.path) as fh:
                for n, raw in enumerate(fh, 1):  # noqa: B007 - n is reported after the loop
                    if not raw.strip():
                        continue
                    ex = self._parse(n, raw)
                    if ex is not None:
                        yield ex
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
            # A truncated archive: keep what was read, say where it stopped.
            self._fail(n + 1, "<file>", f"unreadable from here on ({exc})")

    def _parse(self, n: int, raw: bytes) -> Exchange | None:
        try:
            rec = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self._fail(n, "<line>", f"not JSON ({exc})")
            return None
        if not isinstance(rec, dict):
            self._fail(n, "<line>", "not a JSON object")
            return None
        aid = rec.get("account_id")
        if not isinstance(aid, str) or not aid:
            self._fail(n, "account_id", "required field is missing or not a string")
            return None
        try:
            ts = parse_ts(rec.get("ts"))
        except (ValueError, TypeError) as exc:
            self._fail(n, "ts", f"not an RFC 3339 timestamp with offset ({exc})")
            return None
        status = rec.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int):
            self._fail(n, "status", f"expected an integer, got {type(status).__name__}")
            return None
        return Exchange(aid, ts, status)


def _group(t: Truth | None) -> str | None:
    if t is None:
        return None
    if not t.distiller:
        return "benign"
    return t.campaign or f"lone:{t.account_id}"


def replay_summary(path: Path, truth: Mapping[str, Truth]) -> dict[str, Any]:
    """Per campaign (and per lone actor): exchanges served before the first block."""
    log = _Log(path)
    harvest = HarvestCounter()
    for ex in log.exchanges():
        g = _group(truth.get(ex.account_id))
        if g is not None and ex.status in BLOCKED_STATUSES:
            harvest.refused(g, ex.ts)
    blocked: dict[str, int] = defaultdict(int)
    accounts_seen: dict[str, set[str]] = defaultdict(set)
    blocked_accounts: dict[str, set[str]] = defaultdict(set)
    unknown: set[str] = set()
    total = 0
    for ex in log.exchanges():
        total += 1
        g = _group(truth.get(ex.account_id))
        if g is None:
            unknown.add(ex.account_id)
            continue
        accounts_seen[g].add(ex.account_id)
        if ex.status in BLOCKED_STATUSES:
            blocked[g] += 1
            blocked_accounts[g].add(ex.account_id)
        harvest.exchange(g, ex.ts, ex.status < 400)
    rows = []
    for g in sorted(k for k in accounts_seen if k != "benign"):
        h = harvest.harvest(g)
        rows.append({
            "campaign": g, "accounts": len(accounts_seen[g]),
            "served_before_first_block": h.served_before_first_block, "served": h.served,
            "blocked": blocked[g], "accounts_blocked": len(blocked_accounts[g]),
            "first_block": format_ts(h.first_block) if h.first_block else None,
        })
    return {
        "file": str(path),
        "exchanges": total,
        "unreadable_lines": log.bad,
        "problems": log.samples,
        "unknown_accounts": len(unknown),
        "campaigns": rows,
        "benign": {"accounts": len(accounts_seen["benign"]),
                   "served": harvest.harvest("benign").served,
                   "blocked": blocked["benign"],
                   "accounts_blocked": len(blocked_accounts["benign"])},
    }
