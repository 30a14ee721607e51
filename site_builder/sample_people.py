"""Synthetic people for the sample district: names, branches, cards, the roster. Nobody real."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from site_builder.model import Content, Department

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建华国强秀英桂兰志明海燕晓东丽娟文博思远静怡伟刚慧敏春梅永红立新玉兰宏伟雪梅家豪佳琪子涵雨轩欣怡浩然梓萱明轩晨阳艳芳俊杰婷婷鹏飞雅静宇航瑞丰"


@dataclass(frozen=True)
class Person:
    card: str
    name: str
    department: str
    branch: str
    on_roster: bool = True


def name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def branches(department: Department) -> list[str]:
    count = max(1, (department.headcount + 29) // 30)
    if count == 1:
        return [f"{department.name}机关党支部"]
    return [f"{department.name}第{i}党支部" for i in range(1, count + 1)]


def people(content: Content, rng: random.Random) -> list[Person]:
    """headcount members per department (cards <code>-0001…), plus a few holders of cards issued after
    the roster was drawn up (on_roster False), so the demo shows unknown_card flags."""
    found: list[Person] = []
    for department in content.departments.values():
        names = branches(department)
        for number in range(1, department.headcount + 1):
            found.append(Person(f"{department.code}-{number:04d}", name(rng), department.code, rng.choice(names)))
    for department in list(content.departments.values())[:2]:
        found.append(Person(f"{department.code}-{department.headcount + 1:04d}", name(rng), department.code,
                            branches(department)[0], on_roster=False))
    return found


def roster_csv(members: list[Person]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["card", "name", "department", "branch"])
    for person in members:
        if person.on_roster:
            writer.writerow([person.card, person.name, person.department, person.branch])
    return out.getvalue().encode("utf-8")
