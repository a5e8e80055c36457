"""Helpers to write event files in every format the readers accept."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import zstandard

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"


def spec_events() -> list[dict[str, Any]]:
    data = (SPEC / "example-events.jsonl").read_bytes()
    return [orjson.loads(line) for line in data.splitlines()]


def make_event(i: int, **over: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "event_id": f"ev-{i:06d}",
        "ts": f"2026-05-{1 + i % 3:02d}T10:{i % 60:02d}:00.000Z",
        "account_id": f"acct-{i % 7}",
        "endpoint": "chat.completions",
        "model": "frontier-1",
        "request": {"model": "frontier-1", "messages": [{"role": "user", "content": f"q {i}"}]},
        "response_text": f"answer {i}",
    }
    ev.update(over)
    return ev


def write_lines(path: Path, lines: Iterable[bytes], compression: str = "none") -> Path:
    data = b"".join(line + b"\n" for line in lines)
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "zstd":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def write_events(path: Path, events: Iterable[Any], compression: str = "none") -> Path:
    return write_lines(path, (orjson.dumps(e) for e in events), compression)


