"""Network and identity infrastructure of the independent world: ASNs, IP pools,
SDK user agents, opaque ids.

Written clean-room (see README.md): the ASN numbers are real public ASNs of the
named networks, used only as plausible labels; the addresses inside them are
synthetic and do not belong to those networks.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

# (asn, country, kind) -- kind: residential | mobile | cloud | vpn | university | corporate
RESIDENTIAL = [
    (7922, "US"),
    (20115, "US"),
    (7018, "US"),
    (701, "US"),
    (22773, "US"),
    (5650, "US"),
    (3320, "DE"),
    (6805, "DE"),
    (2856, "GB"),
    (5089, "GB"),
    (3215, "FR"),
    (12322, "FR"),
    (3352, "ES"),
    (1136, "NL"),
    (8151, "MX"),
    (26599, "BR"),
    (28573, "BR"),
    (55836, "IN"),
    (9498, "IN"),
    (45609, "IN"),
    (17676, "JP"),
    (4713, "JP"),
    (4766, "KR"),
    (9829, "IN"),
    (1221, "AU"),
    (812, "CA"),
    (577, "CA"),
    (12389, "RU"),
    (8452, "EG"),
    (16135, "TR"),
    (7552, "VN"),
    (9299, "PH"),
    (23969, "TH"),
    (4788, "MY"),
    (17974, "ID"),
    (36947, "DZ"),
    (33771, "KE"),
    (37100, "ZA"),
    (6327, "CA"),
    (5384, "AE"),
]
MOBILE = [(21928, "US"), (6167, "US"), (3209, "DE"), (12576, "GB"), (45271, "IN"), (9808, "CN")]
CLOUD = [
    (16509, "US"),
    (14618, "US"),
    (15169, "US"),
    (396982, "US"),
    (8075, "US"),
    (14061, "US"),
    (24940, "DE"),
    (16276, "FR"),
    (63949, "US"),
    (20473, "US"),
    (45102, "SG"),
    (132203, "SG"),
    (37963, "CN"),
    (16509, "IE"),
    (16509, "JP"),
    (8075, "NL"),
    (14061, "SG"),
    (24940, "FI"),
]
VPN = [(9009, "NL"), (60068, "GB"), (212238, "US"), (136787, "SG"), (209854, "SE"), (51852, "CH")]
CN_HOME = [(4134, "CN"), (4837, "CN"), (9808, "CN"), (4760, "HK"), (3462, "TW"), (7473, "SG")]
CORPORATE_EGRESS = [(53813, "US"), (13335, "US"), (209242, "US"), (21859, "US")]  # SASE / proxies

COUNTRY_UTC_OFFSET = {
    "US": -6,
    "CA": -5,
    "MX": -6,
    "BR": -3,
    "GB": 0,
    "IE": 0,
    "DE": 1,
    "FR": 1,
    "ES": 1,
    "NL": 1,
    "SE": 1,
    "CH": 1,
    "FI": 2,
    "EG": 2,
    "ZA": 2,
    "TR": 3,
    "KE": 3,
    "RU": 3,
    "AE": 4,
    "IN": 5,
    "VN": 7,
    "TH": 7,
    "ID": 7,
    "CN": 8,
    "HK": 8,
    "TW": 8,
    "SG": 8,
    "MY": 8,
    "PH": 8,
    "JP": 9,
    "KR": 9,
    "AU": 10,
    "DZ": 1,
}

SDKS = {
    "openai-py": [
        "OpenAI/Python 1.54.4",
        "OpenAI/Python 1.68.2",
        "OpenAI/Python 1.75.0",
        "OpenAI/Python 1.82.0",
        "OpenAI/Python 1.86.0",
        "OpenAI/Python 1.93.0",
    ],
    "openai-node": ["OpenAI/JS 4.77.0", "OpenAI/JS 4.98.0", "OpenAI/JS 5.3.0"],
    "anthropic-py": [
        "anthropic-python/0.45.2",
        "anthropic-python/0.49.0",
        "anthropic-python/0.52.0",
        "anthropic-python/0.57.1",
    ],
    "anthropic-ts": ["anthropic-typescript/0.39.0", "anthropic-typescript/0.52.0"],
    "litellm": ["litellm/1.63.11", "litellm/1.72.6"],
    "raw": [
        "python-requests/2.32.3",
        "python-httpx/0.27.2",
        "curl/8.5.0",
        "Go-http-client/2.0",
        "axios/1.7.9",
        "okhttp/4.12.0",
    ],
    "browser-app": [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Mobile/15E148",
    ],
}


def hexid(rng: random.Random, n: int = 12) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _asn_base(asn: int, country: str, k: int) -> tuple[int, int]:
    """A stable synthetic /16 for (asn, country, k); avoids 0/10/127/169/172/192/224+."""
    h = hashlib.sha256(f"{asn}-{country}-{k}".encode()).digest()
    first = [
        23,
        24,
        31,
        37,
        41,
        45,
        46,
        50,
        62,
        66,
        71,
        77,
        81,
        89,
        94,
        98,
        103,
        109,
        112,
        118,
        121,
        138,
        145,
        151,
        156,
        163,
        176,
        185,
        188,
        195,
        203,
        212,
    ][h[0] % 32]
    return first, h[1]


@dataclass
class Net:
    asn: int
    country: str
    kind: str

    def prefix24(self, rng: random.Random) -> str:
        a, b = _asn_base(self.asn, self.country, rng.randrange(6))
        return f"{a}.{b}.{rng.randrange(256)}"

    def address(self, rng: random.Random, prefix: str | None = None) -> str:
        return f"{prefix or self.prefix24(rng)}.{rng.randrange(2, 254)}"


def pick(
    pool: list[tuple[int, str]], kind: str, rng: random.Random, country: str | None = None
) -> Net:
    cands = [p for p in pool if country is None or p[1] == country]
    asn, c = rng.choice(cands or pool)
    return Net(asn, c, kind)


@dataclass
class Egress:
    """How an account reaches the API: a fixed address, a small set, or a rotating pool."""

    nets: list[Net]
    addresses: list[str] = field(default_factory=list)
    rotate: bool = False  # True: a fresh exit address per request (residential proxy)

    def draw(self, rng: random.Random) -> tuple[str, int, str]:
        if self.rotate or not self.addresses:
            net = rng.choice(self.nets)
            return net.address(rng), net.asn, net.country
        i = rng.randrange(len(self.addresses))
        net = self.nets[i % len(self.nets)]
        return self.addresses[i], net.asn, net.country


def home_egress(
    rng: random.Random, country: str | None = None, mobile_share: float = 0.25
) -> Egress:
    """A consumer: a home address that changes rarely, sometimes a phone on mobile data."""
    home = pick(RESIDENTIAL, "residential", rng, country)
    nets = [home]
    addrs = [home.address(rng)]
    if rng.random() < mobile_share:
        mob = pick(MOBILE, "mobile", rng, home.country)
        nets.append(mob)
        addrs.append(mob.address(rng))
    if rng.random() < 0.3:  # DHCP renewal during the fortnight
        addrs.append(home.address(rng))
        nets.append(home)
    return Egress(nets, addrs)


def fixed_egress(net: Net, rng: random.Random, n: int = 1, prefix: str | None = None) -> Egress:
    p = prefix or net.prefix24(rng)
    return Egress([net], [net.address(rng, p) for _ in range(n)])


def proxy_pool(rng: random.Random, countries: list[str] | None, size: int) -> list[Net]:
    cands = [p for p in RESIDENTIAL + MOBILE if countries is None or p[1] in countries]
    return [Net(*rng.choice(cands), "residential") for _ in range(size)]


def sdk(rng: random.Random, family: str) -> str:
    return rng.choice(SDKS[family])
