"""Intel: STIX 2.1 / TAXII 2.1 exchange of privacy-preserving distillation indicators.

Public API::

    CommunityKey, Keyring, ExportOptions, export_bundle, build_bundle, validate_bundle
"""

from distillguard.intel.export import ExportOptions, ExportReport, build_bundle, export_bundle
from distillguard.intel.keys import CommunityKey, Keyring
from distillguard.intel.stixdefs import EXTENSION_ID, validate_bundle

__all__ = [
    "EXTENSION_ID", "CommunityKey", "ExportOptions", "ExportReport", "Keyring", "build_bundle",
    "export_bundle", "validate_bundle",
]
