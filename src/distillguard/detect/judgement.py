"""The hunt's judgement and its rows, as typed objects between detect, its outputs and
the report (no dictionaries of loosely named keys between layers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from distillguard.detect.campaigns import Cluster
from distillguard.detect.scoring import Scored
from distillguard.graph import Edges
from distillguard.schema import Account


@dataclass(frozen=True)
class AccountRow:
    """One row of ``accounts.csv`` (the output contract)."""

    account_id: str
    risk: float
    verdict: str
    cluster_id: str
    reasons: str


@dataclass(frozen=True)
class CampaignRow:
    """One row of ``clusters.csv`` and its members."""

    cluster_id: str
    size: int
    risk: float
    first_seen: str
    last_seen: str
    evidence: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Judgement:
    """Every account scored: values, both passes, verdicts, the graph and its groups."""

    universe: list[str]
    accounts: list[Account | None]
    agg: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    base: Scored
    final: Scored
    verdicts: list[str]
    labels: np.ndarray
    clusters: list[Cluster]
    edges: Edges
    peers: np.ndarray
    linked_on: list[str]
    delay_h: np.ndarray
    daily: pa.Table
    summary: dict[str, Any]


@dataclass(frozen=True)
class HuntOutputs:
    """What the hunt writes: the account rows (by risk), their evidence, the campaigns."""

    rows: list[AccountRow]
    evidence: list[dict[str, Any]]
    campaigns: list[CampaignRow]
