"""Policy enforcement: parse the request, score the account online, combine
with verdicts decided elsewhere, then allow, safeguard, throttle, ask for
step-up verification or block.

The reloadable parts (policy, scorer, verdict book) sit in one
:class:`Runtime` that a reload swaps whole, so a request never sees half of
an old policy and half of a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from distillguard.features.linkage import request_keys
from distillguard.gateway.door import Door, conversation_digests
from distillguard.gateway.layers import (
    ASGIApp,
    Exchange,
    Receive,
    Scope,
    Send,
    exchange_of,
    ip_prefix,
    refuse,
)
from distillguard.gateway.metrics import Metrics
from distillguard.gateway.policy import Policy
from distillguard.gateway.scoring import Score, Scorer
from distillguard.gateway.signals import SignalFn
from distillguard.gateway.state import Bucket, StateStore, StateUnavailable, TakeResult
from distillguard.gateway.verdicts import SEVERITY, External, VerdictBook
from distillguard.gateway.wire import WireError
from distillguard.schema import NormalizedRequest, normalize_request

log = logging.getLogger("distillguard.gateway")


@dataclass(frozen=True, slots=True)
class Runtime:
    policy: Policy
    scorer: Scorer
    book: VerdictBook


def make_runtime(policy: Policy, verdicts: str = "", blocklists: tuple[str, ...] = ()
                 ) -> Runtime:
    scorer = Scorer(review=policy.review_threshold, block=policy.block_threshold,
                    min_requests=policy.min_requests, weights=policy.weights)
    book = VerdictBook(verdicts or policy.verdicts_path,
                       tuple(dict.fromkeys(policy.blocklist_paths + blocklists)), policy.poll_s)
    return Runtime(policy, scorer, book)


BLOCK_MESSAGE = (
    "This account is blocked: its traffic matches automated extraction of model outputs "
    "(distillation), which the usage policies prohibit. Reason: {reason}. "
    "Contact support with request id {rid} to appeal."
)
STEP_UP_MESSAGE = (
    "Additional verification is required before this account can continue: complete "
    "identity verification at {url}, then retry. Request id {rid}."
)


class Enforce:
    def __init__(self, app: ASGIApp, *, runtime: Callable[[], Runtime], state: StateStore,
                 signal_fn: SignalFn, metrics: Metrics, fail_mode: str = "open",
                 door: Door | None = None) -> None:
        self.app = app
        self.door = door
        self.runtime = runtime
        self.state = state
        self.signal_fn = signal_fn
        self.metrics = metrics
        self.fail_mode = fail_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)
        err = await self.decide(ex)
        if err is not None:
            await refuse(send, ex, err)
            return
        await self.app(scope, receive, send)

    async def _at_the_door(self, ex: Exchange, view: NormalizedRequest,
                           requests_seen: float | None) -> External | None:
        """A campaign this request links to, or a conversation refused to another account."""
        door = self.door
        assert door is not None and ex.key is not None
        account = ex.key.account_id
        ex.conversation = conversation_digests(view)
        known = door.verdict(account)
        if known is not None:
            return known
        if door.book.keys and requests_seen is not None and \
                requests_seen <= door.quiet_requests:
            linked = await door.link(account, requests_seen,
                                     request_keys(view, ex.ip, ip_prefix(ex.ip)))
            if linked is not None:
                return linked
        return await door.handoff(account, ex.key.org_id, ex.conversation)

    async def _refused(self, ex: Exchange, why: str) -> None:
        if self.door is not None and ex.key is not None and ex.conversation[0]:
            try:
                await self.door.refused(ex.key.account_id, ex.key.org_id, ex.conversation[0],
                                        why)
            except Exception as exc:  # noqa: BLE001 - the refusal stands without the map
                self.door.errors += 1
                log.error("hand-off map unavailable: %s", exc)

    def _parse(self, ex: Exchange, rt: Runtime) -> WireError | None:
        try:
            ex.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return WireError(400, "invalid_encoding",
                             f"request body is not valid UTF-8 (byte {exc.start})")
        try:
            obj: Any = orjson.loads(ex.body)
        except orjson.JSONDecodeError as exc:
            return WireError(400, "invalid_json", f"request body is not valid JSON: {exc}")
        if not isinstance(obj, dict):
            return WireError(400, "invalid_request",
                             f"request body must be a JSON object, got {type(obj).__name__}")
        ex.request = obj
        model = obj.get("model")
        if not isinstance(model, str) or not model:
            return WireError(400, "missing_model", "'model' is required and must be a string")
        ex.model = model
        if rt.policy.models and model not in rt.policy.models:
            return WireError(404, "model_not_found",
                             f"the model {model!r} does not exist or is not served here")
        return None

    def _unavailable(self, ex: Exchange) -> WireError | None:
        self.metrics.state_unavailable.labels(self.fail_mode).inc()
        if self.fail_mode == "closed":
            return WireError(503, "state_unavailable",
                             "the gateway cannot reach its state store; retry shortly",
                             retry_after_s=1.0)
        ex.degraded = True
        return None

    @staticmethod
    def _buckets(rt: Runtime, ex: Exchange) -> list[Bucket]:
        assert ex.key is not None
        limits = rt.policy.limits
        buckets = []
        if "account" in limits:
            buckets.append(Bucket(f"account:{ex.key.account_id}", limits["account"].rate,
                                  limits["account"].burst))
        if "key" in limits:
            buckets.append(Bucket(f"key:{ex.key.key_id}", limits["key"].rate,
                                  limits["key"].burst))
        if "org" in limits and ex.key.org_id:
            buckets.append(Bucket(f"org:{ex.key.org_id}", limits["org"].rate,
                                  limits["org"].burst))
        return buckets

    async def decide(self, ex: Exchange) -> WireError | None:
        rt = self.runtime()
        err = self._parse(ex, rt)
        if err is not None:
            return err
        assert ex.key is not None and ex.request is not None
        account = ex.key.account_id
        view = normalize_request(ex.endpoint, ex.request)
        online = "allow"
        take: TakeResult | None = None
        score: Score | None = None
        seen: float | None = None  # requests of this account seen online, this one included
        try:
            # one round trip: the account's running sums and its buckets together (a
            # request refused below for its tier has still spent a token: harmless)
            state, take = await self.state.observe_and_take(
                account, self.signal_fn(view), self._buckets(rt, ex))
            score = rt.scorer.score(state)
            seen = state.n
            ex.risk = round(score.risk, 4)
            online = score.verdict
        except StateUnavailable:
            err = self._unavailable(ex)
            if err is not None:
                return err
        tier = online
        ext = rt.book.lookup(account)
        if self.door is not None:
            try:
                door_ext = await self._at_the_door(ex, view, seen)
            except Exception as exc:  # noqa: BLE001 - Redis down: the files still apply
                self.door.errors += 1
                log.error("door check unavailable: %s", exc)
                door_ext = None
            if door_ext is not None and (ext is None or
                                         SEVERITY[door_ext.tier] > SEVERITY[ext.tier]):
                ext = door_ext
        if ext is not None and SEVERITY[ext.tier] >= SEVERITY[tier]:
            tier, reason = ext.tier, f"{ext.reason} ({ext.source})"
        else:
            reason = (score.reasons() if score else "") or "online risk score"
        tp = rt.policy.tiers[tier]
        action = tp.action
        if tier == "review" and action != "block" and ex.key.kyc_level in rt.policy.step_up_kyc:
            action = "step_up"
        ex.tier, ex.action = tier, action
        self.metrics.verdicts.labels(tier, action).inc()
        if action == "block":
            msg = tp.message or BLOCK_MESSAGE.format(reason=reason, rid=ex.request_id)
            await self._refused(ex, f"blocked: {reason}"[:300])
            return WireError(tp.status, "account_blocked", msg)
        if action == "step_up":
            return WireError(403, "verification_required",
                             STEP_UP_MESSAGE.format(url=rt.policy.step_up_url, rid=ex.request_id))
        if take is not None and take.allowed and action == "throttle" and tp.limit is not None:
            try:
                take = await self.state.take([Bucket(f"throttle:{account}", tp.limit.rate,
                                                     tp.limit.burst)])
            except StateUnavailable:
                return self._unavailable(ex)
        if take is not None and not take.allowed:
            scope_name = take.limited_by.split(":", 1)[0]
            await self._refused(ex, f"rate limited by its {scope_name}")
            return WireError(429, "rate_limited",
                             f"rate limit of this {scope_name} exceeded; retry after "
                             f"{take.retry_after_s:.2f}s", retry_after_s=take.retry_after_s)
        if action == "safeguard":
            ex.safeguards = tp.safeguards
        return None
