"""What the CLI verbs call: one function per action, taking settings and plain
arguments, so the verbs stay thin and the logic testable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from distillguard.diversion.check import CheckReport, PartyScreen, check_orders
from distillguard.diversion.flags import load_flags
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
