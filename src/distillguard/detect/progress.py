"""Stage timings of a long hunt, reported through a callback the caller renders."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# (stage name, None when it starts or its seconds when it is done)
StageCallback = Callable[[str, float | None], None]


class Stages:
    def __init__(self, progress: StageCallback | None = None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        if self.progress is not None:
            self.progress(name, None)
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        if self.progress is not None:
            self.progress(name, self.timings[name])
