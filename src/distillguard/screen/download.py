"""Fetching the official list files by URL (``lists update --download``).

The URLs are configuration (``lists.download`` in screen.yaml: file name ->
URL), so a mirror or a local fixture server can stand in for the agencies.
Files land in a dated directory that ``update_store`` then parses like any
other; a failed download is an error naming the URL and nothing is replaced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import httpx

from distillguard.schema.errors import InputError

TIMEOUT = 120.0


def download(
    urls: Mapping[str, str],
    directory: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    today: dt.date | None = None,
) -> str:
    """Fetch every ``name -> url`` into ``directory/<today>/name``; returns the
    source spec ``DIR@YYYY-MM-DD`` for :func:`update_store`."""
    if not urls:
        raise InputError("no download URLs configured (lists.download in the screen config)")
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    out = directory / day
    out.mkdir(parents=True, exist_ok=True)
    with httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=True) as client:
        for name, url in urls.items():
            if "/" in name or name.startswith("."):
                raise InputError(f"download file name {name!r} must be a plain file name")
            try:
                with client.stream("GET", url) as resp:
                    if resp.status_code != 200:
                        raise InputError(
                            f"{url}: HTTP {resp.status_code}", details={"url": url, "file": name}
                        )
                    part = out / (name + ".part")
                    with part.open("wb") as fh:
                        for block in resp.iter_bytes():
                            fh.write(block)
                    part.replace(out / name)
            except httpx.HTTPError as exc:
                raise InputError(f"{url}: {exc}", details={"url": url, "file": name}) from exc
    return f"{out}@{day}"
