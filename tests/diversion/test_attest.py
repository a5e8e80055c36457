"""The verifier's maths: distances, the feasible region (always holding the
true position), and the three verdicts with their reasons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.diversion.attest import AttestConfig, Measurement, attest, min_rtt_ms
from distillguard.diversion.geo import destination, distance_km, feasible_region
from distillguard.diversion.landmarks import load_landmarks, load_places, parse_site
from distillguard.schema.errors import InputError

LM = load_landmarks()
PLACES = load_places()


def _honest(site: tuple[float, float], ids: list[str], inflation: float = 1.4,
            extra_ms: float = 0.3) -> list[Measurement]:
    out = []
    for i in ids:
        d = float(distance_km(*site, LM[i].lat, LM[i].lon))
        out.append(Measurement(i, (2 * d * inflation / 200 + extra_ms,)))
    return out


def test_distance_and_destination_agree() -> None:
    d = float(distance_km(51.5074, -0.1278, 48.8566, 2.3522))  # London - Paris
    assert 340 < d < 346
    la, lo = destination(10.0, 170.0, np.array([90.0]), np.array([1500.0]))
    assert abs(float(distance_km(10.0, 170.0, la[0], lo[0])) - 1500.0) < 0.01
    assert -180 <= lo[0] <= 180  # wrapped across the antimeridian


@given(
    st.floats(-60, 60), st.floats(-179, 179),
    st.lists(st.tuples(st.floats(-70, 70), st.floats(-180, 180), st.floats(1.0, 3.0),
                       st.floats(0, 300)), min_size=1, max_size=6),
)
def test_region_always_holds_the_true_position(
    lat: float, lon: float, lms: list[tuple[float, float, float, float]]
) -> None:
    bounds = [float(distance_km(lat, lon, a, b)) * k + extra for a, b, k, extra in lms]
    r = feasible_region([a for a, *_ in lms], [b for _, b, *_ in lms], bounds)
    assert not r.empty
    nearest = float(distance_km(lat, lon, r.lat, r.lon).min())
    assert nearest <= r.step_km + 1e-6


def test_honest_site_near_landmarks_is_consistent() -> None:
    site = parse_site("singapore", PLACES)
    r = attest(site, _honest(site, ["singapore", "kuala-lumpur", "jakarta", "bangkok"]), LM)
    assert r.verdict == "consistent" and r.radius_km <= 500
    assert "within" in r.reasons[0] and not r.relay_suspected
    assert r.estimate is not None and float(distance_km(*site, *r.estimate)) < 100


def test_answers_too_fast_for_the_claim_are_impossible() -> None:
    true = parse_site("shenzhen", PLACES)
    claim = parse_site("singapore", PLACES)
    r = attest(claim, _honest(true, ["hong-kong", "taipei", "singapore", "manila"]), LM)
    assert r.verdict == "impossible"
    assert r.reasons[0].startswith("hong-kong answered in")


def test_relay_is_unverifiable_and_suspected() -> None:
    site = parse_site("frankfurt", PLACES)
    ms = [Measurement(m.landmark, tuple(x + 20.0 for x in m.rtts_ms))
          for m in _honest(site, ["frankfurt", "amsterdam", "paris", "zurich", "london"])]
    r = attest(site, ms, LM)
    assert r.verdict == "unverifiable" and r.relay_suspected
    assert r.radius_km >= 2000 * 0.95
    assert any(x.startswith("relay suspected") for x in r.reasons)


def test_too_few_landmarks_is_unverifiable_and_unknown_ones_are_named() -> None:
    site = parse_site("tokyo", PLACES)
    ms = [*_honest(site, ["tokyo", "osaka"]), Measurement("atlantis", (1.0,)),
          Measurement("seoul", (), lost=10)]
    r = attest(site, ms, LM)
    assert r.verdict == "unverifiable"
    assert "unknown landmarks ignored: atlantis" in r.reasons
    assert "only 2 landmark(s)" in r.reasons[-1]


def test_floor_and_speed_are_applied() -> None:
    cfg = AttestConfig(floor_ms=1.0, fibre_km_per_ms=300.0)
    assert float(min_rtt_ms(300.0, cfg)) == pytest.approx(3.0)
    site = parse_site("london", PLACES)
    r = attest(site, [Measurement("london", (3.0,))], LM, cfg)
    assert r.constraints[0].bound_km == pytest.approx(300.0)


def test_parse_site() -> None:
    assert parse_site("1.5,103.8", PLACES) == (1.5, 103.8)
    with pytest.raises(InputError):
        parse_site("nowhere", PLACES)
    with pytest.raises(InputError):
        parse_site("95,10", PLACES)


def test_shipped_landmarks_have_provenance() -> None:
    assert len(LM) == 57 and len(PLACES) == 64
    for p in PLACES.values():
        assert p.geonameid.isdigit() and p.hosts
    assert not any(p.country == "CN" for p in LM.values())
