"""R-M1..R-M4: 会议情况 types, dates, counts; 支委会 before the 党总支's 总支委员会."""

from __future__ import annotations

from builders import branch, member

from pipeline import contract as C
from pipeline.rules import check_across
from pipeline.rules.meetings import committee_meetings, head_counts, member_meeting, study

HEAD = ["类型", "日期", "应到", "实到"]
GOOD = [["集中学习", "2017/3/17", 10, 9], ["支委会", "2017/3/27", 3, 3],
        ["党员大会", "2017/3/31", 10, 9], ["党小组会", "2017/3/31", 5, 5],
        ["党小组会", "2017/3/31", 5, 4]]
MEMBERS = [member("张书记", roles=["支部书记"]), member("王一"),
           member("总书记", roles=["总支书记"])]


def sheet(rows, general=False):
    name = "党总支" if general else "第一支部"
    members = [member("总书记", roles=["总支书记"])] if general else MEMBERS
    return branch(members, {C.MEETINGS: [HEAD, *rows]}, name=name, general=general)


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


# --- R-M1 --------------------------------------------------------------------------------

def test_r_m1_unknown_type_dropped_and_late_committee(campaign):
    rows = [*GOOD, ["茶话会", "2017/3/1", 5, 5], ["支部委员会", "2017/3/31", 3, 3]]
    issues = list(committee_meetings(sheet(rows), campaign))
    assert found(issues) == [("R-M1", "error", "A7"), ("R-M1", "warning", "B8")]
    assert issues[0].dropped and "会议类型“茶话会”不认识" in issues[0].message
    assert "支委会日期 2017-03-31 晚于支委会、总支委员会截止日期 2017-03-30" in issues[1].message


def test_r_m1_missing_committee_meeting_warns(campaign):
    issues = list(committee_meetings(sheet([GOOD[0], *GOOD[2:]]), campaign))
    assert found(issues) == [("R-M1", "warning", "")]
    assert "没有支委会的记录" in issues[0].message
    general = list(committee_meetings(sheet([["集中学习", "2017/3/17", 5, 5]], True), campaign))
    assert "没有总支委员会的记录" in general[0].message


def test_r_m1_bad_committee_date_is_error(campaign):
    rows = [GOOD[0], ["支委会", "上周", 3, 3], *GOOD[2:]]
    issues = list(committee_meetings(sheet(rows), campaign))
    assert found(issues) == [("R-M1", "error", "B3")]


def test_r_m1_branch_committee_after_general_committee(campaign):
    general = sheet([["总支委员会", "2017/3/28", 7, 7]], general=True)
    late = sheet([GOOD[0], ["支委会", "2017/3/29", 3, 3], *GOOD[2:]])
    issues = check_across([late, general], campaign)
    assert [(i.rule, i.severity, i.branch, i.cell) for i in issues] == [
        ("R-M1", "warning", "第一支部", "B3")]
    assert "晚于党总支委员会（2017-03-28）" in issues[0].message


def test_r_m1_committee_meetings_in_order_pass(campaign):
    general = sheet([["总支委员会", "2017/3/28", 7, 7]], general=True)
    assert list(committee_meetings(sheet(GOOD), campaign)) == []
    assert list(committee_meetings(general, campaign)) == []
    assert check_across([sheet(GOOD), general], campaign) == []


# --- R-M2 --------------------------------------------------------------------------------

def test_r_m2_member_meeting_date_and_group_meetings(campaign):
    rows = [*GOOD[:2], ["党员大会", "2017/4/1", 10, 9], GOOD[3]]
    issues = list(member_meeting(sheet(rows), campaign))
    assert found(issues) == [("R-M2", "warning", "B4"), ("R-M2", "warning", "")]
    assert "党员大会日期 2017-04-01 不是工作方案规定的 2017-03-31" in issues[0].message
    assert "党小组会记录 1 次" in issues[1].message and "共 2 次" in issues[1].message


def test_r_m2_missing_member_meeting(campaign):
    issues = list(member_meeting(sheet([GOOD[0], GOOD[1], *GOOD[3:]]), campaign))
    assert [i.message for i in issues] == ["会议情况中没有党员大会的记录（2017-03-31召开）"]


def test_r_m2_member_meeting_and_groups_pass(campaign):
    assert list(member_meeting(sheet(GOOD), campaign)) == []
    assert list(member_meeting(sheet([["总支委员会", "2017/3/28", 7, 7]], True), campaign)) == []


# --- R-M3 --------------------------------------------------------------------------------

def test_r_m3_more_present_than_expected(campaign):
    rows = [*GOOD, ["党小组会", "2017/3/31", 5, 6], ["集中学习", "2017/3/17", "十", ""]]
    issues = list(head_counts(sheet(rows), campaign))
    assert found(issues) == [("R-M3", "error", "D7"), ("R-M3", "error", "C8"),
                             ("R-M3", "warning", "D8")]
    assert "实到 6 人多于应到 5 人" in issues[0].message


def test_r_m3_counts_pass(campaign):
    rows = [*GOOD, ["党小组会", "2017/3/31", "5人", "5"]]
    assert list(head_counts(sheet(rows), campaign)) == []


# --- R-M4 --------------------------------------------------------------------------------

def test_r_m4_study_missing_or_late(campaign):
    issues = list(study(sheet(GOOD[1:]), campaign))
    assert found(issues) == [("R-M4", "warning", "")]
    assert "没有集中学习的记录" in issues[0].message
    issues = list(study(sheet([["集中学习", "2017/3/18", 10, 9], *GOOD[1:]]), campaign))
    assert found(issues) == [("R-M4", "warning", "B2")]
    assert "晚于集中学习截止日期 2017-03-17" in issues[0].message


def test_r_m4_study_on_its_date_passes(campaign):
    assert list(study(sheet(GOOD), campaign)) == []
