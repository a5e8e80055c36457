"""English glosses of the generic words of romanised Russian and Turkish names.

The Entity List writes one Russian party three ways: romanised ("AO Nauchno-
Proizvodstvennoe Obedinenie Avrora"), translated ("Concern Avrora Scientific
Production Association") and abbreviated ("NPO Avrora"). The party's own word
(Avrora, Granit, Vympel) survives every rendering; the generic words around it do
not. A name whose words include romanised generic words gets a second rendering
with those words in English, so the distinctive word meets a rendering it can be
compared with. Only organisation vocabulary is here (what a dictionary gives for
"zavod" or "ticaret"), never a party's own name: a gloss table of names would be a
list of guesses. Han text has its own glosses (:mod:`han`).
"""

from __future__ import annotations

import functools
import re

from distillguard.screen.latin import LEGAL_FORMS, STOPWORDS

# Stems of Russian words (BGN/PCGN-style romanisation) with their English; a word
# is the stem plus an adjective or case ending (see _ENDING). Spelling variants of
# one stem are listed separately (vserossiysk, vserossiisk).
_RU_STEMS = {
    "nauchn": "scientific",
    "issledovatel": "research",
    "proizvodstven": "production",
    "proizvodstv": "production",
    "obedinen": "association",
    "obyedinen": "association",
    "obedinyen": "association",
    "predpriyat": "enterprise",
    "konstruktor": "design",
    "institut": "institute",
    "tsentral": "central",
    "tsentr": "center",
    "gosudarstven": "state",
    "federal": "federal",
    "vserossiy": "all russian",
    "vserossii": "all russian",
    "vserossi": "all russian",
    "rossiy": "russian",
    "rossii": "russian",
    "spetsial": "special",
    "osob": "special",
    "kontsern": "concern",
    "sudostroitel": "shipbuilding",
    "sudostroen": "shipbuilding",
    "sudoremont": "ship repair",
    "mashinostroitel": "machine building",
    "mashinostroen": "machine building",
    "priborostroen": "instrument making",
    "priborostroitel": "instrument making",
    "pribor": "instruments",
    "radiotekhnich": "radio engineering",
    "radiotekhniche": "radio engineering",
    "radioelektron": "radio electronic",
    "radioizmeritel": "radio measuring",
    "izmeritel": "measuring",
    "elektron": "electronic",
    "elektrotekhnich": "electrical engineering",
    "elektrotekhniche": "electrical engineering",
    "elektromekhaniche": "electromechanical",
    "tekhnolog": "technology",
    "teknolog": "technology",
    "tekhnich": "technical",
    "tekhniche": "technical",
    "tekhnik": "engineering",
    "sistem": "systems",
    "kompleks": "complex",
    "opyt": "experimental",
    "eksperimental": "experimental",
    "aviatsion": "aviation",
    "aviatsi": "aviation",
    "remont": "repair",
    "oboron": "defense",
    "fizik": "physics",
    "fiziche": "physical",
    "khimiche": "chemical",
    "optiche": "optical",
    "optik": "optical",
    "mekhaniche": "mechanical",
    "morsk": "marine",
    "akadem": "academy",
    "universitet": "university",
    "upravlen": "directorate",
    "glav": "main",
    "razvedyvatel": "intelligence",
    "ministerstv": "ministry",
    "nauk": "sciences",
    "torgov": "trading",
    "inzhiniring": "engineering",
    "servis": "service",
    "promyshlen": "industrial",
    "energetiche": "power",
    "moskov": "moscow",
    "raket": "missile",
    "kosmiche": "space",
    "korabl": "ship",
    "verf": "shipyard",
    "vertolet": "helicopter",
    "samolet": "aircraft",
    "dvigatel": "engine",
    "stroitel": "construction",
    "oruzh": "arms",
    "oruzhei": "arms",
    "bespilot": "unmanned",
    "svyaz": "communications",
    "avtomatik": "automation",
    "ispytatel": "testing",
    "meditsin": "medicine",
    "voen": "military",
    "vostoch": "eastern",
    "sever": "north",
    "yuzh": "southern",
    "zapad": "western",
    "dalnevostoch": "far eastern",
    "laboratori": "laboratory",
    "tochn": "precision",
    "zavod": "plant",
    "byuro": "bureau",
    "buro": "bureau",
    "imeni": "named after",
    "grupp": "group",
    "obedinenn": "united",
    "obyedinenn": "united",
    "sluzhb": "service",
    "bezopasnost": "security",
    "grazhdan": "civil",
    "proektn": "design",
    "proyektn": "design",
    "tekhnologiche": "technological",
    "informatsion": "information",
    "telekommunikatsion": "telecommunications",
    "telekommunikatsi": "telecommunications",
    "sovremen": "modern",
    "radiosvyaz": "radio communications",
    "issledovani": "research",
    "uchrezhden": "institution",
    "byudzhet": "budgetary",
    "unitar": "unitary",
}
# Russian organisational abbreviations, as whole words.
_RU_ACRONYMS = {
    "nii": "research institute",
    "vnii": "all russian research institute",
    "tsnii": "central research institute",
    "npo": "scientific production association",
    "npp": "scientific production enterprise",
    "gnpp": "state scientific production enterprise",
    "kb": "design bureau",
    "okb": "special design bureau",
    "skb": "special design bureau",
    "tskb": "central design bureau",
    "arz": "aviation repair plant",
}
# Turkish company vocabulary, as whole words (suffixes are part of the word).
_TR_WORDS = {
    "ticaret": "trade",
    "ticari": "trade",
    "dis": "foreign",
    "sanayi": "industry",
    "sanayii": "industry",
    "ithalat": "import",
    "ihracat": "export",
    "havacilik": "aviation",
    "hizmetleri": "services",
    "lojistik": "logistics",
    "insaat": "construction",
    "elektronik": "electronics",
    "makina": "machinery",
    "makine": "machinery",
    "muhendislik": "engineering",
    "teknoloji": "technology",
    "teknolojileri": "technology",
    "savunma": "defense",
    "tasimacilik": "transport",
    "kimya": "chemical",
    "gida": "food",
    "enerji": "energy",
    "danismanlik": "consulting",
    "yazilim": "software",
    "sistemleri": "systems",
    "ve": "",
}
# An ending after a stem: an optional "sk"/"n"/"nn" suffix, then a vowel-led case
# or adjective ending of up to four letters (-iy, -yy, -oe, -aya, -ogo, -ykh, -ov).
_ENDING = re.compile(r"(?:sk|nn|n)?(?:[aeiouy][aeiouyjmgkhv]{0,3})?")
_PLACE_ADJECTIVE = re.compile(r"([a-z]{3,})sk(?:iy|ii|ij|i|y|yy|oe|oye|aya|ogo|ikh|ie|iye)")
_WORDS = {**_RU_ACRONYMS, **_TR_WORDS}
# Stems by their first three letters: a word is tried against a handful, not all.
_STEMS: dict[str, list[str]] = {}
for _stem in sorted(_RU_STEMS, key=len, reverse=True):
    _STEMS.setdefault(_stem[:3], []).append(_stem)


