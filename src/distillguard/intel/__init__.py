"""Intel: STIX 2.1 / TAXII 2.1 exchange of privacy-preserving distillation indicators.

Public API::

    CommunityKey, Keyring                      community keys (HMAC-SHA-256, rotation)
    ExportOptions, export_bundle, build_bundle hunt output -> validated STIX bundle
    validate_bundle                            OASIS stix2 validation, every bad object listed
    run_match, match_accounts, index_intel     peer intel -> alerts.csv and gateway blocklist
    TaxiiClient, pull, push                    TAXII 2.1 client (distillguard intel pull/push)

The TAXII server lives in ``distillguard.intel.server`` (``create_app``) over
``distillguard.intel.store.TaxiiStore``.
"""

from distillguard.intel.client import TaxiiClient, pull, push
from distillguard.intel.export import ExportOptions, ExportReport, build_bundle, export_bundle
from distillguard.intel.keys import CommunityKey, Keyring
from distillguard.intel.match import index_intel, match_accounts, run_match
from distillguard.intel.stixdefs import EXTENSION_ID, validate_bundle

__all__ = [
    "EXTENSION_ID", "CommunityKey", "ExportOptions", "ExportReport", "Keyring", "TaxiiClient",
    "build_bundle", "export_bundle", "index_intel", "match_accounts", "pull", "push",
    "run_match", "validate_bundle",
]
