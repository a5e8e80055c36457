"""Latin and Cyrillic text: the one place that decides when two spellings are
"the same words".

Names are case-, width- and accent-folded, punctuation-split, abbreviations
expanded and legal-form words (Co., Ltd., GmbH, OOO ...) removed, because a front
company changes its legal form far more cheaply than its name. Cyrillic is
romanised with a fixed table so Russian names in either script meet, and a word
mixing look-alike Latin and Cyrillic letters is folded to its majority script.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_LEGAL_WORDS = """
co company companies corp corporation inc incorporated ltd limited llc plc llp lp gmbh
ag sa sas sarl srl spa bv nv kg oy ab as asa jsc ojsc pjsc cjsc ooo oao zao ao pao tov
pvt private pte bhd sdn fze fzco fzc fzllc wll jv anonima anonyme limitada ltda cia group
holding holdings youxian gongsi gufen zeren jituan obshchestvo ogranichennoy
otvetstvennostyu aktsionernoe tovarystvo otkrytoe zakrytoe publichnoe liability joint
stock aktsionernogo obshchestva kompaniya korporatsiya sirketi sti osoo anonim uab kft
zrt sro tbk eireli sal sae
"""
LEGAL_FORMS = frozenset(_LEGAL_WORDS.split())
# Long legal-form words are also recognised with a typo ("Limtied", "Compnay").
_FUZZY_LEGAL = tuple(sorted(w for w in LEGAL_FORMS if len(w) >= 6))
# Kept apart from LEGAL_FORMS: too ambiguous to drop from the middle of a name.
_STOP_WORDS = "the of and for de la del des du y et der und a an i"
STOPWORDS = frozenset(_STOP_WORDS.split())

ABBREVIATIONS = {
    "intl": "international",
    "int'l": "international",
    "tech": "technology",
    "techn": "technology",
    "technol": "technology",
    "mfg": "manufacturing",
    "nat": "national",
    "sci": "science",
    "univ": "university",
    "lab": "laboratory",
    "labs": "laboratories",
    "inst": "institute",
    "ind": "industry",
    "inds": "industries",
    "eng": "engineering",
    "engg": "engineering",
    "elec": "electronics",
    "electr": "electronics",
    "natl": "national",
    "acad": "academy",
    "res": "research",
    "dev": "development",
    "svcs": "services",
    "svc": "service",
    "mgmt": "management",
    "assn": "association",
    "bros": "brothers",
    "dept": "department",
    "sz": "shenzhen",
    "bj": "beijing",
    "sh": "shanghai",
    "hk": "hongkong",
    "st": "saint",
    "mt": "mount",
    "ft": "fort",
    "&": "and",
}

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
            "i",
            "yi",
            "ye",
            "g",
            "u",
        ],
        strict=True,
    )
)
# Look-alike letters: a token mixing scripts is folded to its majority script,
# because mixing is how names are disguised from exact-match screening.
_LATIN_LOOKALIKE = dict(
    zip("аеорсхукмтвнізАЕОРСХУКМТВНІ", "aeopcxykmtbhi3AEOPCXYKMTBHI", strict=True)
)
_CYRILLIC_LOOKALIKE = {v: k for k, v in _LATIN_LOOKALIKE.items()}
_MIXED_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"[^\w&']+|_")
_APOS = re.compile(r"'")
_DOTTED = re.compile(r"\b(?:\w\.){2,}")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
# "M/s" (Messrs) before a South Asian firm's name is no part of it.
_MESSRS = re.compile(r"(?:^|\s)m/s\.?(?=\s)")


def fold_latin(text: str) -> str:
    """Case, width, accent and Cyrillic folding of non-Han text."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DOTTED.sub(lambda m: m.group().replace(".", ""), text)
    if not text.isascii():
        text = _MIXED_WORD.sub(_unmix, text)
        text = "".join(_CYRILLIC.get(ch, ch) for ch in text).replace("_", "")
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    return text


def _unmix(m: re.Match[str]) -> str:
    word = m.group()
    cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
    lat = sum(1 for ch in word if ch.isascii() and ch.isalpha())
    if not cyr or not lat:
        return word
    table = _CYRILLIC_LOOKALIKE if cyr >= lat else _LATIN_LOOKALIKE
    return "".join(table.get(ch, ch) for ch in word)


@functools.lru_cache(maxsize=100_000)
def _legal_typo(word: str) -> bool:
    if len(word) < 6 or word.isdigit():
        return False
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    return (
        process.extractOne(word, _FUZZY_LEGAL, scorer=JaroWinkler.similarity, score_cutoff=0.93)
        is not None
    )


def _word_parts(tok: str, drop_legal: bool) -> tuple[str, ...]:
    """What one split word contributes: abbreviation expanded, apostrophes removed,
    stop words and (with ``drop_legal``) legal-form words dropped."""
    tok = _APOS.sub("", ABBREVIATIONS.get(tok, tok))
    # An ordinal is its number: "32nd Research Institute" is "CETC 32".
    if tok[:1].isdigit():
        tok = _ORDINAL.sub(r"\1", tok)
    return tuple(
        part
        for part in tok.split()
        if part
        and part not in STOPWORDS
        and not (drop_legal and (part in LEGAL_FORMS or _legal_typo(part)))
    )


# Memo of _word_parts(tok, True), the common case: names reuse few words. A plain
# dict, as an lru_cache key of two arguments costs as much as the lookup saves.
_PARTS: dict[str, tuple[str, ...]] = {}
_PARTS_MAX = 200_000


def latin_tokens(
    text: str, *, drop_legal: bool = True, keep_legal_only: bool = True
) -> tuple[str, ...]:
    """Tokens of a non-Han string: folded, abbreviations expanded, legal forms dropped.
    ``keep_legal_only=False``: a string made only of legal forms gives nothing (the
    Latin part of a mixed-script name, "中科寒武纪科技 Co., Ltd.")."""
    out: list[str] = []
    if drop_legal:
        memo = _PARTS
        for tok in _SPLIT.split(_MESSRS.sub(" ", fold_latin(text))):
            if tok:
                parts = memo.get(tok)
                if parts is None:
                    if len(memo) >= _PARTS_MAX:
                        memo.clear()
                    parts = memo[tok] = _word_parts(tok, True)
                out += parts
        if not out and keep_legal_only:
            # A name made only of legal-form words ("Holding Co.") is still a name.
            return latin_tokens(text, drop_legal=False)
    else:
        for tok in _SPLIT.split(_MESSRS.sub(" ", fold_latin(text))):
            if tok:
                out += _word_parts(tok, False)
    return tuple(out)
