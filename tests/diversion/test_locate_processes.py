"""Location attestation for real: the agent and each landmark are separate
processes exchanging signed UDP challenges over loopback, or with the agent in
its own network namespace behind a veth pair; distance is a user-space delay
line per path with jitter and loss. An honest server, a server lying about its
site, and relays adding 20 and 300 ms."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from distillguard.diversion.attest import Attestation, AttestConfig, attest
from distillguard.diversion.challenge import new_key
from distillguard.diversion.geo import distance_km
from distillguard.diversion.landmarks import load_landmarks, load_places

from .netlab import DelayLines, agent, namespace, netns_available, probe_all

LANDMARKS = ("singapore", "kuala-lumpur", "jakarta", "bangkok", "hong-kong")
PLACES = load_places()
pytestmark = pytest.mark.slow  # a dozen processes per test, a few seconds each on an idle machine


def path_ms(landmark: str, site: str) -> float:
    """RTT of the fibre path: 1.3 x the great circle at 200 km/ms, plus access."""
    a, b = PLACES[landmark], PLACES[site]
    return 2 * float(distance_km(a.lat, a.lon, b.lat, b.lon)) * 1.3 / 200.0 + 0.2


@contextlib.contextmanager
def _where(netns: bool) -> Iterator[tuple[str, str]]:
    if not netns:
        yield "", "127.0.0.1"
        return
    with namespace() as ns:
        yield ns


def run_world(tmp_path: Path, chip_at: str, declared: str, *, relay_ms: float = 0.0,
              netns: bool = False, wrong_key: bool = False) -> Attestation:
    key = tmp_path / "device.key"
    key.write_text(new_key())
    probe_key = tmp_path / "other.key"
    probe_key.write_text(new_key())
    lines = DelayLines()
    try:
        with _where(netns) as (ns, ip), agent(key, "dev-1", host=ip, netns=ns) as ag:
            # The stack's own overhead, measured straight to the agent: the floor.
            calib = probe_all([("calibration", (ag.host, ag.port))], key, "dev-1")[0]
            assert calib.rtt_ms is not None, calib
            target = (ag.host, ag.port)
            paths_from = chip_at
            if relay_ms:
                # The relay sits at the declared site and forwards to the chip.
                target = lines.add(target, relay_ms, jitter_ms=0.5, loss=0.0)
                paths_from = declared
            targets = [(lm, lines.add(target, path_ms(lm, paths_from), seed=i))
                       for i, lm in enumerate(LANDMARKS)]
            # A probe's timeout only decides when an answer counts as lost: the
            # attestation takes each landmark's fastest answer, so a generous one keeps a
            # busy machine's late answers without moving the measured distance.
            ms = probe_all(targets, probe_key if wrong_key else key, "dev-1", count=6,
                           timeout_s=1.5 + relay_ms / 1000)
    finally:
        lines.close()
    site = PLACES[declared]
    return attest((site.lat, site.lon), ms, load_landmarks(),
                  AttestConfig(radius_km=1000.0, floor_ms=calib.rtt_ms))


MODES = [
    pytest.param(False, id="loopback"),
    pytest.param(True, id="netns", marks=pytest.mark.skipif(
        bool(netns_available()), reason=netns_available() or "available")),
]


@pytest.mark.parametrize("netns", MODES)
def test_honest_server_is_consistent(tmp_path: Path, netns: bool) -> None:
    r = run_world(tmp_path, "singapore", "singapore", netns=netns)
    assert r.verdict == "consistent", r.reasons
    assert r.radius_km <= 1000 and not r.relay_suspected


@pytest.mark.parametrize("netns", MODES)
def test_server_lying_about_its_site_is_impossible(tmp_path: Path, netns: bool) -> None:
    r = run_world(tmp_path, "shenzhen", "singapore", netns=netns)
    assert r.verdict == "impossible", r.reasons
    assert any(reason.startswith("hong-kong answered") for reason in r.reasons)


@pytest.mark.parametrize("relay_ms", [20.0, 300.0])
def test_relay_to_a_chip_elsewhere_is_flagged(tmp_path: Path, relay_ms: float) -> None:
    r = run_world(tmp_path, "shenzhen", "singapore", relay_ms=relay_ms)
    assert r.verdict == "unverifiable" and r.relay_suspected, r.reasons
    assert r.min_excess_ms is not None and r.min_excess_ms >= relay_ms * 0.9 - 1.0
    # The region holds a disc of 100 km per ms of relay around the site (or the globe).
    assert r.radius_km >= min(relay_ms * 100 * 0.9, 19_000)


def test_answers_without_the_device_key_count_for_nothing(tmp_path: Path) -> None:
    r = run_world(tmp_path, "singapore", "singapore", wrong_key=True)
    assert r.verdict == "unverifiable" and r.constraints == ()
    assert "0 landmark(s) answered with a valid signature" in " ".join(r.reasons)
