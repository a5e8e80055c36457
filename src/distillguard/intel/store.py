"""TAXII 2.1 storage: collections, members with per-collection rights, objects with
their versions, and status resources, in SQLite or PostgreSQL.

Paging never depends on process memory: a page ends at an (added, id, version)
triple that is encoded into the ``next`` token, and the following page is the
rows strictly after it in that order, so any replica, before or after a restart,
continues exactly where the previous page stopped.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import orjson

from distillguard.database import Database
from distillguard.intel.objectcheck import check_object, version_key
from distillguard.schema.errors import AuthError, InputError, NotFoundError

MEDIA_TYPE: Final = "application/stix+json;version=2.1"
MAX_PAGE: Final = 10_000
DEFAULT_PAGE: Final = 1_000
_CHUNK: Final = 500
ANALYZE_MIN_ROWS: Final = 2_000

SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS taxii_collections (
        id TEXT PRIMARY KEY, api_root TEXT NOT NULL, title TEXT NOT NULL,
        description TEXT NOT NULL, created_us BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS taxii_members (
        name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, created_us BIGINT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS taxii_rights (
        member TEXT NOT NULL, collection_id TEXT NOT NULL, can_read INTEGER NOT NULL,
        can_write INTEGER NOT NULL, PRIMARY KEY (member, collection_id))""",
    """CREATE TABLE IF NOT EXISTS taxii_objects (
        collection_id TEXT NOT NULL, id TEXT NOT NULL, version_key TEXT NOT NULL,
        version TEXT NOT NULL, added_us BIGINT NOT NULL, type TEXT NOT NULL,
        spec_version TEXT NOT NULL, digest TEXT NOT NULL, body TEXT NOT NULL,
        is_latest INTEGER NOT NULL, is_first INTEGER NOT NULL,
        PRIMARY KEY (collection_id, id, version_key))""",
    """CREATE INDEX IF NOT EXISTS taxii_objects_added
        ON taxii_objects (collection_id, added_us, id, version_key)""",
    """CREATE TABLE IF NOT EXISTS taxii_status (
        id TEXT PRIMARY KEY, api_root TEXT NOT NULL, body TEXT NOT NULL,
        created_us BIGINT NOT NULL)""",
)


def now_us() -> int:
    return time.time_ns() // 1000


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def us_to_ts(us: int) -> str:
    # Integer arithmetic: a float round trip would move late timestamps by a second.
    dt = _EPOCH + timedelta(microseconds=us)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}Z"


def ts_to_us(ts: str) -> int:
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"not an RFC 3339 timestamp: {ts!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)


def encode_cursor(added_us: int, oid: str, vkey: str) -> str:
    raw = f"{added_us}|{oid}|{vkey}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        added, oid, vkey = raw.split("|")
        return int(added), oid, vkey
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid 'next' token {token!r}") from exc


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    read: frozenset[str]
    write: frozenset[str]

    def can_read(self, collection_id: str) -> bool:
        return collection_id in self.read

    def can_write(self, collection_id: str) -> bool:
        return collection_id in self.write


