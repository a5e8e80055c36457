"""Scenario files: YAML where every parameter carries its range and provenance.

Validation collects every problem with the file and line it sits on, so an
analyst editing a scenario sees all mistakes at once. A scenario may name a
``base`` (a built-in or another file) and override only some entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.outlook.parameters import (
    DISTS,
    LEVER_SPECS,
    PARAM_SPECS,
    STATUSES,
    Lever,
    Param,
)
from distillguard.schema.documents import Document, YamlPath, parse_yaml
from distillguard.schema.errors import ConfigError, InputError, NotFoundError

TOP_KEYS = ("name", "title", "description", "base", "draws", "seed", "levers", "parameters")
PARAM_KEYS = ("low", "mode", "high", "dist", "status", "source", "unit")
LEVER_KEYS = ("value", "note")
DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 2028


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line is not None else ""
        return f"{at}{self.field}: {self.reason}"


class ScenarioError(InputError):
    """A scenario file failed validation; carries every problem with its line."""

    code = "invalid_scenario"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(
            f"{source}: " + "; ".join(str(p) for p in problems),
            details={
                "source": source,
                "problems": [
                    {"line": p.line, "field": p.field, "reason": p.reason} for p in problems
                ],
            },
        )
        self.source = source
        self.problems = problems


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    params: dict[str, Param]
    levers: dict[str, Lever]
    source: str
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    lineage: tuple[str, ...] = field(default_factory=tuple)

    def with_levers(self, **values: float) -> Scenario:
        levers = dict(self.levers)
        for k, v in values.items():
            if k not in LEVER_SPECS:
                raise InputError(f"unknown lever {k!r}", details={"lever": k})
            levers[k] = Lever(k, float(v), levers[k].note if k in levers else "")
        return Scenario(self.name, self.title, self.description, self.params, levers,
                        self.source, self.draws, self.seed, self.lineage)

    def with_params(self, **params: Param) -> Scenario:
        merged = dict(self.params)
        merged.update(params)
        return Scenario(self.name, self.title, self.description, merged, self.levers,
                        self.source, self.draws, self.seed, self.lineage)


class _Lined(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    def __init__(self, data: dict[Any, Any], lines: dict[Any, int], line: int) -> None:
        super().__init__(data)
        self.lines = lines
        self.line = line


def _lined(value: Any, doc: Document, path: YamlPath) -> Any:
    """The document's value with every mapping a :class:`_Lined` (lines of its keys)."""
    if isinstance(value, dict):
        data = {k: _lined(v, doc, (*path, str(k))) for k, v in value.items()}
        lines = {k: doc.line(*path, str(k)) for k in value}
        return _Lined(data, lines, doc.line(*path))
    if isinstance(value, list):
        return [_lined(v, doc, (*path, i)) for i, v in enumerate(value)]
    return value


def builtin_dir() -> Path:
    return Path(str(resources.files("distillguard.outlook") / "scenarios"))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def resolve(ref: str, *, relative_to: Path | None = None) -> Path:
    """A scenario reference is a path to a YAML file or the name of a built-in."""
    candidates = [Path(ref)]
    if relative_to is not None:
        candidates.insert(0, relative_to / ref)
    for cand in candidates:
        if cand.suffix in (".yaml", ".yml") and cand.is_file():
            return cand
    builtin = builtin_dir() / f"{ref}.yaml"
    if builtin.is_file():
        return builtin
    raise NotFoundError(
        f"no scenario file or built-in named {ref!r}; built-ins: {', '.join(builtin_names())}",
        details={"scenario": ref, "builtins": builtin_names()},
    )


def load_scenario(ref: str) -> Scenario:
    return _load(resolve(ref), seen=())


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    return _parse(text, source, base_dir=None, seen=())


def _load(path: Path, seen: tuple[str, ...]) -> Scenario:
    key = str(path.resolve())
    if key in seen:
        raise ScenarioError(str(path), [Problem(None, "base", "scenarios inherit in a cycle")])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read scenario: {exc}",
                         details={"source": str(path)}) from exc
    return _parse(text, str(path), base_dir=path.parent, seen=seen + (key,))


