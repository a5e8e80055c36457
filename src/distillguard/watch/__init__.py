"""The continuous hunt (``distillguard watch``): re-hunt the rolling window of the
gateway's exchange log every few minutes and publish verdicts and campaign
linkage keys to every replica; and ``replay --watch``, which measures it.

Public API::

    run_cycle, watch, parse_window, CycleResult, build_book, key_holders, read_hunt
"""

from distillguard.watch.cycle import CycleResult, parse_window, run_cycle, watch
from distillguard.watch.keys import build_book, key_holders, read_hunt

__all__ = ["CycleResult", "build_book", "key_holders", "parse_window", "read_hunt",
           "run_cycle", "watch"]
