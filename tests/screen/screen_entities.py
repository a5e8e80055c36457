"""A small hand-made entity set with exact expectations (Latin, Han, Cyrillic-listed)."""

from __future__ import annotations

from distillguard.screen.model import Entity, Identifier

ENTITIES = [
    Entity(
        "e1",
        "EL",
        "SZ DJI Technology Co., Ltd.",
        "entity",
        ("深圳市大疆创新科技有限公司", "DJI"),
        ("Shenzhen, Guangdong, China",),
        ("CN",),
    ),
    Entity(
        "e2", "NS-CMIC", "SenseTime Group Limited", "entity", ("商湯集團有限公司",), (), ("CN",)
    ),
    Entity(
        "e3",
        "EL",
        "Beijing Institute of Technology",
        "entity",
        (),
        ("5 South Zhongguancun Street, Beijing",),
        ("CN",),
    ),
    Entity(
        "e4",
        "SDN",
        "VTB Bank PJSC",
        "entity",
        ("Bank VTB", "Vneshtorgbank"),
        ("Moscow, Russia",),
        ("RU",),
        (Identifier("Tax ID No", "7702070139", "Russia"),),
    ),
    Entity(
        "e5", "EL", "Beijing Zhongguancun Science City Technology Co.", "entity", (), (), ("CN",)
    ),
    Entity("e6", "EL", "Harbin Institute of Technology", "entity", (), (), ("CN",)),
    Entity(
        "e7",
        "EL",
        "China Electronics Technology Group Corporation",
        "entity",
        ("CETC",),
        (),
        ("CN",),
    ),
]
