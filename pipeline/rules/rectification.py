"""Rectification (整改清单, 四明确): R-R1 the four fields, R-R2 coverage of 班子 problems,
R-R3 owner and deadline, R-R4 每名测评对象的整改承诺.

对象 is 班子 or a roster name; blank or unknown → error, row dropped (R-R4: it cannot be
attributed). A missing 四明确 field, an unknown 责任人 or a 完成时限 that is not a date after the
member meeting is an error on the cell; the row is kept. 对应问题编号 may list several numbers
(Q1、Q2). 责任人 may list several owners; each is a roster name or a committee title
(`OWNER_TITLES`). R-R4 leaves out absent members who have not made up (their 整改承诺 follows
the 补课); the 党总支 workbook has no member commitments.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import (
    clean_name,
    fold,
    is_blank,
    iso_day,
    read_date,
    text,
)
from pipeline.rules._common import LIST_SPLIT, joined, percent
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared

FOUR = ("整改事项", "整改措施", "责任人", "完成时限")
# Titles accepted as 责任人 besides roster names: the roles of the roster and the usual
# titles of 支部委员 (组织委员 …) and of the bodies themselves.
OWNER_TITLES = (*C.ROLES, "书记", "副书记", "组织委员", "宣传委员", "纪检委员", "青年委员",
                "统战委员", "支委会", "支部委员会", "总支委员会", "党总支", "党支部", "全体支委",
                "全体总支委员")


def _numbers(value: object) -> list[str]:
    return [fold(p) for p in LIST_SPLIT.split(text(value)) if p]


def four_fields(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-R1: 整改事项, 整改措施, 责任人, 完成时限 are all filled (error per blank cell)."""
    t = b.table(C.RECTIFY)
    if t is None:
        return
    for row, rec in t.records:
        for column in FOUR:
            if is_blank(rec[column]):
                yield at(b, t, "R-R1", "error",
                         f"{column}为空；整改清单应做到四明确（事项、措施、责任、时限）",
                         row=row, column=column, found="", expected=column)


def problem_coverage(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-R2: every 班子 problem has a rectification row naming its 编号 (one warning listing the
    uncovered, with coverage); a 班子 problem without 编号, or a repeated 编号, cannot be linked
    and an 对应问题编号 that is not in 问题清单 links nothing (warnings at the cell)."""
    t = b.table(C.RECTIFY)
    q = b.table(C.PROBLEMS)
    if t is None or q is None:
        return
    team = [p for p in b.problems if p.team and not is_blank(p.record["问题描述"])]
    known: dict[str, int] = {}
    for p in b.problems:
        key = fold(p.number)
        if not key:
            if p.team and not is_blank(p.record["问题描述"]):
                yield at(b, q, "R-R2", "warning", "班子问题没有编号，整改清单无法对应该问题",
                         row=p.row, column="编号", found="", expected="编号，如 Q1")
        elif key in known:
            yield at(b, q, "R-R2", "warning",
                     f"问题编号 {p.number} 与第 {known[key]} 行重复，整改清单无法区分",
                     row=p.row, column="编号", found=p.number, expected="不重复的编号")
        else:
            known[key] = p.row
    linked: set[str] = set()
    for row, rec in t.records:
        for key in _numbers(rec["对应问题编号"]):
            if key in known:
                linked.add(key)
            else:
                yield at(b, t, "R-R2", "warning",
                         f"对应问题编号 {key} 在问题清单中不存在", row=row, column="对应问题编号",
                         found=text(rec["对应问题编号"]), expected="问题清单中的编号")
    numbered = [p for p in team if fold(p.number)]
    missing = [p.number for p in numbered if fold(p.number) not in linked]
    if missing:
        done = len(numbered) - len(missing)
        yield at(b, t, "R-R2", "warning",
                 f"以下班子问题没有对应的整改措施：{joined(missing)}；"
                 f"覆盖 {percent(done, len(numbered))}",
                 found=joined(missing), expected="每条班子问题至少一条整改")


def owner_and_deadline(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-R3: 责任人 is a roster name or a committee title; 完成时限 is a real date after the
    member meeting (text such as 长期坚持 is an error: 时限明确 means a date)."""
    t = b.table(C.RECTIFY)
    if t is None:
        return
    meeting = campaign.deadlines["member_meeting"]
    titles = {fold(x) for x in OWNER_TITLES}
    for row, rec in t.records:
        owners = [p for p in LIST_SPLIT.split(text(rec["责任人"])) if p]
        unknown = [p for p in owners if clean_name(p) not in b.names and fold(p) not in titles]
        if unknown:
            yield at(b, t, "R-R3", "error",
                     f"责任人“{joined(unknown)}”不是名册中的姓名或委员职务；"
                     "应写姓名（如 张三）或职务（如 支部书记、组织委员）",
                     row=row, column="责任人", found=text(rec["责任人"]),
                     expected="名册中的姓名或委员职务")
        date, problem = read_date(rec["完成时限"], campaign.year)
        if problem:
            yield at(b, t, "R-R3", "error",
                     f"完成时限“{text(rec['完成时限'])}”不是具体日期；时限应明确，为党员大会"
                     f"（{iso_day(meeting)}）之后的日期，如 {campaign.year}/6/30",
                     row=row, column="完成时限", found=text(rec["完成时限"]),
                     expected=f"{iso_day(meeting)} 之后的日期")
        elif date is not None and date <= meeting:
            yield at(b, t, "R-R3", "error",
                     f"完成时限 {iso_day(date)} 不晚于党员大会（{iso_day(meeting)}），整改时限应在会后",
                     row=row, column="完成时限", found=iso_day(date),
                     expected=f"{iso_day(meeting)} 之后的日期")


def member_commitments(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-R4: 对象 is 班子 or a roster name (else error, dropped); every evaluated member who
    took part has an 整改承诺, a row with 对象 = that member (one warning listing who has not)."""
    t = b.table(C.RECTIFY)
    if t is None:
        return
    targets: set[str] = set()
    member_of = b.index.get
    for row, rec in t.records:
        if fold(rec["对象"]) == C.TEAM:
            continue
        name = clean_name(rec["对象"])
        if not name:
            yield at(b, t, "R-R4", "error", f"对象为空，该行未采用；应为 {C.TEAM} 或党员姓名",
                     row=row, column="对象", found="", expected=f"{C.TEAM} 或党员姓名",
                     dropped=True)
        elif member_of(name) is None:
            yield at(b, t, "R-R4", "error",
                     f"对象“{text(rec['对象'])}”既不是{C.TEAM}也不在名册中，该行未采用",
                     row=row, column="对象", found=text(rec["对象"]),
                     expected=f"{C.TEAM} 或名册中的姓名", dropped=True)
        else:
            targets.add(name)
    if b.general:
        return
    due = [m.name for m in b.evaluated
           if (m.present or m.makeup_date is not None) and m.name not in targets]
    if due:
        yield at(b, t, "R-R4", "warning",
                 f"以下测评对象没有整改承诺（对象为本人的整改）：{joined(due)}",
                 found=joined(due), expected="每名测评对象至少一条整改承诺")


RULE_CHECKS = (("R-R1", four_fields), ("R-R2", problem_coverage), ("R-R3", owner_and_deadline),
               ("R-R4", member_commitments))
