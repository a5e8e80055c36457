"""The one relational adapter, over SQLite (default) and PostgreSQL (production):
the gateway's key store and the TAXII server's store both use it.

SQL is written once with ``?`` placeholders and translated for psycopg. Each
thread keeps its own connection (the TAXII server runs handlers in a thread
pool), except an in-memory SQLite database, which one connection holds (a
second would be a second, empty database); writers of one name can take a lock
so two replicas never interleave the version bookkeeping of one collection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from distillguard.schema.errors import ConfigError, ServiceUnavailableError


class Cursor(Protocol):
    rowcount: int
    description: Any

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


class Tx:
    """A transaction: ``?`` placeholders on every backend."""

    def __init__(self, db: Database, cur: Cursor) -> None:
        self._db, self._cur = db, cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cur.execute(self._db.sql(sql), tuple(params))
        if self._cur.description is None:
            return []
        return [tuple(r) for r in self._cur.fetchall()]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cur.executemany(self._db.sql(sql), [tuple(r) for r in rows])

    def analyze(self, table: str) -> None:
        """Refresh planner statistics (PostgreSQL).

        Bulk loads outrun autovacuum's ANALYZE; with stale statistics PostgreSQL
        plans id lookups as a scan of the whole collection, which makes every POST
        linear in the collection size.
        """
        if self._db.is_postgres:
            self._cur.execute(f"ANALYZE {table}")

    def lock(self, name: str) -> None:
        """Serialise writers of ``name`` across processes until the transaction ends."""
        if self._db.is_postgres:
            self._cur.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(name.encode()),))


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._shared: Any = None
        self._shared_lock = threading.RLock()
        if url.startswith("sqlite:///"):
            self.is_postgres = False
            self.path = Path(url.removeprefix("sqlite:///"))
            self.in_memory = url == "sqlite:///:memory:"
            if not self.in_memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        elif url.startswith(("postgresql://", "postgres://")):
            self.is_postgres = True
            self.in_memory = False
            self.path = Path()
        else:
            raise ConfigError(f"unsupported database URL {url!r}: use sqlite:///path or "
                              "postgresql://user@host:port/db",
                              details={"setting": "DISTILLGUARD_DATABASE_URL"})

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.is_postgres else text

    def _connect(self) -> Any:
        if self.is_postgres:
            import psycopg

            try:
                return psycopg.connect(self.url, autocommit=False)
            except psycopg.OperationalError as exc:
                raise ServiceUnavailableError(f"cannot reach PostgreSQL: {exc}") from exc
        conn = sqlite3.connect(":memory:" if self.in_memory else self.path, timeout=60,
                               isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _conn(self) -> Any:
        if self.in_memory:
            if self._shared is None:
                self._shared = self._connect()
                self._all().append(self._shared)
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None or (self.is_postgres and conn.closed):
            conn = self._connect()
            self._local.conn = conn
            self._all().append(conn)
        return conn

    def _all(self) -> list[Any]:
        if not hasattr(self, "_conns"):
            self._conns: list[Any] = []
        return self._conns

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Tx]:
        conn = self._conn()
        if self.is_postgres:
            try:
                with conn.cursor() as cur:
                    yield Tx(self, cur)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            return
        with self._shared_lock if self.in_memory else contextlib.nullcontext():
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(self, cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def close(self) -> None:
        for conn in self._all():
            with contextlib.suppress(Exception):  # closing on shutdown is best effort
                conn.close()
        self._conns = []
        self._shared = None
        self._local = threading.local()
