"""R-Q1..R-Q3: 问题清单 of the 班子 and of the members."""

from __future__ import annotations

from builders import branch, member

from pipeline import contract as C
from pipeline.rules.problems import descriptions, member_problems, team_problems

HEAD = ["编号", "对象", "类别", "问题描述", "来源"]  # A..E
MEMBERS = [member("张书记", roles=["支部书记"]), member("王一"), member("赵二"),
           member("钱预备", kind=C.PROBATIONARY)]
GOOD = [["Q1", "班子", "组织生活制度落实（三会一课）", "三会一课记录不全", "自查"],
        ["Q2", "班 子", "党员日常管理", "党费收缴不及时", "征求意见"],
        ["Q3", "张书记", "发挥作用", "带头作用不够", "自查"],
        ["Q4", "王一", "政治合格", "学习不深入", "自查"],
        ["Q5", "赵二", "品德", "与同事沟通少", "谈心谈话"]]


def sheet(rows, members=MEMBERS, general=False):
    name = "党总支" if general else "第一支部"
    return branch(members, {C.PROBLEMS: [HEAD, *rows]}, name=name, general=general)


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


# --- R-Q1 --------------------------------------------------------------------------------

def test_r_q1_sheet_without_team_problem_is_error(campaign):
    issues = list(team_problems(sheet(GOOD[2:]), campaign))
    assert found(issues) == [("R-Q1", "error", "")]
    assert "没有对象为“班子”的问题" in issues[0].message


def test_r_q1_team_category_outside_the_plan(campaign):
    rows = [*GOOD, ["Q6", "班子", "作风建设", "会议多", "自查"], ["Q7", "班子", "", "x", "自查"]]
    issues = list(team_problems(sheet(rows), campaign))
    assert found(issues) == [("R-Q1", "error", "C7"), ("R-Q1", "error", "C8")]
    assert "“作风建设”不是班子问题的类别" in issues[0].message
    assert "党性意识和自我要求/执行上级决定" in issues[0].message
    assert "班子问题的类别为空" in issues[1].message
    assert not issues[0].dropped


def test_r_q1_team_problems_from_the_plan_pass(campaign):
    # half-width brackets fold to the configured full-width ones
    rows = [*GOOD, ["Q6", "班子", "组织生活制度落实(三会一课)", "x", "自查"]]
    assert list(team_problems(sheet(rows), campaign)) == []


# --- R-Q2 --------------------------------------------------------------------------------

def test_r_q2_member_category_and_unknown_target(campaign):
    rows = [*GOOD, ["Q6", "王一", "业务能力", "x", "自查"], ["Q7", "外人", "政治", "x", "自查"],
            ["Q8", "", "政治", "x", "自查"]]
    issues = list(member_problems(sheet(rows), campaign))
    assert found(issues) == [("R-Q2", "error", "C7"), ("R-Q2", "error", "B8"),
                             ("R-Q2", "error", "B9")]
    assert "“业务能力”不是党员问题的类别，应为 政治/执行纪律/品德/发挥作用" in issues[0].message
    assert [i.dropped for i in issues] == [False, True, True]


def test_r_q2_evaluated_member_without_problem_warns(campaign):
    issues = list(member_problems(sheet(GOOD[:4]), campaign))
    assert found(issues) == [("R-Q2", "warning", "")]
    assert "赵二" in issues[0].message and "钱预备" not in issues[0].message


def test_r_q2_member_problems_pass(campaign):
    assert list(member_problems(sheet(GOOD), campaign)) == []


def test_r_q2_general_workbook_only_team_problems(campaign):
    members = [member("总书记", roles=["总支书记"])]
    rows = [GOOD[0], ["Q2", "总书记", "政治", "x", "自查"]]
    issues = list(member_problems(sheet(rows, members, general=True), campaign))
    assert found(issues) == [("R-Q2", "warning", "B3")]
    assert "个人的问题请填在其所在支部" in issues[0].message


# --- R-Q3 --------------------------------------------------------------------------------

def test_r_q3_blank_description_is_error_and_dropped(campaign):
    issues = list(descriptions(sheet([*GOOD, ["Q6", "班子", "党员日常管理", " ", "自查"]]),
                               campaign))
    assert found(issues) == [("R-Q3", "error", "D7")]
    assert issues[0].dropped and "问题描述为空" in issues[0].message


def test_r_q3_descriptions_pass(campaign):
    assert list(descriptions(sheet(GOOD), campaign)) == []
