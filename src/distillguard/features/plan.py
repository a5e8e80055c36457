"""The hunt's query plan: per-event and per-account features as portable SQL.

The plan is written once. A :class:`Dialect` supplies the handful of
functions whose names differ between DuckDB and Spark SQL (regex match,
global regex replace, epoch milliseconds, date of a timestamp); everything
else is the common ANSI subset both engines accept. Each query returns a small
Arrow table (one row per account, or per account and key), so nothing of the
size of the event log ever comes back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from distillguard.features.content import (
    SYSTEM_CHARS,
    TOPIC_CHARS,
    TOPICS,
    USER_HEAD_CHARS,
    USER_TAIL_CHARS,
)
from distillguard.features.signals import NAMES as SIGNAL_NAMES
from distillguard.features.signals import sql_columns

#: Prefix/suffix lengths of the masked user text whose reuse marks a wrapper.
SKELETON_LENGTHS: Final = (24, 64)
SYSTEM_SKELETON_CHARS: Final = 400
#: A skeleton counts as the account's wrapper when reused this often.
REUSE_MIN_COUNT: Final = 3
REUSE_MIN_SHARE: Final = 0.05
#: Lockstep activity bins (SynchroTrap-style co-activity), in milliseconds.
ACTIVITY_BIN_MS: Final = 15 * 60 * 1000
#: A model is "newly released" when first seen this long after the log starts.
NEW_MODEL_AFTER_MS: Final = 2 * 86_400_000
PIVOT_WINDOW_MS: Final = 3 * 86_400_000
#: The content families that mark harvesting (eval_harness marks evaluation).
HARVEST_FAMILIES: Final = ("reasoning_coercion", "rubric_grading", "synthetic_generation")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """The few spellings that differ between engines."""

    name: str

    def rx(self, col: str, pattern: str) -> str:
        if self.name == "spark":
            return f"({col} RLIKE {_lit(pattern)})"
        return f"regexp_matches({col}, {_lit(pattern)})"

    def rx_replace(self, col: str, pattern: str, repl: str) -> str:
        if self.name == "spark":
            return f"regexp_replace({col}, {_lit(pattern)}, {_lit(repl)})"
        return f"regexp_replace({col}, {_lit(pattern)}, {_lit(repl)}, 'g')"

    def epoch_ms(self, col: str) -> str:
        return f"unix_millis({col})" if self.name == "spark" else f"epoch_ms({col})"

    def date(self, col: str) -> str:
        return f"to_date({col})" if self.name == "spark" else f"CAST({col} AS DATE)"


DUCKDB: Final = Dialect("duckdb")
SPARK: Final = Dialect("spark")


def _mask(d: Dialect, col: str) -> str:
    """Slots masked: digits become '#', whitespace runs one space, case folded."""
    inner = d.rx_replace(f"lower(coalesce({col}, ''))", "[0-9]+", "#")
    return d.rx_replace(inner, "\\s+", " ")


#: The canonical columns the plan reads.
PLAN_COLUMNS: Final = (
    "event_id", "ts", "account_id", "ip", "ip_prefix", "asn", "user_agent", "model",
    "prompt_tokens", "completion_tokens", "req_system", "req_user", "req_n_turns",
    "req_max_tokens", "req_n", "req_logprobs", "req_temperature", "req_reasoning_enabled",
    "req_reasoning_effort", "req_thinking_budget", "req_param_keys", "req_tools",
)
#: Characters of the user turn that tell one task from another (prompt diversity).
TASK_CHARS: Final = 200


def unique_events(source: str = "events") -> str:
    """``source`` with one row per event id (the earliest). Only ids that occur more than
    once go through the window, so the common case (no duplicates) stays a plain scan."""
    cols = ", ".join(PLAN_COLUMNS)
    return f"""
SELECT {cols} FROM {source} WHERE event_id NOT IN (
  SELECT event_id FROM {source} GROUP BY event_id HAVING count(*) > 1)
UNION ALL
SELECT {cols} FROM (
  SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY ts, account_id) AS rn
  FROM {source} WHERE event_id IN (
    SELECT event_id FROM {source} GROUP BY event_id HAVING count(*) > 1)) dup
