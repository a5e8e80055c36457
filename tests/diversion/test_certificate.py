"""Location certificates: the declared site certified, decoys checked with the same
timings, and the simulated trials' guarantees (an issued certificate always holds
the chip; a relay's certificate holds it too)."""

from __future__ import annotations

import numpy as np

from distillguard.diversion.attest import Measurement
from distillguard.diversion.certificate import Decoy, certify
from distillguard.diversion.certificate_trials import DECOY_RINGS_KM, run_certificate_trials
from distillguard.diversion.geo import distance_km
from distillguard.diversion.landmarks import load_landmarks, load_places

LM = load_landmarks()
PLACES = load_places()
NEAR_SG = ["singapore", "kuala-lumpur", "jakarta", "bangkok"]


def _measure(site: tuple[float, float], ids: list[str], extra_ms: float = 0.3
             ) -> list[Measurement]:
    return [Measurement(i, (2 * float(distance_km(*site, LM[i].lat, LM[i].lon)) * 1.4 / 200
                            + extra_ms,)) for i in ids]


def test_certificate_issued_with_far_decoys_ruled_out_and_a_close_one_not() -> None:
    sg = (PLACES["singapore"].lat, PLACES["singapore"].lon)
    decoys = [Decoy("batam", PLACES["batam"].lat, PLACES["batam"].lon),
              Decoy("tokyo", PLACES["tokyo"].lat, PLACES["tokyo"].lon),
              Decoy("shenzhen", PLACES["shenzhen"].lat, PLACES["shenzhen"].lon)]
    cert = certify("gpu-1", sg, _measure(sg, NEAR_SG), LM, decoys)
    assert cert.issued and cert.certified_radius_km is not None
    by = {d.decoy.id: d for d in cert.decoys}
    assert by["tokyo"].ruled_out and by["shenzhen"].ruled_out
    # Batam is 30 km from Singapore: no delay-based scheme can tell them apart here.
    assert not by["batam"].ruled_out and by["batam"].km_from_declared < 40
    assert not cert.all_decoys_rejected
    doc = cert.to_dict()
    assert doc["decoys_ruled_out"] == 2 and doc["issued"] is True


def test_a_chip_elsewhere_gets_no_certificate_for_the_claim() -> None:
    shenzhen = (PLACES["shenzhen"].lat, PLACES["shenzhen"].lon)
    sg = (PLACES["singapore"].lat, PLACES["singapore"].lon)
    cert = certify("gpu-2", sg, _measure(shenzhen, [*NEAR_SG, "hong-kong"]), LM)
    assert not cert.issued and cert.certified_radius_km is None
    assert cert.attestation.verdict == "impossible"


def test_simulated_certificates_are_sound_and_reject_far_decoys() -> None:
    r = run_certificate_trials(12, seed=101)
    assert r["honest_impossible"] == 0
    assert r["issued_unsound"] == 0 and r["relay_certified_unsound"] == 0
    assert r["issued_decoys_beyond_radius_ruled_out"] == 1.0
    rings = {x["decoy_km"]: x for x in r["decoys"]}
    assert set(rings) == set(DECOY_RINGS_KM)
    assert rings[4000.0]["claim_ruled_out"] == 1.0 and rings[4000.0]["relay_rejected"] == 1.0
    # Rejection can only grow with the decoy's distance in expectation; at 25 km most
    # decoys sit inside the region and cannot be ruled out.
    assert rings[25.0]["claim_ruled_out"] <= rings[4000.0]["claim_ruled_out"]
    assert np.isfinite(r["median_error_km"])


def test_dense_probes_tighten_the_certificate() -> None:
    sparse = run_certificate_trials(8, seed=102)
    dense = run_certificate_trials(8, seed=102, extra_probes=60, probe_radius_km=500)
    assert dense["issued"] >= sparse["issued"]
    assert dense["median_error_km"] < sparse["median_error_km"]
    assert dense["issued_unsound"] == 0 and dense["relay_certified_unsound"] == 0
