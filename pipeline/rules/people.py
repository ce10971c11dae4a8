"""People (SPEC §3): R-P1..R-P4 on the branch's own 党员名册 sheet, R-P3 on the ballots.

The 党员名册 checks run only when the branch sent that sheet (the office roster was checked
when it was loaded). The problems `read.roster.members_from_table` finds in the sheet's values are
reported here, for the 党总支 workbook too; intake may report the same Issues (equal values,
so a set merges them). A row without a name is not a member: its issue carries dropped=True.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import (
    clean_name,
    is_blank,
    iso_day,
    read_date,
    text,
)
from pipeline.read.roster import check_names_and_groups
from pipeline.rules._common import LIST_SPLIT
from pipeline.sheets.ballots import EVALUATED
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared


def _roster_values(b: Prepared, campaign: Campaign) -> list[Issue]:
    """The problems found reading the branch's own 党员名册 sheet (none when not sent)."""
    return list(b.roster.problems) if b.roster is not None else []


def _names_and_groups(b: Prepared, campaign: Campaign) -> list[Issue]:
    if b.roster is None:
        return []
    r = b.roster
    found = check_names_and_groups(list(r.members), r.table, campaign, r.named_rows)
    # The 总支 roster lists 总支委员 from several branches: their 党小组 are not one branch's.
    return [i for i in found if not (b.general and i.rule == "R-P4")]


def unique_names(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-P1: names are unique inside the branch (a row without a name is dropped)."""
    for i in (*_roster_values(b, campaign), *_names_and_groups(b, campaign)):
        if i.rule == "R-P1":
            yield i


def evaluated_members(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-P2: who is evaluated. Values that cannot be read are errors (from the roster reader);
    a 支部书记 marked as an exempt cadre (not evaluated, although the plan evaluates the
    支部书记) and 已参加民主生活会 for a non-cadre are warnings to check."""
    yield from (i for i in _roster_values(b, campaign) if i.rule == "R-P2")
    t = b.table(C.ROSTER)
    if t is None:
        return
    rows = {clean_name(rec["姓名"]): row for row, rec in t.records}
    for m in b.members:
        row = rows.get(m.name)
        if row is None:
            continue
        if m.secretary and m.full and m.exempt_cadre and not b.general:
            yield at(b, t, "R-P2", "warning",
                     f"支部书记 {m.name} 标为已参加年度民主生活会的党员领导干部，将不作为测评对象；"
                     "工作方案要求对支部书记进行测评，请核对", row=row,
                     column="是否已参加年度民主生活会", found="是", expected="核对后确认")
        elif m.attended_dlm and not m.leading_cadre:
            yield at(b, t, "R-P2", "warning",
                     f"{m.name} 不是党员领导干部，却标为已参加年度民主生活会；只有党员领导干部"
                     "参加民主生活会后免于测评，请核对", row=row, column="是否已参加年度民主生活会",
                     found="是", expected="否（非党员领导干部）")


def absent_members(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-P3: absent members are listed for 补课: a reason is expected, a 补课日期 falls after the
    member meeting, and their 民主测评 column stays blank (votes there are warnings; counted)."""
    yield from (i for i in _roster_values(b, campaign) if i.rule == "R-P3")
    t = b.table(C.ROSTER)
    meeting = campaign.deadlines["member_meeting"]
    member_of = b.index.get
    if t is not None:
        for row, rec in t.records:
            m = member_of(clean_name(rec["姓名"]))
            if m is None:
                continue
            if not m.present and is_blank(rec["缺席原因"]):
                yield at(b, t, "R-P3", "warning",
                         f"{m.name} 缺席民主评议，应填写缺席原因（列入补课名单备案）",
                         row=row, column="缺席原因", found="", expected="缺席原因")
            makeup, _ = read_date(rec["补课日期"], campaign.year)
            if makeup is not None and m.present:
                yield at(b, t, "R-P3", "warning",
                         f"{m.name} 出席了民主评议，却填写了补课日期 {iso_day(makeup)}，请核对出席情况",
                         row=row, column="补课日期", found=iso_day(makeup),
                         expected="空白（出席者不补课）")
            elif makeup is not None and makeup < meeting:
                yield at(b, t, "R-P3", "warning",
                         f"{m.name} 的补课日期 {iso_day(makeup)} 早于党员大会 {iso_day(meeting)}，"
                         "补课应在党员大会之后", row=row, column="补课日期", found=iso_day(makeup),
                         expected=f"{iso_day(meeting)} 之后")
    bs = b.ballots
    if bs is None:
        return
    rows = bs.rows
    for col in bs.columns:
        if col.status != EVALUATED or col.member is None or col.member.present:
            continue
        for row in bs.ballots:
            value = rows[row][col.label]
            if not is_blank(value):
                yield at(b, bs.table, "R-P3", "warning",
                         f"{col.name} 缺席民主评议，其测评列应为空（补课后另行评议），"
                         f"此处有“{text(value)}”",
                         row=row, column=col.label, found=text(value), expected="空白")
    tally = b.table(C.TALLY)
    if tally is not None and not bs.ballots:
        for row, rec in tally.records:
            m = member_of(clean_name(rec["姓名"]))
            if m is None or m.present or not m.evaluated:
                continue
            votes = [c for c in (*campaign.grades, "弃权") if c in rec and not is_blank(rec[c])
                     and text(rec[c]) not in ("0", "")]
            if votes:
                yield at(b, tally, "R-P3", "warning",
                         f"{m.name} 缺席民主评议，计票表中其票数应为空（补课后另行评议）",
                         row=row, column="姓名", found=m.name, expected="空白")


def groups(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-P4: each member in exactly one 党小组; the branch has `groups_per_branch` groups."""
    yield from (i for i in _roster_values(b, campaign) if i.rule == "R-P4")
    yield from (i for i in _names_and_groups(b, campaign) if i.rule == "R-P4")
    t = b.table(C.ROSTER)
    if t is None:
        return
    for row, rec in t.records:
        parts = [p for p in LIST_SPLIT.split(text(rec["党小组"])) if p]
        if len(parts) > 1:
            yield at(b, t, "R-P4", "error",
                     f"{clean_name(rec['姓名'])} 填写了多个党小组（{text(rec['党小组'])}），"
                     "每名党员只属于一个党小组", row=row, column="党小组",
                     found=text(rec["党小组"]), expected="一个党小组")


RULE_CHECKS = (("R-P1", unique_names), ("R-P2", evaluated_members), ("R-P3", absent_members),
               ("R-P4", groups))
