"""Reading a hunt: the queue's order, what changed since the previous hunt, bad rows
named by file and line, labels that `hunt train` reads, redaction."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.console.casebook import Casebook
from distillguard.console.findings import QueueFilter, build_queue, load, page, priority
from distillguard.console.labels import write_labels
from distillguard.console.traffic import redact
from distillguard.ingest import read_labels
from distillguard.schema import RecordError

SECRET = b"test secret"


def _rewrite(hunt: Path, change: dict[str, tuple[str, str]]) -> None:
    """Set (verdict, cluster) of some accounts in accounts.csv."""
    path = hunt / "accounts.csv"
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        if r[0] in change:
            r[2], r[3] = change[r[0]]
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_changes_since_the_previous_hunt(hunted: Path, tmp_path: Path) -> None:
    book = Casebook(f"sqlite:///{tmp_path / 'c.db'}")
    first = load(hunted, SECRET)
    build_queue(first, None)
    book.record_hunt(first.hunt_id, "1", first.flagged)
    assert first.changes == {"previous_hunt": 0}
    again = tmp_path / "hunt2"
    shutil.copytree(hunted, again)
    # the campaign recruits user-1; user-2 starts harvesting alone; lone-1 is blocked now
    _rewrite(again, {"user-1": ("block", "C0001"), "user-2": ("review", ""),
                     "lone-1": ("block", "")})
    second = load(again, SECRET)
    assert second.hunt_id != first.hunt_id
    prev = book.previous_hunt(second.hunt_id)
    assert prev == first.hunt_id
    build_queue(second, book.hunt_members(prev))
    by = {q.key: q for q in second.queue}
    assert by["C0001"].change == "+1 / -0 accounts since the last hunt"
    assert by[second.accounts["user-2"].ref].change == "newly flagged"
    assert by[second.accounts["lone-1"].ref].change == "review -> block"
    assert second.changes["new_accounts"] == 1 and second.changes["changed_campaigns"] == 1
    changed, n = page(second, QueueFilter(changed=True), 1, 50)
    assert n == 3 and all(q.change for q in changed)
    book.close()


def test_queue_order_is_the_priority(hunted: Path) -> None:
    f = load(hunted, SECRET)
    build_queue(f, None)
    assert [q.priority for q in f.queue] == sorted((q.priority for q in f.queue), reverse=True)
    assert priority(0.9, 10, 1000) > priority(0.9, 1, 1000) > priority(0.9, 1, 10)
    assert priority(0.9, 10_000, 0) < 20 * priority(0.9, 10, 0)  # logs keep it in reach


def test_a_bad_row_names_its_file_and_line(hunted: Path, tmp_path: Path) -> None:
    bad = tmp_path / "hunt"
    shutil.copytree(hunted, bad)
    lines = (bad / "accounts.csv").read_text().splitlines()
    lines[3] = "x,not-a-risk,block,,"
    (bad / "accounts.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordError) as err:
        load(bad, SECRET)
    assert err.value.line == 4 and "risk" in str(err.value)
    assert str(bad / "accounts.csv") in str(err.value)


def test_labels_file_is_what_hunt_train_reads(tmp_path: Path) -> None:
    book = Casebook(f"sqlite:///{tmp_path / 'c.db'}")
    book.decide("ana", "h", "campaign", "C0001", "confirm", "distiller", "harvest_pattern",
                "", ("a1", "a2", "a3"))
    book.decide("bo", "h", "account", "a2", "relabel", "benign", "misattributed", "", ("a2",))
    book.decide("ana", "h", "campaign", "C0002", "false_positive", "benign",
                "enterprise_org", "", ("b1",))
    n = write_labels(book.decisions(), tmp_path / "labels.csv")
    labels = {lab.account_id: lab for lab in read_labels(tmp_path / "labels.csv")}
    assert n == 4 and set(labels) == {"a1", "a2", "a3", "b1"}
    assert labels["a1"].label == "distiller" and labels["a1"].campaign == "C0001"
    assert labels["a2"].label == "benign" and labels["a2"].campaign is None
    assert labels["b1"].label == "benign"
    book.close()


@given(st.text(max_size=300))
def test_redaction_keeps_shape_and_drops_every_letter_and_digit(text: str) -> None:
    out = redact(text)
    assert len(out) == min(len(text), 1200)
    assert not any(ch.isdigit() and ch != "9" for ch in out)
    assert all((not c.isalpha()) or c in "xX" or not o.isalpha() for c, o in zip(out, text,
                                                                               strict=False))
    assert all(o == c for o, c in zip(text, out, strict=False) if not (o.isalnum() or
                                                                      o == "_"))


def test_an_analysts_lift_ends_the_watchs_hold() -> None:
    from distillguard.console.enforcement import apply
    from distillguard.gateway.linkage import LinkBook
    from distillguard.gateway.verdicts import External

    book = LinkBook(verdicts={"a": External("block", "held since x: harvest", "watch"),
                              "b": External("block", "harvest", "watch")},
                    held={"a": "2026-05-04T18:00:00Z", "b": "2026-05-05T00:00:00Z"})
    lifted = apply(book, {"verdicts": {"a": None}}, ["p1"])
    assert "a" not in lifted.verdicts and lifted.held == {"b": "2026-05-05T00:00:00Z"}


def test_a_decision_overrides_the_next_hunt_without_an_export(rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The console writes every decision where the hunt reads them
    # (DISTILLGUARD_HUNT_DECISIONS); the next hunt of the same traffic follows the analyst.
    import csv

    from distillguard.detect import hunt
    from distillguard.settings import Settings

    labels = tmp_path / "decisions" / "labels.csv"
    rig.bench.decisions_path = labels
    analyst = rig.bench.analysts.verify_token(rig.tokens["analyst"])
    cid = next(iter(rig.bench.findings.campaigns))
    members = rig.bench.campaign(cid).members
    rig.bench.decide(analyst, "campaign", cid, "false_positive", "eval_research", "a lab")
    rows = list(csv.DictReader(labels.read_text().splitlines()))
    assert {r["account_id"] for r in rows} == set(members)
    assert {r["label"] for r in rows} == {"benign"}
    summary = rig.bench.findings.summary
    out = hunt(summary["inputs"]["events"], summary["inputs"]["accounts"], tmp_path / "next",
               engine="duckdb", settings=Settings(hunt_decisions=str(labels)))
    with (out.out_dir / "accounts.csv").open() as fh:
        after = {r["account_id"]: r for r in csv.DictReader(fh)}
    assert all(after[m]["verdict"] == "allow" and after[m]["cluster_id"] == ""
               for m in members)
