"""Problems (问题清单): R-Q1 班子 list and categories, R-Q2 member aspects and coverage, R-Q3
description.

对象 is 班子 or a roster name. A row whose 对象 is blank or unknown cannot be attributed: error,
dropped (R-Q2). A row without 问题描述 is no problem at all: error, dropped (R-Q3). A wrong
category is an error on the cell; the row is kept. In the 党总支 workbook only 班子 problems
belong; a 总支委员's own problem there is a warning (it belongs in their branch's workbook).
Member categories are the four aspects, also written with 合格 (政治合格 = 政治).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import (
    is_blank,
    text,
)
from pipeline.rules._common import joined
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared
from pipeline.sheets.problems import category


def team_problems(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-Q1: the 班子 has a non-empty problem list (error when the sheet holds no 班子 row), and
    each 班子 problem's 类别 is one of the plan's categories (error at the cell)."""
    t = b.table(C.PROBLEMS)
    if t is None:
        return
    rows = b.problems
    allowed = "/".join(campaign.branch_problem_categories)
    if not any(p.team and not is_blank(p.record["问题描述"]) for p in rows):
        yield at(b, t, "R-Q1", "error",
                 f"问题清单中没有对象为“{C.TEAM}”的问题；班子应列出问题清单", found="",
                 expected=f"至少一条对象为{C.TEAM}的问题")
    for p in rows:
        if p.team and category(p.record["类别"], campaign.branch_problem_categories) is None:
            value = text(p.record["类别"])
            found = f"“{value}”不是班子问题的类别" if value else "班子问题的类别为空"
            yield at(b, t, "R-Q1", "error", f"{found}，应为 {allowed}",
                     row=p.row, column="类别", found=value, expected=allowed)


def member_problems(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-Q2: 对象 is 班子 or a roster name (else error, dropped); a member's problem uses one of
    the four aspects (error at the cell); each evaluated member has one (one warning listing
    who has none)."""
    t = b.table(C.PROBLEMS)
    if t is None:
        return
    aspects = "/".join(campaign.member_aspects)
    rows = b.problems
    member_of = b.index.get
    for p in rows:
        if p.team:
            continue
        if not p.target:
            yield at(b, t, "R-Q2", "error", f"对象为空，该行未采用；应为 {C.TEAM} 或党员姓名",
                     row=p.row, column="对象", found="", expected=f"{C.TEAM} 或党员姓名",
                     dropped=True)
            continue
        if member_of(p.target) is None:
            yield at(b, t, "R-Q2", "error",
                     f"对象“{text(p.record['对象'])}”既不是{C.TEAM}也不在名册中，该行未采用",
                     row=p.row, column="对象", found=text(p.record["对象"]),
                     expected=f"{C.TEAM} 或名册中的姓名", dropped=True)
            continue
        if b.general:
            yield at(b, t, "R-Q2", "warning",
                     f"党总支工作簿只填写班子的问题；{p.target} 个人的问题"
                     "请填在其所在支部的工作簿中",
                     row=p.row, column="对象", found=p.target, expected=C.TEAM)
            continue
        if category(p.record["类别"], campaign.member_aspects, "合格") is None:
            value = text(p.record["类别"])
            found = f"“{value}”不是党员问题的类别" if value else "党员问题的类别为空"
            yield at(b, t, "R-Q2", "error", f"{found}，应为 {aspects}（四个合格）",
                     row=p.row, column="类别", found=value, expected=aspects)
    if b.general:
        return
    covered = {p.target for p in rows if not is_blank(p.record["问题描述"])}
    missing = [m.name for m in b.evaluated if m.name not in covered]
    if missing:
        yield at(b, t, "R-Q2", "warning",
                 f"以下测评对象没有查找出的问题：{joined(missing)}；每名测评对象应对照四个合格查找问题",
                 found=joined(missing), expected="每名测评对象至少一条问题")


def descriptions(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-Q3: 问题描述 is non-empty text (error, row dropped)."""
    t = b.table(C.PROBLEMS)
    if t is None:
        return
    for p in b.problems:
        if is_blank(p.record["问题描述"]):
            yield at(b, t, "R-Q3", "error", "问题描述为空，该行未采用；应具体写明存在的问题",
                     row=p.row, column="问题描述", found="", expected="问题描述", dropped=True)


RULE_CHECKS = (("R-Q1", team_problems), ("R-Q2", member_problems), ("R-Q3", descriptions))
