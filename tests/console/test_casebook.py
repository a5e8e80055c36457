"""The casebook: append-only decisions and audit log (on SQLite and PostgreSQL), the
hash chain, analysts' tokens, roles, sessions and CSRF tokens."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from distillguard.console.analysts import Analysts, pseudonym
from distillguard.console.casebook import Casebook
from distillguard.schema.errors import AuthError, ConflictError, ForbiddenError, InputError

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Casebook]:
    b = Casebook(f"sqlite:///{tmp_path / 'console.db'}")
    yield b
    b.close()


def _decide(book: Casebook) -> str:
    return book.decide("ana", "h1", "campaign", "C0001", "confirm", "distiller", "harvest",
                       "wrapper and payment shared", ("a1", "a2")).decision_id


def test_decisions_and_audit_refuse_edits(book: Casebook, tmp_path: Path) -> None:
    _decide(book)
    raw = sqlite3.connect(tmp_path / "console.db")
    for sql in ("UPDATE console_audit SET analyst = 'mallory'", "DELETE FROM console_audit",
                "UPDATE console_decisions SET label = 'benign'",
                "DELETE FROM console_decisions"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute(sql)
    raw.close()
    assert book.verify_audit() == (True, 1, "")


def test_audit_chain_detects_a_row_edited_behind_its_back(book: Casebook,
                                                          tmp_path: Path) -> None:
    _decide(book)
    book.audit("ana", "view:raw", "account:a1", samples=3)
    book.audit("ana", "view:raw", "account:a2", samples=3)
    assert book.verify_audit()[0]
    raw = sqlite3.connect(tmp_path / "console.db")
    raw.execute("DROP TRIGGER console_audit_no_update")  # what only an intruder would do
    raw.execute("UPDATE console_audit SET target = 'account:a9' WHERE seq = 2")
    raw.commit()
    raw.close()
    ok, _, problem = book.verify_audit()
    assert not ok and "row 2" in problem


def test_decisions_read_back_by_target_and_member(book: Casebook) -> None:
    did = _decide(book)
    book.decide("bo", "h1", "account", "a2", "relabel", "benign", "shared_nat", "", ("a2",))
    assert [d.decision_id for d in book.decisions(target_kind="campaign")] == [did]
    assert [d.action for d in book.decisions(account="a2")] == ["confirm", "relabel"]
    assert book.decision(did).members == ("a1", "a2")


def test_tokens_roles_and_sessions(book: Casebook) -> None:
    people = Analysts(book)
    viewer, vtok = people.create("vera", "viewer")
    admin, atok = people.create("ada", "admin")
    with pytest.raises(ConflictError):
        people.create("vera", "analyst")
    with pytest.raises(InputError):
        people.create("x", "superuser")
    assert people.verify_token(vtok) == viewer
    assert not viewer.can("analyst") and not viewer.sees_raw
    assert admin.can("analyst") and admin.can("viewer")
    with pytest.raises(AuthError):
        people.verify_token(vtok[:-2] + "xx")
    cookie, sess = people.open_session(admin)
    assert people.session(cookie).csrf == sess.csrf
    people.check_csrf(sess.csrf, sess.csrf)
    with pytest.raises(ForbiddenError):
        people.check_csrf(sess.csrf, None)
    with pytest.raises(ForbiddenError):
        people.check_csrf(sess.csrf, "forged")
    people.revoke("ada")
    with pytest.raises(AuthError):
        people.session(cookie)
    with pytest.raises(AuthError):
        people.verify_token(atok)


def test_pseudonyms_are_stable_and_keyed(book: Casebook) -> None:
    assert pseudonym(book.secret, "acct-1") == pseudonym(book.secret, "acct-1")
    assert pseudonym(book.secret, "acct-1") != pseudonym(b"other", "acct-1")
    assert "acct" not in pseudonym(book.secret, "acct-1")


def test_hunt_snapshots(book: Casebook) -> None:
    book.record_hunt("h1", "/hunt/1", [("a1", "C0001", "block")])
    book.record_hunt("h1", "/hunt/1", [("zz", "", "review")])  # recorded once
    assert book.previous_hunt("h2") == "h1"
    book.record_hunt("h2", "/hunt/2", [])
    assert book.previous_hunt("h2") == "h1" and book.previous_hunt("h1") is None
    assert book.hunt_members("h1") == [("a1", "C0001", "block")]


@pytest.mark.postgres
def test_postgres_casebook_is_append_only_too() -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=30)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"dg_console_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rpartition('/')[0]}/{name}"
    try:
        book = Casebook(url)
        _decide(book)
        book.audit("ana", "view:raw", "account:a1")
        assert book.verify_audit() == (True, 2, "")
        with psycopg.connect(url, autocommit=True) as raw, \
                pytest.raises(psycopg.Error, match="append-only"):
            raw.execute("DELETE FROM console_audit")
        people = Analysts(book)
        _, tok = people.create("ana", "analyst")
        assert people.verify_token(tok).role == "analyst"
        book.close()
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
