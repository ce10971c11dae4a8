"""Grading (组织评定): R-G1 who gets which value, R-G2 reasons and dispositions, R-G3 grades
that depart from the ballots, R-G4 dates.

A row whose 姓名 is blank or not a member, or a second row for the same member, is dropped
(R-G1 error). A wrong value on a member's row is an error on the cell; the row is kept and the
value is not used (`usable_grades` leaves it out).

Expected 评定等次: an evaluated member who attended, or was absent and has a 补课日期, gets one
of the four grades (blank = not graded yet: warning); an absent evaluated member without 补课
shows 待补课 (blank accepted); 预备党员 and exempt cadres show 不评定等次 (blank accepted; an absent
one may show 待补课).

R-G3 (warning, only when 评定理由 is blank): the ballot grade is the best grade that a strict
majority of the member's valid votes reaches or beats; a grade departs from the ballots when
it is two or more steps away from it, or better than it while the ballot grade is 基本合格 or
worse.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, issue
from pipeline.normalize import (
    fold,
    is_blank,
    iso_day,
    read_date,
    text,
)
from pipeline.rules._common import deadline, joined
from pipeline.sheets import grading as parsed
from pipeline.sheets.ballots import VALID
from pipeline.sheets.grading import GradeRow, ballot_grade, graded_now
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared


def grade_rows(b: Prepared, campaign: Campaign) -> list[GradeRow]:
    """The usable 组织评定 rows: one per member, in sheet order."""
    return list(b.grades)


def usable_grades(b: Prepared, campaign: Campaign) -> dict[str, str]:
    """Member → the 评定等次 the filing may show (see sheets.grading.usable_grades)."""
    return parsed.usable_grades(b.members, b.grades, campaign)


def grade_values(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-G1: only evaluated members get one of the four grades; the others show 不评定等次,
    absent members 待补课; unknown text is an error naming the cell, never a guess."""
    t = b.table(C.GRADING)
    if t is None:
        return
    if b.general:
        yield from general_grading(b, campaign)
        return
    rows = b.grades
    yield from b.grade_issues
    grades = "/".join(campaign.grades)
    for r in rows:
        m, raw = r.member, text(r.record["评定等次"])
        bad = partial(at, b, t, "R-G1", "error", row=r.row, column="评定等次", found=raw)

        if r.value is None:
            yield bad(f"“{raw}”不是有效等次，应为 {grades}"
                      f"（或 {campaign.not_graded}/{campaign.pending}）", expected=grades)
        elif not m.evaluated:
            ok = (campaign.not_graded,) if m.present else (campaign.not_graded, campaign.pending)
            if r.value and r.value not in ok:
                why = "预备党员参加民主评议但不评定等次" if not m.full else \
                    "已参加年度民主生活会的党员领导干部不评定等次"
                yield bad(f"{m.name}：{why}，此处为“{raw}”，应为 {campaign.not_graded}",
                          expected=campaign.not_graded)
        elif not graded_now(m):
            if r.value and r.value != campaign.pending:
                yield bad(f"{m.name} 缺席民主评议且尚未补课，等次应为 {campaign.pending}，"
                          f"此处为“{raw}”；补课后请在党员名册填写补课日期",
                          expected=campaign.pending)
        elif r.value in (campaign.not_graded, campaign.pending):
            yield bad(f"{m.name} 是测评对象，应评定 {grades} 之一，此处为“{raw}”", expected=grades)
        elif not r.value:
            yield at(b, t, "R-G1", "warning", f"{m.name} 尚未评定等次，应为 {grades} 之一",
                     row=r.row, column="评定等次", found="", expected=grades)
    listed = {r.member.name for r in rows}
    missing = [m.name for m in b.evaluated if m.name not in listed]
    if missing:
        yield at(b, t, "R-G1", "warning", f"组织评定中没有以下测评对象：{joined(missing)}",
                 found=joined(missing), expected="每名测评对象一行")


