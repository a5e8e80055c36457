"""How a consumer turns a peer's indicator hits into a score for each of its accounts.

Two rules keep shared indicators from blocking the consumer's real users:

* correlated evidence counts once: an address, its /24 and its ASN say the same
  thing (the account connects from that network), so the three are one
  evidence group and only its strongest hit counts; likewise payment and
  e-mail domain (who pays), and the behavioural signatures each stand alone;
* indicators are judged against the consumer's own base rates: an indicator
  that matches many of my accounts that my own hunt cleared (a VPN exit, a
  public prompt template, a common timing habit) says little about any one of
  them, so its weight is shared among them beyond a small tolerance;
* a customer the consumer knows to be accountable (contract or verified
  identity, enterprise plan: ``Account.accountable``) and its own hunt did not
  block has a benign explanation of what it shares with an operation (a data
  vendor running the public template an operation also runs, the same
  company's accounts a partner's hunt doubted): a peer's evidence alone never
  puts it at review (its hits are kept in the alerts, below review). Such a
  customer is answerable by contract; the blocklist is for accounts nobody
  answers for.

Network evidence alone never reaches review: residential proxies and carrier or
campus NAT put real users on the very addresses an operation uses.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from distillguard.intel import keys as K
from distillguard.schema import verdict_for


@dataclass(frozen=True, slots=True)
class Feature:
    weight: float
    group: str
    explanation: str
    min_similarity: float = 1.0


# The scoring table: one named feature per indicator kind, in evidence groups.
# A hit contributes weight x confidence x similarity x local specificity; an
# account keeps its best hit per group and the score is 1 - prod(1 - best).
FEATURES: Final[Mapping[str, Feature]] = {
    K.PAYMENT: Feature(0.9, "identity", "same payment instrument as a reported account"),
    K.EMAIL_DOMAIN: Feature(0.45, "identity", "sign-up e-mail domain used only by reported "
                                              "accounts"),
    K.IP: Feature(0.45, "network", "same client address as a reported account"),
    K.IP_PREFIX: Feature(0.3, "network", "same /24 or /48 network as reported accounts"),
    K.ASN: Feature(0.1, "network", "autonomous system used by reported accounts"),
    K.USER_AGENT: Feature(0.25, "client", "client user agent seen only on reported accounts"),
    "wrapper-sketch": Feature(0.65, "wrapper", "prompt wrapper resembles a reported "
                                               "operation's", 0.5),
    "parameter-fingerprint": Feature(0.3, "parameters", "identical request parameter profile"),
    "timing-signature": Feature(0.15, "timing", "request timing resembles a reported "
                                                "operation's", 0.97),
}
REVIEW: Final = 0.5
BLOCK: Final = 0.75
# How many of my uncleared accounts one indicator may match at full weight: a
# missed account or two of an operation is plausible; beyond that the weight is
# shared, since the indicator is evidently common here.
LOCAL_TOLERANCE: Final = 2
# Without the consumer's own hunt, an account counts as locally corroborated
# when at least this many independent groups hit it (timing is too common to count).
CORROBORATING_GROUPS: Final = 2
_WEAK_GROUPS: Final = frozenset({"timing"})
# Highest score a peer's evidence gives an accountable customer our hunt did not block.
ACCOUNTABLE_CAP: Final = REVIEW - 0.01


@dataclass(frozen=True, slots=True)
class Provenance:
    indicator_id: str
    producer: str
    campaign: str
    confidence: int
    tlp: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Hit:
    feature: str
    similarity: float
    contribution: float
    provenance: Provenance
    local_share: float = 1.0  # the specificity factor from the consumer's base rates
    local_holders: int = 1  # my accounts this indicator matched


@dataclass(frozen=True, slots=True)
class AccountMatch:
    account_id: str
    score: float
    action: str
    hits: tuple[Hit, ...]


def raw_hit(feature: str, similarity: float, prov: Provenance) -> Hit | None:
    """A hit at the producer's confidence, before the consumer's base rates."""
    f = FEATURES[feature]
    if similarity < f.min_similarity:
        return None
    return Hit(feature, round(similarity, 4),
               round(f.weight * prov.confidence / 100 * similarity, 4), prov)


def action_for(score: float) -> str:
    return verdict_for(score, REVIEW, BLOCK)


def combine(hits: Sequence[Hit]) -> float:
    """1 - prod(1 - c) over the best contribution of each evidence group."""
    best: dict[str, float] = {}
    for h in hits:
        g = FEATURES[h.feature].group
        best[g] = max(best.get(g, 0.0), h.contribution)
    return 1 - math.prod(1 - c for c in best.values())


def corroborated(hits: Mapping[str, Sequence[Hit]]) -> frozenset[str]:
    """Accounts hit in enough independent groups to count as reported without a local hunt."""
    return frozenset(a for a, hs in hits.items() if len(
        {FEATURES[h.feature].group for h in hs} - _WEAK_GROUPS) >= CORROBORATING_GROUPS)


def score_accounts(hits: Mapping[str, Sequence[Hit]],
                   local_flagged: frozenset[str] | None = None,
                   accountable: frozenset[str] = frozenset(),
                   local_blocked: frozenset[str] = frozenset()) -> list[AccountMatch]:
    """Scores after the consumer's base rates.

    ``local_flagged``: the accounts the consumer's own hunt flagged (review or
    block). Without it, accounts corroborated by several independent groups of
    the peer's indicators stand in for them. ``accountable``: the consumer's
    accountable customers; their scores stop at ``ACCOUNTABLE_CAP`` unless they are
    in ``local_blocked`` (its own hunt blocked them).
    """
    flagged = corroborated(hits) if local_flagged is None else local_flagged
    holders: dict[str, set[str]] = defaultdict(set)
    for account, hs in hits.items():
        for h in hs:
            holders[h.provenance.indicator_id].add(account)
    uncleared = {i: sum(1 for a in accts if a not in flagged) for i, accts in holders.items()}
    out: list[AccountMatch] = []
    for account in sorted(hits):
        adjusted: list[Hit] = []
        for h in hits[account]:
            iid = h.provenance.indicator_id
            share = (1.0 if account in flagged
                     else min(1.0, LOCAL_TOLERANCE / max(1, uncleared[iid])))
            adjusted.append(replace(h, contribution=round(h.contribution * share, 4),
                                    local_share=round(share, 4),
                                    local_holders=len(holders[iid])))
        score = combine(adjusted)
        if account in accountable and account not in local_blocked:
            score = min(score, ACCOUNTABLE_CAP)
        ordered = tuple(sorted(adjusted, key=lambda h: (-h.contribution, h.feature,
                                                        h.provenance.indicator_id)))
        out.append(AccountMatch(account, round(score, 4), action_for(score), ordered))
    return out
