"""Name normalisation across scripts: the one place that decides when two
spellings are "the same words".

Latin names are case- and accent-folded, punctuation-split, abbreviations
expanded and legal-form words (Co., Ltd., GmbH, OOO, 有限公司 ...) removed,
because a front company changes its legal form far more cheaply than its name.
Han text is folded traditional->simplified (OpenCC) and then romanised
(pypinyin) into syllables, because lists write Chinese names in pinyin while
customers type characters; common business words get an English gloss too,
since lists often translate them ("科技" is written "Technology").
Cyrillic is romanised with a fixed table so Russian names in either script meet.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

_LEGAL_WORDS = """
co company companies corp corporation inc incorporated ltd limited llc plc llp lp gmbh
ag sa sas sarl srl spa bv nv kg oy ab as asa jsc ojsc pjsc cjsc ooo oao zao ao pao tov
pvt pte bhd sdn fze fzco fzc fzllc wll jv anonima anonyme limitada ltda cia group
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

HAN_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "控股",
    "公司",
    "股份",
)
# English glosses for words lists routinely translate instead of romanising.
HAN_GLOSSES = {
    "科技": "technology",
    "技术": "technology",
    "电子": "electronics",
    "信息": "information",
    "产业": "industry",
    "工业": "industry",
    "航空": "aviation",
    "航天": "aerospace",
    "研究所": "research institute",
    "研究院": "research institute",
    "大学": "university",
    "国际": "international",
    "通信": "communication",
    "半导体": "semiconductor",
    "集成电路": "integrated circuit",
    "微电子": "microelectronics",
    "智能": "intelligent",
    "软件": "software",
    "网络": "network",
    "重工": "heavy industry",
    "船舶": "shipbuilding",
    "机械": "machinery",
    "设备": "equipment",
    "材料": "materials",
    "能源": "energy",
    "投资": "investment",
    "贸易": "trading",
    "进出口": "import export",
    "实业": "industrial",
    "发展": "development",
    "中国": "china",
    "香港": "hong kong",
    "澳门": "macau",
    "光电": "optoelectronics",
    "物理": "physics",
    "化工": "chemical",
    "研究中心": "research center",
    "实验室": "laboratory",
    "学院": "institute",
    "超级计算": "supercomputing",
    "计算机": "computer",
    "国防": "national defense",
    "工程": "engineering",
    "物流": "logistics",
    "视觉": "vision",
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
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SPLIT = re.compile(r"[^\w&']+|_")
_APOS = re.compile(r"'")
_DOTTED = re.compile(r"\b(?:\w\.){2,}")
# Administrative suffixes (city, province) that lists drop from romanised names.
_HAN_ADMIN = re.compile(r"(?<=..)[市省]")


_T = TypeVar("_T")


class _memo(Generic[_T]):
    """An attribute computed on first use and stored on the instance: what
    ``functools.cached_property`` does, without the lock it takes on Python 3.11,
    which costs more than the joins it saves."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self._fn = fn
        self._name = fn.__name__

    def __get__(self, obj: Any, owner: type | None = None) -> _T:
        value = self._fn(obj)
        obj.__dict__[self._name] = value
        return value


@dataclass(frozen=True)
class Rendering:
    """One Latin-script rendering of a name: its tokens, and whether they are
    pinyin syllables (so the scorer may re-segment them against the other side)."""

    tokens: tuple[str, ...]
    syllables: bool = False

    # Derived strings are kept on the rendering: a listed name is compared with
    # many customers, a customer's name with several listed names.
    @_memo
    def compact(self) -> str:
        return "".join(self.tokens)

    @_memo
    def text(self) -> str:
        return " ".join(self.tokens)

    @_memo
    def sorted_compact(self) -> str:
        return "".join(sorted(self.tokens))

    @_memo
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @_memo
    def initials(self) -> str:
        return acronym(self.tokens)


@functools.lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def to_simplified(text: str) -> str:
    conv = _t2s()
    return str(conv.convert(text))  # type: ignore[attr-defined]


def _strip_han_legal(run: str) -> str:
    changed = True
    while changed:
        changed = False
        for form in HAN_LEGAL_FORMS:
            if run.endswith(form) and len(run) > len(form):
                run = run[: -len(form)]
                changed = True
    return run


def _pinyin(run: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s for s in lazy_pinyin(run) if s.strip()]


def _gloss(run: str) -> list[str]:
    out: list[str] = []
    i = 0
    keys = sorted(HAN_GLOSSES, key=len, reverse=True)
    pending = ""
    while i < len(run):
        for k in keys:
            if run.startswith(k, i):
                if pending:
                    out.extend(_pinyin(pending))
                    pending = ""
                out.extend(HAN_GLOSSES[k].split())
                i += len(k)
                break
        else:
            pending += run[i]
            i += 1
    if pending:
        out.extend(_pinyin(pending))
    return out


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
        for tok in _SPLIT.split(fold_latin(text)):
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
        for tok in _SPLIT.split(fold_latin(text)):
            if tok:
                out += _word_parts(tok, False)
    return tuple(out)


@functools.lru_cache(maxsize=200_000)
def renderings(name: str) -> tuple[Rendering, ...]:
    """Every Latin rendering of ``name`` worth comparing (one for Latin text,
    pinyin and glossed forms for Han text). Empty when nothing is left."""
    if not has_han(name):
        toks = latin_tokens(name)
        return (Rendering(toks),) if toks else ()
    simplified = to_simplified(unicodedata.normalize("NFKC", name))
    syl: list[str] = []
    glossed: list[str] = []
    pos = 0
    for m in _HAN.finditer(simplified):
        before = latin_tokens(simplified[pos : m.start()], keep_legal_only=False)
        syl.extend(before)
        glossed.extend(before)
        run = _HAN_ADMIN.sub("", _strip_han_legal(m.group()))
        syl.extend(_pinyin(run))
        glossed.extend(_gloss(run))
        pos = m.end()
    tail = latin_tokens(simplified[pos:], keep_legal_only=False)
    syl.extend(tail)
    glossed.extend(tail)
    out = [Rendering(tuple(syl), syllables=True)]
    if glossed != syl:
        out.append(Rendering(tuple(glossed), syllables=True))
    return tuple(r for r in out if r.tokens)


def acronym(tokens: tuple[str, ...]) -> str:
    return "".join([t[0] for t in tokens]) if len(tokens) >= 3 else ""


_RAW_WORD = re.compile(r"[^\W_]+")
_PARENTHESISED = re.compile(r"\([^)]*\)")


@functools.lru_cache(maxsize=200_000)
def acronyms(name: str) -> frozenset[str]:
    """The initials a Latin-script name is abbreviated to, whichever words the
    abbreviation keeps: every word ("ANATCO" is not among them, but "MPPL" of Metal
    Paint Products (Pvt) Ltd is), without stop words ("SRIAE" of Scientific Research
    Institute of Aircraft Equipment), and without legal forms either. Empty for
    names in Chinese characters and names of fewer than three words."""
    if has_han(name):
        return frozenset()
    out: set[str] = set()
    # A parenthesised acronym or qualifier is no part of the initials.
    for text in {name, _PARENTHESISED.sub(" ", name)}:
        words = [w for w in _RAW_WORD.findall(fold_latin(text)) if not w.isdigit()]
        for v in (
            words,
            [w for w in words if w not in STOPWORDS],
            [w for w in words if w not in STOPWORDS and w not in LEGAL_FORMS],
        ):
            if 3 <= len(v) <= 10:
                out.add("".join(w[0] for w in v))
    return frozenset(out)


def align(syllables: tuple[str, ...], vocabulary: frozenset[str]) -> tuple[str, ...]:
    """Re-segment pinyin syllables to the other side's words: "shen zhen da jiang"
    against {"shenzhen", "dajiang"} becomes ("shenzhen", "dajiang"). Greedy longest
    join first; syllables that join nothing stay as they are."""
    out: list[str] = []
    i = 0
    n = len(syllables)
    while i < n:
        for j in range(min(n, i + 6), i + 1, -1):
            joined = "".join(syllables[i:j])
            if joined in vocabulary:
                out.append(joined)
                i = j
                break
        else:
            # A list's romanisation with a slip ("Mo'er Xianchen" for 摩尔线程,
            # xiancheng): join the syllables closest to one of its words.
            j = _fuzzy_join(syllables, i, vocabulary)
            out.append("".join(syllables[i:j]))
            i = j
    return tuple(out)


def _fuzzy_join(syllables: tuple[str, ...], i: int, vocabulary: frozenset[str]) -> int:
    """End of the longest run of syllables from ``i`` (2 or more, 5+ letters) within
    Jaro-Winkler 0.93 of a word of ``vocabulary``; ``i + 1`` when there is none."""
    from rapidfuzz.distance import JaroWinkler

    n = len(syllables)
    for j in range(min(n, i + 4), i + 1, -1):
        joined = "".join(syllables[i:j])
        if len(joined) < 5:
            break
        for v in vocabulary:
            if abs(len(v) - len(joined)) <= 1 and JaroWinkler.similarity(joined, v) >= 0.93:
                return j
    return i + 1


def normalize_identifier(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())
