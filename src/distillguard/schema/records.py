"""Events, accounts and labels exactly as ``spec/log-format.md`` defines them.

Validation collects every field problem of a record (not just the first) so a
quarantine row tells the user everything that is wrong with it at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from distillguard.schema.errors import FieldError, RecordError

ENDPOINTS: Final = frozenset({"chat.completions", "messages", "responses", "completions"})
KYC_LEVELS: Final = ("none", "email", "card", "id_verified", "contract")
PLANS: Final = ("free", "payg", "enterprise", "education", "research", "startup")
LABELS: Final = ("benign", "distiller")
VERDICTS: Final = ("allow", "review", "block")


def verdict_for(risk: float, review: float, block: float) -> str:
    """The verdict rule, once: block at or above ``block``, review at or above ``review``."""
    return "block" if risk >= block else "review" if risk >= review else "allow"


def campaign_tier(blocked: int, members: int) -> str:
    """A campaign is blocked when at least half its flagged members are, else reviewed."""
    return "block" if 2 * blocked >= max(1, members) else "review"

EVENT_FIELDS: Final = (
    "event_id", "ts", "account_id", "api_key_id", "ip", "ip_prefix", "asn", "ip_country",
    "user_agent", "endpoint", "model", "request", "response_text", "reasoning_text",
    "prompt_tokens", "completion_tokens", "reasoning_tokens", "status", "latency_ms",
)
ACCOUNT_FIELDS: Final = (
    "account_id", "created_at", "org_id", "email_domain", "payment_fingerprint",
    "billing_country", "signup_ip", "kyc_level", "plan", "declared_use",
)
ACCOUNTS_CSV_HEADER: Final = ("account_id", "risk", "verdict", "cluster_id", "reasons")
LABELS_CSV_HEADER: Final = ("account_id", "label", "campaign")


def parse_ts(value: Any) -> datetime:
    """RFC 3339 with offset (``Z`` allowed), or an aware datetime; always returned in UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty timestamp")
        dt = datetime.fromisoformat(text)
    else:
        raise ValueError(f"expected an RFC 3339 string, got {type(value).__name__}")
    if dt.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is year 0 in UTC; no date holds it
        raise ValueError(f"timestamp {value!s} is outside years 1-9999 in UTC") from None


def format_ts(dt: datetime) -> str:
    """Millisecond RFC 3339 in UTC with a ``Z``: the canonical JSONL form."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class _Checker:
    """Accumulates field problems while coercing a mapping's values."""

    def __init__(self, rec: Mapping[str, Any]) -> None:
        self.rec = rec
        self.problems: list[FieldError] = []

    def fail(self, name: str, reason: str) -> None:
        self.problems.append(FieldError(name, reason))

    def string(self, name: str, *, required: bool = False, allow_empty: bool = False) -> str | None:
        v = self.rec.get(name)
        if v is None:
            if required:
                self.fail(name, "required field is missing")
            return None
        if not isinstance(v, str):
            self.fail(name, f"expected a string, got {type(v).__name__}")
            return None
        if not v and required and not allow_empty:
            self.fail(name, "required field is empty")
            return None
        return v

    def integer(self, name: str, *, minimum: int | None = 0) -> int | None:
        v = self.rec.get(name)
        if v is None:
            return None
        # bool is an int subclass in Python but never a valid count.
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                self.fail(name, f"expected an integer, got {type(v).__name__}")
                return None
        if minimum is not None and v < minimum:
            self.fail(name, f"must be >= {minimum}, got {v}")
            return None
        return int(v)

    def timestamp(self, name: str, *, required: bool = False) -> datetime | None:
        v = self.rec.get(name)
        if v is None:
            if required:
                self.fail(name, "required field is missing")
            return None
        try:
            return parse_ts(v)
        except (ValueError, TypeError) as exc:
            self.fail(name, f"not an RFC 3339 timestamp with offset ({exc})")
            return None

    def choice(self, name: str, options: tuple[str, ...] | frozenset[str]) -> str | None:
        v = self.string(name)
        if v is not None and v not in options:
            self.fail(name, f"must be one of {sorted(options)}, got {v!r}")
            return None
        return v


