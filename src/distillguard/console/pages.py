"""The console's pages: server-rendered HTML (Jinja2, autoescaped) on Starlette, the
project's ASGI stack, with the one JSON error shape for JSON clients.

Every POST is a form carrying the session's CSRF token (the sign-in form carries
one bound to a pre-session cookie); a POST without it, or with another session's,
is refused with 403 before anything happens. Pages set a strict Content-Security
-Policy: scripts only from the console's own static files (the vendored
Cytoscape.js among them), nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from distillguard.console.analysts import Session
from distillguard.console.findings import QueueFilter, page
from distillguard.console.sharing import TLP_LEVELS
from distillguard.console.workbench import REASON_CODES, Workbench, require
from distillguard.schema.errors import (
    AuthError,
    DistillguardError,
    InputError,
    PayloadTooLargeError,
)

log = logging.getLogger("distillguard.console")
HERE = Path(__file__).parent
SESSION_COOKIE: Final = "dgc_session"
PRE_COOKIE: Final = "dgc_pre"
PAGE_SIZE: Final = 50
MAX_FORM: Final = 64 * 1024
HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
}
Handler = Callable[[Request, Session], Awaitable[Response]]


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body (the only kind the console's forms send); first value wins."""
    if "form" in request.state._state:
        return dict(request.state.form)
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    body = await request.body()
    if len(body) > MAX_FORM:
        raise PayloadTooLargeError(f"form larger than {MAX_FORM} bytes")
    if body and ctype != "application/x-www-form-urlencoded":
        raise InputError(f"form must be application/x-www-form-urlencoded, got {ctype!r}",
                         details={"content_type": ctype})
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as exc:
        raise InputError(f"form is not UTF-8: {exc}") from exc
    out: dict[str, str] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    request.state.form = out
    return dict(out)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["pct"] = lambda v: f"{float(v):.0%}"
    env.filters["json"] = lambda v: orjson.dumps(v).decode().replace("</", "<\\/")
    return env


