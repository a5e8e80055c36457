"""Stage progress of a long hunt, on stderr, quiet when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Stages:
    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.console = Console(stderr=True)
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        if self.enabled:
            with self.console.status(f"[bold]hunt[/]: {name} ..."):
                yield
        else:
            yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        if self.enabled:
            self.console.print(f"[green]done[/] {name} ({self.timings[name]:.1f} s)")
