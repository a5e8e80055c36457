"""The shared vocabulary: records of the log-format contract, the normalised
request view and the one error hierarchy. Every other subpackage depends on
this one; it depends on none of them."""

from distillguard.schema.columns import (
    ACCOUNT_SCHEMA,
    EVENT_SCHEMA,
    account_row,
    accounts_table,
    event_row,
    events_table,
)
from distillguard.schema.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    DistillguardError,
    FieldError,
    ForbiddenError,
    InputError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RecordError,
    ServiceUnavailableError,
    UpstreamError,
)
from distillguard.schema.harvest import Harvest, HarvestCounter
from distillguard.schema.records import (
    ACCOUNT_FIELDS,
    ACCOUNTS_CSV_HEADER,
    ENDPOINTS,
    EVENT_FIELDS,
    KYC_LEVELS,
    LABELS,
    LABELS_CSV_HEADER,
    PLANS,
    VERDICTS,
    Account,
    AccountVerdict,
    Event,
    Label,
    campaign_tier,
    format_ts,
    parse_ts,
    verdict_for,
)
from distillguard.schema.requests import (
    NormalizedRequest,
    Reasoning,
    Turn,
    content_text,
    normalize_request,
    split_turns,
)
from distillguard.schema.verdicts import read_verdicts

__all__ = [
    "ACCOUNT_SCHEMA", "EVENT_SCHEMA", "account_row", "accounts_table", "event_row",
    "events_table",
    "ACCOUNTS_CSV_HEADER", "ACCOUNT_FIELDS", "ENDPOINTS", "EVENT_FIELDS", "KYC_LEVELS",
    "LABELS", "LABELS_CSV_HEADER", "PLANS", "VERDICTS", "Account", "AccountVerdict",
    "AuthError", "ConfigError", "ConflictError", "DistillguardError", "Event", "FieldError",
    "ForbiddenError", "Harvest", "HarvestCounter", "InputError", "Label", "NormalizedRequest",
    "NotFoundError", "PayloadTooLargeError", "RateLimitedError", "Reasoning", "RecordError",
    "ServiceUnavailableError", "Turn", "UpstreamError", "content_text", "format_ts",
    "campaign_tier", "normalize_request", "parse_ts", "read_verdicts", "split_turns",
    "verdict_for",
]
