"""What the CLI verbs call: one function per action, taking settings and plain
arguments, so the verbs stay thin and the logic testable."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from distillguard.diversion.attest import AttestConfig, Measurement, attest
from distillguard.diversion.check import CheckReport, PartyScreen, check_orders
from distillguard.diversion.flags import load_flags
from distillguard.diversion.landmarks import load_landmarks, load_places, parse_site
from distillguard.schema.errors import InputError, NotFoundError
from distillguard.settings import Settings


def check_order_file(
    settings: Settings,
    orders: Path,
    out_dir: Path,
    *,
    flags: str = "",
    screen: bool = True,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> CheckReport:
    """Red flags of every order; parties screened against the loaded lists
    (``screen lists update``, or the shipped samples) unless ``screen`` is off."""
    cfg = load_flags(flags)
    party_screen = None
    if screen:
        from distillguard.screen.service import build_context

        party_screen = PartyScreen(build_context(settings).screener)
    return check_orders(
        cfg, orders, out_dir, screen=party_screen, workers=workers, progress=progress
    )


def flag_table(flags: str = "") -> list[dict[str, Any]]:
    cfg = load_flags(flags)
    return [
        {
            "flag": f.id,
            "severity": f.severity,
            "weight": f.weight,
            "title": f.title,
            "source": f.source,
        }
        for f in cfg.flags.values()
    ]


def read_measurements(path: Path) -> tuple[list[Measurement], list[dict[str, Any]]]:
    """Landmark measurements (JSON lines of ``locate probe``); bad lines are
    returned as quarantined with line and reason, never dropped silently."""
    if not path.exists():
        raise NotFoundError(f"{path}: no such file", details={"path": str(path)})
    out: list[Measurement] = []
    bad: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
            m = Measurement.from_dict(rec)
            if any(r < 0 for r in m.rtts_ms):
                raise ValueError("negative RTT")
        except (ValueError, KeyError, TypeError) as exc:
            field = "landmark" if isinstance(exc, KeyError) else "record"
            bad.append({"file": str(path), "line": n, "field": field, "reason": str(exc)})
            continue
        out.append(m)
    return out, bad


def verify_site(
    measurements: Path,
    site: str,
    *,
    landmarks: str = "",
    config: AttestConfig | None = None,
    map_path: Path | None = None,
    delay_model: Path | None = None,
    decoys: Sequence[str] = (),
    device: str = "",
) -> dict[str, Any]:
    """The verdict for a server declared at ``site`` (LAT,LON or a place id).

    ``delay_model``: a calibrated model (``locate calibrate``) for the point estimate.
    ``decoys``: other sites (LAT,LON or place ids) checked with the same measurements;
    the answer is then a certificate (:mod:`diversion.certificate`).
    """
    from distillguard.diversion.delaymodel import load_delay_model

    places = load_places(landmarks)
    declared = parse_site(site, places)
    ms, bad = read_measurements(measurements)
    if not ms:
        raise InputError(
            f"{measurements}: no usable measurement ({len(bad)} quarantined)",
            details={"file": str(measurements), "quarantined": bad[:20]},
        )
    model = load_delay_model(delay_model) if delay_model is not None else None
    lms = load_landmarks(landmarks)
    if decoys:
        from distillguard.diversion.certificate import Decoy, certify

        ds = [Decoy(d, *parse_site(d, places)) for d in decoys]
        cert = certify(device, declared, ms, lms, ds, config, model)
        result = cert.attestation
        out = result.to_dict()
        out["certificate"] = {k: v for k, v in cert.to_dict().items() if k != "attestation"}
    else:
        result = attest(declared, ms, lms, config, model)
        out = result.to_dict()
    out["quarantined"] = bad
    if map_path is not None:
        from distillguard.diversion.mapview import draw

        out["map"] = str(draw(result, map_path, title=f"{site}: {result.verdict}"))
    return out


def landmark_table(landmarks: str = "") -> list[dict[str, Any]]:
    return [dict(lm.__dict__) for lm in load_places(landmarks).values()]