def create_app(bench: Workbench, *, follow_s: float = 5.0, secure_cookies: bool = False,
               warm_up: bool = True) -> Starlette:
    env = _env()

    def render(name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(**ctx)
        return HTMLResponse(html, status_code=code, headers=HEADERS)

    def fail(request: Request, exc: DistillguardError, sess: Session | None = None
             ) -> Response:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=HEADERS)
        return render("error.html.j2", exc.http_status, error=exc, me=sess.analyst
                      if sess else None, csrf=sess.csrf if sess else "")

    def page_handler(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            sess: Session | None = None
            try:
                cookie = request.cookies.get(SESSION_COOKIE)
                if not cookie:
                    raise AuthError("not signed in")
                sess = bench.analysts.session(cookie)
                if request.method == "POST":
                    bench.analysts.check_csrf(sess.csrf, (await read_form(request)).get("csrf"))
                return await fn(request, sess)
            except AuthError as exc:
                if request.method == "GET" and "json" not in request.headers.get("accept", ""):
                    return RedirectResponse("/login?" + urlencode({"next": request.url.path}),
                                            303)
                return fail(request, exc)
            except DistillguardError as exc:
                return fail(request, exc, sess)
        return run

    async def form(request: Request) -> dict[str, str]:
        return await read_form(request)

    # -- sign in ------------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        nonce = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        resp = render("login.html.j2", csrf=bench.analysts.login_csrf(nonce),
                      next=request.query_params.get("next", "/"), error=None, me=None)
        resp.set_cookie(PRE_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=secure_cookies)
        return resp

    async def login(request: Request) -> Response:
        f = await form(request)
        try:
            bench.analysts.check_csrf(
                bench.analysts.login_csrf(request.cookies.get(PRE_COOKIE, "")), f.get("csrf"))
            analyst = bench.analysts.verify_token(f.get("token", ""))
        except DistillguardError as exc:
            return fail(request, exc)
        cookie, _ = bench.analysts.open_session(analyst)
        nxt = f.get("next", "/")
        # only a path of this site: to a browser, //host and /<backslash>host are others
        local = nxt.startswith("/") and not nxt.startswith(("//", "/\\"))
        resp = RedirectResponse(nxt if local else "/", 303)
        resp.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict",
                        secure=secure_cookies, max_age=12 * 3600)
        return resp

    async def logout(request: Request, sess: Session) -> Response:
        bench.analysts.close_session(request.cookies.get(SESSION_COOKIE, ""))
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    # -- reading ------------------------------------------------------------------------------

    async def queue(request: Request, sess: Session) -> Response:
        qp = request.query_params
        try:
            flt = QueueFilter(kind=qp.get("kind", ""), verdict=qp.get("verdict", ""),
                              min_risk=float(qp.get("min_risk") or 0.0),
                              changed=qp.get("changed") == "1", text=qp.get("q", "").strip())
            number = max(1, int(qp.get("page") or 1))
        except ValueError as exc:
            raise InputError(f"bad filter: {exc}", details={"field": "min_risk/page"}) from exc
        items, total = page(bench.findings, flt, number, PAGE_SIZE)
        status = {d.target_id: d for d in bench.casebook.decisions()
                  if d.hunt_id == bench.findings.hunt_id or d.target_kind == "account"}
        keep = {k: v for k, v in qp.items() if k != "page"}
        return render("queue.html.j2", me=sess.analyst, csrf=sess.csrf, items=items,
                      total=total, number=number, pages=max(1, -(-total // PAGE_SIZE)),
                      flt=flt, query=urlencode(keep), status=status, bench=bench,
                      changes=bench.findings.changes, summary=bench.findings.summary)

    async def campaign_view(request: Request, sess: Session, raw: bool = False) -> Response:
        cid = request.path_params["cid"]
        c = bench.campaign(cid)
        me = sess.analyst
        samples = await asyncio.to_thread(bench.samples, me, c.members, raw=raw,
                                           target=f"campaign:{cid}")
        evidence = bench.findings.evidence(c.members[0]) if c.members else None
        decisions = bench.decisions_for("campaign", cid)
        pushes = {d.decision_id: bench.casebook.pushes(decision_id=d.decision_id)
                  for d in decisions}
        exports = {d.decision_id: bench.casebook.exports(d.decision_id) for d in decisions}
        members = [(bench.findings.accounts[m], bench.who(me, m)) for m in c.members[:500]]
        return render("campaign.html.j2", me=me, csrf=sess.csrf, c=c, samples=samples,
                      raw=raw, evidence=evidence, decisions=decisions, pushes=pushes,
                      exports=exports, members=members, reasons=REASON_CODES,
                      timeline=await asyncio.to_thread(bench.timeline, c.members),
                      tlps=TLP_LEVELS, can_export=bench.intel is not None,
                      can_push=bench.enforcer is not None)

    async def campaign_raw(request: Request, sess: Session) -> Response:
        return await campaign_view(request, sess, raw=True)

    async def graph_json(request: Request, sess: Session) -> Response:
        data = await asyncio.to_thread(bench.graph, sess.analyst, request.path_params["cid"])
        return JSONResponse(data, headers=HEADERS)

    async def account_view(request: Request, sess: Session, raw: bool = False) -> Response:
        ref = request.path_params["ref"]
        acc_id = bench.account_id(ref)
        a = bench.findings.accounts[acc_id]
        me = sess.analyst
        samples = await asyncio.to_thread(bench.samples, me, (acc_id,), raw=raw,
                                           target=f"account:{ref}")
        return render("account.html.j2", me=me, csrf=sess.csrf, a=a, who=bench.who(me, acc_id),
                      evidence=bench.findings.evidence(acc_id), samples=samples, raw=raw,
                      volume=bench.findings.volume.get(acc_id, 0),
                      history=bench.casebook.decisions(account=acc_id),
                      links=await asyncio.to_thread(bench.links, me, acc_id),
                      reasons=REASON_CODES, timeline=await asyncio.to_thread(
                          bench.timeline, (acc_id,)))

    async def account_raw(request: Request, sess: Session) -> Response:
        return await account_view(request, sess, raw=True)

    # -- deciding and acting ------------------------------------------------------------------

    async def decide_campaign(request: Request, sess: Session) -> Response:
        f = await form(request)
        cid = request.path_params["cid"]
        bench.decide(sess.analyst, "campaign", cid, f.get("action", ""),
                     f.get("reason_code", ""), f.get("note", ""))
        return RedirectResponse(f"/campaign/{cid}", 303)

    async def decide_account(request: Request, sess: Session) -> Response:
        f = await form(request)
        ref = request.path_params["ref"]
        bench.decide(sess.analyst, "account", ref, "relabel", f.get("reason_code", ""),
                     f.get("note", ""), label=f.get("label", ""))
        return RedirectResponse(f"/account/{ref}", 303)

    def back(did: str) -> str:
        d = bench.casebook.decision(did)
        if d.target_kind == "campaign":
            return f"/campaign/{d.target_id}"
        return f"/account/{bench.findings.accounts[d.target_id].ref}"

    async def push(request: Request, sess: Session) -> Response:
        did = request.path_params["did"]
        await bench.push(sess.analyst, did)
        return RedirectResponse(back(did), 303)

    async def undo(request: Request, sess: Session) -> Response:
        pid = request.path_params["pid"]
        did = next(p.decision_id for p in bench.casebook.pushes() if p.push_id == pid) \
            if any(p.push_id == pid for p in bench.casebook.pushes()) else ""
        await bench.undo(sess.analyst, pid)
        return RedirectResponse(back(did) if did else "/", 303)

    async def export(request: Request, sess: Session) -> Response:
        did = request.path_params["did"]
        f = await form(request)
        await bench.export(sess.analyst, did, f.get("tlp", ""))
        return RedirectResponse(back(did), 303)

    async def labels_csv(request: Request, sess: Session) -> Response:
        rows = bench.labels(sess.analyst)
        body = "account_id,label,campaign\n" + "".join(f"{a},{lab},{c}\n" for a, lab, c in rows)
        return Response(body, media_type="text/csv", headers={
            **HEADERS, "Content-Disposition": "attachment; filename=labels.csv"})

    async def audit(request: Request, sess: Session) -> Response:
        require(sess.analyst, "admin")
        number = max(1, int(request.query_params.get("page") or 1))
        rows = bench.casebook.audit_log(limit=100, offset=(number - 1) * 100)
        return render("audit.html.j2", me=sess.analyst, csrf=sess.csrf, rows=rows,
                      number=number, chain=bench.casebook.verify_audit())

    async def health(request: Request) -> Response:
        f = bench.findings
        return JSONResponse({"status": "ok", "hunt": f.hunt_id, "accounts": len(f.accounts),
                             "campaigns": len(f.campaigns), "queue": len(f.queue),
                             "events": bench.traffic.available})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        # the linkage keys take seconds on a large hunt: computed before anyone asks
        warm = asyncio.get_running_loop().create_task(asyncio.to_thread(bench.warm)) \
            if warm_up else None
        if bench.enforcer is not None and follow_s > 0:
            async def follow() -> None:
                assert bench.enforcer is not None
                while True:
                    try:
                        await bench.enforcer.follow()
                    except Exception as exc:  # noqa: BLE001 - a failed poll: try again later
                        log.warning("console: following the gateway book failed: %s", exc)
                    await asyncio.sleep(follow_s)
            task = asyncio.get_running_loop().create_task(follow())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if warm is not None:
                try:
                    await warm
                except Exception as exc:  # noqa: BLE001 - a failed warm-up is redone on use
                    log.warning("console: warm-up failed: %s", exc)

    P = page_handler
    return Starlette(lifespan=lifespan, routes=[
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", P(logout), methods=["POST"]),
        Route("/", P(queue), methods=["GET"]),
        Route("/campaign/{cid}", P(campaign_view), methods=["GET"]),
        Route("/campaign/{cid}/raw", P(campaign_raw), methods=["POST"]),
        Route("/campaign/{cid}/graph.json", P(graph_json), methods=["GET"]),
        Route("/campaign/{cid}/decide", P(decide_campaign), methods=["POST"]),
        Route("/account/{ref}", P(account_view), methods=["GET"]),
        Route("/account/{ref}/raw", P(account_raw), methods=["POST"]),
        Route("/account/{ref}/decide", P(decide_account), methods=["POST"]),
        Route("/decision/{did}/push", P(push), methods=["POST"]),
        Route("/decision/{did}/export", P(export), methods=["POST"]),
        Route("/push/{pid}/undo", P(undo), methods=["POST"]),
        Route("/labels.csv", P(labels_csv), methods=["GET"]),
        Route("/audit", P(audit), methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])

