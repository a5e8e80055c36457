"""The account-creation hook: a small Starlette app the gateway (or any signup
flow) calls with a JSON body and gets a decision with its reasons.

POST /v1/screen  {"name", "country", "address", "identifiers", "owners",
                  "hq_country", "parent_country", "product", "as_of"}
GET  /healthz    list counts and configuration sources
Errors use the one JSON error shape of :mod:`distillguard.schema.errors`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from distillguard.schema.errors import DistillguardError, InputError, PayloadTooLargeError
from distillguard.screen.service import Context, parse_as_of, screen_account
from distillguard.screen.store import staleness

MAX_BODY = 64 * 1024


def create_app(ctx: Context) -> Starlette:
    async def screen(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            raise PayloadTooLargeError(f"body larger than {MAX_BODY} bytes")
        try:
            payload: Any = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"body is not JSON: {exc}") from exc
        if not isinstance(payload, dict):
            raise InputError("body must be a JSON object")
        result = screen_account(ctx, payload, parse_as_of(payload.get("as_of")))
        return JSONResponse(result)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "entities": len(ctx.screener.entities),
                "lists": ctx.manifest.get("store") or ctx.manifest.get("source_dir", ""),
                "lists_as_of": ctx.manifest.get("as_of", {}),
                "warnings": staleness(ctx.manifest),
                "config": list(ctx.config.sources),
                "jurisdiction_rules": ctx.rules.source,
            }
        )

    return Starlette(
        routes=[
            Route("/v1/screen", screen, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        exception_handlers={DistillguardError: _error_response},
    )


async def _error_response(_request: Request, exc: Exception) -> JSONResponse:
    """The one JSON error shape, registered once for every route."""
    assert isinstance(exc, DistillguardError)
    return JSONResponse(exc.to_dict(), status_code=exc.http_status)
