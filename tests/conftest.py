"""Shared fixtures: settings pointed at a temporary data dir, paths to the spec."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from distillguard.settings import Settings
from gateway.servers import REDIS_TIMEOUT_S

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The machine is noisy (2 cores, shared with services): a deadline would make
# property tests flaky without telling us anything about correctness.
hsettings.register_profile(
    "distillguard", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hsettings.load_profile("distillguard")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = Settings.from_env({k: v for k, v in os.environ.items() if k.startswith("DISTILLGUARD_")})
    return base.with_overrides(data_dir=tmp_path / "var", redis_timeout_s=REDIS_TIMEOUT_S)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def live_log_dir(tmp_path: Path) -> Path:
    """A gateway log directory: day 1 rotated to Parquet (e0-e2), day 2 still live JSONL
    in two replicas' files (e3-e6 and e7), and the gateway's own quarantine beside them."""
    from datetime import UTC, datetime, timedelta

    import orjson
    import pyarrow.parquet as pq

    from distillguard.schema import Event, event_row, events_table

    t0 = datetime(2026, 5, 1, tzinfo=UTC)

    def event(i: int, day: int) -> Event:
        return Event(event_id=f"e{i}", ts=t0 + timedelta(days=day, minutes=i), account_id="a",
                     endpoint="chat.completions", model="m",
                     request={"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
                     response_text="r")

    log = tmp_path / "log"
    (log / "events" / "day=2026-05-01").mkdir(parents=True)
    pq.write_table(events_table([event_row(event(i, 0)) for i in range(3)]),
                   log / "events" / "day=2026-05-01" / "part-r1.parquet")
    (log / "exchanges-2026-05-02.r1.jsonl").write_bytes(b"".join(
        orjson.dumps(event(i, 1).to_json_dict()) + b"\n" for i in range(3, 7)))
    (log / "exchanges-2026-05-02.r2.jsonl").write_bytes(
        orjson.dumps(event(7, 1).to_json_dict()) + b"\n")
    (log / "quarantine.jsonl").write_bytes(b'{"not": "an event"}\n')
    return log
