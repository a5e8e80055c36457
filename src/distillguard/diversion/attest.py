"""Location attestation from round-trip times: is a server where it says it is?

Landmarks at known places time signed, nonce-bound challenges to the server's
agent. Light in fibre covers about 200 km per ms one way, so a round trip of
``r`` ms (less the landmark's own measured overhead ``floor_ms``) bounds the
distance by ``(r - floor) * 200 / 2`` km. Only these upper bounds are trusted: a
prover can add delay, never remove it, so the true position always satisfies
every bound and lies in their intersection (the feasible region).

Verdicts for a declared site S:

- **impossible**: S is farther from some landmark than that landmark's bound
  allows (by more than ``tolerance_km``), or no point satisfies all bounds: the
  answers came too fast for a chip at S.
- **consistent**: S satisfies every bound and the whole region lies within
  ``radius_km`` of S, so the chip is within ``radius_km`` of S whatever delay
  anyone added.
- **unverifiable**: too few landmarks answered, or the region reaches beyond
  ``radius_km``: the data allow S but do not pin the chip near it. A relay that
  forwards challenges to a chip elsewhere lands here: it adds at least its own
  leg's delay to every path, which grows every bound by 100 km per ms, so the
  region holds a disc of 100 x delay km around S. When every landmark's RTT
  exceeds the minimum for S by ``relay_excess_ms`` or more, the reasons say a
  relay is suspected and by how much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distillguard.diversion.delaymodel import DelayModel
from distillguard.diversion.geo import Region, distance_km, feasible_region
from distillguard.diversion.landmarks import Landmark

VERDICTS = ("consistent", "impossible", "unverifiable")


@dataclass(frozen=True)
class AttestConfig:
    """The physics and the policy of an attestation."""

    fibre_km_per_ms: float = 200.0  # one way; c in vacuum is 299.8 (see docs on radio links)
    floor_ms: float = 0.0  # the landmark's own measured overhead, subtracted from every RTT
    radius_km: float = 500.0  # attest only when the whole region is this close to the site
    tolerance_km: float = 10.0  # slack for the declared site's own extent
    min_landmarks: int = 3
    relay_excess_ms: float = 10.0


@dataclass(frozen=True)
class Measurement:
    """What one landmark saw: the RTTs of its valid answers, and what it dropped."""

    landmark: str
    rtts_ms: tuple[float, ...]
    lost: int = 0
    invalid: int = 0  # wrong MAC, wrong nonce, late or malformed

    @property
    def rtt_ms(self) -> float | None:
        return min(self.rtts_ms) if self.rtts_ms else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "landmark": self.landmark,
            "rtts_ms": [round(r, 4) for r in self.rtts_ms],
            "lost": self.lost,
            "invalid": self.invalid,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Measurement:
        return cls(
            str(d["landmark"]),
            tuple(float(r) for r in d.get("rtts_ms") or ()),
            int(d.get("lost") or 0),
            int(d.get("invalid") or 0),
        )


@dataclass(frozen=True)
class Constraint:
    landmark: Landmark
    rtt_ms: float
    bound_km: float
    site_km: float  # distance from the declared site
    excess_ms: float  # RTT above the fastest possible from the declared site

    def to_dict(self) -> dict[str, Any]:
        return {
            "landmark": self.landmark.id,
            "rtt_ms": round(self.rtt_ms, 3),
            "bound_km": round(self.bound_km, 1),
            "site_km": round(self.site_km, 1),
            "excess_ms": round(self.excess_ms, 3),
        }


@dataclass(frozen=True)
class Attestation:
    verdict: str
    declared: tuple[float, float]
    reasons: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    region: Region
    radius_km: float  # farthest feasible point from the declared site (upper bound)
    estimate: tuple[float, float] | None  # region centre, or the delay model's posterior mean
    relay_suspected: bool
    min_excess_ms: float | None
    config: AttestConfig = field(default_factory=AttestConfig)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "declared": {"lat": self.declared[0], "lon": self.declared[1]},
            "reasons": list(self.reasons),
            "region_radius_km": round(self.radius_km, 1),
            "estimate": None
            if self.estimate is None
            else {"lat": round(self.estimate[0], 4), "lon": round(self.estimate[1], 4)},
            "relay_suspected": self.relay_suspected,
            "min_excess_ms": None if self.min_excess_ms is None else round(self.min_excess_ms, 3),
            "constraints": [c.to_dict() for c in self.constraints],
            "config": dict(self.config.__dict__),
        }


def attest(
    declared: tuple[float, float],
    measurements: Sequence[Measurement],
    landmarks: Mapping[str, Landmark],
    cfg: AttestConfig | None = None,
    model: DelayModel | None = None,
) -> Attestation:
    """The verdict for a server declared at ``declared`` (lat, lon).

    ``model``: a calibrated delay model for the point estimate (the verdict never
    depends on it); without one the estimate is the region's centre (CBG).
    """
    cfg = cfg or AttestConfig()
    lat, lon = declared
    km_per_rtt_ms = cfg.fibre_km_per_ms / 2.0
    cons: list[Constraint] = []
    for m in measurements:
        rtt = m.rtt_ms
        lm = landmarks.get(m.landmark)
        if rtt is None or lm is None:
            continue
        d = float(distance_km(lat, lon, lm.lat, lm.lon))
        bound = max(0.0, rtt - cfg.floor_ms) * km_per_rtt_ms
        excess = rtt - (d / km_per_rtt_ms + cfg.floor_ms)
        cons.append(Constraint(lm, rtt, bound, d, excess))
    reasons: list[str] = []
    unknown = sorted({m.landmark for m in measurements} - set(landmarks))
    if unknown:
        reasons.append(f"unknown landmarks ignored: {', '.join(unknown)}")
    region = feasible_region(
        [c.landmark.lat for c in cons], [c.landmark.lon for c in cons], [c.bound_km for c in cons]
    )
    min_excess = min((c.excess_ms for c in cons), default=None)
    relay = min_excess is not None and min_excess >= cfg.relay_excess_ms and len(cons) > 0

    def done(verdict: str, radius: float = 0.0) -> Attestation:
        if region.empty:
            estimate = None
        elif model is not None:
            estimate = model.estimate(
                region, [(c.landmark.lat, c.landmark.lon, c.rtt_ms - cfg.floor_ms) for c in cons])
        else:
            estimate = region.centroid()
        return Attestation(
            verdict,
            declared,
            tuple(reasons),
            tuple(cons),
            region,
            radius,
            estimate,
            relay,
            min_excess,
            cfg,
        )

    violated = [c for c in cons if c.site_km - c.bound_km > cfg.tolerance_km]
    if violated:
        for c in sorted(violated, key=lambda c: c.bound_km - c.site_km)[:3]:
            reasons.append(
                f"{c.landmark.id} answered in {c.rtt_ms:.2f} ms: the server is at most "
                f"{c.bound_km:,.0f} km from it, but the declared site is {c.site_km:,.0f} km away"
            )
        return done("impossible")
    if len(cons) < cfg.min_landmarks:
        reasons.append(
            f"only {len(cons)} landmark(s) answered with a valid signature; "
            f"{cfg.min_landmarks} needed"
        )
        return done("unverifiable")
    if region.empty:
        reasons.append("no place on Earth satisfies every landmark's bound")
        return done("impossible")
    radius = max(region.farthest_from(lat, lon), cfg.tolerance_km)
    tight = sorted(cons, key=lambda c: c.bound_km)[:3]
    tight_txt = ", ".join(f"{c.landmark.id} <= {c.bound_km:,.0f} km" for c in tight)
    if radius <= cfg.radius_km:
        reasons.append(
            f"every bound holds and the whole feasible region lies within {radius:,.0f} km "
            f"of the declared site (limit {cfg.radius_km:,.0f} km; tightest: {tight_txt})"
        )
        return done("consistent", radius)
    reasons.append(
        f"the declared site satisfies every bound, but the feasible region reaches "
        f"{radius:,.0f} km from it (limit {cfg.radius_km:,.0f} km; tightest: {tight_txt})"
    )
    if relay and min_excess is not None:
        reasons.append(
            f"relay suspected: every landmark's RTT exceeds the fastest possible from the "
            f"declared site by at least {min_excess:.1f} ms (a relay leg of >= "
            f"{min_excess * km_per_rtt_ms:,.0f} km of fibre, or added delay)"
        )
    return done("unverifiable", radius)


def min_rtt_ms(site_km: float | np.ndarray, cfg: AttestConfig) -> float | np.ndarray:
    """The fastest RTT a server ``site_km`` from a landmark can answer in."""
    return np.asarray(site_km) / (cfg.fibre_km_per_ms / 2.0) + cfg.floor_ms
