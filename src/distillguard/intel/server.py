"""The TAXII 2.1 server (`distillguard intel serve`): a Starlette app over TaxiiStore.

Every response, errors included, is ``application/taxii+json;version=2.1``. Errors
are TAXII error resources (``title``, ``description``, ``http_status``) that also
carry the product's one error shape under ``error``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from distillguard.intel.store import (
    MEDIA_TYPE,
    Filters,
    Member,
    Page,
    TaxiiStore,
    ts_to_us,
    us_to_ts,
)
from distillguard.schema.errors import (
    AuthError,
    DistillguardError,
    ForbiddenError,
    InputError,
    NotFoundError,
    PayloadTooLargeError,
)

TAXII_MEDIA: Final = "application/taxii+json;version=2.1"


class NotAcceptableError(DistillguardError):
    code = "not_acceptable"
    http_status = 406


class UnsupportedMediaError(DistillguardError):
    code = "unsupported_media_type"
    http_status = 415


@dataclass(frozen=True, slots=True)
class ServerConfig:
    title: str = "distillguard TAXII"
    max_post_bytes: int = 32 * 1024 * 1024
    max_object_bytes: int = 1024 * 1024
    strict: bool = False


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=TAXII_MEDIA,
                    headers=headers)


async def _error(_request: Request, exc: Exception) -> Response:
    """The TAXII error body (with the product's one shape inside), registered once."""
    assert isinstance(exc, DistillguardError)
    body = {"title": exc.message, "description": exc.message, "error_code": exc.code,
            "http_status": str(exc.http_status), "details": exc.details, **exc.to_dict()}
    headers = {"WWW-Authenticate": 'Bearer realm="taxii"'} if exc.http_status == 401 else None
    return Response(json.dumps(body, default=str), status_code=exc.http_status,
                    media_type=TAXII_MEDIA, headers=headers)


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        import base64
        import binascii

        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthError("malformed Basic credentials") from exc
        if password:
            return password
    raise AuthError("missing credentials: send Authorization: Bearer <token>")


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept", "")
    if not accept:
        return
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("application/taxii+json", "*/*", "application/*"):
            if "version=" in part and "version=2.1" not in part.replace(" ", ""):
                continue
            return
    raise NotAcceptableError(f"cannot answer with {accept!r}; use {TAXII_MEDIA}")


def _list_param(request: Request, name: str) -> tuple[str, ...]:
    raw = request.query_params.get(name)
    return tuple(v.strip() for v in raw.split(",") if v.strip()) if raw else ()


def _filters(request: Request, *, default_version: str = "last") -> Filters:
    added = request.query_params.get("added_after")
    return Filters(
        added_after=ts_to_us(added) if added else None,
        ids=_list_param(request, "match[id]"), types=_list_param(request, "match[type]"),
        versions=_list_param(request, "match[version]") or (default_version,),
        spec_versions=_list_param(request, "match[spec_version]"),
    )


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(f"limit must be a positive integer, got {raw!r}")
    return int(raw)


def _page_headers(page: Page) -> dict[str, str]:
    if not page.rows:
        return {}
    first, last = page.first_added, page.last_added
    assert first is not None and last is not None
    return {"X-TAXII-Date-Added-First": us_to_ts(first),
            "X-TAXII-Date-Added-Last": us_to_ts(last)}


def _envelope(page: Page) -> bytes:
    head = b'{"more":' + (b"true" if page.more else b"false")
    if page.next:
        head += b',"next":' + orjson.dumps(page.next)
    if not page.rows:
        return head + b"}"
    return head + b',"objects":[' + b",".join(r[4].encode() for r in page.rows) + b"]}"




class _Endpoints:
    """The TAXII 2.1 endpoints over one store; Starlette calls the bound methods, and
    every error they raise is answered by the one handler :func:`create_app` registers."""

    def __init__(self, store: TaxiiStore, cfg: ServerConfig) -> None:
        self.store = store
        self.cfg = cfg


    async def _member(self, request: Request) -> Member:
        _check_accept(request)
        return await run_in_threadpool(self.store.authenticate, _token(request))

    async def _collection(self, request: Request, m: Member, *, write: bool = False) -> str:
        root, cid = request.path_params["api_root"], request.path_params["collection_id"]
        colls = await run_in_threadpool(self.store.collections, root)
        if cid not in {c["id"] for c in colls} or not (m.can_read(cid) or m.can_write(cid)):
            raise NotFoundError(f"no collection {cid} in API root {root}")
        if write and not m.can_write(cid):
            raise ForbiddenError(f"member {m.name!r} may not write to collection {cid}")
        if not write and not m.can_read(cid):
            raise ForbiddenError(f"member {m.name!r} may not read collection {cid}")
        return str(cid)

    async def discovery(self, request: Request) -> Response:
        await self._member(request)
        roots = await run_in_threadpool(self.store.api_roots)
        base = str(request.base_url).rstrip("/")
        urls = [f"{base}/{r}/" for r in roots]
        body: dict[str, Any] = {"title": self.cfg.title,
                                "description": "distillguard intel exchange", "api_roots": urls}
        if urls:
            body["default"] = urls[0]
        return _json(body)

    async def api_root(self, request: Request) -> Response:
        await self._member(request)
        root = request.path_params["api_root"]
        if root not in await run_in_threadpool(self.store.api_roots):
            raise NotFoundError(f"no API root {root}")
        return _json({"title": f"{self.cfg.title}: {root}", "versions": [TAXII_MEDIA],
                      "max_content_length": self.cfg.max_post_bytes})

    async def status(self, request: Request) -> Response:
        await self._member(request)
        return _json(await run_in_threadpool(self.store.status, request.path_params["api_root"],
                                             request.path_params["status_id"]))

    @staticmethod
    def _coll_resource(c: dict[str, Any], m: Member) -> dict[str, Any]:
        return {"id": c["id"], "title": c["title"], "description": c["description"],
                "can_read": m.can_read(c["id"]), "can_write": m.can_write(c["id"]),
                "media_types": [MEDIA_TYPE]}

    async def collections(self, request: Request) -> Response:
        m = await self._member(request)
        colls = await run_in_threadpool(self.store.collections, request.path_params["api_root"])
        visible = [self._coll_resource(c, m) for c in colls
                   if m.can_read(c["id"]) or m.can_write(c["id"])]
        return _json({"collections": visible} if visible else {})

    async def one_collection(self, request: Request) -> Response:
        m = await self._member(request)
        cid = request.path_params["collection_id"]
        colls = await run_in_threadpool(self.store.collections, request.path_params["api_root"])
        for c in colls:
            if c["id"] == cid and (m.can_read(cid) or m.can_write(cid)):
                return _json(self._coll_resource(c, m))
        raise NotFoundError(f"no collection {cid}")

    async def get_objects(self, request: Request) -> Response:
        m = await self._member(request)
        cid = await self._collection(request, m)
        page = await run_in_threadpool(self.store.query, cid, _filters(request),
                                       limit=_limit(request),
                                       cursor=request.query_params.get("next"))
        return Response(_envelope(page), media_type=TAXII_MEDIA, headers=_page_headers(page))

    async def post_objects(self, request: Request) -> Response:
        m = await self._member(request)
        cid = await self._collection(request, m, write=True)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ("application/taxii+json", "application/stix+json", "application/json"):
            raise UnsupportedMediaError(f"POST needs Content-Type {TAXII_MEDIA}, got {ctype!r}")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.cfg.max_post_bytes:
            raise PayloadTooLargeError(f"body of {declared} bytes exceeds max_content_length "
                                       f"{self.cfg.max_post_bytes}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.cfg.max_post_bytes:
                raise PayloadTooLargeError(
                    f"body exceeds max_content_length {self.cfg.max_post_bytes}")
            chunks.append(chunk)
        try:
            envelope = orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError as exc:
            raise InputError(f"body is not JSON: {exc}") from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
            raise InputError("body must be a TAXII envelope: {\"objects\": [...]}")
        result = await run_in_threadpool(
            lambda: self.store.add_objects(cid, envelope["objects"],
                                           api_root=request.path_params["api_root"],
                                           strict=self.cfg.strict,
                                           max_object_bytes=self.cfg.max_object_bytes))
        return _json(result, status=202)

    async def object_by_id(self, request: Request) -> Response:
        m = await self._member(request)
        oid = request.path_params["object_id"]
        if request.method == "DELETE":
            cid = await self._collection(request, m, write=True)
            if not m.can_read(cid):
                raise ForbiddenError("deleting needs read and write rights")
            await run_in_threadpool(self.store.delete_object, cid, oid, _filters(request))
            return Response(status_code=200, media_type=TAXII_MEDIA)
        cid = await self._collection(request, m)
        base = _filters(request)
        flt = Filters(base.added_after, (oid,), (), base.versions, base.spec_versions)
        if not await run_in_threadpool(self.store.has_object, cid, oid):
            raise NotFoundError(f"no object {oid}")
        page = await run_in_threadpool(self.store.query, cid, flt, limit=_limit(request),
                                       cursor=request.query_params.get("next"))
        return Response(_envelope(page), media_type=TAXII_MEDIA, headers=_page_headers(page))

    async def versions(self, request: Request) -> Response:
        m = await self._member(request)
        cid = await self._collection(request, m)
        oid = request.path_params["object_id"]
        if not await run_in_threadpool(self.store.has_object, cid, oid):
            raise NotFoundError(f"no object {oid}")
        page = await run_in_threadpool(self.store.versions, cid, oid, _filters(request),
                                       limit=_limit(request),
                                       cursor=request.query_params.get("next"))
        body: dict[str, Any] = {"more": page.more, "versions": [r[1] for r in page.rows]}
        if page.next:
            body["next"] = page.next
        return _json(body, headers=_page_headers(page))

    async def manifest(self, request: Request) -> Response:
        m = await self._member(request)
        cid = await self._collection(request, m)
        page = await run_in_threadpool(self.store.query, cid, _filters(request),
                                       limit=_limit(request),
                                       cursor=request.query_params.get("next"), with_body=False)
        body: dict[str, Any] = {"more": page.more}
        if page.next:
            body["next"] = page.next
        if page.rows:
            body["objects"] = [{"id": r[0], "date_added": us_to_ts(r[2]), "version": r[1],
                                "media_type": MEDIA_TYPE} for r in page.rows]
        return _json(body, headers=_page_headers(page))

    async def objects(self, request: Request) -> Response:
        return await (self.post_objects(request) if request.method == "POST"
                      else self.get_objects(request))


def create_app(store: TaxiiStore, config: ServerConfig | None = None) -> Starlette:
    api = _Endpoints(store, config or ServerConfig())
    prefix = "/{api_root}/collections/{collection_id}"
    routes = [
        Route("/taxii2/", api.discovery, methods=["GET"]),
        Route("/{api_root}/", api.api_root, methods=["GET"]),
        Route("/{api_root}/status/{status_id}/", api.status, methods=["GET"]),
        Route("/{api_root}/collections/", api.collections, methods=["GET"]),
        Route(prefix + "/", api.one_collection, methods=["GET"]),
        Route(prefix + "/objects/", api.objects, methods=["GET", "POST"]),
        Route(prefix + "/objects/{object_id}/", api.object_by_id, methods=["GET", "DELETE"]),
        Route(prefix + "/objects/{object_id}/versions/", api.versions, methods=["GET"]),
        Route(prefix + "/manifest/", api.manifest, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={DistillguardError: _error})
