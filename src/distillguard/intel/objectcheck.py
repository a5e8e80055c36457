"""Checks a TAXII server applies to each posted object before storing it.

The fast path checks what TAXII bookkeeping relies on and what STIX 2.1 makes
mandatory for every object (type vocabulary, id form, spec_version, timestamps,
version order); ``strict`` additionally runs the OASIS ``stix2`` library over
every object. Each failure names the object and the reason, for the status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from distillguard.intel.stixdefs import validate_object
from distillguard.schema.errors import InputError

SDO: Final = frozenset({
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
    "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
    "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
})
SRO: Final = frozenset({"relationship", "sighting"})
SCO: Final = frozenset({
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
    "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
    "software", "url", "user-account", "windows-registry-key", "x509-certificate",
})
META: Final = frozenset({"marking-definition", "language-content", "extension-definition"})
_TYPE = re.compile(r"^[a-z][a-z0-9-]{1,248}[a-z0-9]$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True, slots=True)
class Checked:
    id: str
    type: str
    version: str  # as the object spells it; "" when the object has no version (SCOs)
    version_key: str  # fixed-width sortable form
    spec_version: str


def version_key(ts: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fffffffffZ``: equal instants compare equal, order is time order."""
    base, _, frac = ts.rstrip("Z").partition(".")
    return f"{base}.{(frac + '000000000')[:9]}Z"


def _timestamp(obj: Mapping[str, Any], name: str, required: bool) -> str | None:
    v = obj.get(name)
    if v is None:
        if required:
            raise InputError(f"required property {name!r} is missing")
        return None
    if not isinstance(v, str) or not _TS.match(v):
        raise InputError(f"{name!r} must be an RFC 3339 UTC timestamp ending in Z, got {v!r}")
    try:
        datetime.fromisoformat(v.rstrip("Z").split(".")[0])
    except ValueError as exc:
        raise InputError(f"{name!r} is not a real date: {v!r}") from exc
    return v


def _declares_new_type(obj: Mapping[str, Any]) -> bool:
    ext = obj.get("extensions")
    if not isinstance(ext, Mapping):
        return False
    return any(
        k.startswith("extension-definition--") and isinstance(v, Mapping)
        and v.get("extension_type") in ("new-sdo", "new-sco", "new-sro")
        for k, v in ext.items()
    )


def check_object(obj: Any, *, strict: bool = False) -> Checked:
    """Raise :class:`InputError` with the reason when ``obj`` cannot be stored."""
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    otype = obj.get("type")
    if not isinstance(otype, str) or not _TYPE.match(otype):
        raise InputError(f"'type' must be a STIX type name, got {otype!r}")
    oid = obj.get("id")
    if not isinstance(oid, str) or not oid.startswith(otype + "--") \
            or not _UUID.match(oid[len(otype) + 2:]):
        raise InputError(f"'id' must be {otype}--<uuid>, got {oid!r}")
    known = otype in SDO or otype in SRO or otype in SCO or otype in META
    if not known and not _declares_new_type(obj):
        raise InputError(f"unknown object type {otype!r} (custom types must declare a new-sdo, "
                         "new-sco or new-sro extension-definition)")
    spec = obj.get("spec_version", "2.1" if otype in SCO else None)
    if spec != "2.1":
        raise InputError(f"'spec_version' must be '2.1', got {spec!r}")
    is_sco = otype in SCO or (not known and _is_new_sco(obj))
    created = _timestamp(obj, "created", required=not is_sco)
    modified = _timestamp(obj, "modified", required=not is_sco and otype != "marking-definition")
    if created and modified and version_key(modified) < version_key(created):
        raise InputError(f"'modified' {modified} is earlier than 'created' {created}")
    if strict:
        validate_object(obj)
    version = modified or created or ""
    return Checked(oid, otype, version, version_key(version) if version else "", "2.1")


def _is_new_sco(obj: Mapping[str, Any]) -> bool:
    ext = obj.get("extensions")
    return isinstance(ext, Mapping) and any(
        isinstance(v, Mapping) and v.get("extension_type") == "new-sco" for v in ext.values())
