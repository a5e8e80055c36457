"""Acting at the gateways: a decision becomes verdicts in the book the continuous hunt
publishes (:class:`~distillguard.gateway.door.Channel`, Redis across replicas), with
an undo.

A push takes the book in force, overlays the decision (a confirmed campaign: every
member ``block`` and the campaign ``block``; a false positive: the members' verdicts
and the campaign, with its linkage keys, removed) and publishes the result as a new
version, so every replica swaps to it on its next poll. What the overlay replaced is
kept with the push; undo publishes the book in force with those entries put back and
the later pushes that touch the same accounts applied again.

The continuous hunt republishes its own book every cycle; :meth:`Enforcer.follow`
(run by the console every few seconds) re-applies the active pushes when it sees a
version the console did not publish, so an analyst's decision outlives the next cycle
(replicas may serve the hunt's version until the console's follows, one poll later).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from distillguard.console.casebook import Casebook, Decision, Push
from distillguard.gateway.door import Channel
from distillguard.gateway.linkage import EMPTY, Campaign, LinkBook
from distillguard.gateway.verdicts import External
from distillguard.schema.errors import ConflictError, NotFoundError

log = logging.getLogger("distillguard.console")
SOURCE: Final = "console"
MARK: Final = "console_pushes"


def overlay_for(decision: Decision) -> dict[str, Any]:
    """What a decision sets in the book: ``None`` removes an entry."""
    why = (f"analyst {decision.analyst}: {decision.action.replace('_', ' ')} "
           f"({decision.reason_code})")
    block = decision.label == "distiller"
    verdicts = {m: (["block", why, SOURCE] if block else None) for m in decision.members}
    campaigns: dict[str, Any] = {}
    if decision.target_kind == "campaign":
        cid = decision.target_id
        campaigns[cid] = ["block", len(decision.members), why] if block else None
    return {"verdicts": verdicts, "campaigns": campaigns}


def _entry(ext: External | None) -> list[str] | None:
    return [ext.tier, ext.reason, ext.source] if ext is not None else None


def apply(book: LinkBook, overlay: dict[str, Any], pushes: list[str]) -> LinkBook:
    """``book`` with ``overlay`` applied (removing a campaign drops its keys)."""
    verdicts = dict(book.verdicts)
    for acc, e in overlay.get("verdicts", {}).items():
        if e is None:
            verdicts.pop(acc, None)
        else:
            verdicts[acc] = External(*e)
    campaigns = dict(book.campaigns)
    keys = {k: dict(v) for k, v in book.keys.items()}
    for cid, c in overlay.get("campaigns", {}).items():
        if c is None:
            campaigns.pop(cid, None)
            for vals in keys.values():
                for value in [v for v, ids in vals.items() if cid in ids]:
                    rest = tuple(i for i in vals[value] if i != cid)
                    if rest:
                        vals[value] = rest
                    else:
                        del vals[value]
        else:
            campaigns[cid] = Campaign(cid, c[0], int(c[1]), c[2])
    stats = {**book.stats, MARK: pushes}
    # An analyst's lift ends the watch's hold on a block (the next cycle keeps no hold
    # for an account the book no longer blocks).
    held = {a: t for a, t in book.held.items()
            if a in verdicts and verdicts[a].tier == "block"}
    return LinkBook(book.version, book.published_at, verdicts, campaigns, keys,
                    book.record_keys, stats, held)


class Enforcer:
    def __init__(self, channel: Channel, casebook: Casebook) -> None:
        self.channel = channel
        self.casebook = casebook
        self.published = 0

    async def current(self) -> LinkBook:
        v = await self.channel.version()
        return (await self.channel.fetch(v) if v else None) or EMPTY

    def _prior(self, book: LinkBook, overlay: dict[str, Any]) -> dict[str, Any]:
        camp = {cid: ([c.tier, c.members, c.reason] if (c := book.campaigns.get(cid)) else None)
                for cid in overlay.get("campaigns", {})}
        return {"verdicts": {a: _entry(book.verdicts.get(a)) for a in overlay["verdicts"]},
                "campaigns": camp}

    async def push(self, analyst: str, decision: Decision) -> Push:
        if self.casebook.pushes(active_only=True, decision_id=decision.decision_id):
            raise ConflictError("this decision is already in force at the gateways",
                                details={"decision_id": decision.decision_id})
        book = await self.current()
        overlay = overlay_for(decision)
        active = [p.push_id for p in self.casebook.pushes(active_only=True)]
        new = apply(book, overlay, active + ["(new)"])
        version = await self.channel.publish(new)
        self.published = version
        push = self.casebook.add_push(analyst, decision.decision_id, version, overlay,
                                      self._prior(book, overlay))
        return push

    async def undo(self, analyst: str, push_id: str) -> int:
        pushes = self.casebook.pushes()
        mine = next((p for p in pushes if p.push_id == push_id), None)
        if mine is None:
            raise NotFoundError(f"no push {push_id!r}", details={"push_id": push_id})
        if mine.undone_at is not None:
            raise ConflictError("this push was already undone", details={"push_id": push_id})
        touched = set(mine.overlay.get("verdicts", {})) | set(mine.overlay.get("campaigns", {}))
        later = [p for p in pushes if p.seq > mine.seq and p.undone_at is None and touched & (
            set(p.overlay.get("verdicts", {})) | set(p.overlay.get("campaigns", {})))]
        active = [p.push_id for p in pushes if p.undone_at is None and p.push_id != push_id]
        book = apply(await self.current(), mine.prior, active)
        for p in later:
            book = apply(book, p.overlay, active)
        version = await self.channel.publish(book)
        self.published = version
        self.casebook.undo_push(analyst, push_id, version)
        return version

    async def follow(self) -> int | None:
        """Re-apply the active pushes over a book the console did not publish."""
        book = await self.current()
        if book.version in (0, self.published) or MARK in book.stats:
            return None
        active = self.casebook.pushes(active_only=True)
        if not active:
            return None
        ids = [p.push_id for p in active]
        for p in active:
            book = apply(book, p.overlay, ids)
        version = await self.channel.publish(book)
        self.published = version
        self.casebook.audit("console", "push:reapply", f"book:{version}", pushes=len(ids))
        log.info("console: re-applied %d pushes over a new hunt book (version %d)",
                 len(ids), version)
        return version
