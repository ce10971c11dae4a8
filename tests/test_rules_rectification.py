"""R-R1..R-R4: 整改清单 (四明确), coverage of 班子 problems, owners and deadlines, 整改承诺."""

from __future__ import annotations

import datetime as dt

from builders import branch, member

from pipeline import contract as C
from pipeline.rules.rectification import (
    four_fields,
    member_commitments,
    owner_and_deadline,
    problem_coverage,
)

HEAD = ["编号", "对应问题编号", "对象", "整改事项", "整改措施", "责任人", "完成时限", "完成情况"]
PROBLEM_HEAD = ["编号", "对象", "类别", "问题描述", "来源"]
MEMBERS = [member("张书记", roles=["支部书记"]), member("王一"),
           member("钱预备", kind=C.PROBATIONARY), member("周缺", present=False)]
PROBLEMS = [["Q1", "班子", "党员日常管理", "党费收缴不及时", "自查"],
            ["Q2", "班子", "执行上级决定", "传达不及时", "自查"],
            ["Q3", "王一", "政治", "学习不深入", "自查"]]
GOOD = [["Z1", "Q1", "班子", "党费", "按月收缴", "组织委员", "2017/6/30", "推进中"],
        ["Z2", "Q1、Q2", "班子", "传达", "例会传达", "张书记", dt.date(2017, 5, 31), "已完成"],
        ["Z3", "Q3", "王一", "学习", "每周学习", "王一", "2017/12/31", "推进中"],
        ["Z4", "", "张书记", "带头", "带头讲党课", "支部书记", "2017/9/30", "未开始"]]


def sheet(rows, problems=PROBLEMS, members=MEMBERS, general=False):
    sheets = {C.RECTIFY: [HEAD, *rows]}
    if problems is not None:
        sheets[C.PROBLEMS] = [PROBLEM_HEAD, *problems]
    name = "党总支" if general else "第一支部"
    return branch(members, sheets, name=name, general=general)


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


# --- R-R1 --------------------------------------------------------------------------------

def test_r_r1_each_missing_field_is_an_error(campaign):
    rows = [*GOOD, ["Z5", "Q2", "班子", "", "x", "", None, ""]]
    issues = list(four_fields(sheet(rows), campaign))
    assert found(issues) == [("R-R1", "error", "D6"), ("R-R1", "error", "F6"),
                             ("R-R1", "error", "G6")]
    assert issues[0].message.startswith("整改事项为空")
    assert not any(i.dropped for i in issues)


def test_r_r1_four_fields_pass(campaign):
    assert list(four_fields(sheet(GOOD), campaign)) == []


# --- R-R2 --------------------------------------------------------------------------------

def test_r_r2_team_problem_without_rectification(campaign):
    rows = [GOOD[0], *GOOD[2:], ["Z5", "Q9", "班子", "x", "x", "张书记", "2017/6/1", ""]]
    issues = list(problem_coverage(sheet(rows), campaign))
    assert found(issues) == [("R-R2", "warning", "B5"), ("R-R2", "warning", "")]
    assert "对应问题编号 Q9 在问题清单中不存在" in issues[0].message
    assert "没有对应的整改措施：Q2；覆盖 1/2（50%）" in issues[1].message


def test_r_r2_unnumbered_or_repeated_problem_numbers(campaign):
    problems = [*PROBLEMS, ["", "班子", "党员日常管理", "x", "自查"],
                ["Q1", "班子", "执行上级决定", "y", ""]]
    issues = list(problem_coverage(sheet(GOOD, problems), campaign))
    assert [(i.sheet, i.cell) for i in issues] == [("问题清单", "A5"), ("问题清单", "A6")]


def test_r_r2_all_team_problems_covered_pass(campaign):
    assert list(problem_coverage(sheet(GOOD), campaign)) == []
    assert list(problem_coverage(sheet(GOOD, problems=None), campaign)) == []


# --- R-R3 --------------------------------------------------------------------------------

def test_r_r3_long_term_is_not_a_deadline(campaign):
    rows = [*GOOD, ["Z5", "Q2", "班子", "x", "x", "张书记", "长期坚持", ""]]
    issues = list(owner_and_deadline(sheet(rows), campaign))
    assert found(issues) == [("R-R3", "error", "G6")]
    assert "完成时限“长期坚持”不是具体日期" in issues[0].message
    assert "党员大会（2017-03-31）之后的日期" in issues[0].message


def test_r_r3_deadline_not_after_meeting_and_unknown_owner(campaign):
    rows = [*GOOD, ["Z5", "Q2", "班子", "x", "x", "老李", "2017/3/31", ""],
            ["Z6", "Q2", "班子", "x", "x", "张书记、宣传委员", "2017/4/1", ""]]
    issues = list(owner_and_deadline(sheet(rows), campaign))
    assert found(issues) == [("R-R3", "error", "F6"), ("R-R3", "error", "G6")]
    assert "责任人“老李”不是名册中的姓名或委员职务" in issues[0].message
    assert "不晚于党员大会" in issues[1].message


def test_r_r3_names_titles_and_dates_pass(campaign):
    assert list(owner_and_deadline(sheet(GOOD), campaign)) == []


# --- R-R4 --------------------------------------------------------------------------------

def test_r_r4_evaluated_member_without_commitment(campaign):
    issues = list(member_commitments(sheet(GOOD[:3]), campaign))
    assert found(issues) == [("R-R4", "warning", "")]
    assert "没有整改承诺（对象为本人的整改）：张书记" in issues[0].message
    assert "周缺" not in issues[0].message  # absent, not yet made up


def test_r_r4_unknown_or_blank_target_dropped(campaign):
    rows = [*GOOD, ["Z5", "", "外人", "x", "x", "张书记", "2017/6/1", ""],
            ["Z6", "", "", "x", "x", "张书记", "2017/6/1", ""]]
    issues = list(member_commitments(sheet(rows), campaign))
    assert [(i.severity, i.cell, i.dropped) for i in issues] == [
        ("error", "C6", True), ("error", "C7", True)]


def test_r_r4_every_evaluated_member_committed_passes(campaign):
    assert list(member_commitments(sheet(GOOD), campaign)) == []
    general = sheet(GOOD[:2], members=[member("总书记", roles=["总支书记"])], general=True)
    assert list(member_commitments(general, campaign)) == []
