"""Where in the feasible region is the server? A delay model calibrated on known places.

The verdicts of :func:`~distillguard.diversion.attest.attest` rest on physics
alone (upper bounds). The *point estimate* may use more: how far a server
usually is, given its RTT, learnt from measurements to targets whose positions
are known (the landmarks' own mesh, enrolled sites; Spotter and CBG calibrate
the same way). What is learnt is the distribution of ``q = distance / (100 km x
RTT)`` (1 at the speed of light in fibre, less for real routes and access
delay) in bands of RTT, as a smoothed histogram. The estimate is the posterior
mean, on the sphere, over the sampled feasible region: each point weighed by
the product over landmarks of the density of the distance it implies.

Nothing here can change a verdict: a region point the bounds exclude is never
sampled, and a model fitted on other paths only moves the estimate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from distillguard.diversion.geo import Region, distance_km, unit_vectors
from distillguard.schema.errors import InputError

# RTT bands (ms): access delay dominates short paths, route inflation long ones.
RTT_EDGES: Final = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0,
                    48.0, 64.0, 96.0, 128.0)
Q_BINS: Final = 40
PRIOR_COUNT: Final = 0.5  # per histogram cell: no distance is ever ruled out by the model
KM_PER_RTT_MS: Final = 100.0  # 200 km/ms one way in fibre


@dataclass(frozen=True)
class DelayModel:
    """Log density of ``q`` per RTT band (rows) and q bin (columns)."""

    rtt_edges: tuple[float, ...]
    log_density: tuple[tuple[float, ...], ...]
    observations: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def _table(self) -> np.ndarray:
        return np.asarray(self.log_density, dtype=np.float64)

    def log_likelihood(self, rtt_ms: float, dist_km: np.ndarray) -> np.ndarray:
        """log p(distance | RTT) at each distance (density in km)."""
        scale = KM_PER_RTT_MS * max(rtt_ms, 1e-6)
        q = np.clip(np.asarray(dist_km) / scale, 0.0, 1.0)
        band = min(len(self.rtt_edges) - 1, int(np.searchsorted(self.rtt_edges, rtt_ms,
                                                                  side="right")) - 1)
        cols = np.minimum(Q_BINS - 1, (q * Q_BINS).astype(int))
        return np.asarray(self._table()[max(band, 0), cols] - math.log(scale))

    def estimate(self, region: Region, landmarks: Sequence[tuple[float, float, float]]
                 ) -> tuple[float, float] | None:
        """Posterior mean over the region; ``landmarks``: (lat, lon, fastest RTT ms)."""
        if region.empty:
            return None
        ll = np.zeros(region.lat.size)
        for lat, lon, rtt in landmarks:
            ll += self.log_likelihood(rtt, distance_km(region.lat, region.lon, lat, lon))
        w = np.exp(ll - ll.max())
        v = (unit_vectors(region.lat, region.lon) * w[:, None]).sum(axis=0)
        return (float(np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1])))),
                float(np.degrees(np.arctan2(v[1], v[0]))))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "distillguard-delay-model", "version": 1,
                "rtt_edges_ms": list(self.rtt_edges), "q_bins": Q_BINS,
                "log_density": [[round(x, 6) for x in row] for row in self.log_density],
                "observations": self.observations, "provenance": self.provenance}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


def fit_delay_model(pairs: Iterable[tuple[float, float]],
                    provenance: dict[str, Any] | None = None) -> DelayModel:
    """Fit from (fastest RTT ms, true distance km) pairs of targets at known places."""
    counts = np.full((len(RTT_EDGES), Q_BINS), PRIOR_COUNT)
    n = 0
    for rtt, dist in pairs:
        if not (math.isfinite(rtt) and math.isfinite(dist)) or rtt <= 0 or dist < 0:
            continue
        band = int(np.searchsorted(RTT_EDGES, rtt, side="right")) - 1
        q = min(1.0, dist / (KM_PER_RTT_MS * rtt))
        counts[band, min(Q_BINS - 1, int(q * Q_BINS))] += 1
        n += 1
    if n == 0:
        raise InputError("delay model: no usable (RTT, distance) pair to calibrate on")
    density = counts / counts.sum(axis=1, keepdims=True) * Q_BINS
    return DelayModel(RTT_EDGES, tuple(tuple(float(x) for x in row) for row in np.log(density)),
                      n, dict(provenance or {}))


def load_delay_model(path: str | Path) -> DelayModel:
    """A model written by :meth:`DelayModel.save`; errors name the file and field."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{p}: not a readable delay model ({exc})",
                         details={"source": str(p)}) from exc
    if not isinstance(doc, dict) or doc.get("kind") != "distillguard-delay-model":
        raise InputError(f"{p}: field 'kind' must be 'distillguard-delay-model'",
                         details={"source": str(p), "field": "kind"})
    try:
        edges = tuple(float(x) for x in doc["rtt_edges_ms"])
        table = tuple(tuple(float(x) for x in row) for row in doc["log_density"])
        observations = int(doc["observations"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{p}: field {exc} missing or not numeric",
                         details={"source": str(p)}) from exc
    if len(table) != len(edges) or any(len(row) != Q_BINS for row in table):
        raise InputError(f"{p}: field 'log_density' must be {len(edges)} rows of {Q_BINS}",
                         details={"source": str(p), "field": "log_density"})
    return DelayModel(edges, table, observations, dict(doc.get("provenance") or {}))