WHERE rn = 1"""


def events_view(d: Dialect, source: str = "events") -> str:
    """One row per distinct event with every per-event signal the plan needs."""
    user = "coalesce(req_user, '')"
    text = (f"substr(coalesce(req_system, ''), 1, {SYSTEM_CHARS}) || ' ' || CASE WHEN "
            f"length({user}) > {USER_HEAD_CHARS + USER_TAIL_CHARS} THEN substr({user}, 1, "
            f"{USER_HEAD_CHARS}) || ' ' || right({user}, {USER_TAIL_CHARS}) ELSE {user} END")
    # Slack for masking shrinking runs of digits and spaces.
    ends = 2 * max(SKELETON_LENGTHS)
    signals = ",\n  ".join(sql_columns(d))
    topic = "CASE " + " ".join(
        f"WHEN {d.rx('tusr', p)} THEN {_lit(name)}" for name, p in TOPICS
    ) + " ELSE 'other' END"
    skel = []
    # Only the ends of the text are masked (masking all of it is the plan's costliest step).
    for n in SKELETON_LENGTHS:
        skel.append(f"CASE WHEN length(mhead) > {n} THEN substr(mhead, 1, {n}) END AS p{n}")
        skel.append(f"CASE WHEN length(mtail) > {n} THEN right(mtail, {n}) END AS s{n}")
    skel_sql = ",\n  ".join(skel)
    return f"""
SELECT account_id, event_id, ts_ms, hr, dy, model, ua, ip, ip_prefix, asn, pt, ct,
  {signals},
  {topic} AS topic,
  {skel_sql},
  CASE WHEN length(msys) > 0 THEN substr(msys, 1, {SYSTEM_SKELETON_CHARS}) END AS sysk,
  pfp, tools, task
FROM (
  SELECT account_id, event_id, {d.epoch_ms('ts')} AS ts_ms, hour(ts) AS hr, {d.date('ts')} AS dy,
    model, coalesce(user_agent, '') AS ua, ip, ip_prefix, CAST(asn AS STRING) AS asn,
    CAST(coalesce(prompt_tokens, 0) AS DOUBLE) AS pt,
    CAST(coalesce(completion_tokens, 0) AS DOUBLE) AS ct,
    {text} AS txt, substr(coalesce(req_user, ''), 1, {TOPIC_CHARS}) AS tusr,
    {_mask(d, f'substr(req_user, 1, {ends})')} AS mhead,
    {_mask(d, f'right(req_user, {ends})')} AS mtail,
    {_mask(d, f'substr(req_system, 1, {SYSTEM_SKELETON_CHARS * 2})')} AS msys,
    req_reasoning_effort, req_thinking_budget, req_reasoning_enabled, req_max_tokens,
    req_logprobs, req_n, req_n_turns, req_tools,
    coalesce(req_param_keys, '') || '|' || coalesce(lower(req_reasoning_effort), '') || '|'
      || CAST(coalesce(req_max_tokens, -1) AS STRING) || '|'
      || CAST(coalesce(req_temperature, -1.0) AS STRING) AS pfp,
    coalesce(req_tools, '') AS tools,
    substr(coalesce(req_user, ''), 1, {TASK_CHARS}) AS task,
    1 AS one
  FROM ({unique_events(source)}) u
  WHERE account_id IS NOT NULL AND ts IS NOT NULL
) x
"""


def account_features(d: Dialect) -> str:
    """Per-account behaviour and content aggregates (one row per account)."""
    signals = ", ".join(f"avg(f_{name}) AS {name}" for name in SIGNAL_NAMES)
    # Share of requests in any harvesting family (a request may match several).
    harvest = " + ".join(f"f_{name}" for name in HARVEST_FAMILIES)
    return f"""
WITH base AS (
  SELECT account_id, count(*) AS n_events, min(ts_ms) AS first_ms, max(ts_ms) AS last_ms,
    count(DISTINCT dy) AS n_days, {signals},
    sum(pt) AS prompt_tokens, sum(ct) AS completion_tokens,
    count(DISTINCT model) AS n_models,
    avg(CASE WHEN {harvest} > 0 THEN 1.0E0 ELSE 0.0E0 END) AS harvest_any,
    count(DISTINCT task) AS distinct_tasks
  FROM ev GROUP BY account_id
),
gaps AS (
  SELECT account_id, avg(gap) AS gap_mean, stddev_samp(gap) AS gap_sd
  FROM (SELECT account_id,
          CAST(ts_ms - lag(ts_ms) OVER (PARTITION BY account_id ORDER BY ts_ms, event_id)
               AS DOUBLE) AS gap
        FROM ev) g
  WHERE gap IS NOT NULL GROUP BY account_id
),
hours AS (
  SELECT account_id, -sum((c / t) * ln(c / t)) / ln(24.0) AS hour_entropy
  FROM (SELECT account_id, hr, CAST(count(*) AS DOUBLE) AS c,
          CAST(sum(count(*)) OVER (PARTITION BY account_id) AS DOUBLE) AS t
        FROM ev GROUP BY account_id, hr) h
  GROUP BY account_id
),
topics AS (
  SELECT account_id, -sum((c / t) * ln(c / t)) / ln({len(TOPICS) + 1}.0) AS topic_entropy,
    max(c / t) AS top_topic_share
  FROM (SELECT account_id, topic, CAST(count(*) AS DOUBLE) AS c,
          CAST(sum(count(*)) OVER (PARTITION BY account_id) AS DOUBLE) AS t
        FROM ev WHERE topic IS NOT NULL GROUP BY account_id, topic) tp
  GROUP BY account_id
),
fps AS (
  SELECT account_id, max(c / t) AS param_uniformity
  FROM (SELECT account_id, pfp, CAST(count(*) AS DOUBLE) AS c,
          CAST(sum(count(*)) OVER (PARTITION BY account_id) AS DOUBLE) AS t
        FROM ev GROUP BY account_id, pfp) f
  GROUP BY account_id
)
SELECT b.*, g.gap_mean, g.gap_sd, h.hour_entropy, tp.topic_entropy, tp.top_topic_share,
  f.param_uniformity
