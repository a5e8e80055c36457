from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.screen.model import Entity
from distillguard.screen.scoring import Query, Screener

from .screen_entities import ENTITIES


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


def _screener(*entities: Entity) -> Screener:
    from distillguard.screen.config import load_config

    filler = [
        Entity(f"f{i}", "EL", f"{w} University", "entity", (), (), ("CN",))
        for i, w in enumerate(("Beijing", "Nanjing", "Wuhan", "Xian", "Chengdu", "Shanghai"))
    ]
    filler.append(Entity("f9", "EL", "Harbin Institute of Technology", "entity", (), (), ("CN",)))
    return Screener([*entities, *filler], load_config())


def test_a_distinguishing_extra_word_keeps_a_different_party_below_match() -> None:
    s = _screener(Entity("t", "EL", "Tianjin University", "entity", (), (), ("CN",)))
    assert _decide(s, "Tianjin University", country="CN") == ("match", "t")
    q = Query("Tianjin University of Technology", "CN")
    assert s.screen(q).decision != "match"
    from distillguard.screen.normalize import renderings

    m = s.score_entity(q, renderings(q.name), 0)  # scored even if not a candidate
    assert m.score < 0.9 and any(f.name == "extra_words" and f.value > 0 for f in m.features)
    # A place added to the name is a branch, not a different party.
    assert _decide(s, "Tianjin University Beijing", country="CN") == ("match", "t")


def test_typo_only_agreement_and_vessels_are_review_at_most() -> None:
    s = _screener(
        Entity("v", "SDN", "Oceanic Star", "vessel", ("MIDSEA",), (), ()),
        Entity("m", "EL", "Midasco Trading", "entity", (), (), ()),
    )
    d = s.screen(Query("Midsea"))
    assert d.decision == "review" and any(f.name == "review_cap" for f in d.best.features)  # type: ignore[union-attr]
    assert s.screen(Query("Midasko Tradinq")).decision != "match"  # no word spelled as listed


def test_rare_word_short_name_and_mixed_script() -> None:
    s = _screener(
        Entity(
            "h",
            "EL",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "entity",
            ("杭州海康威视数字技术股份有限公司",),
            (),
            ("CN",),
        )
    )
    d = s.screen(Query("Hikvision", "CN"))
    assert d.decision in ("review", "match") and d.best is not None
    assert any(f.name == "rare_word" for f in d.best.features)
    assert _decide(s, "杭州海康威视数字技术 Co., Ltd.", country="CN") == ("match", "h")
    assert _decide(s, "Hangzhou Hik Vision Digital Technology", country="CN") == ("match", "h")


def test_a_shared_distinctive_word_is_review_with_the_same_country_only() -> None:
    s = _screener(
        Entity("a", "EL", "Beijing Anwise Technology Co., Ltd.", "", (), (), ("CN",)),
        Entity("f", "SDN", "La Florida Investments Group LLC", "entity", (), (), ("US",)),
        Entity("p", "DPL", "SALGADO, Demetrio", "", (), (), ("MX",)),
    )
    d = s.screen(Query("Anwise Global", "CN"))
    assert d.decision == "review" and d.best is not None and d.best.entity.entity_id == "a"
    assert any(f.name == "distinctive_word" for f in d.best.features)
    # Without a country that agrees, one shared word is not enough.
    assert s.screen(Query("Anwise Global")).decision == "clear"
    assert s.screen(Query("Anwise Global", "DE")).decision == "clear"
    # An ordinary English word, or a person's surname, is no such word.
    assert s.screen(Query("Florida State University", "US")).decision == "clear"
    assert s.screen(Query("Salgado Logistics", "MX")).decision == "clear"


def test_an_acronym_of_the_listed_name_is_review_but_not_the_other_way_round() -> None:
    s = _screener(
        Entity("n", "EL", "Nanjing Electronic Devices Institute", "", (), (), ("CN",)),
        Entity("r", "EL", "JSC Scientific Research Institute of Aircraft Equipment (NIIAO)"),
        Entity("u", "SDN", "USC Ltd", "entity", (), (), ()),
    )
    assert _decide(s, "NEDI", country="CN") == ("review", "n")
    # Stop words and legal forms left out, a parenthesised acronym set aside.
    assert _decide(s, "SRIAE") == ("review", "r")
    assert _decide(s, "JSC SRIAE") == ("review", "r")
    # A long name whose initials spell a listed acronym is no evidence.
    assert s.screen(Query("University of Southern California", "US")).decision == "clear"


