"""Stream the world to disk: events in global time order, in bounded memory.

Sessions are planned a day at a time and kept in a heap; a session is only
materialised when no session that is not yet planned can start before it, and
an event is only written when no session still to be materialised can produce
an earlier one. Memory therefore holds about a day and a half of session start
times plus the exchanges of sessions still in flight, never the whole log.
"""

from __future__ import annotations

import gzip
import heapq
import io
import math
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.schema import EVENT_SCHEMA, Event, event_row, format_ts
from distillguard.simulate.bodies import reasoning_requested, render
from distillguard.simulate.hardness import SignalStats
from distillguard.simulate.network import hex_id, prefix
from distillguard.simulate.traffic import Exchange, Session, Traffic
from distillguard.simulate.world import Actor, World

# Sessions of a later day can start at most this long before that day begins
# (local time zones run from UTC-6 to UTC+10).
EARLIEST_LEAD = timedelta(hours=11)
PARQUET_BATCH = 20_000


class EventSink(Protocol):
    def write(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class JsonlGzSink:
    """gzip without a timestamp or file name in its header: same input, same bytes."""

    def __init__(self, path: Path) -> None:
        self._raw: BinaryIO = path.open("wb")
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0, filename="",
                                 compresslevel=3)
        self._buf = io.BufferedWriter(self._gz, buffer_size=1 << 20)

    def write(self, event: dict[str, Any]) -> None:
        self._buf.write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        self._buf.flush()
        self._gz.close()
        self._raw.close()


class ParquetSink:
    """Canonical :data:`EVENT_SCHEMA` Parquet, written in row groups as events arrive."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, EVENT_SCHEMA, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self._line = 0
        self._path = str(path)

    def write(self, event: dict[str, Any]) -> None:
        self._line += 1
        self._rows.append(event_row(Event.from_mapping(event, source=self._path,
                                                       line=self._line)))
        if len(self._rows) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=EVENT_SCHEMA))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class EventMaker:
    """Turns an exchange into a spec event (and feeds the hardness statistics)."""

    def __init__(self, world: World, stats: SignalStats) -> None:
        self.world = world
        self.stats = stats
        self.seed = world.config.seed

    def make(self, idx: int, a: Actor, ex: Exchange, number: int) -> dict[str, Any]:
        aid = a.account.account_id
        digest = hex_id(self.seed, aid, ex.ts.isoformat(), number, ex.step, n=24)
        u = int(digest[-6:], 16) / 0xFFFFFF
        v = int(digest[-12:-6], 16) / 0xFFFFFF
        call = ex.call
        body = render(a.endpoint, ex.model, call)
        prompt_text = "\n".join([call.system, *(m.text for m in call.messages)])
        # Rate limits bite heavy clients; server and client errors hit everyone.
        heavy = a.daily >= 20 or a.params.get("pivot_daily", 0) >= 20
        status = ex.status if ex.status is not None else 429 if heavy and u < 0.006 \
            else 500 if 0.006 <= u < 0.0075 else 400 if 0.0075 <= u < 0.009 else 200
        wants_reasoning = reasoning_requested(call)
        event: dict[str, Any] = {
            "event_id": "evt-" + digest[:20],
            "ts": format_ts(ex.ts),
            "account_id": aid,
            "api_key_id": ex.key,
            "ip": ex.place.ip,
            "ip_prefix": prefix(ex.place.ip),
            "asn": ex.place.net.asn,
            "ip_country": ex.place.net.country,
            "user_agent": ex.user_agent,
            "endpoint": a.endpoint,
            "model": ex.model,
            "request": body,
        }
        prompt_tokens = _tokens(prompt_text) + 4 * len(call.messages) + 60 * len(call.tools)
        if status == 200:
            response = call.response
            if call.n > 1:
                response = "\n\n".join([response] * call.n)
            reasoning_tokens = 0
            if wants_reasoning:
                reasoning_tokens = _tokens(call.reasoning or "") + int(200 + 3000 * v)
            event["response_text"] = response
            if wants_reasoning and call.reasoning and a.endpoint != "chat.completions":
                event["reasoning_text"] = call.reasoning
            completion = _tokens(response) + reasoning_tokens
            event["prompt_tokens"] = prompt_tokens
            event["completion_tokens"] = completion
            if wants_reasoning:
                event["reasoning_tokens"] = reasoning_tokens
            event["status"] = 200
            event["latency_ms"] = int(250 + completion * (8 + 17 * u) + 400 * v)
        else:
            event["response_text"] = ""
            event["prompt_tokens"] = prompt_tokens if status != 429 else 0
            event["completion_tokens"] = 0
            event["status"] = status
            event["latency_ms"] = int(40 + 300 * v)
        sent_max = body.get("max_tokens") or body.get("max_completion_tokens") \
            or body.get("max_output_tokens")
        self.stats.observe(idx, ex.ts, ex.place.ip, ex.model, prompt_text, wants_reasoning,
                           sent_max if isinstance(sent_max, int) else None)
        return event


def stream_events(world: World, traffic: Traffic, maker: EventMaker,
                  on_day: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Every event of the world, in timestamp order."""
    cfg = world.config
    sessions: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    seq = 0
    for day in range(cfg.days + 1):
        if day < cfg.days:
            for idx in range(len(world.actors)):
                for planned in traffic.plan(idx, day):
                    heapq.heappush(sessions, (planned.start, idx, day, planned.number, planned))
            horizon = cfg.start + timedelta(days=day + 1) - EARLIEST_LEAD
        else:
            horizon = cfg.end + timedelta(days=30)
        while sessions and sessions[0][0] < horizon:
            s: Session = heapq.heappop(sessions)[-1]
            while pending and pending[0][0] < s.start:
                yield heapq.heappop(pending)[2]
            for ex in traffic.run(s):
                idx = s.actor if ex.actor is None else ex.actor
                a = world.actors[idx]
                if ex.ts >= cfg.end or ex.ts >= a.active_until:
                    continue
                seq += 1
                heapq.heappush(pending, (ex.ts, seq, maker.make(idx, a, ex, s.number)))
        # Nothing planned later can start before the horizon, nor before the
        # earliest session still waiting.
        bound = min(sessions[0][0], horizon) if sessions else horizon
        while pending and pending[0][0] < bound:
            yield heapq.heappop(pending)[2]
        if on_day is not None:
            on_day(day)
    while pending:
        yield heapq.heappop(pending)[2]
