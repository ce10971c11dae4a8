"""Meetings (会议情况): R-M1 支委会/总支委员会, R-M2 党员大会 and 党小组会, R-M3 head counts,
R-M4 集中学习.

类型 must be one of `campaign.meeting_types` (a few usual full names such as 支部委员会 are read
as their short type); an unknown type is an R-M1 error and the row is dropped (it cannot be
placed). A date that is blank or not a date is an error of the rule that owns the type
(R-M1 committees, R-M2 党员大会/党小组会, R-M4 集中学习). Missing or late meetings are warnings.
The branch's 支委会 against the 党总支's 总支委员会 is a cross-workbook check (`before_general`).
What is required: a branch records 支委会, 党员大会, `groups_per_branch` × 党小组会 and 集中学习;
the 党总支 workbook records 总支委员会.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import (
    MAX_COUNT,
    iso_day,
    parse_count,
    text,
)
from pipeline.rules._common import deadline
from pipeline.sheets.located import at
from pipeline.sheets.meetings import (
    BRANCH_COMMITTEE,
    GENERAL_COMMITTEE,
    GROUP,
    MEMBERS,
    STUDY,
    Meeting,
)
from pipeline.sheets.prepare import Prepared

RULE_OF_TYPE = {STUDY: "R-M4", BRANCH_COMMITTEE: "R-M1", GENERAL_COMMITTEE: "R-M1",
                GROUP: "R-M2", MEMBERS: "R-M2"}


def _dates(b: Prepared, campaign: Campaign, rule: str) -> Iterator[Issue]:
    """Blank or unreadable dates of the meetings `rule` owns (errors)."""
    t = b.tables[C.MEETINGS]
    for m in b.meetings:
        if m.kind is None or RULE_OF_TYPE.get(m.kind, "R-M1") != rule:
            continue
        if m.date_problem:
            yield at(b, t, rule, "error", f"{m.kind}日期：{m.date_problem}，应为日期，如 "
                     f"{campaign.year}/3/28", row=m.row, column="日期",
                     found=text(m.record["日期"]), expected="日期")
        elif m.date is None:
            yield at(b, t, rule, "error", f"{m.kind}的日期为空，应填写会议日期",
                     row=m.row, column="日期", found="", expected="日期")


def _late(b: Prepared, rule: str, m: Meeting, limit: dt.date, label: str) -> Issue:
    return at(b, b.tables[C.MEETINGS], rule, "warning",
              f"{m.kind}日期 {iso_day(m.date) if m.date else ''} 晚于{label}",
              row=m.row, column="日期", found=iso_day(m.date) if m.date else "",
              expected=f"不晚于 {iso_day(limit)}")


def committee_meetings(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-M1: the type is known (else error, dropped); 支委会 (branch) / 总支委员会 (党总支) is
    recorded and on or before the committee-meetings deadline (warnings)."""
    t = b.table(C.MEETINGS)
    if t is None:
        return
    types = "/".join(campaign.meeting_types)
    rows = b.meetings
    for m in rows:
        if m.kind is None:
            raw = text(m.record["类型"])
            what = f"会议类型“{raw}”不认识" if raw else "会议类型为空"
            yield at(b, t, "R-M1", "error", f"{what}，应为 {types}，该行未采用",
                     row=m.row, column="类型", found=raw, expected=types, dropped=True)
    yield from _dates(b, campaign, "R-M1")
    limit, label = deadline(campaign, "committee_meetings")
    for m in rows:
        if m.kind in (BRANCH_COMMITTEE, GENERAL_COMMITTEE) and m.date and m.date > limit:
            yield _late(b, "R-M1", m, limit, label)
    required = GENERAL_COMMITTEE if b.general else BRANCH_COMMITTEE
    if required in campaign.meeting_types and not any(m.kind == required for m in rows):
        yield at(b, t, "R-M1", "warning",
                 f"会议情况中没有{required}的记录（{label}前召开）", found="",
                 expected=f"{required}的记录")


def general_committee_date(general: Prepared, campaign: Campaign) -> dt.date | None:
    """The 总支委员会 date: the earliest dated 总支委员会 in the 党总支 workbook."""
    dates = [m.date for m in general.meetings
             if m.kind == GENERAL_COMMITTEE and m.date is not None]
    return min(dates) if dates else None


