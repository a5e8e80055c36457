from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.screen.latin import latin_tokens


def test_legal_forms_and_punctuation_are_dropped() -> None:
    assert latin_tokens("ANGLO-CARIBBEAN CO., LTD.") == ("anglo", "caribbean")
    assert latin_tokens("Société Générale S.A.") == ("societe", "generale")
    assert latin_tokens("OOO Roga i Kopyta") == ("roga", "kopyta")


def test_name_made_only_of_legal_words_is_kept() -> None:
    assert latin_tokens("Holding Co.") == ("holding", "co")


def test_abbreviations_expand() -> None:
    assert latin_tokens("Harbin Inst. of Tech.") == ("harbin", "institute", "technology")


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


def test_more_legal_forms_are_dropped() -> None:
    # Kyrgyz, Turkish and transliterated Russian legal forms (leave-alias-out misses).
    assert latin_tokens("Profflab OSOO") == ("profflab",)
    assert latin_tokens("Karasani Dis Ticaret Limited Sirketi") == ("karasani", "dis", "ticaret")
    assert latin_tokens("Aktsionernogo Obshchestva Kompaniya Vega") == ("vega",)


def test_ordinals_messrs_and_lab() -> None:
    assert latin_tokens("CETC 32nd Research Institute") == ("cetc", "32", "research", "institute")
    assert latin_tokens("711th Institute") == ("711", "institute")
    assert latin_tokens("M/S TROJANS") == ("trojans",)
    assert latin_tokens("Zhangjiang Lab") == ("zhangjiang", "laboratory")
    assert latin_tokens("AR Sales Privat Ltd") == ("ar", "sales")  # Private (Pvt) with a typo
