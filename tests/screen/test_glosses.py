from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.screen.glosses import gloss_tokens, gloss_word
from distillguard.screen.normalize import renderings


def test_romanised_generic_words_have_english() -> None:
    assert gloss_word("zavod") == ("plant",)
    assert gloss_word("nauchno") == ("scientific",)
    assert gloss_word("issledovatelskiy") == ("research",)
    assert gloss_word("proizvodstvennoe") == ("production",)
    assert gloss_word("priborov") == ("instruments",)
    assert gloss_word("npo") == ("scientific", "production", "association")
    assert gloss_word("ticaret") == ("trade",)
    assert gloss_word("aviatsii") == ("aviation",)
    # The united corporation is not an association: the longer stem wins.
    assert gloss_word("obedinennaya") == ("united",)
    assert gloss_word("obedinenie") == ("association",)
    # An adjective made from a place is the place.
    assert gloss_word("muromski") == ("murom",)
    assert gloss_word("kazanskii") == ("kazan",)


def test_english_and_unknown_words_are_left_alone() -> None:
    assert gloss_word("severe") is None  # English, though "sever" is a stem
    assert gloss_word("more") is None
    assert gloss_word("granit") is None
    assert gloss_word("vympel") is None
    assert gloss_tokens(("acme", "widgets")) == ("acme", "widgets")


def test_a_romanised_name_gets_an_english_rendering_beside_its_own() -> None:
    got = [r.tokens for r in renderings("AO Nauchno-Proizvodstvennoe Obedinenie Avrora")]
    assert got == [
        ("nauchno", "proizvodstvennoe", "obedinenie", "avrora"),
        ("scientific", "production", "association", "avrora"),
    ]
    # Legal forms and stop words the English brings are dropped like any other.
    assert [r.tokens for r in renderings("OOO Trast Grupp")][-1] == ("trast",)
    assert [r.tokens for r in renderings("Acme Trading Ltd")] == [("acme", "trading")]


@given(st.lists(st.sampled_from(["zavod", "granit", "nii", "ve", "acme", "byuro"]), max_size=6))
def test_glossing_is_idempotent_and_never_empties_a_name(words: list[str]) -> None:
    toks = tuple(words)
    once = gloss_tokens(toks)
    assert gloss_tokens(once) == once
    assert bool(once) == bool(toks)