def before_general(branches: list[Prepared], campaign: Campaign) -> Iterator[Issue]:
    """R-M1 across workbooks: each branch holds a 支委会 before (or on the day of) the 总支委员会
    recorded by the 党总支 (先召开支委会，再参加党总支委员会); warning at the branch's earliest
    支委会 date otherwise."""
    general = next((b for b in branches if b.general), None)
    when = general_committee_date(general, campaign) if general else None
    if when is None:
        return
    for b in branches:
        if b.general or b.table(C.MEETINGS) is None:
            continue
        own = sorted((m for m in b.meetings
                      if m.kind == BRANCH_COMMITTEE and m.date is not None),
                     key=lambda m: m.date or dt.date.min)
        if own and all(m.date and m.date > when for m in own):
            m = own[0]
            yield at(b, b.tables[C.MEETINGS], "R-M1", "warning",
                     f"支委会日期 {iso_day(m.date or when)} 晚于党总支委员会（{iso_day(when)}）；"
                     "应先召开支委会，再参加党总支委员会", row=m.row, column="日期",
                     found=iso_day(m.date or when), expected=f"不晚于 {iso_day(when)}")


def member_meeting(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-M2: a branch holds its 党员大会 on the member-meeting date and `groups_per_branch`
    党小组会 (warnings when missing, on another date or too few)."""
    t = b.table(C.MEETINGS)
    if t is None:
        return
    yield from _dates(b, campaign, "R-M2")
    if b.general:
        return
    rows = b.meetings
    when = campaign.deadlines["member_meeting"]
    assemblies = [m for m in rows if m.kind == MEMBERS]
    for m in assemblies:
        if m.date is not None and m.date != when:
            yield at(b, t, "R-M2", "warning",
                     f"党员大会日期 {iso_day(m.date)} 不是工作方案规定的 {iso_day(when)}",
                     row=m.row, column="日期", found=iso_day(m.date), expected=iso_day(when))
    if MEMBERS in campaign.meeting_types and not assemblies:
        yield at(b, t, "R-M2", "warning", f"会议情况中没有党员大会的记录（{iso_day(when)}召开）",
                 found="", expected="党员大会的记录")
    groups = sum(1 for m in rows if m.kind == GROUP)
    need = campaign.groups_per_branch
    if GROUP in campaign.meeting_types and groups < need:
        yield at(b, t, "R-M2", "warning",
                 f"党小组会记录 {groups} 次，应为每个党小组一次，共 {need} 次", found=groups,
                 expected=f"{need} 次党小组会")


def head_counts(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-M3: 应到 and 实到 are whole numbers with 实到 ≤ 应到 (errors); blank = warning."""
    t = b.table(C.MEETINGS)
    if t is None:
        return
    for m in b.meetings:
        counts: dict[str, int] = {}
        for column in ("应到", "实到"):
            value = m.record[column]
            try:
                n = parse_count(value)
            except ValueError:
                yield at(b, t, "R-M3", "error",
                         f"{column}“{text(value)}”不是人数，应为不超过 {MAX_COUNT} 的整数",
                         row=m.row, column=column, found=text(value), expected="整数")
                continue
            if n is None:
                yield at(b, t, "R-M3", "warning", f"{column}人数为空", row=m.row, column=column,
                         found="", expected="人数")
            else:
                counts[column] = n
        if len(counts) == 2 and counts["实到"] > counts["应到"]:
            yield at(b, t, "R-M3", "error",
                     f"实到 {counts['实到']} 人多于应到 {counts['应到']} 人",
                     row=m.row, column="实到", found=counts["实到"],
                     expected=f"不超过 {counts['应到']}")


def study(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-M4: a branch records the 集中学习 on or before its date (warning when missing or late)."""
    t = b.table(C.MEETINGS)
    if t is None:
        return
    yield from _dates(b, campaign, "R-M4")
    limit, label = deadline(campaign, "study")
    rows = [m for m in b.meetings if m.kind == STUDY]
    for m in rows:
        if m.date is not None and m.date > limit:
            yield _late(b, "R-M4", m, limit, label)
    if not b.general and STUDY in campaign.meeting_types and not rows:
        yield at(b, t, "R-M4", "warning", f"会议情况中没有集中学习的记录（{label}）",
                 found="", expected="集中学习的记录")


RULE_CHECKS = (("R-M1", committee_meetings), ("R-M2", member_meeting), ("R-M3", head_counts),
               ("R-M4", study))
ACROSS_CHECKS = (("R-M1", before_general),)
