"""Gateway keys: the secrets clients present, mapped to the billed account.

Only a keyed hash of each secret is stored (HMAC-SHA256 under a random
per-store pepper kept in the store's ``meta`` table): a dump of the ``keys``
table alone cannot be replayed against the gateway. Secrets are 256-bit
random, so a fast keyed hash is enough; a slow KDF would only add latency to
every request. Comparison is constant-time.

SQLite is the default (a file under DATA_DIR); a ``postgresql://`` URL selects
PostgreSQL so several replicas share one store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from distillguard.database import Database, Tx
from distillguard.schema import ConflictError, NotFoundError

KEY_PREFIX = "dgk"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keys ("
    " key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, org_id TEXT, kyc_level TEXT,"
    " name TEXT NOT NULL DEFAULT '', secret_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, revoked_at TEXT)",
    "CREATE INDEX IF NOT EXISTS keys_account ON keys (account_id)",
)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    account_id: str
    org_id: str | None
    kyc_level: str | None
    name: str
    created_at: str
    revoked_at: str | None

    def as_row(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id, "account_id": self.account_id, "org_id": self.org_id,
            "kyc_level": self.kyc_level, "name": self.name, "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True, slots=True)
class NewKey:
    record: KeyRecord
    secret: str  # shown once, never stored


def split_key(presented: str) -> tuple[str, str] | None:
    """``dgk_<key_id>_<secret>`` -> (key_id, secret), or None when malformed."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class KeyStore:
    """Create, list, revoke and verify gateway keys."""

    def __init__(self, url: str, *, cache_ttl_s: float = 5.0) -> None:
        self._db = Database(url)
        self._batch: Tx | None = None
        with self._db.tx(write=True) as tx:
            for stmt in _SCHEMA:
                tx.execute(stmt)
        self._pepper = self._load_pepper()
        self._cache_ttl_s = cache_ttl_s
        # key_id -> (record, secret hash, expiry): verification on the hot path
        # must not hit the database; revocation takes effect within the TTL.
        self._cache: dict[str, tuple[KeyRecord, str, float]] = {}

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._batch is not None:
            return self._batch.execute(sql, params)
        with self._db.tx(write=not sql.lstrip().upper().startswith("SELECT")) as tx:
            return tx.execute(sql, params)

    def _load_pepper(self) -> bytes:
        rows = self._execute("SELECT value FROM meta WHERE name = 'pepper'")
        if not rows:
            # two replicas starting at once: the first pepper written wins for both
            self._execute("INSERT INTO meta VALUES ('pepper', ?) ON CONFLICT DO NOTHING",
                          [secrets.token_hex(32)])
            rows = self._execute("SELECT value FROM meta WHERE name = 'pepper'")
        return bytes.fromhex(str(rows[0][0]))

    def _hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    def create(
        self, account_id: str, *, org_id: str | None = None, kyc_level: str | None = None,
        name: str = "",
    ) -> NewKey:
        if not account_id:
            raise ConflictError("a key needs an account_id")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._execute(
            "INSERT INTO keys (key_id, account_id, org_id, kyc_level, name, secret_hash,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [key_id, account_id, org_id, kyc_level, name, self._hash(secret), now],
        )
        rec = KeyRecord(key_id, account_id, org_id, kyc_level, name, now, None)
        return NewKey(rec, f"{KEY_PREFIX}_{key_id}_{secret}")

    def list(
        self, account_id: str | None = None, *, include_revoked: bool = False
    ) -> list[KeyRecord]:
        sql = ("SELECT key_id, account_id, org_id, kyc_level, name, created_at, revoked_at"
               " FROM keys")
        where: list[str] = []
        params: list[Any] = []
        if account_id is not None:
            where.append("account_id = ?")
            params.append(account_id)
        if not include_revoked:
            where.append("revoked_at IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, key_id"
        return [KeyRecord(*row) for row in self._execute(sql, params)]

    def revoke(self, key_id: str) -> KeyRecord:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = self._execute(
            "SELECT key_id FROM keys WHERE key_id = ? AND revoked_at IS NULL", [key_id]
        )
        if not rows:
            raise NotFoundError(f"no active key {key_id!r}", details={"key_id": key_id})
        self._execute("UPDATE keys SET revoked_at = ? WHERE key_id = ?", [now, key_id])
        self._cache.pop(key_id, None)
        return next(r for r in self.list(include_revoked=True) if r.key_id == key_id)

    def is_cached(self, presented: str) -> bool:
        """Whether :meth:`verify` can answer without the database (the hot path)."""
        parts = split_key(presented)
        if parts is None:
            return True
        hit = self._cache.get(parts[0])
        return hit is not None and hit[2] >= time.monotonic()

    def verify(self, presented: str) -> KeyRecord | None:
        """The key's record when ``presented`` is a live key, else None."""
        parts = split_key(presented)
        if parts is None:
            return None
        key_id, secret = parts
        now = time.monotonic()
        hit = self._cache.get(key_id)
        if hit is None or hit[2] < now:
            rows = self._execute(
                "SELECT key_id, account_id, org_id, kyc_level, name, created_at, revoked_at,"
                " secret_hash FROM keys WHERE key_id = ?", [key_id],
            )
            if not rows or rows[0][6] is not None:
                self._cache.pop(key_id, None)
                # Still hash so a wrong key id costs the same as a wrong secret.
                hmac.compare_digest(self._hash(secret), self._hash(""))
                return None
            row = rows[0]
            hit = (KeyRecord(*row[:7]), str(row[7]), now + self._cache_ttl_s)
            self._cache[key_id] = hit
        record, stored, _ = hit
        if not hmac.compare_digest(self._hash(secret), stored):
            return None
        return record

    @contextmanager
    def batch(self) -> Iterator[KeyStore]:
        """Many creates in one transaction (replay provisions thousands of keys)."""
        with self._db.tx(write=True) as tx:
            self._batch = tx
            try:
                yield self
            finally:
                self._batch = None

    def close(self) -> None:
        self._db.close()
