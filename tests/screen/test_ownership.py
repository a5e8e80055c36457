"""Ownership and jurisdiction rules as written: which lists carry which rule,
cycles, possible owners, impossible shares, parents' countries, HK/MO, bad rows."""

from __future__ import annotations

import csv
import datetime as dt
import tracemalloc
from pathlib import Path

import pytest

from distillguard.screen.config import load_config
from distillguard.screen.customers import JurisdictionPolicy, jurisdiction_of
from distillguard.screen.jurisdiction import load_rules
from distillguard.screen.model import Entity
from distillguard.screen.ownership import (
    MAX_PATHS,
    Holding,
    ListedOwner,
    evaluate_ownership,
    parent_countries,
    read_holdings,
)
from distillguard.screen.scoring import Screener
from distillguard.screen.service import Context, listed_owner, ownership_overrides

from .screen_entities import ENTITIES

RULE = load_config().ownership
IN_FORCE = dt.date(2026, 11, 27)
SUSPENDED = dt.date(2026, 6, 1)
EL = ListedOwner("Huawei [EL]", "el-1", "EL", frozenset({"bis"}))
SDN = ListedOwner("Bank [SDN]", "ofac-1", "SDN", frozenset({"ofac"}))
UVL = ListedOwner("Unverified Co [UVL]", "uvl-1", "UVL", frozenset())


@pytest.fixture(scope="module")
def ctx() -> Context:
    extra = [
        Entity("u1", "UVL", "Lumen Optical Trading Company", "entity", (), (), ("CN",)),
        Entity("p1", "PLC", "Khalil Abdel Rahman", "individual", (), (), ("PS",)),
        Entity("s1", "SDN", "Rosneft Trading S.A.", "entity", (), (), ("CH",)),
    ]
    return Context(Screener([*ENTITIES, *extra], load_config()), load_config(), load_rules(), {})


def test_cross_holdings_are_cycle_safe_and_bounded() -> None:
    # Ten holdcos owning each other in a ring and all across, one listed owner.
    ids = [f"H{i}" for i in range(10)]
    holdings = [Holding("L", ids[0], 0.6)]
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j and b != ids[0]:
                holdings.append(Holding(a, b, 0.1 if j != (i + 1) % 10 else 0.1))
    tracemalloc.start()
    found = evaluate_ownership(holdings, {"L": EL}, RULE, IN_FORCE)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 2**20
    assert found[ids[0]].decision == "match"
    for f in found.values():
        assert len(f.paths) <= MAX_PATHS and len(f.reason()) < 1500
        for p in f.paths:
            hops = [s.split(" -")[0] for s in p.split("-> ")[1:]]
            assert len(hops) == len(set(hops)), p  # no party twice on one path


def test_two_holdcos_owning_each_other_print_simple_paths() -> None:
    holdings = [
        Holding("A", "B", 0.6),
        Holding("B", "A", 0.6),
        Holding("L", "A", 0.4),
        Holding("B", "C", 1.0),
    ]
    found = evaluate_ownership(holdings, {"L": EL}, RULE, IN_FORCE)
    assert found["A"].status == "significant_minority"
    assert "B" not in found or found["B"].decision != "match"
    assert all(len(f.reason()) < 300 for f in found.values())


def test_ofac_rule_is_not_suspended_with_the_bis_rule() -> None:
    holdings = [Holding("S", "X", 0.6), Holding("E", "Y", 0.6)]
    found = evaluate_ownership(holdings, {"S": SDN, "E": EL}, RULE, SUSPENDED)
    assert (found["X"].status, found["X"].decision) == ("blocked", "match")
    assert (found["Y"].status, found["Y"].decision) == ("affiliate", "review")
    assert found["Y"].rule_status == "suspended" and found["X"].rule_status == "in_force"
    # The two rules do not add up: 30% SDN + 30% Entity List is neither rule's 50%.
    mixed = evaluate_ownership(
        [Holding("S", "Z", 0.3), Holding("E", "Z", 0.3)], {"S": SDN, "E": EL}, RULE, IN_FORCE
    )
    assert mixed["Z"].status == "significant_minority" and mixed["Z"].decision == "review"


def test_lists_without_an_ownership_rule_do_not_make_affiliates(ctx: Context) -> None:
    uvl = listed_owner(ctx, "Lumen Optical Trading Co")
    plc = listed_owner(ctx, "Khalil Abdel Rahman")
    assert uvl is not None and uvl.rules == frozenset() and uvl.list == "UVL"
    assert plc is not None and plc.rules == frozenset() and plc.list == "PLC"
    holdings = [Holding("u", "A", 0.6), Holding("p", "B", 0.6)]
    found = evaluate_ownership(holdings, {"u": uvl, "p": plc}, RULE, IN_FORCE)
    for party in ("A", "B"):
        assert found[party].status == "owned_no_rule" and found[party].decision == "clear"
    assert "carries no ownership rule" in found["A"].reason()


def test_review_level_owner_is_kept_with_its_trace(ctx: Context) -> None:
    maybe = listed_owner(ctx, "Rosnefte Tradings", "CH")
    assert maybe is not None and not maybe.confirmed and "possible match" in maybe.label
    got = ownership_overrides(
        ctx, [Holding("o1", "cust", 0.7, "Rosnefte Tradings", "CH")], IN_FORCE
    )["cust"]
    assert got.decision == "review" and "possible match" in got.reason
    assert got.entity_id == "s1" and got.list == "SDN"