FROM base b
LEFT JOIN gaps g ON b.account_id = g.account_id
LEFT JOIN hours h ON b.account_id = h.account_id
LEFT JOIN topics tp ON b.account_id = tp.account_id
LEFT JOIN fps f ON b.account_id = f.account_id
"""


def _skeleton_columns() -> list[str]:
    cols = []
    for n in SKELETON_LENGTHS:
        cols += [f"p{n}", f"s{n}"]
    return cols + ["sysk"]


def account_keys() -> str:
    """(account, kind, value, count, total) for linkage: wrappers reused within the
    account, and the infrastructure it was seen on."""
    parts = []
    for col in _skeleton_columns():
        parts.append(
            f"SELECT account_id, '{col}' AS kind, {col} AS value, count(*) AS c FROM ev "
            f"WHERE {col} IS NOT NULL GROUP BY account_id, {col}"
        )
    for col in ("ip", "ip_prefix", "asn", "ua", "pfp", "tools"):
        parts.append(
            f"SELECT account_id, '{col}' AS kind, {col} AS value, count(*) AS c FROM ev "
            f"WHERE {col} IS NOT NULL AND {col} <> '' GROUP BY account_id, {col}"
        )
    union = "\nUNION ALL\n".join(parts)
    skel_kinds = ", ".join(_lit(c) for c in _skeleton_columns())
    return f"""
SELECT k.account_id, k.kind, k.value, k.c, t.n AS total
FROM ({union}) k
JOIN (SELECT account_id, count(*) AS n FROM ev GROUP BY account_id) t
  ON k.account_id = t.account_id
WHERE k.kind NOT IN ({skel_kinds})
   OR (k.c >= {REUSE_MIN_COUNT} AND k.c >= {REUSE_MIN_SHARE} * t.n)
"""


def model_pivot() -> str:
    """Per account and newly released model: delay to first use and share of traffic moved."""
    return f"""
WITH rel AS (SELECT model, min(ts_ms) AS rel_ms, count(DISTINCT account_id) AS users
             FROM ev GROUP BY model),
st AS (SELECT min(ts_ms) AS s FROM ev),
newm AS (SELECT rel.model, rel.rel_ms FROM rel CROSS JOIN st
         WHERE rel.rel_ms > st.s + {NEW_MODEL_AFTER_MS} AND rel.users >= 3)
SELECT e.account_id, n.model,
  CAST(min(CASE WHEN e.model = n.model THEN e.ts_ms END) - n.rel_ms AS DOUBLE) AS delay_ms,
  avg(CASE WHEN e.model = n.model THEN 1.0E0 ELSE 0.0E0 END) AS share,
  count(*) AS n_window
FROM ev e JOIN newm n ON e.ts_ms >= n.rel_ms AND e.ts_ms < n.rel_ms + {PIVOT_WINDOW_MS}
GROUP BY e.account_id, n.model, n.rel_ms
"""


def activity() -> str:
    """Co-activity bins per account, for lockstep comparison of linked pairs."""
    return (
        f"SELECT account_id, CAST(floor(ts_ms / {ACTIVITY_BIN_MS}) AS BIGINT) AS bin, "
        "count(*) AS c FROM ev GROUP BY account_id, CAST(floor(ts_ms / "
        f"{ACTIVITY_BIN_MS}) AS BIGINT)"
    )


def daily() -> str:
    """Events per account and day, for the report's timeline."""
    return ("SELECT account_id, CAST(dy AS STRING) AS day, count(*) AS n FROM ev "
            "GROUP BY account_id, dy")


def totals(source: str = "events") -> str:
    """Raw row count (before de-duplication) and the de-duplicated count."""
    return (
        f"SELECT (SELECT count(*) FROM {source}) AS raw_rows, (SELECT count(*) FROM ev) AS events, "
        "(SELECT min(ts_ms) FROM ev) AS first_ms, (SELECT max(ts_ms) FROM ev) AS last_ms"
    )
