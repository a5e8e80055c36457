"""Han script: the one place that folds Chinese-character names.

Characters are folded traditional->simplified (OpenCC), legal forms (有限公司 ...)
and administrative suffixes stripped, then romanised (pypinyin) into syllables,
because lists write Chinese names in pinyin while customers type characters;
common business words get an English gloss too, since lists often translate them
("科技" is written "Technology").
"""

from __future__ import annotations

import functools
import re

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
# English glosses for words lists routinely translate instead of romanising
# (content words only: a gloss is not filtered for stop words).
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
    "导航": "navigation",
    "制造": "manufacturing",
    "邮电": "posts telecommunications",
    "测控": "measurement control",
    "激光": "laser",
    "量子": "quantum",
    "光学": "optics",
    "精密": "precision",
    "仪器": "instruments",
    "系统": "systems",
    "控制": "control",
    "自动化": "automation",
    "数字": "digital",
    "数据": "data",
    "安全": "security",
    "飞机": "aircraft",
    "火箭": "rocket",
    "卫星": "satellite",
    "雷达": "radar",
    "军工": "military industry",
    "新能源": "new energy",
    "生物": "biological",
    "医疗": "medical",
    # Places whose conventional English spelling is not their pinyin.
    "哈尔滨": "harbin",
    "陕西": "shaanxi",
    "内蒙古": "inner mongolia",
    "乌鲁木齐": "urumqi",
    "西藏": "tibet",
    "呼和浩特": "hohhot",
    "喀什": "kashgar",
}

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Administrative suffixes (city, province) that lists drop from romanised names.
HAN_ADMIN = re.compile(r"(?<=..)[市省]")


@functools.lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def to_simplified(text: str) -> str:
    conv = _t2s()
    return str(conv.convert(text))  # type: ignore[attr-defined]


def strip_han_legal(run: str) -> str:
    changed = True
    while changed:
        changed = False
        for form in HAN_LEGAL_FORMS:
            if run.endswith(form) and len(run) > len(form):
                run = run[: -len(form)]
                changed = True
    return run


def pinyin(run: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s for s in lazy_pinyin(run) if s.strip()]


def gloss(run: str) -> list[str]:
    out: list[str] = []
    i = 0
    keys = sorted(HAN_GLOSSES, key=len, reverse=True)
    pending = ""
    while i < len(run):
        for k in keys:
            if run.startswith(k, i):
                if pending:
                    out.extend(pinyin(pending))
                    pending = ""
                out.extend(HAN_GLOSSES[k].split())
                i += len(k)
                break
        else:
            pending += run[i]
            i += 1
    if pending:
        out.extend(pinyin(pending))
    return out
