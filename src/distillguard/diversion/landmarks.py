"""Landmarks: places a verifier measures from, with where their coordinates
came from. The shipped set is 57 cities hosting public cloud regions or
internet exchanges plus a few named sites (data-centre clusters, cities in
mainland China, where a verifier has no landmark), coordinates from GeoNames.
A user's CSV (same columns) replaces it; nothing is fetched at run time.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from distillguard.schema.errors import InputError, NotFoundError

COLUMNS = ("id", "city", "country", "lat", "lon", "geonameid", "role", "hosts")
SHIPPED = "distillguard/diversion/data/landmarks.csv"


@dataclass(frozen=True)
class Landmark:
    id: str
    city: str
    country: str
    lat: float
    lon: float
    geonameid: str = ""
    role: str = "landmark"  # landmark | site
    hosts: str = ""


def _parse(lines: Iterable[str], source: str) -> dict[str, Landmark]:
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    out: dict[str, Landmark] = {}
    for n, r in enumerate(rows, start=2):
        where = f"{source}: record {n - 1}"
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"{where}: lat and lon must be numbers", details={"file": source, "record": n - 1}
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (r.get("id") or "").strip():
            raise InputError(
                f"{where}: needs an id and lat in [-90, 90], lon in [-180, 180]",
                details={"file": source, "record": n - 1},
            )
        lm = Landmark(
            r["id"].strip(),
            (r.get("city") or "").strip(),
            (r.get("country") or "").strip(),
            lat,
            lon,
            (r.get("geonameid") or "").strip(),
            (r.get("role") or "landmark").strip(),
            (r.get("hosts") or "").strip(),
        )
        if lm.id in out:
            raise InputError(f"{where}: duplicate id {lm.id!r}", details={"file": source})
        out[lm.id] = lm
    return out


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Landmark]:
    text = resources.files("distillguard.diversion").joinpath("data/landmarks.csv")
    return _parse(text.read_text("utf-8").splitlines(), SHIPPED)


def load_places(path: str = "") -> dict[str, Landmark]:
    """Every place of the set (landmarks and named sites), by id."""
    if not path:
        return dict(_shipped())
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"{p}: no such file", details={"path": str(p)})
    return _parse(p.read_text("utf-8").splitlines(), str(p))


def load_landmarks(path: str = "") -> dict[str, Landmark]:
    """The places a verifier measures from (role ``landmark``)."""
    return {k: v for k, v in load_places(path).items() if v.role == "landmark"}


def parse_site(text: str, places: dict[str, Landmark]) -> tuple[float, float]:
    """A declared site: ``LAT,LON`` or the id of a place of the set."""
    if text in places:
        return places[text].lat, places[text].lon
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InputError(
            f"site {text!r} is neither LAT,LON nor a known place id", details={"site": text}
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"site {text!r} is off the globe", details={"site": text})
    return lat, lon
