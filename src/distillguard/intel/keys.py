"""Community keys: the HMAC-SHA-256 secret a sharing community holds in common.

Every identifier that leaves a lab is replaced by a keyed hash under the
community's current key, and every bundle names the key id it used. Keys rotate:
a consumer keeps the previous keys so indicators hashed before a rotation still
match until they age out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import string
from dataclasses import dataclass
from typing import Final

from distillguard.schema.errors import ConfigError, InputError
from distillguard.settings import Settings

SECRET_HEX_DIGITS: Final = 64
KEY_ID_RE: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Observable kinds: the domain-separation label hashed with every value, so an
# IP and an e-mail domain with the same spelling never collide.
IP: Final = "ip"
IP_PREFIX: Final = "ip-prefix"
ASN: Final = "asn"
PAYMENT: Final = "payment-fingerprint"
EMAIL_DOMAIN: Final = "email-domain"
USER_AGENT: Final = "user-agent"
OBSERVABLE_KINDS: Final = (IP, IP_PREFIX, ASN, PAYMENT, EMAIL_DOMAIN, USER_AGENT)


def parse_secret(text: str, setting: str = "DISTILLGUARD_INTEL_COMMUNITY_KEY") -> bytes:
    """Exactly 64 hex digits (256 bits), as ``intel keys generate`` prints them.

    Anything else is refused: a key pasted with its JSON wrapper or quotes would
    hash everything differently from the partner's and match nothing, silently.
    """
    raw = text.strip()
    if len(raw) != SECRET_HEX_DIGITS or any(c not in string.hexdigits for c in raw):
        shown = f"{len(raw)} characters" + (
            ", not all hex digits" if any(c not in string.hexdigits for c in raw) else "")
        raise ConfigError(
            f"{setting}: a community key is {SECRET_HEX_DIGITS} hex digits (256 bits, as "
            f"`distillguard intel keys generate` prints it); got {shown}",
            details={"setting": setting},
        )
    return bytes.fromhex(raw)


@dataclass(frozen=True, slots=True)
class CommunityKey:
    community: str
    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        if not KEY_ID_RE.match(self.key_id):
            raise ConfigError(f"key id {self.key_id!r} must match {KEY_ID_RE.pattern}")

    def digest(self, kind: str, value: str) -> str:
        """Hex HMAC-SHA-256 of ``value`` under this key, separated by community and kind."""
        msg = f"{self.community}\x1f{kind}\x1f{value}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()

    def seed(self, purpose: str) -> bytes:
        """A 32-byte secret derived for one purpose (MinHash permutations, fingerprints)."""
        return hmac.new(self.secret, f"{self.community}\x1fseed\x1f{purpose}".encode(),
                        hashlib.sha256).digest()

    def hash_observable(self, kind: str, raw: str | int) -> str | None:
        """Normalise then hash; ``None`` when the raw value is empty."""
        value = normalize_observable(kind, raw)
        return None if value is None else self.digest(kind, value)


@dataclass(frozen=True, slots=True)
class Keyring:
    """The current key plus the previous keys still accepted when matching."""

    current: CommunityKey
    previous: tuple[CommunityKey, ...] = ()

    @property
    def community(self) -> str:
        return self.current.community

    @property
    def keys(self) -> tuple[CommunityKey, ...]:
        return (self.current, *self.previous)

    def get(self, key_id: str) -> CommunityKey | None:
        for k in self.keys:
            if k.key_id == key_id:
                return k
        return None

    @classmethod
    def from_settings(cls, settings: Settings, community: str | None = None) -> Keyring:
        if not settings.intel_community_key:
            raise ConfigError(
                "DISTILLGUARD_INTEL_COMMUNITY_KEY is not set: intel export and match need the "
                "sharing community's secret key",
                details={"setting": "DISTILLGUARD_INTEL_COMMUNITY_KEY"},
            )
        name = community or settings.intel_community
        secret = parse_secret(settings.intel_community_key)
        current = CommunityKey(name, settings.intel_key_id, secret)
        previous = tuple(
            CommunityKey(name, kid, parse_secret(secret, "DISTILLGUARD_INTEL_PREVIOUS_KEYS"))
            for kid, secret in parse_previous_keys(settings.intel_previous_keys)
        )
        if any(p.key_id == current.key_id for p in previous):
            raise ConfigError(f"key id {current.key_id!r} is both current and previous")
        return cls(current, previous)


def parse_previous_keys(text: str) -> list[tuple[str, str]]:
    """``kid:secret,kid:secret`` (whitespace ignored) into pairs."""
    out: list[tuple[str, str]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not kid.strip() or not secret.strip():
            raise ConfigError(
                "DISTILLGUARD_INTEL_PREVIOUS_KEYS must be kid:secret pairs separated by commas",
                details={"setting": "DISTILLGUARD_INTEL_PREVIOUS_KEYS"},
            )
        out.append((kid.strip(), secret.strip()))
    return out


_WS = re.compile(r"\s+")


def normalize_observable(kind: str, raw: str | int) -> str | None:
    """The one canonical spelling of each observable, so two labs hash the same bytes."""
    if kind == ASN:
        text = str(raw).strip().upper().removeprefix("AS")
        if not text:
            return None
        if not text.isdigit():
            raise InputError(f"ASN {raw!r} is not a number")
        return str(int(text))
    if not isinstance(raw, str):
        raw = str(raw)
    text = raw.strip()
    if not text:
        return None
    if kind == IP:
        try:
            return ipaddress.ip_address(text).compressed
        except ValueError:
            return text  # already a provider-side hash: opaque, hashed as given
    if kind == IP_PREFIX:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return text
        return net.compressed
    if kind == EMAIL_DOMAIN:
        domain = text.rsplit("@", 1)[-1].rstrip(".").lower()
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return domain
    if kind == USER_AGENT:
        return _WS.sub(" ", text)
    if kind == PAYMENT:
        return text
    raise InputError(f"unknown observable kind {kind!r}", details={"kinds": list(OBSERVABLE_KINDS)})


def ip_prefix_of(ip: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) holding ``ip``; ``None`` when it is not an address."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return ipaddress.ip_network(f"{addr}/{bits}", strict=False).compressed