@functools.lru_cache(maxsize=100_000)
def gloss_word(word: str) -> tuple[str, ...] | None:
    """The English of one romanised generic word, None when it is not one. Words
    already English are left alone (an English word never ends a Russian stem)."""
    got = _WORDS.get(word)
    if got is not None:
        return tuple(got.split())
    if len(word) < 4 or not word.isalpha():
        return None
    from distillguard.screen.names import english_words

    if word in english_words():
        # "Severe", "Institute": English already (a stem may begin an English word).
        return None
    for stem in _STEMS.get(word[:3], ()):
        if word.startswith(stem):
            rest = word[len(stem) :]
            if rest and _ENDING.fullmatch(rest) or (not rest and len(stem) >= 5):
                return tuple(_RU_STEMS[stem].split())
    # An adjective made from a place is the place: "Muromski Zavod" is the Murom
    # plant, "Uralskiy" Ural, "Kazanskii" Kazan.
    m = _PLACE_ADJECTIVE.fullmatch(word)
    if m:
        return (m.group(1),)
    return None


@functools.lru_cache(maxsize=200_000)
def gloss_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """``tokens`` with romanised generic words in English (legal forms and stop
    words the English brings are dropped, as they are from any name); the same
    tuple when no word has a gloss."""
    out: list[str] = []
    changed = False
    for t in tokens:
        g = gloss_word(t)
        if g is None:
            out.append(t)
            continue
        changed = True
        out += [w for w in g if w not in LEGAL_FORMS and w not in STOPWORDS]
    return tuple(out) if changed and out else tokens