def test_romanisations_of_one_name_share_a_consonant_skeleton() -> None:
    from distillguard.screen.keys import skeleton

    assert skeleton("vympel") == skeleton("vimpel") != ""
    assert skeleton("oboronlogistics") == skeleton("oboronlogistika")
    assert skeleton("trast") == skeleton("trust")
    assert skeleton("nedi") == ""  # too few consonants to block on
    s = _screener(Entity("o", "EL", "Oboronlogistika, OOO", "", (), (), ("RU",)))
    # Two letters apart: found through the skeleton, review at most (no word spelled alike).
    assert _decide(s, "Oboronlogistics LLC", country="RU") == ("review", "o")


def test_a_romanised_russian_name_meets_its_translation() -> None:
    s = _screener(
        Entity(
            "g", "EL", "Joint Stock Company Eastern Defense Enterprise Granit", "", (), (), ("RU",)
        ),
        Entity("v", "EL", "JSC Shipyard Vympel", "", (), (), ("RU",)),
    )
    assert _decide(s, "AO Vostochnoe Oboronnoe Predpriyatie Granit", country="RU")[1] == "g"
    assert _decide(s, "AO Vostochnoe Oboronnoe Predpriyatie Granit", country="RU")[0] != "clear"
    assert _decide(s, "Acme Zavod", country="RU")[0] == "clear"


def test_compounds_written_joined_or_spaced_meet() -> None:
    s = _screener(
        Entity("s", "EL", "Space Star Technology Co., Ltd.", "", (), (), ("CN",)),
        Entity("c", "EL", "Corezing International", "", (), (), ("SG",)),
    )
    assert _decide(s, "Spacestar", country="CN") == ("review", "s")
    assert _decide(s, "Core Zing", country="SG") == ("review", "c")
    assert _decide(s, "Spacecraft", country="CN")[0] == "clear"


def test_an_acronym_names_the_alias_it_abbreviates_among_many() -> None:
    aliases = tuple(f"Shahed Aviation Branch {w}" for w in ("Alpha", "Beta", "Gamma", "Delta"))
    s = _screener(
        Entity(
            "h",
            "EL",
            "Shahed Aviation Industries",
            "",
            (*aliases, "Shahed Aviation Industries Research Center"),
            (),
            ("IR",),
        )
    )
    d = s.screen(Query("SAIRC", country="IR"))
    assert d.decision == "review" and d.best is not None
    assert d.best.matched_name == "Shahed Aviation Industries Research Center"


def test_a_group_name_on_many_listed_subsidiaries_is_review() -> None:
    cities = ("Shanghai", "Beijing", "Hangzhou", "Guangzhou", "Chengdu", "Wuhan", "Xian")
    group = [
        Entity(f"b{i}", "EL", f"{c} Biren Technology Co., Ltd.", "", (), (), ("CN",))
        for i, c in enumerate(cities)
    ]
    s = _screener(*group)
    decision, best = _decide(s, "Biren", country="CN")
    assert decision == "review" and best.startswith("b")
    # An ordinary English word shared by as many names is no group name.
    s = _screener(
        *[
            Entity(f"t{i}", "EL", f"{c} Tiger Trading", "", (), (), ("CN",))
            for i, c in enumerate(cities)
        ]
    )
    assert _decide(s, "Tiger", country="CN")[0] == "clear"


def test_another_numbered_unit_of_one_parent_is_not_the_party() -> None:
    s = _screener(
        Entity(
            "a",
            "EL",
            "China State Shipbuilding Corporation 716th Research Institute",
            "",
            (),
            (),
            ("CN",),
        ),
        Entity(
            "b",
            "EL",
            "China State Shipbuilding Corporation 711th Research Institute",
            "",
            (),
            (),
            ("CN",),
        ),
    )
    d = s.screen(Query("China State Shipbuilding Corporation 711 Research Institute", "CN"))
    assert d.decision == "match" and d.best is not None and d.best.entity.entity_id == "b"
    other = next(
        m
        for m in s.matches(
            Query("China State Shipbuilding Corporation 711 Research Institute", "CN")
        )
        if m.entity.entity_id == "a"
    )
    assert any(f.name == "number_conflict" for f in other.features)
    assert other.score < 0.9
