"""Console: the analyst's web workbench, from a flagged campaign to enforcement and
sharing (``distillguard console``).

Public API::

    Casebook                 decisions, pushes, exports, audit log (SQLite or PostgreSQL)
    Analysts, Analyst, ROLES per-analyst tokens, roles, sessions, CSRF tokens
    Workbench                a hunt, its events, the casebook, the gateways' channel, intel
    create_app               the pages (Starlette)
"""

from distillguard.console.analysts import ROLES, Analyst, Analysts
from distillguard.console.casebook import Casebook
from distillguard.console.pages import create_app
from distillguard.console.workbench import Workbench

__all__ = ["ROLES", "Analyst", "Analysts", "Casebook", "Workbench", "create_app"]
