from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.screen.countries import countries_in, country_code
from distillguard.screen.normalize import align, latin_tokens, renderings


def test_legal_forms_and_punctuation_are_dropped() -> None:
    assert latin_tokens("ANGLO-CARIBBEAN CO., LTD.") == ("anglo", "caribbean")
    assert latin_tokens("Société Générale S.A.") == ("societe", "generale")
    assert latin_tokens("OOO Roga i Kopyta") == ("roga", "kopyta")


def test_name_made_only_of_legal_words_is_kept() -> None:
    assert latin_tokens("Holding Co.") == ("holding", "co")


def test_abbreviations_expand() -> None:
    assert latin_tokens("Harbin Inst. of Tech.") == ("harbin", "institute", "technology")


def test_han_is_folded_and_romanised() -> None:
    simp = renderings("商汤集团有限公司")
    trad = renderings("商湯集團有限公司")
    assert simp == trad
    assert simp[0].tokens == ("shang", "tang")
    assert simp[0].syllables


def test_han_gloss_translates_business_words() -> None:
    glossed = renderings("深圳市大疆创新科技有限公司")[-1]
    assert "technology" in glossed.tokens
    assert "shi" not in renderings("深圳市大疆创新科技有限公司")[0].tokens


def test_cyrillic_and_mixed_scripts() -> None:
    assert renderings("Россельхозбанк")[0].tokens == ("rosselkhozbank",)
    # A Latin "c" hidden in a Cyrillic word, and Cyrillic letters in a Latin word.
    assert renderings("Росcельхозбанк") == renderings("Россельхозбанк")
    assert renderings("VТB Bаnk")[0].tokens == ("vtb", "bank")


def test_align_resegments_pinyin() -> None:
    assert align(("shen", "zhen", "da", "jiang"), frozenset({"shenzhen", "dajiang"})) == (
        "shenzhen",
        "dajiang",
    )


def test_countries() -> None:
    assert country_code("People's Republic of China") == "CN"
    assert country_code("中国") == "CN"
    assert country_code("cn") == "CN"
    assert country_code("Atlantis") == ""
    assert countries_in("5 Main St, Moscow, Russia") == ("RU",)


@given(st.text(max_size=60))
def test_renderings_never_fail_and_give_clean_tokens(text: str) -> None:
    for r in renderings(text):
        assert r.tokens
        assert all(t and " " not in t for t in r.tokens)


@given(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma", "delta", "ltd", "co", "of"]),
        min_size=1,
        max_size=5,
    )
)
def test_latin_tokens_idempotent(words: list[str]) -> None:
    once = latin_tokens(" ".join(words))
    assert latin_tokens(" ".join(once)) == once


def test_align_joins_syllables_close_to_a_listed_word() -> None:
    from distillguard.screen.normalize import align

    listed = frozenset({"moer", "xianchen"})
    assert align(("mo", "er", "xian", "cheng"), listed) == ("moer", "xiancheng")
    # Short runs are never joined on similarity alone.
    assert align(("li", "an"), frozenset({"liang"})) == ("li", "an")
