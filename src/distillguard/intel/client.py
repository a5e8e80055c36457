"""`distillguard intel pull`: fetch a TAXII 2.1 collection into a local directory.

The directory holds ``objects.jsonl`` (every object version once) and
``state.json`` (the ``added_after`` to resume from, the server and collection).
A page is appended and the state advanced only after the page is on disk, so an
interrupted pull resumes where it stopped and a repeated pull adds nothing twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import orjson

from distillguard.schema.errors import (
    AuthError,
    DistillguardError,
    ForbiddenError,
    InputError,
    NotFoundError,
    UpstreamError,
)

TAXII_MEDIA: Final = "application/taxii+json;version=2.1"
OBJECTS_FILE: Final = "objects.jsonl"
STATE_FILE: Final = "state.json"


@dataclass(frozen=True, slots=True)
class PullReport:
    collection: str
    pages: int
    received: int
    new: int
    added_after: str | None
    out_dir: str

    def as_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def _raise_for(resp: httpx.Response, what: str) -> None:
    if resp.status_code < 400:
        return
    try:
        detail = resp.json().get("title") or resp.text[:300]
    except ValueError:
        detail = resp.text[:300]
    cls: type[DistillguardError] = {400: InputError, 401: AuthError, 403: ForbiddenError,
                                    404: NotFoundError}.get(resp.status_code, UpstreamError)
    raise cls(f"{what}: HTTP {resp.status_code}: {detail}",
              details={"url": str(resp.request.url), "status": resp.status_code})


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


class TaxiiClient:
    def __init__(self, url: str, *, token: str | None = None, user: str | None = None,
                 password: str | None = None, transport: httpx.BaseTransport | None = None,
                 timeout: float = 60.0) -> None:
        headers = {"Accept": TAXII_MEDIA}
        auth: tuple[str, str] | None = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            auth = (user, password or "")
        self.url = url.rstrip("/") + "/"
        self.http = httpx.Client(headers=headers, auth=auth, transport=transport,
                                 timeout=timeout)

    def api_root(self) -> str:
        """``url`` itself, or the default API root when ``url`` is a discovery endpoint."""
        if not self.url.endswith("/taxii2/"):
            return self.url
        resp = self.http.get(self.url)
        _raise_for(resp, "discovery")
        root = resp.json().get("default") or (resp.json().get("api_roots") or [None])[0]
        if not root:
            raise NotFoundError(f"{self.url} lists no API root")
        return str(httpx.URL(self.url).join(root)).rstrip("/") + "/"

    def get_page(self, root: str, collection: str, params: dict[str, str]) -> httpx.Response:
        resp = self.http.get(f"{root}collections/{collection}/objects/", params=params)
        _raise_for(resp, f"collection {collection}")
        return resp

    def post(self, root: str, collection: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        resp = self.http.post(f"{root}collections/{collection}/objects/",
                              content=orjson.dumps({"objects": objects}),
                              headers={"Content-Type": TAXII_MEDIA})
        _raise_for(resp, f"collection {collection}")
        return dict(resp.json())

    def close(self) -> None:
        self.http.close()


def _load_state(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(f"{path}: unreadable pull state ({exc}); delete it to pull from "
                         "the start") from exc
    return dict(state) if isinstance(state, dict) else {}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _seen(path: Path) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    if path.is_file():
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    obj = orjson.loads(line)
                    out.add((str(obj.get("id")), _version(obj)))
    return out


def pull(client: TaxiiClient, collection: str, out_dir: str | Path, *, limit: int = 1000,
         max_pages: int | None = None,
         on_page: Callable[[int, int], None] | None = None) -> PullReport:
    """Fetch what is new since the last pull; ``on_page(pages, objects)`` reports progress."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_path, objects_path = out / STATE_FILE, out / OBJECTS_FILE
    state = _load_state(state_path)
    root = client.api_root()
    if state and (state.get("api_root"), state.get("collection")) != (root, collection):
        raise InputError(f"{out} holds a pull of {state.get('collection')} from "
                         f"{state.get('api_root')}; use another --out directory")
    seen = _seen(objects_path)
    added_after = state.get("added_after")
    pages = received = new = 0
    nxt: str | None = state.get("next")  # resume inside an interrupted listing
    with objects_path.open("ab") as fh:
        while max_pages is None or pages < max_pages:
            params = {"limit": str(limit)}
            if added_after:
                params["added_after"] = added_after
            if nxt:
                params["next"] = nxt
            try:
                resp = client.get_page(root, collection, params)
            except (InputError, UpstreamError, NotFoundError):
                if not nxt:
                    raise
                nxt = None  # the peer forgot its paging state: list again from added_after
                continue
            body = resp.json()
            objs = body.get("objects") or []
            pages += 1
            received += len(objs)
            for obj in objs:
                key = (str(obj.get("id")), _version(obj))
                if key not in seen:
                    seen.add(key)
                    fh.write(orjson.dumps(obj) + b"\n")
                    new += 1
            fh.flush()
            os.fsync(fh.fileno())
            if on_page is not None:
                on_page(pages, received)
            more = bool(body.get("more")) and bool(body.get("next"))
            last = resp.headers.get("X-TAXII-Date-Added-Last")
            if not more and last:
                # Only a finished listing moves the resume point: a next token is only
                # valid together with the added_after it was issued for.
                added_after = last
            _write_atomic(state_path, json.dumps({"api_root": root, "collection": collection,
                                                  "added_after": added_after,
                                                  "next": body.get("next") if more else None},
                                                 indent=2))
            if not more:
                break
            nxt = str(body["next"])
    return PullReport(collection, pages, received, new, added_after, str(out))


def push(client: TaxiiClient, collection: str, bundle: str | Path, *,
         batch: int = 1000) -> dict[str, Any]:
    """POST the objects of a bundle (or objects file) in batches; one merged status."""
    from distillguard.intel.match import load_objects

    objects = load_objects(bundle)
    root = client.api_root()
    total = {"total_count": 0, "success_count": 0, "failure_count": 0}
    failures: list[dict[str, Any]] = []
    for start in range(0, len(objects), max(1, batch)):
        status = client.post(root, collection, objects[start:start + batch])
        for k in total:
            total[k] += int(status.get(k, 0))
        failures.extend(status.get("failures", []))
    return {**total, "failures": failures[:20]}
