"""Event ids are the gateway's own: a client that repeats one X-Request-Id on
every request must not be able to hide all but one exchange from the hunt
(ingest drops duplicate event ids)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from distillguard.ingest import ingest
from distillguard.settings import Settings

from .conftest import chat, client, logged, make_gateway, run


@pytest.mark.parametrize("header", ["x-request-id", "x-client-request-id"])
def test_a_repeated_client_id_gives_distinct_events_that_ingest_keeps(
        settings: Settings, tmp_path: Path, header: str) -> None:
    gw = make_gateway(settings, tmp_path)
    key = gw.keys.create("acct-hider")

    async def go() -> list[httpx.Response]:
        async with client(gw) as c:
            out = [await c.post("/v1/chat/completions", json=chat(f"question {i}"),
                                headers={"authorization": f"Bearer {key.secret}",
                                         header: "same-id-every-time"})
                   for i in range(3)]
        await gw.aclose()
        return out

    answers = run(go())
    assert [r.status_code for r in answers] == [200, 200, 200]
    events = logged(gw)
    ids = [ev.event_id for ev in events]
    assert len(set(ids)) == 3 and "same-id-every-time" not in ids
    # the client's id is echoed apart; x-request-id names the logged event
    assert [r.headers["x-request-id"] for r in answers] == ids
    assert {r.headers["x-client-request-id"] for r in answers} == {"same-id-every-time"}

    report = ingest([str(p) for p in gw.log.files()], out_dir=tmp_path / "canon")
    assert report.events_written == 3
    assert report.duplicates == 0 and report.events_quarantined == 0
