"""Every ``DISTILLGUARD_*`` setting, declared once, read once, passed down.

Add a setting by adding a field here with ``_setting(...)``: its environment
variable name is derived from the field name, its help text is what the docs
must show (``tests/test_docs.py`` fails when a setting is undocumented), and
``Settings.from_env`` is the only place the environment is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from distillguard.schema.errors import ConfigError

PREFIX = "DISTILLGUARD_"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


def _user_data_dir() -> Path:
    # one place per user whatever the working directory (was ./var, which scattered key
    # stores and exchange logs over every directory a command ran in)
    try:
        return Path.home() / ".local" / "share" / "distillguard"
    except RuntimeError:  # no home directory to be found
        return Path("/var/lib/distillguard")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        _user_data_dir(), "Where distillguard keeps state it owns (the gateway's key store and "
        "exchange log, the screening store, caches); default ~/.local/share/distillguard, or "
        "$XDG_DATA_HOME/distillguard when XDG_DATA_HOME is set."
    )
    database_url: str = _setting(
        "", "SQLAlchemy-style URL of the relational store: sqlite:///path (default, under "
        "DATA_DIR) or postgresql://user@host:port/db for production."
    )
    redis_url: str = _setting(
        "redis://127.0.0.1:6379/0", "Redis used for shared gateway state across replicas."
    )
    redis_timeout_s: float = _setting(
        0.5, "Seconds a Redis connect or command may take before the store counts as down "
        "(online state: GATEWAY_FAIL_MODE applies; the exchange stream and the link book: "
        "logged and carried on). Short, so a request never waits long on a sick store."
    )
    engine: str = _setting("duckdb", "Batch engine for the hunt: duckdb (embedded) or spark.")
    spark_master: str = _setting("local[2]", "Spark master URL when ENGINE=spark.")
    duckdb_memory_limit: str = _setting(
        "2GB", "Memory the hunt's DuckDB queries may hold before spilling to OUT/work/duckdb "
        "(DuckDB size syntax, e.g. 2GB; empty means DuckDB's default of 80% of RAM)."
    )
    corpus_dir: str = _setting(
        "", "Directory of extra text corpora for the simulator (for example ../shared/data); "
        "empty means only the corpora shipped with the package."
    )
    log_level: str = _setting("INFO", "Log level for structured logs.")
    hunt_config: str = _setting(
        "", "The hunt's scoring model: a model.json from `hunt train`, or a YAML file "
        "overriding the shipped model's weights and thresholds."
    )
    hunt_decisions: str = _setting(
        "", "Analysts' decisions (labels.csv: account_id,label,campaign, as `console labels` "
        "writes it) that override the hunt's verdicts on every run, the continuous hunt's "
        "included."
    )
    gateway_upstream_url: str = _setting(
        "http://127.0.0.1:8000", "Base URL of the OpenAI- or Anthropic-compatible upstream."
    )
    gateway_upstream_api_key: str = _setting("", "API key the gateway sends upstream.")
    gateway_policy: str = _setting("", "Policy YAML for the gateway; empty means built-in default.")
    gateway_state: str = _setting(
        "memory", "Where online state lives: memory (one process) or redis (several replicas)."
    )
    gateway_fail_mode: str = _setting(
        "open", "What the gateway does when its state store is down: open or closed."
    )
    gateway_max_body_bytes: int = _setting(8 * 1024 * 1024, "Largest request body accepted.")
    gateway_upstream_timeout_s: float = _setting(120.0, "Upstream request timeout in seconds.")
    gateway_fsync: str = _setting(
        "always", "Exchange-log durability: always (fsync before answering), batch or never."
    )
    gateway_admin_token: str = _setting(
        "", "Bearer token for the gateway's /admin endpoints (reload, status); empty disables them."
    )
    gateway_log_stream: str = _setting(
        "", "Redis stream (at REDIS_URL) that also receives every exchange event before the "
        "answer is released, for replicas shipping logs centrally; empty disables it."
    )
    gateway_book: str = _setting(
        "", "Where the gateway follows a continuous hunt's verdicts and campaign linkage keys "
        "(distillguard watch): redis (at REDIS_URL) or empty for none."
    )
    gateway_book_prefix: str = _setting(
        "", "Prefix of the Redis keys of the published book, the linked accounts and the "
        "hand-off map (several deployments on one Redis)."
    )
    gateway_book_poll_s: float = _setting(
        1.0, "How often a replica checks the published book's version (seconds)."
    )
    gateway_link_quiet_requests: int = _setting(
        10, "An account with at most this many requests seen online is new or quiet: a "
        "request of it that links to a known campaign gets the campaign's verdict."
    )
    gateway_handoff_ttl_s: float = _setting(
        120.0, "How long a refused conversation is remembered: the same conversation from "
        "another account (of another org) within this time is refused and linked."
    )
    watch_interval_s: float = _setting(
        300.0, "Seconds between the continuous hunt's cycles (distillguard watch)."
    )
    watch_window: str = _setting(
        "7d", "The rolling window of the exchange log each watch cycle hunts (e.g. 36h, 7d)."
    )
    watch_block_hold: str = _setting(
        "7d", "How long a block the continuous hunt issued holds although later cycles no "
        "longer block the account (verdicts on a young window fluctuate; an operation must "
        "not get back in on a quieter day). An analyst lifts a block early (e.g. 0s: none)."
    )
    intel_community: str = _setting("default", "Sharing community name for intel exports.")
    intel_community_key: str = _setting(
        "", "Secret HMAC key of the sharing community (hex or text); required to export or match."
    )
    intel_key_id: str = _setting("k1", "Identifier of the community key, carried in bundles.")
    intel_previous_keys: str = _setting(
        "", "Previous community keys still accepted when matching, as kid:secret pairs "
        "separated by commas (key rotation)."
    )
    screen_lists_dir: str = _setting(
        "", "Directory holding the restricted-party entity store; empty means DATA_DIR/screen."
    )
    screen_config: str = _setting(
        "", "YAML overriding screening thresholds, ownership-rule dates and jurisdiction rules."
    )
    ingest_max_line_bytes: int = _setting(
        16 * 1024 * 1024, "Longest JSONL line ingest accepts; longer lines are quarantined."
    )
    ingest_compression: str = _setting(
        "zstd", "Parquet codec ingest writes: zstd (smallest files), snappy, lz4 or none."
    )
    ingest_engine: str = _setting(
        "auto", "How ingest converts canonical JSONL: auto (native where built), native (the C "
        "scanner), blocks (pure Python) or records (a record at a time); same output."
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = PREFIX + f.name.upper()
            if name not in env:
                continue
            raw = env[name]
            default = f.default if f.default is not MISSING else None
            try:
                if isinstance(default, bool):
                    values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
                elif isinstance(default, int):
                    values[f.name] = int(raw)
                elif isinstance(default, float):
                    values[f.name] = float(raw)
                elif isinstance(default, Path):
                    values[f.name] = Path(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ConfigError(f"{name}={raw!r}: {exc}", details={"setting": name}) from exc
        if "data_dir" not in values and env.get("XDG_DATA_HOME"):
            values["data_dir"] = Path(env["XDG_DATA_HOME"]) / "distillguard"
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        choices = {
            "engine": ("duckdb", "spark"),
            "gateway_state": ("memory", "redis"),
            "gateway_fail_mode": ("open", "closed"),
            "gateway_fsync": ("always", "batch", "never"),
            "gateway_book": ("", "redis"),
            "ingest_compression": ("zstd", "snappy", "lz4", "none"),
            "ingest_engine": ("auto", "native", "blocks", "records"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(
                    f"{PREFIX}{name.upper()} must be one of {allowed}, got {getattr(self, name)!r}",
                    details={"setting": PREFIX + name.upper()},
                )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'distillguard.db'}"

    def with_overrides(self, **kwargs: Any) -> Settings:
        return replace(self, **kwargs)


def setting_names() -> list[tuple[str, str]]:
    """(environment variable, help) for every setting: what the docs must list."""
    return [(PREFIX + f.name.upper(), f.metadata["help"]) for f in fields(Settings)]
