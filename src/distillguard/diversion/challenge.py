"""Challenges and answers of location attestation, on the wire (one JSON
datagram each) and signed.

A landmark sends a fresh 128-bit nonce; the server's agent answers with an
HMAC-SHA256 over the device id, the landmark id and the nonce under the
device's own key (shared with the verifier at enrolment). The nonce makes an
answer useless for any other challenge, so the only way to answer is to reach
the key holder, and the time that takes is what is measured. HMAC and not
Ed25519 because ``cryptography`` is not a dependency; a per-device key means a
leaked key lets its holder impersonate that one device only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from distillguard.schema.errors import InputError, NotFoundError

DOMAIN = b"distillguard-locate-v1"
MAX_DATAGRAM = 1024


def new_key() -> str:
    """A fresh 256-bit device key, hex."""
    return secrets.token_hex(32)


def read_key(path: Path) -> bytes:
    if not path.exists():
        raise NotFoundError(f"{path}: no such key file", details={"file": str(path)})
    text = path.read_text(encoding="utf-8").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise InputError(f"{path}: key must be hex", details={"file": str(path)}) from None
    if len(key) < 16:
        raise InputError(f"{path}: key shorter than 128 bits", details={"file": str(path)})
    return key


def mac(key: bytes, device: str, landmark: str, nonce: str) -> str:
    msg = b"|".join((DOMAIN, device.encode(), landmark.encode(), nonce.encode()))
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Challenge:
    landmark: str
    nonce: str

    @classmethod
    def fresh(cls, landmark: str) -> Challenge:
        return cls(landmark, secrets.token_hex(16))

    def encode(self) -> bytes:
        return json.dumps({"v": 1, "landmark": self.landmark, "nonce": self.nonce}).encode()

    @classmethod
    def decode(cls, data: bytes) -> Challenge | None:
        try:
            d = json.loads(data[:MAX_DATAGRAM])
            if not isinstance(d, dict) or d.get("v") != 1:
                return None
            return cls(str(d["landmark"]), str(d["nonce"]))
        except (ValueError, KeyError, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class Answer:
    device: str
    landmark: str
    nonce: str
    mac: str

    @classmethod
    def sign(cls, key: bytes, device: str, ch: Challenge) -> Answer:
        return cls(device, ch.landmark, ch.nonce, mac(key, device, ch.landmark, ch.nonce))

    def encode(self) -> bytes:
        return json.dumps(
            {
                "v": 1,
                "device": self.device,
                "landmark": self.landmark,
                "nonce": self.nonce,
                "mac": self.mac,
            }
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Answer | None:
        try:
            d = json.loads(data[:MAX_DATAGRAM])
            if not isinstance(d, dict) or d.get("v") != 1:
                return None
            return cls(str(d["device"]), str(d["landmark"]), str(d["nonce"]), str(d["mac"]))
        except (ValueError, KeyError, UnicodeDecodeError):
            return None

    def valid_for(self, key: bytes, device: str, ch: Challenge) -> bool:
        """Signed by ``device``'s key for exactly this challenge."""
        if (self.device, self.landmark, self.nonce) != (device, ch.landmark, ch.nonce):
            return False
        return hmac.compare_digest(self.mac, mac(key, device, ch.landmark, ch.nonce))
