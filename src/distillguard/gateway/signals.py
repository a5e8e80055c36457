"""Per-request observations the online scorer accumulates per account.

The signal function is pluggable (tests and experiments pass their own); the
default is :func:`distillguard.features.request_signals`, the very
definitions the hunt aggregates offline, so an account's online features and
its hunt features mean the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from distillguard.features import request_signals
from distillguard.schema import NormalizedRequest

SignalFn = Callable[[NormalizedRequest], dict[str, float]]


def default_signal_fn() -> SignalFn:
    return request_signals