def _parse(text: str, source: str, base_dir: Path | None, seen: tuple[str, ...]) -> Scenario:
    try:
        parsed = parse_yaml(text, source)
    except ConfigError as exc:  # bad YAML or a duplicate key: one problem with its line
        raise ScenarioError(source, [Problem(exc.details.get("line"), "yaml",
                                             exc.message.split(": ", 1)[-1])]) from exc
    doc = _lined(parsed.data, parsed, ())
    if not isinstance(doc, _Lined):
        raise ScenarioError(source, [Problem(1, "scenario", "must be a YAML mapping")])
    problems: list[Problem] = []
    for k in doc:
        if k not in TOP_KEYS:
            problems.append(Problem(doc.lines.get(k), str(k), f"unknown key; allowed: {TOP_KEYS}"))

    base: Scenario | None = None
    if "base" in doc:
        try:
            base_path = resolve(str(doc["base"]), relative_to=base_dir)
            base = _load(base_path, seen)
        except NotFoundError as exc:
            problems.append(Problem(doc.lines["base"], "base", exc.message))

    params: dict[str, Param] = dict(base.params) if base else {}
    levers: dict[str, Lever] = dict(base.levers) if base else {}
    params.update(_params(doc.get("parameters"), doc.lines.get("parameters"), problems))
    levers.update(_levers(doc.get("levers"), doc.lines.get("levers"), problems))

    for name in PARAM_SPECS:
        if name not in params:
            problems.append(Problem(doc.lines.get("parameters", doc.line),
                                    f"parameters.{name}", "missing"))
    for name in LEVER_SPECS:
        if name not in levers:
            problems.append(Problem(doc.lines.get("levers", doc.line), f"levers.{name}", "missing"))

    name = doc.get("name", base.name if base else Path(source).stem)
    draws = _int(doc, "draws", base.draws if base else DEFAULT_DRAWS, 100, 10_000_000, problems)
    seed = _int(doc, "seed", base.seed if base else DEFAULT_SEED, 0, 2**63 - 1, problems)
    for key in ("name", "title", "description"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(Problem(doc.lines.get(key), key, "must be a string"))
    if problems:
        raise ScenarioError(source, problems)
    return Scenario(
        name=str(name),
        title=str(doc.get("title", base.title if base else name)),
        description=str(doc.get("description", base.description if base else "")).strip(),
        params=params,
        levers=levers,
        source=source,
        draws=draws,
        seed=seed,
        lineage=((base.lineage + (base.source,)) if base else ()),
    )


def _int(doc: _Lined, key: str, default: int, lo: int, hi: int, problems: list[Problem]) -> int:
    if key not in doc:
        return default
    v = doc[key]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        problems.append(Problem(doc.lines.get(key), key, f"must be an integer in [{lo}, {hi}]"))
        return default
    return v


def _num(v: Any) -> float | None:
    # .inf and .nan are YAML floats, but no model quantity: a finite number or nothing.
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _params(raw: Any, line: int | None, problems: list[Problem]) -> dict[str, Param]:
    if raw is None:
        return {}
    if not isinstance(raw, _Lined):
        problems.append(Problem(line, "parameters", "must be a mapping of name to entry"))
        return {}
    out: dict[str, Param] = {}
    for name, entry in raw.items():
        at = raw.lines.get(name)
        where = f"parameters.{name}"
        spec = PARAM_SPECS.get(str(name))
        if spec is None:
            problems.append(Problem(at, where, f"unknown parameter; known: {sorted(PARAM_SPECS)}"))
            continue
        if not isinstance(entry, _Lined):
            problems.append(Problem(at, where, "must be a mapping with low, mode, high, status"))
            continue
        before = len(problems)
        for k in entry:
            if k not in PARAM_KEYS:
                problems.append(Problem(entry.lines.get(k), f"{where}.{k}",
                                        f"unknown key; allowed: {PARAM_KEYS}"))
        vals: dict[str, float] = {}
        for k in ("low", "mode", "high"):
            v = _num(entry.get(k))
            if v is None:
                why = "must be a finite number" if k in entry else "required number"
                problems.append(Problem(entry.lines.get(k, at), f"{where}.{k}", why))
            else:
                vals[k] = v
        status = entry.get("status")
        if status not in STATUSES:
            problems.append(Problem(entry.lines.get("status", at), f"{where}.status",
                                    f"must be one of {STATUSES}"))
        src = entry.get("source", "")
        if not isinstance(src, str):
            problems.append(Problem(entry.lines.get("source", at), f"{where}.source",
                                    "must be a string"))
            src = ""
        if status in ("sourced", "derived") and not src.strip():
            problems.append(Problem(entry.lines.get("source", at), f"{where}.source",
                                    f"a {status} parameter needs a source string"))
        dist = entry.get("dist", "triangular")
        if dist not in DISTS:
            problems.append(Problem(entry.lines.get("dist", at), f"{where}.dist",
                                    f"must be one of {DISTS}"))
        unit = entry.get("unit", spec.unit)
        if unit != spec.unit:
            problems.append(Problem(entry.lines.get("unit", at), f"{where}.unit",
                                    f"the model works in {spec.unit!r}, got {unit!r}"))
        if len(vals) == 3:
            lo, mo, hi = vals["low"], vals["mode"], vals["high"]
            if not lo <= mo <= hi:
                problems.append(Problem(at, where,
                                        f"need low <= mode <= high, got {lo}, {mo}, {hi}"))
            if lo < spec.lower_bound:
                problems.append(Problem(entry.lines.get("low", at), f"{where}.low",
                                        f"must be >= {spec.lower_bound}"))
            if spec.upper_bound is not None and hi > spec.upper_bound:
                problems.append(Problem(entry.lines.get("high", at), f"{where}.high",
                                        f"must be <= {spec.upper_bound}"))
            if dist == "log-triangular" and lo <= 0:
                problems.append(Problem(entry.lines.get("low", at), f"{where}.low",
                                        "log-triangular needs low > 0"))
        if len(problems) == before:
            out[str(name)] = Param(str(name), vals["low"], vals["mode"], vals["high"],
                                   str(status), src.strip(), str(dist), spec.unit, at)
    return out


def _levers(raw: Any, line: int | None, problems: list[Problem]) -> dict[str, Lever]:
    if raw is None:
        return {}
    if not isinstance(raw, _Lined):
        problems.append(Problem(line, "levers", "must be a mapping of lever to value"))
        return {}
    out: dict[str, Lever] = {}
    for name, entry in raw.items():
        at = raw.lines.get(name)
        where = f"levers.{name}"
        if name not in LEVER_SPECS:
            problems.append(Problem(at, where, f"unknown lever; known: {sorted(LEVER_SPECS)}"))
            continue
        note = ""
        if isinstance(entry, _Lined):
            for k in entry:
                if k not in LEVER_KEYS:
                    problems.append(Problem(entry.lines.get(k), f"{where}.{k}",
                                            f"unknown key; allowed: {LEVER_KEYS}"))
            note = str(entry.get("note", "")).strip()
            entry = entry.get("value")
        v = _num(entry)
        if v is None or not 0.0 <= v <= 1.0:
            problems.append(Problem(at, where, "must be a number in [0, 1]"))
            continue
        out[str(name)] = Lever(str(name), v, note, at)
    return out
