"""The console's records: analysts, sessions, decisions, gateway pushes, intel exports,
hunt snapshots and the audit log, over the project's one relational layer
(:class:`distillguard.database.Database`: SQLite by default, PostgreSQL by URL).

Decisions and the audit log are append-only: the database itself refuses an
``UPDATE`` or ``DELETE`` on them (triggers on both backends), and every audit
row carries the hash of the row before it, so a row removed or edited behind
the database's back breaks :meth:`Casebook.verify_audit`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from distillguard.database import Database, Tx
from distillguard.schema.errors import NotFoundError

_TABLES = (
    "CREATE TABLE IF NOT EXISTS console_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS console_analysts (analyst_id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, token_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, revoked_at TEXT)",
    "CREATE TABLE IF NOT EXISTS console_sessions (session_hash TEXT PRIMARY KEY,"
    " analyst_id TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS console_decisions (decision_id TEXT PRIMARY KEY,"
    " seq INTEGER NOT NULL, at TEXT NOT NULL, analyst TEXT NOT NULL, hunt_id TEXT NOT NULL,"
    " target_kind TEXT NOT NULL, target_id TEXT NOT NULL, action TEXT NOT NULL,"
    " label TEXT NOT NULL, reason_code TEXT NOT NULL, note TEXT NOT NULL,"
    " members TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS console_pushes (push_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " at TEXT NOT NULL, analyst TEXT NOT NULL, decision_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, overlay TEXT NOT NULL, prior TEXT NOT NULL,"
    " undone_at TEXT, undo_version INTEGER)",
    "CREATE TABLE IF NOT EXISTS console_exports (export_id TEXT PRIMARY KEY,"
    " at TEXT NOT NULL, analyst TEXT NOT NULL, decision_id TEXT NOT NULL, tlp TEXT NOT NULL,"
    " collection TEXT NOT NULL, objects INTEGER NOT NULL, status TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS console_hunt_members (hunt_id TEXT NOT NULL,"
    " account_id TEXT NOT NULL, cluster_id TEXT NOT NULL, verdict TEXT NOT NULL,"
    " PRIMARY KEY (hunt_id, account_id))",
    "CREATE TABLE IF NOT EXISTS console_hunts (hunt_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " loaded_at TEXT NOT NULL, source TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS console_audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL,"
    " analyst TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
)
APPEND_ONLY = ("console_audit", "console_decisions")
_SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
    for t in APPEND_ONLY for op in ("UPDATE", "DELETE"))
_PG_GUARDS = (
    "CREATE OR REPLACE FUNCTION console_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$"
    " LANGUAGE plpgsql",
    *(f"CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
      "FOR EACH ROW EXECUTE FUNCTION console_append_only()" for t in APPEND_ONLY),
)
GENESIS = "0" * 64


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class Decision:
    decision_id: str
    seq: int
    at: str
    analyst: str
    hunt_id: str
    target_kind: str  # campaign | account
    target_id: str  # cluster id, or account id
    action: str  # confirm | false_positive | relabel
    label: str  # distiller | benign
    reason_code: str
    note: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Push:
    push_id: str
    seq: int
    at: str
    analyst: str
    decision_id: str
    version: int
    overlay: dict[str, Any]
    prior: dict[str, Any]
    undone_at: str | None
    undo_version: int | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    analyst: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _decision(r: tuple[Any, ...]) -> Decision:
    return Decision(str(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                    r[10], tuple(orjson.loads(r[11])))


def _chain(prev: str, at: str, analyst: str, action: str, target: str, detail: str) -> str:
    text = "\x1f".join((prev, at, analyst, action, target, detail))
    return hashlib.sha256(text.encode()).hexdigest()


class Casebook:
    """Every record the console keeps; one instance per process (thread-safe per call)."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        with self.db.tx(write=True) as tx:
            tx.lock("console_schema")
            for stmt in _TABLES:
                tx.execute(stmt)
            for stmt in (_PG_GUARDS if self.db.is_postgres else _SQLITE_GUARDS):
                tx.execute(stmt)
        self.secret = bytes.fromhex(self._meta("secret", secrets.token_hex(32)))

    def _meta(self, name: str, default: str) -> str:
        with self.db.tx(write=True) as tx:
            rows = tx.execute("SELECT value FROM console_meta WHERE name = ?", [name])
            if rows:
                return str(rows[0][0])
            tx.execute("INSERT INTO console_meta (name, value) VALUES (?, ?)", [name, default])
        return default

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _next_seq(tx: Tx, table: str) -> int:
        tx.lock(table)
        return int(tx.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}")[0][0])

    # -- audit --------------------------------------------------------------------------------

    def audit(self, analyst: str, action: str, target: str, **detail: Any) -> AuditEntry:
        """Append one entry, chained to the one before it."""
        with self.db.tx(write=True) as tx:
            return self._audit(tx, analyst, action, target, detail)

    def _audit(self, tx: Tx, analyst: str, action: str, target: str,
               detail: dict[str, Any]) -> AuditEntry:
        seq = self._next_seq(tx, "console_audit")
        prev = tx.execute("SELECT hash FROM console_audit WHERE seq = ?", [seq - 1])
        prev_hash = str(prev[0][0]) if prev else GENESIS
        at = now_iso()
        text = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS, default=str).decode()
        h = _chain(prev_hash, at, analyst, action, target, text)
        tx.execute("INSERT INTO console_audit (seq, at, analyst, action, target, detail,"
                   " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [seq, at, analyst, action, target, text, prev_hash, h])
        return AuditEntry(seq, at, analyst, action, target, detail, prev_hash, h)

    def audit_log(self, *, limit: int = 200, offset: int = 0,
                  target: str | None = None) -> list[AuditEntry]:
        sql = ("SELECT seq, at, analyst, action, target, detail, prev_hash, hash"
               " FROM console_audit")
        params: list[Any] = []
        if target is not None:
            sql += " WHERE target = ?"
            params.append(target)
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        with self.db.tx() as tx:
            rows = tx.execute(sql, [*params, limit, offset])
        return [AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], orjson.loads(r[5]), r[6], r[7])
                for r in rows]

    def verify_audit(self) -> tuple[bool, int, str]:
        """(intact, rows checked, first problem): recompute the hash chain from the start."""
        prev = GENESIS
        n = 0
        with self.db.tx() as tx:
            rows = tx.execute("SELECT seq, at, analyst, action, target, detail, prev_hash, hash"
                              " FROM console_audit ORDER BY seq")
        for seq, at, analyst, action, target, detail, prev_hash, h in rows:
            n += 1
            if int(seq) != n:
                return False, n, f"row {n} missing (next is {seq})"
            if prev_hash != prev or _chain(prev, at, analyst, action, target, detail) != h:
                return False, n, f"row {seq} does not match the chain"
            prev = h
        return True, n, ""

    # -- decisions ----------------------------------------------------------------------------

    def decide(self, analyst: str, hunt_id: str, target_kind: str, target_id: str,
               action: str, label: str, reason_code: str, note: str,
               members: tuple[str, ...]) -> Decision:
        """Record a decision and its audit entry in one transaction."""
        did = new_id()
        at = now_iso()
        with self.db.tx(write=True) as tx:
            seq = self._next_seq(tx, "console_decisions")
            tx.execute("INSERT INTO console_decisions (decision_id, seq, at, analyst, hunt_id,"
                       " target_kind, target_id, action, label, reason_code, note, members)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [did, seq, at, analyst, hunt_id, target_kind, target_id, action, label,
                        reason_code, note, orjson.dumps(list(members)).decode()])
            self._audit(tx, analyst, f"decide:{action}", f"{target_kind}:{target_id}",
                        {"decision_id": did, "hunt_id": hunt_id, "label": label,
                         "reason_code": reason_code, "note": note, "members": len(members)})
        return Decision(did, seq, at, analyst, hunt_id, target_kind, target_id, action, label,
                        reason_code, note, members)

    def decisions(self, *, target_kind: str | None = None, target_id: str | None = None,
                  account: str | None = None) -> list[Decision]:
        """Decisions, oldest first; ``account`` keeps those whose members include it."""
        sql = ("SELECT decision_id, seq, at, analyst, hunt_id, target_kind, target_id, action,"
               " label, reason_code, note, members FROM console_decisions")
        where, params = [], []
        if target_kind is not None:
            where.append("target_kind = ?")
            params.append(target_kind)
        if target_id is not None:
            where.append("target_id = ?")
            params.append(target_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.db.tx() as tx:
            rows = tx.execute(sql + " ORDER BY seq", params)
        out = [_decision(r) for r in rows]
        if account is not None:
            out = [d for d in out if account in d.members]
        return out

    def decision(self, decision_id: str) -> Decision:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT decision_id, seq, at, analyst, hunt_id, target_kind,"
                              " target_id, action, label, reason_code, note, members"
                              " FROM console_decisions WHERE decision_id = ?", [decision_id])
        if not rows:
            raise NotFoundError(f"no decision {decision_id!r}",
                                details={"decision_id": decision_id})
        return _decision(rows[0])

    # -- pushes and exports -------------------------------------------------------------------

    def add_push(self, analyst: str, decision_id: str, version: int, overlay: dict[str, Any],
                 prior: dict[str, Any]) -> Push:
        pid = new_id()
        at = now_iso()
        with self.db.tx(write=True) as tx:
            seq = self._next_seq(tx, "console_pushes")
            tx.execute("INSERT INTO console_pushes (push_id, seq, at, analyst, decision_id,"
                       " version, overlay, prior) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [pid, seq, at, analyst, decision_id, version,
                        orjson.dumps(overlay).decode(), orjson.dumps(prior).decode()])
            self._audit(tx, analyst, "push", f"decision:{decision_id}",
                        {"push_id": pid, "version": version,
                         "accounts": len(overlay.get("verdicts", {}))})
        return Push(pid, seq, at, analyst, decision_id, version, overlay, prior, None, None)

    def undo_push(self, analyst: str, push_id: str, version: int) -> None:
        with self.db.tx(write=True) as tx:
            tx.execute("UPDATE console_pushes SET undone_at = ?, undo_version = ?"
                       " WHERE push_id = ? AND undone_at IS NULL", [now_iso(), version, push_id])
            self._audit(tx, analyst, "push:undo", f"push:{push_id}", {"version": version})

    def pushes(self, *, active_only: bool = False,
               decision_id: str | None = None) -> list[Push]:
        sql = ("SELECT push_id, seq, at, analyst, decision_id, version, overlay, prior,"
               " undone_at, undo_version FROM console_pushes")
        where, params = [], []
        if active_only:
            where.append("undone_at IS NULL")
        if decision_id is not None:
            where.append("decision_id = ?")
            params.append(decision_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.db.tx() as tx:
            rows = tx.execute(sql + " ORDER BY seq", params)
        return [Push(r[0], int(r[1]), r[2], r[3], r[4], int(r[5]), orjson.loads(r[6]),
                     orjson.loads(r[7]), r[8], r[9]) for r in rows]

    def add_export(self, analyst: str, decision_id: str, tlp: str, collection: str,
                   objects: int, status: str) -> str:
        eid = new_id()
        with self.db.tx(write=True) as tx:
            tx.execute("INSERT INTO console_exports (export_id, at, analyst, decision_id, tlp,"
                       " collection, objects, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [eid, now_iso(), analyst, decision_id, tlp, collection, objects, status])
            self._audit(tx, analyst, "export", f"decision:{decision_id}",
                        {"export_id": eid, "tlp": tlp, "collection": collection,
                         "objects": objects, "status": status})
        return eid

    def exports(self, decision_id: str) -> list[dict[str, Any]]:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT export_id, at, analyst, tlp, collection, objects, status"
                              " FROM console_exports WHERE decision_id = ? ORDER BY at",
                              [decision_id])
        keys = ("export_id", "at", "analyst", "tlp", "collection", "objects", "status")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- hunt snapshots (what changed since the last hunt) -----------------------------------

    def hunt_seen(self, hunt_id: str) -> bool:
        with self.db.tx() as tx:
            return bool(tx.execute("SELECT 1 FROM console_hunts WHERE hunt_id = ?", [hunt_id]))

    def previous_hunt(self, hunt_id: str) -> str | None:
        """The hunt loaded before ``hunt_id`` (or the latest one, if it is new)."""
        with self.db.tx() as tx:
            mine = tx.execute("SELECT seq FROM console_hunts WHERE hunt_id = ?", [hunt_id])
            if mine:
                rows = tx.execute("SELECT hunt_id FROM console_hunts WHERE seq < ?"
                                  " ORDER BY seq DESC LIMIT 1", [mine[0][0]])
            else:
                rows = tx.execute("SELECT hunt_id FROM console_hunts ORDER BY seq DESC LIMIT 1")
        return str(rows[0][0]) if rows else None

    def record_hunt(self, hunt_id: str, source: str,
                    flagged: list[tuple[str, str, str]]) -> None:
        """Remember a hunt's flagged accounts (account, cluster, verdict) once."""
        with self.db.tx(write=True) as tx:
            if tx.execute("SELECT 1 FROM console_hunts WHERE hunt_id = ?", [hunt_id]):
                return
            seq = self._next_seq(tx, "console_hunts")
            tx.execute("INSERT INTO console_hunts (hunt_id, seq, loaded_at, source)"
                       " VALUES (?, ?, ?, ?)", [hunt_id, seq, now_iso(), source])
            tx.executemany("INSERT INTO console_hunt_members (hunt_id, account_id, cluster_id,"
                           " verdict) VALUES (?, ?, ?, ?)",
                           [(hunt_id, a, c, v) for a, c, v in flagged])

    def hunt_members(self, hunt_id: str) -> list[tuple[str, str, str]]:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT account_id, cluster_id, verdict FROM console_hunt_members"
                              " WHERE hunt_id = ?", [hunt_id])
        return [(str(a), str(c), str(v)) for a, c, v in rows]
