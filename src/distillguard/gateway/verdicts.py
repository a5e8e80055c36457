"""Verdicts decided elsewhere, taking effect without a restart: the latest
hunt's ``accounts.csv`` and intel blocklists (``account_id,action,reason,source``).

Files are re-read when their modification time or size changes, checked at
most every ``poll_s`` seconds from the request path (one ``stat`` per file),
or at once through :meth:`VerdictBook.reload` (SIGHUP, ``POST /admin/reload``).
A file that cannot be read keeps the previous version in force; rows that
cannot be used are counted and reported, never silently dropped.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("distillguard.gateway")

SEVERITY = {"allow": 0, "review": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class External:
    tier: str
    reason: str
    source: str


@dataclass
class _Loaded:
    stamp: tuple[int, int] | None = None
    entries: dict[str, External] = field(default_factory=dict)
    bad_rows: int = 0
    error: str = ""


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _read(path: Path, kind: str) -> tuple[dict[str, External], int]:
    entries: dict[str, External] = {}
    bad = 0
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = ("account_id", "verdict") if kind == "hunt" else ("account_id", "action")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: header lacks {missing}")
        for lineno, row in enumerate(reader, 2):
            acct = (row.get("account_id") or "").strip()
            tier = (row.get("verdict") if kind == "hunt" else row.get("action")) or ""
            tier = tier.strip()
            if not acct or tier not in SEVERITY:
                bad += 1
                log.warning("verdicts: %s:%d unusable row (account_id=%r, tier=%r)",
                            path, lineno, acct, tier)
                continue
            if kind == "hunt":
                reason = row.get("reasons") or f"hunt risk {row.get('risk', '')}"
                src = f"hunt:{path.name}"
            else:
                reason = row.get("reason") or "on blocklist"
                src = row.get("source") or f"blocklist:{path.name}"
            prev = entries.get(acct)
            if prev is None or SEVERITY[tier] > SEVERITY[prev.tier]:
                entries[acct] = External(tier, reason, src)
    return entries, bad


class VerdictBook:
    def __init__(self, verdicts: str = "", blocklists: tuple[str, ...] = (), poll_s: float = 5.0
                 ) -> None:
        self.files: list[tuple[Path, str]] = []
        if verdicts:
            self.files.append((Path(verdicts), "hunt"))
        self.files += [(Path(b), "blocklist") for b in blocklists]
        self.poll_s = poll_s
        self._loaded: dict[Path, _Loaded] = {p: _Loaded() for p, _ in self.files}
        self._merged: dict[str, External] = {}
        self._next_check = 0.0
        self.reloads = 0
        self.reload(force=True)

    def reload(self, *, force: bool = False) -> bool:
        """Re-read changed files; True when anything in force changed."""
        changed = False
        for path, kind in self.files:
            cur = self._loaded[path]
            stamp = _stamp(path)
            if not force and stamp == cur.stamp:
                continue
            if stamp is None:
                cur.error = "missing"
                cur.stamp = None
                continue
            try:
                entries, bad = _read(path, kind)
            except (OSError, ValueError, csv.Error, UnicodeDecodeError) as exc:
                cur.error = str(exc)
                log.error("verdicts: keeping previous version of %s: %s", path, exc)
                cur.stamp = stamp
                continue
            self._loaded[path] = _Loaded(stamp, entries, bad, "")
            changed = True
        if changed or force:
            merged: dict[str, External] = {}
            for loaded in self._loaded.values():
                for acct, ext in loaded.entries.items():
                    prev = merged.get(acct)
                    if prev is None or SEVERITY[ext.tier] > SEVERITY[prev.tier]:
                        merged[acct] = ext
            self._merged = merged
            self.reloads += 1
        self._next_check = time.monotonic() + self.poll_s
        return changed

    def lookup(self, account_id: str) -> External | None:
        if self.files and time.monotonic() >= self._next_check:
            self.reload()
        return self._merged.get(account_id)

    def status(self) -> list[dict[str, object]]:
        return [{"path": str(p), "kind": k, "entries": len(self._loaded[p].entries),
                 "bad_rows": self._loaded[p].bad_rows, "error": self._loaded[p].error}
                for p, k in self.files]
