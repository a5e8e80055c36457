"""Simulated attestation trials: honest servers, servers that lie about their
site, and relays that forward challenges to a chip elsewhere, through the same
verifier (:func:`attest`) the real measurements go through.

The path model only ever adds delay to the fibre minimum, as real networks do:
RTT = 2 x distance x inflation / 200 km/ms + access delay + queueing jitter per
probe, inflation = 1 + Gamma(2, 0.3) (median about 1.5, the route's excess
over the great circle), access U(0.05, 1) ms, jitter Exp(0.3 ms), probes lost
with probability ``loss``; a landmark keeps the fastest valid answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from distillguard.diversion.attest import Attestation, AttestConfig, Measurement, attest
from distillguard.diversion.delaymodel import DelayModel, fit_delay_model
from distillguard.diversion.geo import destination, distance_km
from distillguard.diversion.landmarks import Landmark, load_landmarks, load_places

KINDS = ("honest", "liar", "delaying_liar", "relay")
# Where chips are diverted to in the cases, and where they claim to be.
TRUE_SITES = ("beijing", "shanghai", "shenzhen", "almaty", "ulaanbaatar")
CLAIMED_SITES = (
    "singapore",
    "kuala-lumpur",
    "johor-bahru",
    "batam",
    "bangkok",
    "jakarta",
    "hanoi",
    "ho-chi-minh-city",
    "dubai",
    "mumbai",
    "tokyo",
    "frankfurt",
    "ashburn",
)


@dataclass(frozen=True)
class PathModel:
    probes: int = 5
    loss: float = 0.02
    jitter_ms: float = 0.3

    def rtts(self, rng: np.random.Generator, d_km: float, extra_ms: float = 0.0) -> Measurement:
        inflation = 1.0 + rng.gamma(2.0, 0.3)
        base = 2.0 * d_km * inflation / 200.0 + rng.uniform(0.05, 1.0) + extra_ms
        samples = base + rng.exponential(self.jitter_ms, self.probes)
        kept = samples[rng.random(self.probes) >= self.loss]
        return Measurement("", tuple(float(x) for x in kept), self.probes - kept.size)


def _measure(
    rng: np.random.Generator,
    model: PathModel,
    landmarks: Sequence[Landmark],
    at: tuple[float, float],
    extra_ms: Sequence[float] | float = 0.0,
) -> list[Measurement]:
    d = distance_km(
        at[0], at[1], np.array([lm.lat for lm in landmarks]), np.array([lm.lon for lm in landmarks])
    )
    extras = np.broadcast_to(np.asarray(extra_ms, dtype=float), d.shape)
    out = []
    for lm, dk, ex in zip(landmarks, d, extras, strict=True):
        m = model.rtts(rng, float(dk), float(ex))
        out.append(Measurement(lm.id, m.rtts_ms, m.lost))
    return out


def _offset(rng: np.random.Generator, lat: float, lon: float, km: float) -> tuple[float, float]:
    la, lo = destination(lat, lon, np.array([rng.uniform(0, 360)]), np.array([km]))
    return float(la[0]), float(lo[0])


@dataclass(frozen=True)
class Trial:
    kind: str
    true_site: tuple[float, float]
    declared: tuple[float, float]
    result: Attestation
    nearest_rtt_ms: float
    offset_km: float  # honest: distance to the nearest landmark; liar/relay: true to declared
    added_ms: float = 0.0

    @property
    def error_km(self) -> float:
        if self.result.estimate is None:
            return float("nan")
        return float(distance_km(*self.true_site, *self.result.estimate))

    @property
    def centre_error_km(self) -> float:
        """Error of the region's centre (CBG's estimate), whatever estimator was used."""
        if self.result.region.empty:
            return float("nan")
        return float(distance_km(*self.true_site, *self.result.region.centroid()))


def run_trial(
    kind: str,
    rng: np.random.Generator,
    landmarks: Mapping[str, Landmark],
    places: Mapping[str, Landmark],
    cfg: AttestConfig,
    model: PathModel,
    delays: DelayModel | None = None,
) -> Trial:
    lms = list(landmarks.values())
    if kind == "honest":
        base = lms[int(rng.integers(len(lms)))]
        km = float(
            rng.choice(
                [rng.uniform(0, 100), rng.uniform(100, 500), rng.uniform(500, 1500)],
                p=[0.5, 0.3, 0.2],
            )
        )
        true = _offset(rng, base.lat, base.lon, km)
        declared = _offset(rng, *true, float(rng.uniform(0, 5)))  # the site's own extent
        ms = _measure(rng, model, lms, true)
        added = 0.0
    else:
        t = places[TRUE_SITES[int(rng.integers(len(TRUE_SITES)))]]
        s = places[CLAIMED_SITES[int(rng.integers(len(CLAIMED_SITES)))]]
        true, declared = (t.lat, t.lon), (s.lat, s.lon)
        if kind == "liar":  # answers from where it is, claims elsewhere
            ms = _measure(rng, model, lms, true)
            added = 0.0
        elif kind == "delaying_liar":  # pads each answer to look no closer than the claim
            d_claim = distance_km(
                *declared, np.array([lm.lat for lm in lms]), np.array([lm.lon for lm in lms])
            )
            d_true = distance_km(
                *true, np.array([lm.lat for lm in lms]), np.array([lm.lon for lm in lms])
            )
            pad = np.maximum(0.0, 2.0 * (d_claim - d_true) / 200.0 * 1.6)
            ms = _measure(rng, model, lms, true, [float(p) for p in pad])
            added = float(pad.mean())
        else:  # relay at the declared site forwarding to the chip: adds its leg's delay
            added = float(rng.uniform(20.0, 300.0))
            ms = _measure(rng, model, lms, declared, added)
    rtts = [m.rtt_ms for m in ms if m.rtt_ms is not None]
    near = float(
        distance_km(*true, np.array([lm.lat for lm in lms]), np.array([lm.lon for lm in lms])).min()
    )
    off = near if kind == "honest" else float(distance_km(*true, *declared))
    return Trial(
        kind,
        true,
        declared,
        attest(declared, ms, landmarks, cfg, delays),
        min(rtts) if rtts else float("nan"),
        off,
        added,
    )


def relay_curve(
    added_ms: Sequence[float], trials: int, seed: int, cfg: AttestConfig | None = None
) -> list[dict[str, Any]]:
    """Share of relays flagged (not consistent) per added delay."""
    cfg = cfg or AttestConfig()
    rng = np.random.default_rng(seed)
    landmarks = load_landmarks()
    lms = list(landmarks.values())
    model = PathModel()
    out = []
    for add in added_ms:
        flagged = suspected = 0
        for _ in range(trials):
            s = lms[int(rng.integers(len(lms)))]
            site = _offset(rng, s.lat, s.lon, float(rng.uniform(0, 100)))
            r = attest(site, _measure(rng, model, lms, site, add), landmarks, cfg)
            flagged += r.verdict != "consistent"
            suspected += r.relay_suspected
        out.append(
            {
                "added_ms": add,
                "trials": trials,
                "flagged": flagged / trials,
                "relay_suspected": suspected / trials,
            }
        )
    return out


def calibrate(targets: int, seed: int) -> DelayModel:
    """A delay model fitted on ``targets`` simulated servers at known places (each measured
    from every landmark), drawn as the honest trials are but from their own seed."""
    rng = np.random.default_rng(seed)
    lms = list(load_landmarks().values())
    lat, lon = np.array([lm.lat for lm in lms]), np.array([lm.lon for lm in lms])
    model = PathModel()
    pairs: list[tuple[float, float]] = []
    for _ in range(targets):
        base = lms[int(rng.integers(len(lms)))]
        km = float(rng.choice([rng.uniform(0, 100), rng.uniform(100, 500),
                               rng.uniform(500, 1500)], p=[0.5, 0.3, 0.2]))
        at = _offset(rng, base.lat, base.lon, km)
        dists = distance_km(at[0], at[1], lat, lon)
        for m, d in zip(_measure(rng, model, lms, at), dists, strict=True):
            if m.rtt_ms is not None:
                pairs.append((m.rtt_ms, float(d)))
    return fit_delay_model(pairs, {"source": "simulated targets (diversion.trials.calibrate)",
                                   "targets": targets, "seed": seed, "landmarks": len(lms)})


def run_trials(n: int, seed: int = 1, cfg: AttestConfig | None = None,
               delays: DelayModel | None = None) -> dict[str, Any]:
    """``n`` trials of each kind; the goal figures and the error-versus-RTT table.

    ``delays``: the delay model for the point estimate (calibrate it on another seed).
    """
    cfg = cfg or AttestConfig()
    rng = np.random.default_rng(seed)
    landmarks = load_landmarks()
    places = load_places()
    model = PathModel()
    by_kind: dict[str, list[Trial]] = {
        k: [run_trial(k, rng, landmarks, places, cfg, model, delays) for _ in range(n)]
        for k in KINDS
    }
    verdicts = {
        k: {
            v: sum(t.result.verdict == v for t in ts)
            for v in ("consistent", "impossible", "unverifiable")
        }
        for k, ts in by_kind.items()
    }
    honest = by_kind["honest"]
    bins = [(0, 1), (1, 2), (2, 5), (5, 10), (10, 20), (20, 1e9)]
    curve = []
    for lo, hi in bins:
        sel = [t for t in honest if lo <= t.nearest_rtt_ms < hi]
        if not sel:
            continue
        errs = np.array([t.error_km for t in sel])
        centre = np.array([t.centre_error_km for t in sel])
        radii = np.array([t.result.radius_km for t in sel if t.result.verdict != "impossible"])
        curve.append(
            {
                "nearest_rtt_ms": f"{lo}-{hi if hi < 1e9 else 'inf'}",
                "trials": len(sel),
                "median_error_km": round(float(np.nanmedian(errs)), 1),
                "p90_error_km": round(float(np.nanpercentile(errs, 90)), 1),
                "median_centre_error_km": round(float(np.nanmedian(centre)), 1),
                "median_region_radius_km": round(float(np.median(radii)), 1)
                if radii.size
                else None,
                "consistent": round(
                    sum(t.result.verdict == "consistent" for t in sel) / len(sel), 3
                ),
            }
        )
    relays = by_kind["relay"]
    errs_all = np.array([t.error_km for t in honest])
    return {
        "trials_per_kind": n,
        "seed": seed,
        "config": dict(cfg.__dict__),
        "estimator": "region centre (CBG)" if delays is None else
        f"delay-model posterior mean ({delays.observations} calibration pairs, "
        f"{delays.provenance})",
        "landmarks": len(landmarks),
        "verdicts": verdicts,
        "honest_impossible": verdicts["honest"]["impossible"],
        "honest_median_error_km": round(float(np.nanmedian(errs_all)), 1),
        "honest_p90_error_km": round(float(np.nanpercentile(errs_all, 90)), 1),
        "honest_median_centre_error_km": round(
            float(np.nanmedian([t.centre_error_km for t in honest])), 1),
        "honest_relay_suspected": sum(t.result.relay_suspected for t in honest) / n,
        "relay_flagged": sum(t.result.verdict != "consistent" for t in relays) / len(relays),
        "relay_suspected": sum(t.result.relay_suspected for t in relays) / len(relays),
        "liar_rejected": sum(t.result.verdict != "consistent" for t in by_kind["liar"]) / n,
        "delaying_liar_rejected": sum(
            t.result.verdict != "consistent" for t in by_kind["delaying_liar"]
        )
        / n,
        "error_vs_rtt": curve,
    }
