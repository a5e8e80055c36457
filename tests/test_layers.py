"""README, Architecture: dependencies point toward ``schema``, never sideways.

Every ``import distillguard.<area>`` in the package is read (the text, nothing is
imported), so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "distillguard"

FOUNDATION = {"schema", "settings", "opener", "database"}
LOWER = FOUNDATION | {"ingest", "features", "graph"}
#: What each area may import besides itself. The six peers of the README's sentence use
#: the foundation and the lower layers only; above them sit the areas that join others.
ALLOWED: dict[str, set[str]] = {
    "schema": set(),
    "settings": {"schema"},
    "opener": {"schema"},
    "database": {"schema"},
    "ingest": FOUNDATION,
    "features": FOUNDATION | {"ingest"},
    "graph": FOUNDATION | {"ingest", "features"},
    "detect": LOWER,
    "report": LOWER | {"detect"},
    **{peer: LOWER for peer in ("gateway", "intel", "screen", "outlook", "simulate",
                                "evaluate")},
    # the areas that put others together: chip orders screened through `screen`; the
    # continuous hunt between the hunt and the gateways; the analysts' workbench
    "diversion": LOWER | {"screen"},
    "watch": LOWER | {"detect", "gateway", "evaluate"},
    "console": LOWER | {"detect", "gateway", "intel", "watch"},
}


def _imports() -> dict[str, set[tuple[str, str]]]:
    """area -> {(imported area, file)} for every import of another area."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        area = rel.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     and node.level == 0 else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "distillguard" and len(parts) > 1 and parts[1] != area:
                    out[area].add((parts[1], str(rel)))
    return out


def test_dependencies_point_toward_schema() -> None:
    wrong = sorted(f"{file} imports distillguard.{target}"
                   for area, found in _imports().items() if area not in ("cli", "__init__")
                   for target, file in found if target not in ALLOWED.get(area, set()))
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_cli() -> None:
    users = sorted(file for area, found in _imports().items() if area != "cli"
                   for target, file in found if target == "cli")
    assert not users, users


def test_every_area_has_its_place() -> None:
    areas = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists())
             or (p.suffix == ".py" and p.name != "__init__.py")}
    assert areas - {"cli"} == set(ALLOWED), "a new area: give it its place in ALLOWED"
