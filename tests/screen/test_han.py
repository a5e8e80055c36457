from __future__ import annotations

from distillguard.screen.han import gloss, has_han, strip_han_legal, to_simplified
from distillguard.screen.normalize import renderings


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


def test_han_helpers() -> None:
    assert has_han("Huawei 华为") and not has_han("Huawei")
    assert to_simplified("華為技術") == "华为技术"
    assert strip_han_legal("华为技术有限公司") == "华为技术"
    assert gloss("华为技术") == ["hua", "wei", "technology"]


def test_places_take_their_conventional_spelling() -> None:
    # Pinyin of 哈尔滨 is "ha er bin"; lists write Harbin.
    assert renderings("哈尔滨工程大学")[-1].tokens == ("harbin", "engineering", "university")
    assert "telecommunications" in renderings("北京邮电大学")[-1].tokens
