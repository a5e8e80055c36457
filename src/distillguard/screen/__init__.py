"""Restricted-party, ownership and jurisdiction screening of API and GPU-cloud
customers: list parsing into one entity store, cross-script name matching,
the BIS 50 percent affiliates rule, jurisdiction rules and training-compute flags."""

from distillguard.screen.config import ScreenConfig, load_config
from distillguard.screen.customers import MATCHES_HEADER, screen_customers
from distillguard.screen.jurisdiction import JurisdictionRules, load_rules
from distillguard.screen.model import Decision, Entity, Identifier, Match, ParseResult
from distillguard.screen.ownership import Holding, OwnershipFinding, evaluate_ownership
from distillguard.screen.scoring import Query, Screener
from distillguard.screen.store import parse_directory, update_store

__all__ = [
    "MATCHES_HEADER",
    "Decision",
    "Entity",
    "Holding",
    "Identifier",
    "JurisdictionRules",
    "Match",
    "OwnershipFinding",
    "ParseResult",
    "Query",
    "ScreenConfig",
    "Screener",
    "evaluate_ownership",
    "load_config",
    "load_rules",
    "parse_directory",
    "screen_customers",
    "update_store",
]
