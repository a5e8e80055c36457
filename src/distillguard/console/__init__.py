"""Console: the analyst's web workbench, from a flagged campaign to enforcement and
sharing (``distillguard console``).

Public API::

    Casebook                 decisions, pushes, exports, audit log (SQLite or PostgreSQL)
    Analysts, Analyst, ROLES per-analyst tokens, roles, sessions, CSRF tokens
"""

from distillguard.console.analysts import ROLES, Analyst, Analysts
from distillguard.console.casebook import Casebook

__all__ = ["ROLES", "Analyst", "Analysts", "Casebook"]
