"""The hunt's events as the console reads them (DuckDB over the canonical Parquet the
hunt read or converted): request counts, a campaign's timeline, sample requests
and their redaction.

Redaction is what a viewer sees and what an analyst sees by default: every
letter becomes ``x`` (capitals ``X``), every digit ``9``; punctuation, spacing,
line breaks and length stay, so the *shape* of a wrapper (a numbered rubric, a
JSON skeleton, a repeated preamble) is visible without a word of the customer's
text. Raw text is served only to analysts who ask for it, and each time it is
audited.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb

from distillguard.features.plan import ACTIVITY_BIN_MS

_LOWER = re.compile(r"[^\W\d_]", re.UNICODE)
MAX_SAMPLE_CHARS: Final = 1200


def redact(text: str | None) -> str:
    """Letters to x/X, digits to 9, the rest kept (see the module doc)."""
    if not text:
        return ""
    text = text[:MAX_SAMPLE_CHARS]
    text = re.sub(r"\d", "9", text)
    return _LOWER.sub(lambda m: "X" if m.group(0).isupper() else "x", text)


@dataclass(frozen=True, slots=True)
class Sample:
    account_id: str
    ts: str
    model: str
    endpoint: str
    system: str
    user: str


def event_files(hunt_dir: Path, summary: dict[str, Any]) -> list[Path]:
    """The canonical Parquet the hunt read: its conversion, else its Parquet inputs."""
    converted = hunt_dir / "work" / "events.parquet"
    if converted.is_file():
        return [converted]
    out: list[Path] = []
    for p in (summary.get("inputs") or {}).get("events") or []:
        path = Path(p)
        if path.is_dir():
            out += sorted(path.rglob("*.parquet"))
        elif path.suffix == ".parquet" and path.is_file():
            out.append(path)
    return out


class Traffic:
    """Queries over the events; one DuckDB connection, used under a lock."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = list(files)
        self._lock = threading.Lock()
        self.con = duckdb.connect()
        if self.files:
            lst = ", ".join("'" + str(f).replace("'", "''") + "'" for f in self.files)
            self.con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet([{lst}],"
                             " union_by_name=true)")

    @property
    def available(self) -> bool:
        return bool(self.files)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if not self.files:
            return []
        with self._lock:
            return list(self.con.execute(sql, list(params)).fetchall())

    def _members(self, members: Sequence[str]) -> None:
        # one list parameter: executemany of 10,000 single-row inserts takes seconds
        self.con.execute("CREATE OR REPLACE TEMP TABLE members AS"
                         " SELECT unnest(?::VARCHAR[]) AS account_id", [list(members)])

    def volumes(self) -> dict[str, int]:
        return {str(a): int(n) for a, n in
                self._q("SELECT account_id, count(*) FROM events GROUP BY 1")}

    def timeline(self, verdict_of: dict[str, str]) -> dict[str, Any]:
        """Requests per day by member verdict, and the day each model was first seen."""
        if not self.files or not verdict_of:
            return {"days": [], "series": {}, "releases": []}
        with self._lock:
            self._members(sorted(verdict_of))
            rows = self.con.execute(
                "SELECT strftime(ts, '%Y-%m-%d') AS d, e.account_id, count(*) FROM events e"
                " JOIN members m USING (account_id) GROUP BY 1, 2").fetchall()
            first = self.con.execute("SELECT model, strftime(min(ts), '%Y-%m-%d') FROM events"
                                     " WHERE model IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()
        per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d, acc, n in rows:
            per[verdict_of.get(acc, "allow")][d] += int(n)
        days = sorted({d for s in per.values() for d in s})
        series = {v: [per[v].get(d, 0) for d in days] for v in sorted(per)}
        lo, hi = (days[0], days[-1]) if days else ("", "")
        releases = [{"model": m, "day": d} for m, d in first if lo <= d <= hi]
        return {"days": days, "series": series, "releases": releases}

    def samples(self, members: Sequence[str], limit: int = 12) -> list[Sample]:
        """A few requests spread over the members (at most two each), newest first."""
        if not self.files or not members:
            return []
        with self._lock:
            self._members(list(members))
            rows = self.con.execute(
                "SELECT account_id, strftime(ts, '%Y-%m-%dT%H:%M:%SZ'), model, endpoint,"
                " req_system, req_user FROM (SELECT e.*, row_number() OVER (PARTITION BY"
                " e.account_id ORDER BY e.ts DESC) AS k FROM events e JOIN members m"
                " USING (account_id)) WHERE k <= 2 ORDER BY ts DESC LIMIT ?", [limit]
            ).fetchall()
        return [Sample(str(a), str(t), str(m or ""), str(e or ""), str(s or ""), str(u or ""))
                for a, t, m, e, s, u in rows]

    def lockstep(self, members: Sequence[str], *, min_bins: int = 3, min_share: float = 0.5,
                 max_crowd: int = 12, partners: int = 3) -> list[tuple[str, str, int]]:
        """Pairs of members active in the same activity bins (the hunt's own width,
        :data:`~distillguard.features.plan.ACTIVITY_BIN_MS`): at least ``min_bins`` of
        them and ``min_share`` of the quieter account's bins; each account keeps its
        ``partners`` strongest pairs, so a campaign in tight lockstep draws a readable
        web, not every pair.

        Only bins with at most ``max_crowd`` members count: a busy quarter-hour says
        nothing about two particular accounts (and would make the pairs quadratic)."""
        if not self.files or len(members) < 2:
            return []
        with self._lock:
            self._members(list(members))
            rows = self.con.execute(
                "WITH act AS (SELECT DISTINCT e.account_id AS a, CAST(floor(epoch_ms(ts) / ?)"
                " AS BIGINT) AS t FROM events e JOIN members m USING (account_id)),"
                " nb AS (SELECT a, count(*) AS n FROM act GROUP BY a),"
                " ok AS (SELECT t FROM act GROUP BY t HAVING count(*) BETWEEN 2 AND ?),"
                " pairs AS (SELECT x.a AS a, y.a AS b, count(*) AS c FROM act x JOIN act y"
                "  ON x.t = y.t AND x.a < y.a WHERE x.t IN (SELECT t FROM ok)"
                "  GROUP BY 1, 2 HAVING count(*) >= ?),"
                " strong AS (SELECT p.a, p.b, p.c FROM pairs p JOIN nb na ON na.a = p.a"
                "  JOIN nb nb2 ON nb2.a = p.b WHERE p.c >= ? * least(na.n, nb2.n)),"
                " ranked AS (SELECT a, b, c, row_number() OVER (PARTITION BY a ORDER BY c DESC,"
                "  b) AS ra, row_number() OVER (PARTITION BY b ORDER BY c DESC, a) AS rb"
                "  FROM strong)"
                " SELECT a, b, c FROM ranked WHERE ra <= ? OR rb <= ? ORDER BY a, b",
                [ACTIVITY_BIN_MS, max_crowd, min_bins, min_share, partners, partners]
            ).fetchall()
        return [(str(a), str(b), int(n)) for a, b, n in rows]

    def close(self) -> None:
        with self._lock:
            self.con.close()
