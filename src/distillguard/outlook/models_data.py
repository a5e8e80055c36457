"""Reading Epoch AI's Notable AI Models table (CC BY 4.0, "Data: Epoch AI").

Accepts Epoch's full CSV or the reduced copy shipped in the package (gzip).
Rows without a compute estimate are counted as skipped; rows whose date or
compute cannot be read are quarantined with their line, never dropped silently.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from distillguard.schema.errors import InputError

DATE_COL = "Publication date"
COMPUTE_COL = "Training compute (FLOP)"
COUNTRY_COL = "Country (of organization)"
MODEL_COL = "Model"
REQUIRED = (DATE_COL, COMPUTE_COL, COUNTRY_COL, MODEL_COL)
ATTRIBUTION = "Data: Epoch AI (Notable AI Models, CC BY 4.0)"


@dataclass(frozen=True)
class ModelRecord:
    name: str
    published: date
    compute_flop: float
    countries: tuple[str, ...]

    @property
    def year(self) -> float:
        start = date(self.published.year, 1, 1)
        days = (date(self.published.year + 1, 1, 1) - start).days
        return self.published.year + (self.published - start).days / days

    @property
    def chinese(self) -> bool:
        return "China" in self.countries


@dataclass(frozen=True)
class Quarantined:
    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class ModelsData:
    source: str
    records: tuple[ModelRecord, ...]
    skipped_no_compute: int
    quarantined: tuple[Quarantined, ...] = field(default_factory=tuple)


def shipped_models_path() -> Path:
    return Path(str(resources.files("distillguard.outlook") / "data"
                    / "epoch_notable_ai_models.csv.gz"))


def _parse_date(raw: str) -> date:
    parts = raw.strip().split("-")
    # Epoch gives some dates only to the month or year; take the middle of the span.
    if len(parts) == 1:
        return date(int(parts[0]), 7, 1)
    if len(parts) == 2:
        return date(int(parts[0]), int(parts[1]), 15)
    return date(int(parts[0]), int(parts[1]), int(parts[2][:2]))


def load_models(path: Path | None = None) -> ModelsData:
    """Read the models table; ``None`` means the copy shipped with distillguard."""
    src = path if path is not None else shipped_models_path()
    try:
        raw = src.read_bytes()
    except OSError as exc:
        raise InputError(f"{src}: cannot read models file: {exc}",
                         details={"source": str(src)}) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"{src}: corrupt gzip: {exc}",
                             details={"source": str(src)}) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{src}: not UTF-8 text: {exc}",
                         details={"source": str(src)}) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"{src}: missing column(s) {missing}; expected Epoch AI's Notable AI Models CSV",
            details={"source": str(src), "missing": missing},
        )
    records: list[ModelRecord] = []
    quarantined: list[Quarantined] = []
    skipped = 0
    start = reader.line_num
    for row in reader:
        line = start + 1
        start = reader.line_num
        comp_raw = (row.get(COMPUTE_COL) or "").strip()
        if not comp_raw:
            skipped += 1
            continue
        try:
            comp = float(comp_raw)
        except ValueError:
            quarantined.append(Quarantined(line, COMPUTE_COL, f"not a number: {comp_raw!r}"))
            continue
        if not comp > 0 or comp == float("inf"):
            quarantined.append(Quarantined(line, COMPUTE_COL, f"must be positive: {comp_raw!r}"))
            continue
        date_raw = (row.get(DATE_COL) or "").strip()
        try:
            published = _parse_date(date_raw)
        except (ValueError, IndexError):
            quarantined.append(Quarantined(line, DATE_COL, f"not a date: {date_raw!r}"))
            continue
        countries = tuple(c.strip() for c in (row.get(COUNTRY_COL) or "").split(",") if c.strip())
        name = " ".join((row.get(MODEL_COL) or "").split())
        records.append(ModelRecord(name, published, comp, countries))
    records.sort(key=lambda r: (r.published, -r.compute_flop, r.name))
    return ModelsData(str(src), tuple(records), skipped, tuple(quarantined))
