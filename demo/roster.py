"""The synthetic office roster of the demo and the benchmark: names, branches, roles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from collections.abc import Sequence

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.people import Member
from pipeline.write.style import Formats, fit_widths, new_workbook, print_setup

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴莫孔向汤俞施倪殷"
)
GIVEN = (
    "建华", "建国", "建军", "建平", "志强", "志明", "志伟", "国强", "国华", "国平", "海燕", "海涛", "海峰", "红梅", "红霞",
    "红英", "丽娟", "丽华", "丽萍", "丽君", "秀英", "秀兰", "秀珍", "玉兰", "玉梅", "桂英", "桂芳", "淑珍", "淑华", "晓燕",
    "晓红", "晓峰", "晓静", "晓婷", "文杰", "文华", "文静", "文涛", "立新", "立华", "春燕", "春梅", "秋菊", "冬梅", "雪梅",
    "雪芳", "美玲", "美华", "慧敏", "慧娟", "慧君", "静怡", "思远", "思琪", "思源", "子涵", "雨婷", "雨欣", "欣怡", "佳怡",
    "佳慧", "佳琪", "嘉怡", "梦洁", "婉婷", "倩倩", "瑞华", "瑞琪", "家乐", "俊峰", "浩然", "浩宇", "宇航", "天宇", "振华",
    "振东", "永强", "永刚", "永红", "永华", "卫东", "卫华", "德明", "德胜", "晨曦", "晨阳", "一帆", "若兰", "诗琪", "诗涵",
    "雅婷", "雅琴", "艳红", "艳华", "艳玲", "云霞", "云峰", "宏斌", "宏亮", "新华", "新民", "明华", "明辉", "明亮", "凯丽",
    "翠兰", "翠英", "金凤", "凤英", "凤兰", "素梅", "素珍", "月英", "月华", "兰英", "琳琳", "莉莉", "婷婷", "敏敏", "伟民",
    "伟华", "光明", "光辉", "少华", "少杰", "学文", "林峰", "颖慧", "蕾蕾", "燕萍", "鹏飞", "鹏程", "鸿飞", "启明", "向东",
    "向阳", "益民", "培林", "树林", "长青", "爱华", "爱民", "晓军", "晓光"
)
# Combinations that are the names of well-known people: never generated.
BLOCKED = frozenset((
    "王立军", "胡春华", "王志刚", "黄晓明", "林俊杰", "刘德华", "陈晓东", "王宏伟", "蔡国庆", "罗振宇", "张一鸣", "吴亦凡", "张学良",
    "李建国", "王建国", "周光明", "刘晓光"
))
SAME_NAME = "王伟"  # the deliberate same-name pair: 王伟 and 王伟(2) (R-P1)


def person_name(rng: random.Random, taken: set[str]) -> str:
    """A common-looking Chinese name (surname + two-character given name) not in `taken`."""
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in taken and name not in BLOCKED:
            taken.add(name)
            return name


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (branch names like 第二十一支部)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + digits[rest] if rest < 10 else
                                     (digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else "")))
        return digits[n // 100] + "百" + tail
    return str(n)


def roster_rank(m: Member) -> int:
    """Office roster order inside a 党小组: secretaries, committee members, then members."""
    if C.GENERAL_SECRETARY in m.roles or C.BRANCH_SECRETARY in m.roles:
        return 0
    return 1 if m.roles else 2


def branch_members(rng: random.Random, branch: str, size: int, taken: set[str],
                   committee: int | None = None, groups: int = 2) -> list[Member]:
    """One branch: a 支部书记, 2–4 支部委员, 1–2 预备党员, members split over `groups` 党小组;
    returned in roster order (by 党小组, committee first)."""
    n_committee = committee if committee is not None else rng.randint(3, 5)
    names = [person_name(rng, taken) for _ in range(size)]
    roles: list[tuple[str, ...]] = [(C.BRANCH_SECRETARY,)] + [(C.BRANCH_MEMBER,)] * (
        n_committee - 1) + [()] * (size - n_committee)
    probationary = set(rng.sample(range(n_committee, size), rng.randint(1, 2)))
    order = list(range(size))
    rng.shuffle(order)
    group_names = [f"第{cn_number(g + 1)}党小组" for g in range(groups)]
    group_of = {i: group_names[k * groups // size] for k, i in enumerate(order)}
    members = [Member(name=names[i], branch=branch, group=group_of[i], roles=roles[i],
                      kind=C.PROBATIONARY if i in probationary else C.FULL_MEMBER)
               for i in range(size)]
    return sorted(members, key=lambda m: (group_names.index(m.group), roster_rank(m),
                                          members.index(m)))


def synthetic_roster(campaign: Campaign, branches: int, seed: int,
                     sizes: tuple[int, int] = (25, 45)) -> list[Member]:
    """A plain roster of `branches` branches (第一支部, 第二支部, …) for benchmarks: the first
    branch's secretary is 总支书记, the next four secretaries are 总支委员."""
    rng = random.Random(f"orglife-roster/{seed}")
    taken: set[str] = set()
    members: list[Member] = []
    for b in range(branches):
        taken.clear()  # names need only be unique inside a branch (R-P1)
        branch = f"第{cn_number(b + 1)}支部"
        group = branch_members(rng, branch, rng.randint(*sizes), taken,
                               groups=campaign.groups_per_branch)
        if b < 5:
            extra = C.GENERAL_SECRETARY if b == 0 else C.GENERAL_MEMBER
            group = [dataclasses.replace(m, roles=(*m.roles, extra)) if m.secretary else m
                     for m in group]
        members += group
    return members


# --- the demo 党总支 --------------------------------------------------------------------------

# (branch, members, committee incl. the 支部书记)


def roster_bytes(members: Sequence[Member], campaign: Campaign) -> bytes:
    """The office roster as the 党总支 keeps it: title row, then the SPEC §8 columns."""
    buf = io.BytesIO()
    created = dt.datetime.combine(campaign.plan_date or campaign.deadline("self_check"),
                                  dt.time(9, 0))
    wb = new_workbook(buf, created, f"{campaign.organisation}党员名册", campaign.organisation)
    f = Formats(wb)
    ws = wb.add_worksheet("党员名册")
    headers = list(C.ROSTER_COLUMNS)
    rows = [[m.name, m.branch, m.group, m.role, m.kind, C.YES if m.leading_cadre else C.NO,
             C.YES if m.attended_dlm else C.NO] for m in members]
    ws.merge_range(0, 0, 0, len(headers) - 1, f"{campaign.organisation}党员名册（{campaign.year}年）",
                   f.title)
    ws.set_row(0, 28)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, f.header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            ws.write_string(r, c, value, f.text)  # names and codes are text, always
    for c, width in enumerate(fit_widths(headers, rows)):
        ws.set_column(c, c, width)
    ws.autofilter(1, 0, len(rows) + 1, len(headers) - 1)
    print_setup(ws, 1, len(headers), landscape=False)
    wb.close()
    return buf.getvalue()
