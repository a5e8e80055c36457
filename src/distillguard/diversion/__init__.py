"""Chip diversion: red flags of diversion on exporters' orders (BIS guidance of
13 May 2025 and the Know-Your-Customer red flags of 15 CFR 732 Supplement 3),
and location attestation of accelerators from round-trip times."""

from distillguard.diversion.check import DECISIONS_HEADER, CheckReport, PartyScreen, check_orders
from distillguard.diversion.flags import FLAG_IDS, FlagConfig, FlagSpec, load_flags
from distillguard.diversion.orders import Order, read_orders, to_order
from distillguard.diversion.redflags import Assessment, FlagHit, RedFlags

__all__ = [
    "DECISIONS_HEADER",
    "FLAG_IDS",
    "Assessment",
    "CheckReport",
    "FlagConfig",
    "FlagHit",
    "FlagSpec",
    "Order",
    "PartyScreen",
    "RedFlags",
    "check_orders",
    "load_flags",
    "read_orders",
    "to_order",
]
