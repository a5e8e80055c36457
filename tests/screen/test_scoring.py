from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from screen_entities import ENTITIES

from distillguard.screen.scoring import Query, Screener


def _decide(s: Screener, name: str, **kw: str) -> tuple[str, str]:
    d = s.screen(Query(name, **kw))
    return d.decision, d.best.entity.entity_id if d.best else ""


def test_variants_match(small_screener: Screener) -> None:
    s = small_screener
    assert _decide(s, "SZ DJI Technology Company Limited") == ("match", "e1")
    assert _decide(s, "Technology DJI SZ") == ("match", "e1")  # token order
    assert _decide(s, "Harbin Inst. of Tech.") == ("match", "e6")  # abbreviations
    assert _decide(s, "Harbin Instiute of Technology") == ("match", "e6")  # typo
    assert _decide(s, "Bank VTB OAO") == ("match", "e4")  # alias + legal form


def test_cross_script_matches(small_screener: Screener) -> None:
    s = small_screener
    assert _decide(s, "商汤集团") == ("match", "e2")  # simplified vs traditional alias
    assert _decide(s, "深圳市大疆创新科技有限公司") == ("match", "e1")
    assert _decide(s, "Shenzhen Dajiang Chuangxin Keji Youxian Gongsi") == ("match", "e1")  # pinyin
    assert (
        _decide(s, "北京理工大学")[0] == "clear"
    )  # not romanisable to the English name: no false hit
    assert _decide(s, "Шэньчжэнь")[0] == "clear"


def test_hard_negatives_stay_below_match(small_screener: Screener) -> None:
    s = small_screener
    assert _decide(s, "Harbin Engineering University")[0] != "match"
    assert _decide(s, "Beijing Institute of Petrochemical Technology")[0] != "match"
    assert _decide(s, "Acme Widgets Inc")[0] == "clear"


def test_identifier_matches_exactly(small_screener: Screener) -> None:
    d = small_screener.screen(Query("Some Other Name", identifiers=("77020-70139",)))
    assert d.decision == "match" and d.best is not None
    assert d.best.features[0].name == "identifier"
    assert (
        small_screener.screen(Query("Some Other Name", identifiers=("7702070138",))).decision
        == "clear"
    )


def test_country_and_address_qualify(small_screener: Screener) -> None:
    base = small_screener.screen(Query("Harbin Institute of Technology")).best
    agree = small_screener.screen(Query("Harbin Institute of Technology", country="China")).best
    conflict = small_screener.screen(Query("Harbin Institute of Technology", country="France")).best
    assert base and agree and conflict
    assert agree.score >= base.score > conflict.score
    names = {f.name for f in conflict.features}
    assert "country_conflict" in names
    addr = small_screener.screen(
        Query("Beijing Institute of Technology", address="5 South Zhongguancun Street")
    ).best
    assert addr is not None and "address_overlap" in {f.name for f in addr.features}


def test_explanations_carry_weights_and_thresholds(small_screener: Screener) -> None:
    d = small_screener.screen(Query("SenseTime Group"))
    out = d.to_dict()
    assert out["thresholds"] == {"review": 0.8, "match": 0.9}
    feats = {f["feature"]: f for f in out["features"]}
    assert {"name_tokens", "name_sort", "name_compact"} <= set(feats)
    total = sum(f["contribution"] for f in out["features"])
    assert abs(total - out["score"]) < 0.01


@settings(max_examples=60)
@given(st.sampled_from([n for e in ENTITIES for n in e.names]), st.text(max_size=20))
def test_scores_are_bounded_and_names_match_themselves(
    small_screener: Screener, name: str, noise: str
) -> None:
    d = small_screener.screen(Query(name))
    assert d.decision == "match"
    for m in small_screener.matches(Query(name + " " + noise)):
        assert 0.0 <= m.score <= 1.0


def test_empty_name_is_clear_without_candidates(small_screener: Screener) -> None:
    d = small_screener.screen(Query("  "))
    assert d.decision == "clear" and d.best is None


def test_shipped_lists_realistic_queries(shipped_screener: Screener) -> None:
    s = shipped_screener
    assert s.screen(Query("National Bank of Cuba")).decision == "match"
    assert s.screen(Query("Банк ВТБ")).decision == "match"
    assert s.screen(Query("Rosselkhozbank", country="RU")).decision == "match"
    assert s.screen(Query("Northwind Traders Ltd", country="US")).decision == "clear"
