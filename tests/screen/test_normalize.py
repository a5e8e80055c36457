from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distillguard.screen.countries import countries_in, country_code
from distillguard.screen.normalize import acronyms, align, renderings


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


def test_align_joins_syllables_close_to_a_listed_word() -> None:
    listed = frozenset({"moer", "xianchen"})
    assert align(("mo", "er", "xian", "cheng"), listed) == ("moer", "xiancheng")
    # Short runs are never joined on similarity alone.
    assert align(("li", "an"), frozenset({"liang"})) == ("li", "an")


def test_acronyms_with_and_without_stop_words_and_legal_forms() -> None:
    got = acronyms("JSC Scientific Research Institute of Aircraft Equipment (NIIAO)")
    assert {"sriae", "jsriae", "jsrioae"} <= got
    assert acronyms("Metal Paint Products (Pvt) Ltd") >= {"mppl", "mpp"}
    assert acronyms("Two Words") == frozenset() and acronyms("华为技术有限公司") == frozenset()


def test_acronyms_without_a_persons_initials() -> None:
    # ZiD is the plant's initials: Zavod imeni (V.A.) Degtyareva.
    assert "zid" in acronyms("OAO Zavod imeni V.A. Degtyareva")
    assert "zid" not in acronyms("OAO Zavod Degtyareva")