@dataclass(frozen=True, slots=True)
class Event:
    """One request/response exchange."""

    event_id: str
    ts: datetime
    account_id: str
    endpoint: str
    model: str
    request: Mapping[str, Any]
    response_text: str
    api_key_id: str | None = None
    ip: str | None = None
    ip_prefix: str | None = None
    asn: int | None = None
    ip_country: str | None = None
    user_agent: str | None = None
    reasoning_text: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    status: int = 200
    latency_ms: int | None = None

    @classmethod
    def from_mapping(
        cls, rec: Mapping[str, Any], *, source: str = "", line: int | None = None
    ) -> Event:
        """Validate a decoded record; raises :class:`RecordError` listing every bad field.

        ``request`` may be an object or (as Parquet stores it) a JSON string.
        """
        if not isinstance(rec, Mapping):
            raise RecordError(
                [FieldError("<record>", f"expected a JSON object, got {type(rec).__name__}")],
                source=source, line=line,
            )
        c = _Checker(rec)
        event_id = c.string("event_id", required=True)
        ts = c.timestamp("ts", required=True)
        account_id = c.string("account_id", required=True)
        endpoint = c.choice("endpoint", ENDPOINTS)
        if rec.get("endpoint") is None:
            c.fail("endpoint", "required field is missing")
        model = c.string("model", required=True)
        request = rec.get("request")
        if request is None:
            c.fail("request", "required field is missing")
        elif isinstance(request, str):
            try:
                request = json.loads(request)
            except ValueError as exc:
                c.fail("request", f"string is not valid JSON ({exc})")
                request = None
        if request is not None and not isinstance(request, Mapping):
            c.fail("request", f"expected an object, got {type(request).__name__}")
            request = None
        response_text = c.string("response_text", required=True, allow_empty=True)
        status = c.integer("status", minimum=100)
        if status is not None and status > 599:
            c.fail("status", f"not an HTTP status: {status}")
        ev_kwargs = dict(
            api_key_id=c.string("api_key_id"),
            ip=c.string("ip"),
            ip_prefix=c.string("ip_prefix"),
            asn=c.integer("asn"),
            ip_country=c.string("ip_country"),
            user_agent=c.string("user_agent"),
            reasoning_text=c.string("reasoning_text"),
            prompt_tokens=c.integer("prompt_tokens"),
            completion_tokens=c.integer("completion_tokens"),
            reasoning_tokens=c.integer("reasoning_tokens"),
            latency_ms=c.integer("latency_ms"),
        )
        if c.problems:
            raise RecordError(c.problems, source=source, line=line)
        assert event_id and ts and account_id and endpoint and model and request is not None
        assert response_text is not None
        return cls(
            event_id=event_id, ts=ts, account_id=account_id, endpoint=endpoint, model=model,
            request=request, response_text=response_text,
            status=200 if status is None else status, **ev_kwargs,  # type: ignore[arg-type]
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The canonical JSONL shape (optional fields that are unset are left out)."""
        out: dict[str, Any] = {}
        for name in EVENT_FIELDS:
            v = getattr(self, name)
            if v is None:
                continue
            out[name] = format_ts(v) if name == "ts" else (dict(v) if name == "request" else v)
        return out


@dataclass(frozen=True, slots=True)
class Account:
    """One billed account."""

    account_id: str
    created_at: datetime
    org_id: str | None = None
    email_domain: str | None = None
    payment_fingerprint: str | None = None
    billing_country: str | None = None
    signup_ip: str | None = None
    kyc_level: str | None = None
    plan: str | None = None
    declared_use: str | None = None

    @property
    def accountable(self) -> bool:
        """A customer answerable for what it does: contract or verified-identity KYC, or an
        enterprise plan (a labelling company, a data vendor), however it uses the API."""
        return self.kyc_level in ("contract", "id_verified") or self.plan == "enterprise"

    @classmethod
    def from_mapping(
        cls, rec: Mapping[str, Any], *, source: str = "", line: int | None = None
    ) -> Account:
        if not isinstance(rec, Mapping):
            raise RecordError(
                [FieldError("<record>", f"expected a JSON object, got {type(rec).__name__}")],
                source=source, line=line,
            )
        c = _Checker(rec)
        account_id = c.string("account_id", required=True)
        created_at = c.timestamp("created_at", required=True)
        kwargs = dict(
            org_id=c.string("org_id"),
            email_domain=c.string("email_domain"),
            payment_fingerprint=c.string("payment_fingerprint"),
            billing_country=c.string("billing_country"),
            signup_ip=c.string("signup_ip"),
            kyc_level=c.choice("kyc_level", KYC_LEVELS),
            plan=c.choice("plan", PLANS),
            declared_use=c.string("declared_use"),
        )
        if c.problems:
            raise RecordError(c.problems, source=source, line=line)
        assert account_id and created_at
        return cls(account_id=account_id, created_at=created_at, **kwargs)

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ACCOUNT_FIELDS:
            v = getattr(self, name)
            if v is not None:
                out[name] = format_ts(v) if name == "created_at" else v
        return out


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth for one account; read only by the evaluation."""

    account_id: str
    label: str
    campaign: str | None = None

    @classmethod
    def from_mapping(
        cls, rec: Mapping[str, Any], *, source: str = "", line: int | None = None
    ) -> Label:
        c = _Checker(rec)
        account_id = c.string("account_id", required=True)
        label = c.choice("label", LABELS)
        if rec.get("label") is None:
            c.fail("label", "required field is missing")
        campaign = c.string("campaign")
        if c.problems:
            raise RecordError(c.problems, source=source, line=line)
        assert account_id and label
        return cls(account_id=account_id, label=label, campaign=campaign or None)

    @property
    def is_distiller(self) -> bool:
        return self.label == "distiller"


@dataclass(frozen=True, slots=True)
class AccountVerdict:
    """One row of a hunt's ``accounts.csv`` (the output contract)."""

    account_id: str
    risk: float
    verdict: str
    cluster_id: str | None = None
    reasons: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.risk <= 1.0:
            raise ValueError(f"risk must be in [0, 1], got {self.risk}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