@dataclass(frozen=True, slots=True)
class Filters:
    added_after: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.added_after is not None:
            parts.append("added_us > ?")
            params.append(self.added_after)
        for col, values in (("id", self.ids), ("type", self.types),
                            ("spec_version", self.spec_versions)):
            if values:
                parts.append(f"{col} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if "all" not in self.versions:
            ors: list[str] = []
            for v in self.versions:
                if v == "last":
                    ors.append("is_latest = 1")
                elif v == "first":
                    ors.append("is_first = 1")
                else:
                    ors.append("version_key = ?")
                    params.append(version_key(v))
            parts.append("(" + " OR ".join(ors) + ")")
        return "".join(f" AND {p}" for p in parts), params


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[tuple[Any, ...]]  # (id, version, added_us, version_key, body)
    more: bool
    next: str | None

    @property
    def first_added(self) -> int | None:
        return min((r[2] for r in self.rows), default=None)

    @property
    def last_added(self) -> int | None:
        return max((r[2] for r in self.rows), default=None)


@dataclass(slots=True)
class _Outcome:
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


class TaxiiStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._inserted = 0
        self._unanalyzed = 1 << 62  # statistics may be stale from an earlier process
        with db.tx(write=True) as tx:
            for stmt in SCHEMA:
                tx.execute(stmt)

    # -- collections and members -------------------------------------------------------
    def add_collection(self, collection_id: str, *, api_root: str = "intel", title: str = "",
                       description: str = "") -> dict[str, Any]:
        try:
            uuid.UUID(collection_id)
        except ValueError as exc:
            raise InputError(f"collection id must be a UUID, got {collection_id!r}") from exc
        with self.db.tx(write=True) as tx:
            tx.execute("INSERT INTO taxii_collections (id, api_root, title, description, "
                       "created_us) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                       "title = excluded.title, description = excluded.description",
                       (collection_id, api_root, title or collection_id, description, now_us()))
        return {"id": collection_id, "api_root": api_root, "title": title or collection_id}

    def collections(self, api_root: str | None = None) -> list[dict[str, Any]]:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT id, api_root, title, description FROM taxii_collections "
                              "ORDER BY created_us, id")
        return [{"id": r[0], "api_root": r[1], "title": r[2], "description": r[3]}
                for r in rows if api_root is None or r[1] == api_root]

    def api_roots(self) -> list[str]:
        return sorted({c["api_root"] for c in self.collections()})

    def add_member(self, name: str, *, read: Sequence[str] = (), write: Sequence[str] = (),
                   token: str | None = None) -> str:
        """Create or re-key a member; returns the bearer token (only its hash is stored)."""
        token = token or "dgt_" + secrets.token_urlsafe(32)
        known = {c["id"] for c in self.collections()}
        missing = sorted((set(read) | set(write)) - known)
        if missing:
            raise NotFoundError(f"unknown collection(s): {', '.join(missing)}")
        with self.db.tx(write=True) as tx:
            tx.execute("INSERT INTO taxii_members (name, token_sha256, created_us, revoked) "
                       "VALUES (?, ?, ?, 0) ON CONFLICT (name) DO UPDATE SET "
                       "token_sha256 = excluded.token_sha256, revoked = 0",
                       (name, token_digest(token), now_us()))
            for cid in sorted(set(read) | set(write)):
                tx.execute("INSERT INTO taxii_rights (member, collection_id, can_read, can_write)"
                           " VALUES (?, ?, ?, ?) ON CONFLICT (member, collection_id) DO UPDATE "
                           "SET can_read = excluded.can_read, can_write = excluded.can_write",
                           (name, cid, int(cid in read), int(cid in write)))
        return token

    def revoke_member(self, name: str) -> None:
        with self.db.tx(write=True) as tx:
            if not tx.execute("SELECT name FROM taxii_members WHERE name = ?", (name,)):
                raise NotFoundError(f"no member named {name!r}")
            tx.execute("UPDATE taxii_members SET revoked = 1 WHERE name = ?", (name,))

    def members(self) -> list[dict[str, Any]]:
        with self.db.tx() as tx:
            rows = tx.execute(
                "SELECT m.name, m.revoked, r.collection_id, r.can_read, r.can_write FROM "
                "taxii_members m LEFT JOIN taxii_rights r ON r.member = m.name "
                "ORDER BY m.name, r.collection_id")
        return [{"member": r[0], "revoked": bool(r[1]), "collection": r[2] or "",
                 "read": bool(r[3]), "write": bool(r[4])} for r in rows]

    def authenticate(self, token: str) -> Member:
        with self.db.tx() as tx:
            rows = tx.execute(
                "SELECT m.name, r.collection_id, r.can_read, r.can_write FROM taxii_members m "
                "LEFT JOIN taxii_rights r ON r.member = m.name "
                "WHERE m.token_sha256 = ? AND m.revoked = 0", (token_digest(token),))
        if not rows:
            raise AuthError("unknown or revoked token")
        return Member(rows[0][0], frozenset(r[1] for r in rows if r[1] and r[2]),
                      frozenset(r[1] for r in rows if r[1] and r[3]))

    # -- objects -----------------------------------------------------------------------
    def add_objects(self, collection_id: str, objects: Sequence[Any], *, api_root: str,
                    strict: bool = False, max_object_bytes: int = 1 << 20) -> dict[str, Any]:
        """Store what is valid; return the status resource listing every failure."""
        requested = us_to_ts(now_us())
        out = _Outcome()
        valid: list[tuple[Any, str, Any]] = []
        for i, obj in enumerate(objects):
            oid = obj.get("id") if isinstance(obj, Mapping) else None
            body = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
            try:
                if len(body) > max_object_bytes:
                    raise InputError(f"object is {len(body)} bytes; the limit is "
                                     f"{max_object_bytes}")
                checked = check_object(obj, strict=strict)
            except InputError as exc:
                out.failures.append({"id": oid if isinstance(oid, str) else f"objects[{i}]",
                                     "message": exc.message})
                continue
            valid.append((checked, hashlib.sha256(body).hexdigest(), body))
        for start in range(0, len(valid), _CHUNK * 10):
            self._insert(collection_id, valid[start:start + _CHUNK * 10], out)
        status = {
            "id": str(uuid.uuid4()), "status": "complete", "request_timestamp": requested,
            "total_count": len(objects), "success_count": len(out.successes),
            "successes": out.successes, "failure_count": len(out.failures),
            "failures": out.failures, "pending_count": 0, "pendings": [],
        }
        with self.db.tx(write=True) as tx:
            tx.execute("INSERT INTO taxii_status (id, api_root, body, created_us) "
                       "VALUES (?, ?, ?, ?)",
                       (status["id"], api_root, orjson.dumps(status).decode(), now_us()))
        return status

    def _insert(self, cid: str, batch: list[tuple[Any, str, bytes]], out: _Outcome) -> None:
        with self.db.tx(write=True) as tx:
            tx.lock("taxii:" + cid)
            # Refresh statistics each time this process has doubled what it inserted.
            if self._unanalyzed >= max(ANALYZE_MIN_ROWS, self._inserted):
                tx.analyze("taxii_objects")
                self._unanalyzed = 0
            added = now_us()
            ids = sorted({c.id for c, _, _ in batch})
            existing: dict[str, dict[str, tuple[str, int, int]]] = {}
            for s in range(0, len(ids), _CHUNK):
                chunk = ids[s:s + _CHUNK]
                for oid, vkey, digest, latest, first in tx.execute(
                        "SELECT id, version_key, digest, is_latest, is_first FROM taxii_objects "
                        f"WHERE collection_id = ? AND id IN ({','.join('?' * len(chunk))})",
                        (cid, *chunk)):
                    existing.setdefault(oid, {})[vkey] = (digest, latest, first)
            new_rows: dict[tuple[str, str], tuple[Any, ...]] = {}
            for checked, digest, body in batch:
                version = checked.version or us_to_ts(added)
                vkey = checked.version_key or version_key(version)
                prior = existing.get(checked.id, {}).get(vkey)
                pending = new_rows.get((checked.id, vkey))
                seen_digest = prior[0] if prior else (pending[7] if pending else None)
                if seen_digest is not None and seen_digest != digest:
                    out.failures.append({"id": checked.id, "version": version, "message":
                                         "conflicting content for an existing id and version"})
                    continue
                out.successes.append({"id": checked.id, "version": version})
                if seen_digest is None:
                    new_rows[(checked.id, vkey)] = (cid, checked.id, vkey, version, added,
                                                    checked.type, checked.spec_version, digest,
                                                    body.decode(), 0, 0)
            updates: list[tuple[int, int, str, str, str]] = []
            by_id: dict[str, list[str]] = {}
            for oid, vkey in new_rows:
                by_id.setdefault(oid, []).append(vkey)
            rows = []
            for (oid, vkey), row in new_rows.items():
                keys = sorted([*existing.get(oid, {}), *by_id[oid]])
                rows.append((*row[:9], int(vkey == keys[-1]), int(vkey == keys[0])))
            for oid in by_id:
                old = existing.get(oid, {})
                if not old:
                    continue
                keys = sorted([*old, *by_id[oid]])
                for vkey, (_, latest, first) in old.items():
                    want = (int(vkey == keys[-1]), int(vkey == keys[0]))
                    if want != (latest, first):
                        updates.append((*want, cid, oid, vkey))
            self._unanalyzed += len(rows)
            self._inserted += len(rows)
            tx.executemany(
                "INSERT INTO taxii_objects (collection_id, id, version_key, version, added_us, "
                "type, spec_version, digest, body, is_latest, is_first) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            tx.executemany("UPDATE taxii_objects SET is_latest = ?, is_first = ? WHERE "
                           "collection_id = ? AND id = ? AND version_key = ?", updates)

    def query(self, collection_id: str, filters: Filters, *, limit: int | None,
              cursor: str | None, with_body: bool = True) -> Page:
        where, params = filters.where()
        if cursor:
            a, oid, vkey = decode_cursor(cursor)
            where += " AND (added_us > ? OR (added_us = ? AND (id > ? OR (id = ? AND "\
                     "version_key > ?))))"
            params += [a, a, oid, oid, vkey]
        n = max(1, min(limit or DEFAULT_PAGE, MAX_PAGE))
        cols = "id, version, added_us, version_key" + (", body" if with_body else "")
        with self.db.tx() as tx:
            rows = tx.execute(f"SELECT {cols} FROM taxii_objects WHERE collection_id = ?{where} "
                              "ORDER BY added_us, id, version_key LIMIT ?",
                              (collection_id, *params, n + 1))
        more = len(rows) > n
        rows = rows[:n]
        nxt = encode_cursor(rows[-1][2], rows[-1][0], rows[-1][3]) if more else None
        return Page(rows, more, nxt)

    def versions(self, collection_id: str, object_id: str, filters: Filters, *,
                 limit: int | None, cursor: str | None) -> Page:
        return self.query(collection_id, Filters(filters.added_after, (object_id,), (),
                                                 ("all",), filters.spec_versions),
                          limit=limit, cursor=cursor, with_body=False)

    def has_object(self, collection_id: str, object_id: str) -> bool:
        with self.db.tx() as tx:
            return bool(tx.execute("SELECT 1 FROM taxii_objects WHERE collection_id = ? AND "
                                   "id = ? LIMIT 1", (collection_id, object_id)))

    def delete_object(self, collection_id: str, object_id: str, filters: Filters) -> int:
        where, params = Filters(None, (object_id,), (), filters.versions,
                                filters.spec_versions).where()
        with self.db.tx(write=True) as tx:
            tx.lock("taxii:" + collection_id)
            gone = tx.execute(f"SELECT version_key FROM taxii_objects WHERE collection_id = ?"
                              f"{where}", (collection_id, *params))
            if not gone:
                raise NotFoundError(f"no object {object_id} in collection {collection_id}")
            tx.executemany("DELETE FROM taxii_objects WHERE collection_id = ? AND id = ? AND "
                           "version_key = ?", [(collection_id, object_id, g[0]) for g in gone])
            left = sorted(r[0] for r in tx.execute(
                "SELECT version_key FROM taxii_objects WHERE collection_id = ? AND id = ?",
                (collection_id, object_id)))
            tx.executemany("UPDATE taxii_objects SET is_latest = ?, is_first = ? WHERE "
                           "collection_id = ? AND id = ? AND version_key = ?",
                           [(int(v == left[-1]), int(v == left[0]), collection_id, object_id, v)
                            for v in left])
        return len(gone)

    def status(self, api_root: str, status_id: str) -> dict[str, Any]:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT body FROM taxii_status WHERE id = ? AND api_root = ?",
                              (status_id, api_root))
        if not rows:
            raise NotFoundError(f"no status {status_id}")
        return dict(orjson.loads(rows[0][0]))

    def count(self, collection_id: str) -> int:
        with self.db.tx() as tx:
            return int(tx.execute("SELECT count(*) FROM taxii_objects WHERE collection_id = ?",
                                  (collection_id,))[0][0])

