"""The TAXII store on the real PostgreSQL: two replicas share paging and version state."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from distillguard.database import Database
from distillguard.intel.store import Filters, TaxiiStore
from distillguard.settings import Settings

from .taxii_helpers import COLL, indicator

pytestmark = pytest.mark.postgres
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_url(settings: Settings) -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    admin = settings.database_url if settings.database_url.startswith("postgres") \
        else DEFAULT_URL
    name = f"dg_intel_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=30)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {admin}: {exc}")
    conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def test_replicas_share_paging_versions_and_members(pg_url: str) -> None:
    a, b = TaxiiStore(Database(pg_url)), TaxiiStore(Database(pg_url))
    a.add_collection(COLL)
    token = a.add_member("lab-b", read=[COLL])
    assert b.authenticate(token).can_read(COLL)

    def post(store: TaxiiStore, lo: int, hi: int) -> None:
        for s in range(lo, hi, 10):
            store.add_objects(COLL, [indicator(i) for i in range(s, min(hi, s + 10))],
                              api_root="intel")

    writers = [threading.Thread(target=post, args=(a, 0, 60)),
               threading.Thread(target=post, args=(b, 60, 120))]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    seen: list[str] = []
    cursor: str | None = None
    for i in range(100):
        store = (a, b)[i % 2]  # alternate replicas page by page
        page = store.query(COLL, Filters(), limit=13, cursor=cursor)
        seen += [r[0] for r in page.rows]
        if not page.more:
            break
        cursor = page.next
    assert sorted(seen) == sorted(indicator(i)["id"] for i in range(120))
    newer = indicator(5, "2026-06-01T00:00:00.000Z")
    status = b.add_objects(COLL, [newer, dict(indicator(6), name="tampered")], api_root="intel")
    assert status["success_count"] == 1 and "conflicting" in status["failures"][0]["message"]
    last = a.query(COLL, Filters(ids=(newer["id"],)), limit=10, cursor=None).rows
    assert [r[1] for r in last] == ["2026-06-01T00:00:00.000Z"]
    assert a.status("intel", status["id"]) == status
    a.revoke_member("lab-b")
    with pytest.raises(Exception, match="revoked"):
        b.authenticate(token)
    a.db.close()
    b.db.close()
