"""Location certificates: the declared site attested, and every decoy site checked
against the same measurements.

A certificate is what a verifier hands an exporter or a regulator after one round
of signed, nonce-bound challenges: the declared site's verdict (issued only when
it is *consistent*), the certified radius (the farthest the chip can be from the
site given the upper bounds, so the statement "within R km" is true whatever delay
anyone added), the point estimate, and for each decoy site (another data centre
the chip could be in instead) whether the same timings rule it out.

This is the shape of the published GPU location certificates (Alpay and Alpay,
"Unprivileged Topology Certificates for Cloud GPU Attestation", arXiv:2606.24934,
2026: 169 RIPE Atlas probes place a B200 server within 44 km of its claimed data
centre and reject all 11 decoy sites), with one difference that matters: there
the landmarks ping the server's address, here the chip's key signs each answer,
so a relay cannot answer for it without forwarding (and so adding delay).

A decoy is *rejected* when it could not be certified from the same measurements
(its verdict is not consistent), and *ruled out* when some landmark answered too
fast for a chip there (impossible). Only ruled-out decoys are excluded by physics;
a rejected but not ruled-out decoy is one the data cannot vouch for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distillguard.diversion.attest import Attestation, AttestConfig, Measurement, attest
from distillguard.diversion.delaymodel import DelayModel
from distillguard.diversion.geo import distance_km
from distillguard.diversion.landmarks import Landmark


@dataclass(frozen=True)
class Decoy:
    """A site the chip might be at instead of the declared one."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class DecoyCheck:
    decoy: Decoy
    km_from_declared: float
    verdict: str  # the decoy's own verdict under the same measurements

    @property
    def rejected(self) -> bool:
        """Could not be certified from these measurements."""
        return self.verdict != "consistent"

    @property
    def ruled_out(self) -> bool:
        """Some landmark answered too fast for a chip at the decoy."""
        return self.verdict == "impossible"

    def to_dict(self) -> dict[str, Any]:
        return {
            "decoy": self.decoy.id,
            "lat": self.decoy.lat,
            "lon": self.decoy.lon,
            "km_from_declared": round(self.km_from_declared, 1),
            "verdict": self.verdict,
            "rejected": self.rejected,
            "ruled_out": self.ruled_out,
        }


@dataclass(frozen=True)
class Certificate:
    device: str
    attestation: Attestation
    decoys: tuple[DecoyCheck, ...]

    @property
    def issued(self) -> bool:
        return self.attestation.verdict == "consistent"

    @property
    def certified_radius_km(self) -> float | None:
        """The chip is within this distance of the declared site (None: not issued)."""
        return self.attestation.radius_km if self.issued else None

    @property
    def all_decoys_rejected(self) -> bool:
        return all(d.rejected for d in self.decoys)

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "issued": self.issued,
            "certified_radius_km": None
            if self.certified_radius_km is None
            else round(self.certified_radius_km, 1),
            "attestation": self.attestation.to_dict(),
            "decoys": [d.to_dict() for d in self.decoys],
            "decoys_rejected": sum(d.rejected for d in self.decoys),
            "decoys_ruled_out": sum(d.ruled_out for d in self.decoys),
            "all_decoys_rejected": self.all_decoys_rejected,
        }


def certify(
    device: str,
    declared: tuple[float, float],
    measurements: Sequence[Measurement],
    landmarks: Mapping[str, Landmark],
    decoys: Sequence[Decoy] = (),
    cfg: AttestConfig | None = None,
    model: DelayModel | None = None,
) -> Certificate:
    """Attest ``declared`` and check every decoy with the same measurements.

    The decoys go through the same :func:`attest` as the declared site, so a decoy
    is never treated more leniently than a claim would be.
    """
    cfg = cfg or AttestConfig()
    main = attest(declared, measurements, landmarks, cfg, model)
    checks = tuple(
        DecoyCheck(
            d,
            float(distance_km(declared[0], declared[1], d.lat, d.lon)),
            attest((d.lat, d.lon), measurements, landmarks, cfg).verdict,
        )
        for d in decoys
    )
    return Certificate(device, main, checks)