def reasons(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-G2: 基本合格/不合格 need 评定理由; 不合格 needs a 处置措施 from the list (errors);
    a 处置措施 on another grade is a warning."""
    t = b.table(C.GRADING)
    if t is None or b.general:
        return
    rows = b.grades
    low = campaign.grades[2:]
    worst = campaign.grades[-1]
    options = "/".join(campaign.dispositions)
    for r in rows:
        if r.value not in campaign.grades or not r.member.evaluated:
            continue
        name = r.member.name
        if r.value in low and is_blank(r.record["评定理由"]):
            yield at(b, t, "R-G2", "error", f"{name} 评为{r.value}，必须写明评定理由",
                     row=r.row, column="评定理由", found="", expected="评定理由")
        measure = text(r.record["处置措施"])
        if r.value == worst:
            if not measure:
                yield at(b, t, "R-G2", "error",
                         f"{name} 评为{worst}，必须填写处置措施：{options}（中组发〔2014〕21号）",
                         row=r.row, column="处置措施", found="", expected=options)
            elif fold(measure) not in {fold(d) for d in campaign.dispositions}:
                yield at(b, t, "R-G2", "error",
                         f"处置措施“{measure}”不在规定范围内，应为 {options}（中组发〔2014〕21号）",
                         row=r.row, column="处置措施", found=measure, expected=options)
        elif measure:
            yield at(b, t, "R-G2", "warning",
                     f"{name} 评为{r.value}，却填写了处置措施“{measure}”；"
                     f"处置措施只用于评为{worst}的党员",
                     row=r.row, column="处置措施", found=measure, expected="空白")


def departures(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-G3: a grade that departs from the ballots needs a 评定理由 (warning)."""
    t = b.table(C.GRADING)
    if t is None or b.general:
        return
    tally = b.tally
    if tally is None:
        return
    rows = b.grades
    rank = {g: i for i, g in enumerate(campaign.grades)}
    for r in rows:
        if r.value not in rank or not r.member.evaluated:
            continue
        votes = ballot_grade(tally, r.member.name, campaign)
        if votes is None or not is_blank(r.record["评定理由"]):
            continue
        i, j = rank[r.value], rank[votes]
        if abs(i - j) >= 2 or (i < j and j >= 2):
            c = tally.counts[r.member.name]
            shown = "、".join(f"{g} {c[g]}" for g in campaign.grades)
            yield at(b, t, "R-G3", "warning",
                     f"{r.member.name} 评为{r.value}，而测评多数意见为{votes}（{shown}，有效票 "
                     f"{c[VALID]}）；与测评结果明显不一致时应写明评定理由（票数只作参考，由组织研判）",
                     row=r.row, column="评定理由", found="", expected="评定理由")


def grading_dates(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-G4: 反馈日期 on or before the grading deadline and after the member meeting (warnings);
    a value that is not a date is an error. Blank = not yet fed back (no issue)."""
    t = b.table(C.GRADING)
    if t is None or b.general:
        return
    limit, label = deadline(campaign, "grading")
    meeting = campaign.deadlines["member_meeting"]
    rows = b.grades
    for r in rows:
        date, problem = read_date(r.record["反馈日期"], campaign.year)
        if problem:
            yield at(b, t, "R-G4", "error",
                     f"反馈日期：{problem}，应为日期，如 {campaign.year}/4/10",
                     row=r.row, column="反馈日期", found=text(r.record["反馈日期"]),
                     expected="日期")
        elif date is not None and date > limit:
            yield at(b, t, "R-G4", "warning", f"反馈日期 {iso_day(date)} 晚于{label}",
                     row=r.row, column="反馈日期", found=iso_day(date), expected=f"不晚于 {iso_day(limit)}")
        elif date is not None and date < meeting:
            yield at(b, t, "R-G4", "warning",
                     f"反馈日期 {iso_day(date)} 早于党员大会 {iso_day(meeting)}；"
                     "组织评定在民主评议之后作出",
                     row=r.row, column="反馈日期", found=iso_day(date), expected=f"{iso_day(meeting)} 之后")


def general_grading(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-G1 in the 党总支 workbook: no grading there (总支委员 are graded in their own branch)."""
    t = b.table(C.GRADING)
    if t is None:
        return
    for row, rec in t.records:
        yield at(b, t, "R-G1", "error",
                 "党总支工作簿不评定等次（总支委员在所在支部评定），该行未采用",
                 row=row, column="姓名", found=text(rec["姓名"]),
                 expected="在所在支部的工作簿中评定", dropped=True)


def general_committee_graded_once(branches: list[Prepared],
                                  campaign: Campaign) -> Iterator[Issue]:
    """R-G1 across workbooks: a 总支委员 is graded once, in their own branch — a grade in a
    second branch is an error there; a 总支委员 of the 党总支 roster found in no branch roster
    cannot be graded (warning)."""
    first: dict[str, str] = {}
    for b in branches:
        if b.general or b.table(C.GRADING) is None:
            continue
        if not any(m.general_committee for m in b.members):
            continue  # every graded row is one of b.members: none is a 总支委员
        for row in grade_rows(b, campaign):
            m = row.member
            if not (m.general_committee and row.value in campaign.grades):
                continue
            if m.name not in first:
                first[m.name] = b.branch
                continue
            yield at(b, b.tables[C.GRADING], "R-G1", "error",
                     f"总支委员 {m.name} 已在{first[m.name]}评定等次，"
                     f"又在{b.branch}评为{row.value}；总支委员只在所在支部评定一次",
                     row=row.row, column="评定等次", found=row.value,
                     expected=f"只在{first[m.name]}评定")
    if all(b.general for b in branches):
        return
    homes = {m.name for b in branches if not b.general for m in b.members}
    for b in branches:
        lost = [m.name for m in b.members if b.general and m.general_committee
                and m.name not in homes]
        if lost:
            t = b.table(C.ROSTER)
            yield issue("R-G1", "warning",
                        f"总支委员 {joined(lost)} 不在任何支部的名册中，"
                        "无法在所在支部参加测评和评定",
                        branch=b.branch, file=t.file if t else "", sheet=t.sheet if t else "",
                        found=joined(lost), expected="在所在支部的名册中")


RULE_CHECKS = (("R-G1", grade_values), ("R-G2", reasons), ("R-G3", departures),
               ("R-G4", grading_dates))
ACROSS_CHECKS = (("R-G1", general_committee_graded_once),)
