"""Where traffic comes from: autonomous systems, addresses, SDK user agents.

Addresses are synthetic but structured like the real Internet: each ASN owns
a /16, households sit behind one address, mobile carriers put thousands of
subscribers behind a few CGNAT addresses, offices and campuses behind a NAT.
Residential proxy pools are drawn from the same residential ASNs (and partly
the very same addresses) ordinary users have, which is what makes "accounts
per IP" a weak signal on its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Net:
    asn: int
    country: str
    kind: str  # residential | mobile | hosting | university | corporate


RESIDENTIAL: Final = (
    Net(7922, "US", "residential"), Net(7018, "US", "residential"), Net(701, "US", "residential"),
    Net(3320, "DE", "residential"), Net(3215, "FR", "residential"), Net(2856, "GB", "residential"),
    Net(4134, "CN", "residential"), Net(4837, "CN", "residential"), Net(4766, "KR", "residential"),
    Net(2516, "JP", "residential"), Net(12389, "RU", "residential"),
    Net(9829, "IN", "residential"), Net(28573, "BR", "residential"),
    Net(1221, "AU", "residential"), Net(812, "CA", "residential"), Net(4657, "SG", "residential"),
    Net(6830, "NL", "residential"), Net(3352, "ES", "residential"), Net(9121, "TR", "residential"),
    Net(8151, "MX", "residential"), Net(45899, "VN", "residential"),
    Net(3462, "TW", "residential"), Net(4760, "HK", "residential"),
)
MOBILE: Final = (
    Net(21928, "US", "mobile"), Net(55836, "IN", "mobile"), Net(9808, "CN", "mobile"),
    Net(26599, "BR", "mobile"), Net(12430, "ES", "mobile"), Net(3209, "DE", "mobile"),
    Net(45609, "IN", "mobile"),
)
HOSTING: Final = (
    Net(16509, "US", "hosting"), Net(15169, "US", "hosting"), Net(8075, "US", "hosting"),
    Net(24940, "DE", "hosting"), Net(16276, "FR", "hosting"), Net(14061, "US", "hosting"),
    Net(45102, "SG", "hosting"), Net(132203, "HK", "hosting"), Net(63949, "US", "hosting"),
)
UNIVERSITY: Final = (
    Net(786, "GB", "university"), Net(680, "DE", "university"), Net(4538, "CN", "university"),
    Net(2152, "US", "university"), Net(11537, "US", "university"), Net(7575, "AU", "university"),
    Net(2200, "FR", "university"), Net(9264, "KR", "university"),
)

TZ: Final = {
    "US": -6, "CA": -5, "MX": -6, "BR": -3, "GB": 0, "FR": 1, "DE": 1, "NL": 1, "ES": 1,
    "TR": 3, "RU": 3, "IN": 5, "SG": 8, "CN": 8, "HK": 8, "TW": 8, "VN": 7, "KR": 9,
    "JP": 9, "AU": 10, "MY": 8, "AE": 4,
}

# Real SDK families with plausible versions: every persona, attacker or not,
# draws from these same pools.
USER_AGENTS: Final = {
    "openai": (
        "OpenAI/Python 1.82.0", "OpenAI/Python 1.97.1", "OpenAI/Python 2.3.0",
        "AsyncOpenAI/Python 1.99.1", "OpenAI/NodeJS 4.104.0", "OpenAI/NodeJS 5.12.2",
        "litellm/1.72.6", "python-httpx/0.28.1", "langchain-openai/0.3.28", "curl/8.5.0",
    ),
    "anthropic": (
        "anthropic-python/0.52.0", "anthropic-python/0.64.0", "anthropic-typescript/0.54.0",
        "anthropic-typescript/0.60.0", "litellm/1.72.6", "langchain-anthropic/0.3.17",
    ),
}


def _h(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).digest()


def hex_id(*parts: object, n: int = 12) -> str:
    """A stable random-looking identifier (no sequence, no persona in it)."""
    return _h(*parts).hex()[:n]


def address(net: Net, host: int) -> str:
    """The ``host``-th address of the /16 that ``net`` owns."""
    d = _h("asn", net.asn)
    a = 11 + d[0] % 200
    if a in (100, 127, 169, 172, 192, 198, 203):
        a += 1
    b = d[1]
    host %= 250 * 256
    return f"{a}.{b}.{host // 250}.{host % 250 + 2}"


def prefix(ip: str) -> str:
    a, b, c, _ = ip.split(".")
    return f"{a}.{b}.{c}.0/24"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place traffic leaves from: an address inside an ASN."""

    ip: str
    net: Net

    @staticmethod
    def of(net: Net, host: int) -> Endpoint:
        return Endpoint(address(net, host), net)
