"""Simulated location certificates: how close the certified location is to the
truth, and which decoy sites the same timings reject.

Each trial places an honest chip as :mod:`diversion.trials` does (0-1,500 km from
a random landmark city, declared to within 5 km), measures it from every landmark
through the same path model (paths only ever add delay), and certifies the
declared site with eleven decoys at fixed distances from it (25 km to 4,000 km,
random bearings): eleven because the published certificate was checked against
eleven decoy sites, fixed rings so that rejection can be read against distance.

Two ways of claiming a decoy are simulated:

- the chip answers from where it is and its owner claims the decoy (the decoy's
  verdict under the honest measurements);
- a relay at the decoy forwards every challenge to the chip: the landmarks measure
  the decoy plus the relay leg's delay, the fastest the leg can be (its fibre
  round trip with the same route inflation, plus U(0.05, 1) ms of forwarding).

``extra_probes``: landmarks added around each chip, uniform over the area within
``probe_radius_km``, standing in for a dense public mesh such as the paper's 169
RIPE Atlas probes. Their positions are simulated, not the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from distillguard.diversion.attest import AttestConfig, attest
from distillguard.diversion.certificate import Certificate, Decoy, certify
from distillguard.diversion.delaymodel import DelayModel
from distillguard.diversion.geo import destination, distance_km
from distillguard.diversion.landmarks import Landmark, load_landmarks
from distillguard.diversion.trials import PathModel, _measure, _offset

DECOY_RINGS_KM = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 500.0, 1000.0, 2000.0, 4000.0)


@dataclass(frozen=True)
class CertTrial:
    true_site: tuple[float, float]
    certificate: Certificate
    relay_verdicts: tuple[str, ...]  # per ring: a relay at the decoy forwarding to the chip
    relay_sound: tuple[bool, ...]  # per ring: the chip lies within what the relay got certified

    @property
    def error_km(self) -> float:
        est = self.certificate.attestation.estimate
        return float("nan") if est is None else float(distance_km(*self.true_site, *est))

    @property
    def sound(self) -> bool:
        """An issued certificate's radius holds the true chip (always, if physics holds)."""
        r = self.certificate.certified_radius_km
        if r is None:
            return True
        return float(distance_km(*self.true_site, *self.certificate.attestation.declared)) <= r


def _probes(rng: np.random.Generator, at: tuple[float, float], n: int,
            radius_km: float) -> list[Landmark]:
    km = radius_km * np.sqrt(rng.random(n))  # uniform over the disc's area
    lat, lon = destination(at[0], at[1], rng.uniform(0.0, 360.0, n), km)
    return [Landmark(f"probe-{i}", "", "", float(a), float(o), role="landmark")
            for i, (a, o) in enumerate(zip(lat, lon, strict=True))]


def run_one(rng: np.random.Generator, shipped: list[Landmark], cfg: AttestConfig,
            model: PathModel, delays: DelayModel | None, extra_probes: int,
            probe_radius_km: float) -> CertTrial:
    base = shipped[int(rng.integers(len(shipped)))]
    km = float(rng.choice([rng.uniform(0, 100), rng.uniform(100, 500), rng.uniform(500, 1500)],
                          p=[0.5, 0.3, 0.2]))
    true = _offset(rng, base.lat, base.lon, km)
    declared = _offset(rng, *true, float(rng.uniform(0, 5)))
    lms = shipped + (_probes(rng, true, extra_probes, probe_radius_km) if extra_probes else [])
    landmarks = {lm.id: lm for lm in lms}
    decoys = [Decoy(f"decoy-{int(k)}km", *_offset(rng, *declared, k)) for k in DECOY_RINGS_KM]
    cert = certify("simulated", declared, _measure(rng, model, lms, true), landmarks, decoys,
                   cfg, delays)
    verdicts, sound = [], []
    for d in decoys:
        leg = float(distance_km(d.lat, d.lon, *true))
        extra = 2.0 * leg * (1.0 + rng.gamma(2.0, 0.3)) / 200.0 + rng.uniform(0.05, 1.0)
        r = attest((d.lat, d.lon), _measure(rng, model, lms, (d.lat, d.lon), extra), landmarks,
                   cfg)
        verdicts.append(r.verdict)
        sound.append(r.verdict != "consistent" or leg <= r.radius_km)
    return CertTrial(true, cert, tuple(verdicts), tuple(sound))


def _q(x: np.ndarray, p: float) -> float | None:
    x = x[np.isfinite(x)]
    return round(float(np.percentile(x, p)), 1) if x.size else None


def run_certificate_trials(n: int, seed: int, delays: DelayModel | None = None,
                           cfg: AttestConfig | None = None, extra_probes: int = 0,
                           probe_radius_km: float = 1000.0) -> dict[str, Any]:
    """``n`` honest chips certified against eleven decoys each; the summary figures."""
    cfg = cfg or AttestConfig()
    rng = np.random.default_rng(seed)
    shipped = list(load_landmarks().values())
    model = PathModel()
    trials = [run_one(rng, shipped, cfg, model, delays, extra_probes, probe_radius_km)
              for _ in range(n)]
    issued = [t for t in trials if t.certificate.issued]
    err_all = np.array([t.error_km for t in trials])
    err_iss = np.array([t.error_km for t in issued])
    radii = np.array([t.certificate.certified_radius_km for t in issued], dtype=float)
    rings = []
    for i, k in enumerate(DECOY_RINGS_KM):
        checks = [t.certificate.decoys[i] for t in trials]
        rings.append({
            "decoy_km": k,
            "claim_rejected": round(sum(c.rejected for c in checks) / n, 3),
            "claim_ruled_out": round(sum(c.ruled_out for c in checks) / n, 3),
            "relay_rejected": round(sum(t.relay_verdicts[i] != "consistent" for t in trials) / n,
                                    3),
            "relay_certified_sound": round(sum(t.relay_sound[i] for t in trials) / n, 3),
        })
    return {
        "trials": n,
        "seed": seed,
        "landmarks": f"{len(shipped)} shipped" + (
            f" + {extra_probes} simulated probes within {probe_radius_km:,.0f} km of each chip"
            if extra_probes else ""),
        "config": dict(cfg.__dict__),
        "estimator": "region centre (CBG)" if delays is None else
        f"delay-model posterior mean ({delays.observations} calibration pairs, "
        f"{delays.provenance})",
        "issued": len(issued),
        "honest_impossible": sum(t.certificate.attestation.verdict == "impossible"
                                 for t in trials),
        "median_error_km": _q(err_all, 50),
        "p95_error_km": _q(err_all, 95),
        "issued_median_error_km": _q(err_iss, 50),
        "issued_p95_error_km": _q(err_iss, 95),
        "issued_median_radius_km": _q(radii, 50),
        "issued_p95_radius_km": _q(radii, 95),
        "issued_unsound": sum(not t.sound for t in issued),
        # Every decoy outside the certified radius must be excluded by physics: a
        # consistency check of the geometry, not a tunable figure.
        "issued_decoys_beyond_radius_ruled_out": round(
            sum(all(c.ruled_out for c in t.certificate.decoys
                    if c.km_from_declared > (t.certificate.certified_radius_km or 0.0)
                    + cfg.tolerance_km)
                for t in issued) / max(1, len(issued)), 3),
        "relay_certified_unsound": sum(not s for t in trials for s in t.relay_sound),
        "decoys": rings,
    }
