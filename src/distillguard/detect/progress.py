"""Stage timings of a long hunt, reported through a callback the caller renders."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager
from typing import TypeVar

# (stage name, None when it starts or its seconds when it is done, the rows it produced
# when it is done and counts them, else None)
StageCallback = Callable[[str, float | None, int | None], None]

T = TypeVar("T", bound=Sized)


class Stages:
    def __init__(self, progress: StageCallback | None = None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        if self.progress is not None:
            self.progress(name, None, None)
        yield
        self._done(name, t0, None)

    def counted(self, name: str, run: Callable[[], T]) -> T:
        """A stage whose result has rows (a query's table): its end tells how many, so a
        long engine run (a Spark hunt) shows each query start and finish, not one wait."""
        t0 = time.perf_counter()
        if self.progress is not None:
            self.progress(name, None, None)
        result = run()
        self._done(name, t0, len(result))
        return result

    def _done(self, name: str, t0: float, rows: int | None) -> None:
        self.timings[name] = round(time.perf_counter() - t0, 3)
        if self.progress is not None:
            self.progress(name, self.timings[name], rows)
