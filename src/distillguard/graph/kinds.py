"""Every kind of link between accounts, once: its words and its family.

The hunt's graph, its campaign descriptions, the continuous hunt's linkage keys,
the gateway's door and the report all name link kinds; they read them here, so
a kind is spelled one way everywhere and belongs to one family:
``infrastructure`` (what an operator pays or connects from), ``scaffolding``
(what its code sends: templates, tools, parameters, SDK), ``timing`` (when its
accounts act or sign up), or ``organisation`` and ``handoff``.
"""

from __future__ import annotations

from typing import Final

#: kind -> (words, family)
KINDS: Final = {
    "payment": ("payment instrument", "infrastructure"),
    "signup_ip": ("sign-up address", "infrastructure"),
    "ip": ("egress address", "infrastructure"),
    "ip_prefix": ("egress /24", "infrastructure"),
    "asn": ("ASN", "infrastructure"),
    "email_domain": ("e-mail domain", "infrastructure"),
    "org": ("org id", "organisation"),
    "created": ("sign-up hour", "timing"),
    "lockstep": ("lockstep activity", "timing"),
    "ua": ("user agent", "scaffolding"),
    "pfp": ("parameter fingerprint", "scaffolding"),
    "tools": ("tool schema", "scaffolding"),
    "p24": ("wrapper opening", "scaffolding"),
    "s24": ("wrapper ending", "scaffolding"),
    "p64": ("wrapper opening", "scaffolding"),
    "s64": ("wrapper ending", "scaffolding"),
    "sysk": ("system prompt skeleton", "scaffolding"),
    "conversation": ("conversation continued from", "handoff"),
}
#: kind -> words
WORDS: Final = {k: w for k, (w, _) in KINDS.items()}


def family(kind: str) -> str:
    """The family of ``kind`` (``other`` for a kind this table does not know)."""
    return KINDS.get(kind, ("", "other"))[1]


def of_family(name: str) -> frozenset[str]:
    return frozenset(k for k, (_, f) in KINDS.items() if f == name)