def test_ownership_only_match_names_the_listed_entity(ctx: Context) -> None:
    got = ownership_overrides(
        ctx, [Holding("o1", "cust", 0.7, "Rosneft Trading S.A.", "CH")], IN_FORCE
    )["cust"]
    assert (got.decision, got.entity_id, got.list) == ("match", "s1", "SDN")


def test_shares_over_100_percent_are_rejected_for_that_party_only() -> None:
    holdings = [
        Holding("L", "A", 0.9, line=2),
        Holding("Y", "A", 0.9, line=3),
        Holding("L", "B", 0.6, line=4),
    ]
    found = evaluate_ownership(holdings, {"L": EL}, RULE, IN_FORCE)
    assert found["A"].status == "invalid" and found["A"].decision == "review"
    assert "180%" in found["A"].reason() and "lines 2, 3" in found["A"].reason()
    assert found["B"].decision == "match"


def test_parents_countries_from_declared_owners() -> None:
    holdings = [
        Holding("cn1", "sg", 0.6, owner_country="CN"),
        Holding("us1", "sg", 0.4, owner_country="US"),
        Holding("hk1", "cn1", 1.0, owner_country="HK"),  # the ultimate parent
        Holding("a", "split", 0.3, owner_country="China"),
        Holding("b", "split", 0.3, owner_country="CN"),
    ]
    got = parent_countries("sg", holdings, RULE.parent_share, {})
    assert set(got) == {"CN", "HK"}
    split = parent_countries("split", holdings, RULE.parent_share, {})
    assert set(split) == {"CN"}, split  # 30% + 30% from China is a Chinese parent
    rules = load_rules()
    dec, column, reason = jurisdiction_of(JurisdictionPolicy(rules), "SG", got)
    assert dec == "deny" and "ultimate parent" in reason and "model_api=deny" in column


@pytest.mark.parametrize("place", ["HK", "Hong Kong", "MO", "Macau"])
def test_hong_kong_and_macau_are_ruled_as_china(place: str) -> None:
    rules = load_rules()
    j = rules.evaluate("model_api", place)
    assert j.decision == "deny" and "CN" in j.reason
    assert rules.evaluate("gpu_cloud", "SG", [place]).decision == "review"


@pytest.mark.parametrize("country", ["", "Atlantis", "ZZ"])
def test_unknown_country_is_review_not_allow(country: str) -> None:
    rules = load_rules()
    for product in rules.products:
        j = rules.evaluate(product, country)
        assert j.decision == "review" and j.rule == "unknown-country"
    assert rules.evaluate("model_api", "DE", ["Atlantis"]).decision == "review"
    assert rules.evaluate("model_api", "DE").decision == "allow"


def test_bad_ownership_rows_are_quarantined_not_the_batch(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    owners = write(
        "owners.csv",
        "customer_id,owner_id,owner_name,owner_country,share\n"
        "c1,o1,Someone,US,lots\n"
        "c2,o2,Other,US,60%\n"
        ",o3,Nobody,US,10%\n"
        "c4,c4,Self,US,10%\n"
        "c5,o5,Big,US,150%\n",
    )
    got = read_holdings(owners)
    assert [h.owned for h in got.holdings] == ["c2"]
    assert [(q["line"], q["customer_id"]) for q in got.quarantined] == [
        (2, "c1"),
        (4, ""),
        (5, "c4"),
        (6, "c5"),
    ]
    assert "share 'lots' is not a number" in got.quarantined[0]["reason"]


def test_batch_with_bad_owner_rows_and_jurisdiction(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from distillguard.cli.main import cli

    env = {
        "DISTILLGUARD_DATA_DIR": str(tmp_path / "var"),
        "DISTILLGUARD_SCREEN_LISTS_DIR": str(tmp_path / "store"),
    }
    write(
        "lists/sdn.csv",
        '306,"BANCO NACIONAL DE CUBA",-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
    )
    runner = CliRunner()
    r = runner.invoke(
        cli, ["screen", "lists", "update", "--from", f"{tmp_path / 'lists'}@2026-11-20"], env=env
    )
    assert r.exit_code == 0, r.output
    cust = write(
        "c.csv",
        "customer_id,name,country,address\n"
        "a,Alpha Widgets,US,\nb,Beta Widgets,SG,\nc,Gamma Widgets,,\nd,Delta Widgets,CN,\n",
    )
    owners = write(
        "o.csv",
        "customer_id,owner_id,owner_name,owner_country,share\n"
        "a,x,Someone,US,lots\n"
        "b,y,Shenzhen Holdco,CN,100%\n",
    )
    r = runner.invoke(
        cli,
        [
            "screen",
            "customers",
            "--customers",
            str(cust),
            "--out",
            str(tmp_path / "out"),
            "--owners",
            str(owners),
            "--workers",
            "1",
            "--format",
            "json",
        ],
        env=env,
    )
    assert r.exit_code == 0, r.output
    text = (tmp_path / "out" / "matches.csv").read_text(encoding="utf-8")
    rows = {row["customer_id"]: row for row in csv.DictReader(text.splitlines())}
    assert rows["a"]["decision"] == "review" and "unusable" in rows["a"]["reasons"]
    assert rows["b"]["decision"] == "deny" and "ultimate parent in CN" in rows["b"]["reasons"]
    assert rows["c"]["decision"] == "review" and "no country given" in rows["c"]["reasons"]
    assert rows["d"]["decision"] == "deny" and rows["d"]["list_decision"] == "clear"
    assert {row["lists_as_of"] for row in rows.values()} == {"2026-11-20"}
    q = list(csv.DictReader((tmp_path / "out" / "owners_quarantine.csv").read_text().splitlines()))
    assert [(x["line"], x["customer_id"]) for x in q] == [("2", "a")]
