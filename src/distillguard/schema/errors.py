"""One error hierarchy for the whole product.

Every error carries a machine-readable ``code`` and the HTTP status an API
would answer with, so the CLI, the gateway, the TAXII server and the screening
endpoint all render the same shape (see :func:`DistillguardError.to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DistillguardError(Exception):
    """Base class: a user-facing error with a code and an HTTP status."""

    code: str = "error"
    http_status: int = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error shape: ``{"error": {"code", "message", "status", "details"}}``."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.http_status,
                "details": self.details,
            }
        }


class ConfigError(DistillguardError):
    code = "config_error"
    http_status = 500


class InputError(DistillguardError):
    """Bad input supplied by the user (file, option, request body)."""

    code = "invalid_input"
    http_status = 400


class UsageError(InputError):
    """A command line click could not parse (unknown option, missing value, bad choice)."""

    code = "usage_error"


class NotFoundError(DistillguardError):
    code = "not_found"
    http_status = 404


class AuthError(DistillguardError):
    code = "unauthorized"
    http_status = 401


class ForbiddenError(DistillguardError):
    code = "forbidden"
    http_status = 403


class ConflictError(DistillguardError):
    code = "conflict"
    http_status = 409


class PayloadTooLargeError(DistillguardError):
    code = "payload_too_large"
    http_status = 413


class RateLimitedError(DistillguardError):
    code = "rate_limited"
    http_status = 429


class UpstreamError(DistillguardError):
    code = "upstream_error"
    http_status = 502


class ServiceUnavailableError(DistillguardError):
    code = "unavailable"
    http_status = 503


@dataclass(frozen=True)
class FieldError:
    """Why one record could not be used: which field, and what was wrong with it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class RecordError(InputError):
    """A record failed validation; carries every field problem found, not just the first."""

    code = "invalid_record"

    def __init__(self, problems: list[FieldError], *, source: str = "", line: int | None = None):
        if source and line is not None:
            where = f"{source}:{line}: "
        else:
            where = f"{source}: " if source else ""
        super().__init__(
            where + "; ".join(str(p) for p in problems),
            details={
                "source": source,
                "line": line,
                "problems": [{"field": p.field, "reason": p.reason} for p in problems],
            },
        )
        self.problems = problems
        self.source = source
        self.line = line
