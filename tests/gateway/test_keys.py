"""Gateway keys: hashed at rest, constant-time verification, revocation; on
SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from distillguard.gateway.keys import KeyStore, split_key
from distillguard.schema import ConfigError, NotFoundError

PG_URL = os.environ.get("DISTILLGUARD_TEST_POSTGRES_URL",
                        "postgresql://postgres@127.0.0.1:5432/postgres")


def _exercise(store: KeyStore) -> None:
    a = store.create("acct-1", org_id="org-1", kyc_level="card", name="laptop")
    b = store.create("acct-1")
    c = store.create("acct-2")
    assert store.verify(a.secret) == a.record
    assert store.verify(a.secret + "x") is None
    assert store.verify(a.secret.replace(a.record.key_id, c.record.key_id)) is None
    assert store.verify("sk-foreign") is None and store.verify("") is None
    assert {k.key_id for k in store.list("acct-1")} == {a.record.key_id, b.record.key_id}
    store.revoke(b.record.key_id)
    assert store.verify(b.secret) is None
    assert [k.key_id for k in store.list("acct-1")] == [a.record.key_id]
    assert len(store.list(include_revoked=True)) == 3
    with pytest.raises(NotFoundError):
        store.revoke(b.record.key_id)


def test_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    store = KeyStore(url)
    _exercise(store)
    new = store.create("acct-3")
    store.close()
    raw = (tmp_path / "k.db").read_bytes()
    assert split_key(new.secret)[1].encode() not in raw  # type: ignore[index]
    again = KeyStore(url)  # same pepper after a restart
    assert again.verify(new.secret) is not None
    again.close()


def test_revocation_reaches_a_running_verifier_within_the_cache_ttl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    gateway_side = KeyStore(url, cache_ttl_s=0.0)
    admin_side = KeyStore(url)
    k = admin_side.create("acct")
    assert gateway_side.verify(k.secret) is not None
    admin_side.revoke(k.record.key_id)
    assert gateway_side.verify(k.secret) is None


def test_bad_url() -> None:
    with pytest.raises(ConfigError):
        KeyStore("mysql://nope")


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    name = f"dg_gw_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"'.encode())
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        admin.close()


@pytest.mark.postgres
def test_postgres_store(pg_url: str) -> None:
    store = KeyStore(pg_url)
    _exercise(store)
    other = KeyStore(pg_url)  # a second replica shares keys and pepper
    k = store.create("acct-9")
    assert other.verify(k.secret) is not None
    store.close()
    other.close()
