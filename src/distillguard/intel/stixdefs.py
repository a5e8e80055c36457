"""The STIX 2.1 vocabulary distillguard exchanges, and bundle validation.

Our behavioural indicators are a new SDO, ``x-distillguard-behavior``, declared
by an extension-definition (docs/intel.md documents it so other labs can
implement it). Keyed-hash observables are matched through STIX patterns over the
``x-distillguard-keyed-hash`` object type, which appears only inside patterns.
Validation uses the OASIS ``stix2`` library with custom content disallowed, so
anything it does not know is an error rather than silently accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

import stix2
from stix2.exceptions import STIXError
from stix2.properties import (
    EnumProperty,
    FloatProperty,
    IntegerProperty,
    ListProperty,
    ReferenceProperty,
    StringProperty,
    TimestampProperty,
)
from stix2.v21 import CustomObject

from distillguard.schema.errors import FieldError, InputError

NAMESPACE: Final = uuid.UUID("7c1d0b8e-6a52-5f0e-9d3b-2f4f3c8d1a10")
EXTENSION_ID: Final = "extension-definition--" + str(
    uuid.uuid5(NAMESPACE, "x-distillguard-behavior/1.0"))
BEHAVIOR_TYPE: Final = "x-distillguard-behavior"
KEYED_HASH_TYPE: Final = "x-distillguard-keyed-hash"
AUTHOR_IDENTITY_ID: Final = "identity--" + str(uuid.uuid5(NAMESPACE, "distillguard project"))
EXTENSION_SCHEMA_URL: Final = "https://github.com/distillguard/distillguard/blob/main/docs/intel.md#the-x-distillguard-behavior-extension"
EPOCH: Final = "2026-01-01T00:00:00.000Z"

BEHAVIOR_KINDS: Final = ("wrapper-sketch", "parameter-fingerprint", "timing-signature")

# TLP 2.0 marking definitions as published by OASIS (cti-stix-common-objects).
TLP2_EXTENSION_ID: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2: Final[Mapping[str, str]] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_ID: Final = {v: k for k, v in TLP2.items()}


@CustomObject(BEHAVIOR_TYPE, [
    ("name", StringProperty(required=True)),
    ("behavior_type", EnumProperty(list(BEHAVIOR_KINDS), required=True)),
    ("community", StringProperty(required=True)),
    ("key_id", StringProperty(required=True)),
    ("campaign_ref", ReferenceProperty(valid_types="campaign", spec_version="2.1")),
    ("minhash", ListProperty(IntegerProperty(min=0))),
    ("num_perm", IntegerProperty(min=1)),
    ("shingle_size", IntegerProperty(min=1)),
    ("shingle_count", IntegerProperty(min=1)),
    ("line_hashes", ListProperty(StringProperty())),
    ("fingerprint", StringProperty()),
    ("parameter_share", FloatProperty(min=0.0, max=1.0)),
    ("histogram_permille", ListProperty(IntegerProperty(min=0, max=1000))),
    ("bin_base_seconds", FloatProperty()),
    ("observed_accounts", IntegerProperty(min=0)),
    ("observed_count", IntegerProperty(min=0)),
    ("first_seen", TimestampProperty()),
    ("last_seen", TimestampProperty()),
], extension_name=EXTENSION_ID)
class Behavior:
    """A behavioural or content indicator (see docs/intel.md)."""


def tlp_marking(level: str) -> dict[str, Any]:
    if level not in TLP2:
        raise InputError(f"TLP level must be one of {sorted(TLP2)}, got {level!r}")
    return {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2[level],
        "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{level.upper()}",
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension",
                                           "tlp_2_0": level}},
    }


def extension_definition() -> list[dict[str, Any]]:
    """The extension-definition object (and its author) declaring our SDO."""
    author = {
        "type": "identity", "spec_version": "2.1", "id": AUTHOR_IDENTITY_ID,
        "created": EPOCH, "modified": EPOCH, "name": "distillguard project",
        "identity_class": "organization",
    }
    ext = {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
        "created_by_ref": AUTHOR_IDENTITY_ID, "created": EPOCH, "modified": EPOCH,
        "name": "distillguard behavioural indicator",
        "description": "x-distillguard-behavior: privacy-preserving distillation indicators "
                       "(keyed MinHash wrapper sketches, parameter fingerprints, timing "
                       "signatures); x-distillguard-keyed-hash in patterns.",
        "schema": EXTENSION_SCHEMA_URL, "version": "1.0", "extension_types": ["new-sdo"],
    }
    return [author, ext]


def stix_id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, chr(31).join(parts))}"


def validate_object(obj: Any) -> None:
    """Raise :class:`InputError` when ``obj`` is not a valid STIX 2.1 object to the library."""
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a STIX object, got {type(obj).__name__}")
    try:
        stix2.parse(dict(obj), allow_custom=False, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError) as exc:
        raise InputError(
            f"{obj.get('id', '<no id>')}: {exc}",
            details={"id": obj.get("id"), "type": obj.get("type")},
        ) from exc
    _check_known(obj)


def _check_known(obj: Mapping[str, Any]) -> None:
    # stix2 returns unknown custom types as plain dicts instead of failing.
    otype = obj.get("type")
    if isinstance(otype, str) and otype.startswith("x-") and otype != BEHAVIOR_TYPE:
        raise InputError(f"{obj.get('id')}: unknown custom type {otype!r}")


def validate_bundle(bundle: Any, *, source: str = "bundle") -> list[dict[str, Any]]:
    """Validate a whole bundle; raises one :class:`InputError` listing every bad object."""
    if not isinstance(bundle, Mapping) or bundle.get("type") != "bundle":
        raise InputError(f"{source}: not a STIX bundle (type must be 'bundle')")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise InputError(f"{source}: bundle 'objects' must be a list")
    problems: list[FieldError] = []
    for i, obj in enumerate(objects):
        try:
            validate_object(obj)
        except InputError as exc:
            problems.append(FieldError(f"objects[{i}]", exc.message))
    if problems:
        raise InputError(
            f"{source}: {len(problems)} invalid object(s): "
            + "; ".join(str(p) for p in problems[:5]),
            details={"source": source,
                     "problems": [{"field": p.field, "reason": p.reason} for p in problems]},
        )
    return [dict(o) for o in objects]
