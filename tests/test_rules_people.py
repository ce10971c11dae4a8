"""R-P1..R-P4 on a branch's own 党员名册 sheet, and R-P3 on the ballots."""

from __future__ import annotations

import datetime as dt

from builders import branch, member, table

from pipeline import contract as C
from pipeline.read.roster import members_from_table
from pipeline.rules import check_branch
from pipeline.rules.people import absent_members, evaluated_members, groups, unique_names
from pipeline.sheets.prepare import Prepared

HEAD = list(C.ROSTER_SHEET.headers)  # A 姓名 … I 补课日期


def row(name, group="第一党小组", role="", kind="正式党员", cadre="否", dlm="否", present="出席",
        reason="", makeup=None):
    return [name, group, role, kind, cadre, dlm, present, reason, makeup]


GOOD = [row("张书记", role="支部书记"), row("李委员", role="支部委员"),
        row("王一", "第二党小组"), row("赵二", "第二党小组")]


def sent(rows: list[list], general: bool = False, extra: dict | None = None) -> Prepared:
    """A branch whose members come from its own 党员名册 sheet, as intake builds it."""
    name = "党总支" if general else "第一支部"
    t = table(C.ROSTER, [HEAD, *rows], file=f"{name}.xlsx")
    members, _ = members_from_table(t, name)
    return branch(members, {**(extra or {}), C.ROSTER: [HEAD, *rows]}, name=name,
                  general=general)


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


def test_good_roster_has_no_people_issues(campaign):
    b = sent(GOOD)
    issues = [i for i in check_branch(b, campaign) if i.rule.startswith("R-P")]
    assert issues == []


# --- R-P1 --------------------------------------------------------------------------------

def test_r_p1_duplicate_name_in_branch(campaign):
    b = sent([*GOOD, row("王一", "第一党小组")])
    issues = list(unique_names(b, campaign))
    assert found(issues) == [("R-P1", "error", "A6")]
    assert "王一(2)" in issues[0].message and "第 4 行" in issues[0].message


def test_r_p1_row_without_name_is_dropped(campaign):
    b = sent([*GOOD, row("", "第一党小组")])
    issues = list(unique_names(b, campaign))
    assert [(i.cell, i.dropped) for i in issues] == [("A6", True)]
    assert "姓名为空" in issues[0].message


def test_r_p1_told_apart_names_pass(campaign):
    b = sent([*GOOD, row("王一(2)", "第一党小组"), row("王一（3）", "第一党小组")])
    assert list(unique_names(b, campaign)) == []


# --- R-P2 --------------------------------------------------------------------------------

def test_r_p2_unknown_member_kind_is_error(campaign):
    b = sent([*GOOD, row("钱五", kind="积极分子")])
    issues = list(evaluated_members(b, campaign))
    assert found(issues) == [("R-P2", "error", "D6")]
    assert "积极分子" in issues[0].message and "正式党员 或 预备党员" in issues[0].message


def test_r_p2_secretary_marked_exempt_is_a_warning(campaign):
    b = sent([row("张书记", role="支部书记", cadre="是", dlm="是"), *GOOD[1:]])
    issues = list(evaluated_members(b, campaign))
    assert found(issues) == [("R-P2", "warning", "F2")]
    assert "工作方案要求对支部书记进行测评" in issues[0].message
    assert not b.member("张书记").evaluated


def test_r_p2_dlm_without_cadre_is_a_warning(campaign):
    b = sent([*GOOD, row("钱五", dlm="是")])
    assert found(evaluated_members(b, campaign)) == [("R-P2", "warning", "F6")]


def test_r_p2_exempt_cadre_and_probationary_pass(campaign):
    b = sent([*GOOD, row("孙干部", cadre="是", dlm="是"), row("钱预备", kind="预备党员")])
    assert list(evaluated_members(b, campaign)) == []
    assert [m.name for m in b.evaluated] == ["张书记", "李委员", "王一", "赵二"]


# --- R-P3 --------------------------------------------------------------------------------

def test_r_p3_absent_without_reason_and_early_makeup(campaign):
    b = sent([*GOOD, row("钱五", present="缺席", makeup=dt.date(2017, 3, 25)),
              row("周六", makeup="2017/4/7")])
    issues = list(absent_members(b, campaign))
    assert found(issues) == [("R-P3", "warning", "H6"), ("R-P3", "warning", "I6"),
                             ("R-P3", "warning", "I7")]
    assert "钱五 缺席民主评议，应填写缺席原因" in issues[0].message
    assert "早于党员大会 2017-03-31" in issues[1].message
    assert "周六 出席了民主评议，却填写了补课日期" in issues[2].message


def test_r_p3_votes_in_absent_members_column_warn(campaign):
    absent = [m if m.name != "赵二" else member("赵二", present=False) for m in
              [member("张书记", roles=["支部书记"]), member("李委员", roles=["支部委员"]),
               member("王一"), member("赵二")]]
    b = branch(absent, {C.BALLOTS: [["票号", "张书记", "李委员", "王一", "赵二"],
                                    [1, "合格", "合格", "合格", "优秀"],
                                    [2, "合格", "合格", "合格", ""]]})
    issues = list(absent_members(b, campaign))
    assert found(issues) == [("R-P3", "warning", "E2")]
    assert "赵二 缺席民主评议，其测评列应为空" in issues[0].message
    assert not issues[0].dropped


def test_r_p3_absent_member_listed_properly_passes(campaign):
    b = sent([*GOOD, row("钱五", present="缺席", reason="病假", makeup="2017/4/7")])
    assert list(absent_members(b, campaign)) == []


def test_r_p3_bad_attendance_value_is_error(campaign):
    b = sent([*GOOD, row("钱五", present="请假")])
    assert found(absent_members(b, campaign)) == [("R-P3", "error", "G6")]


# --- R-P4 --------------------------------------------------------------------------------

def test_r_p4_three_groups_in_a_branch(campaign):
    b = sent([*GOOD, row("钱五", "第三党小组")])
    issues = list(groups(b, campaign))
    assert [(i.rule, i.severity) for i in issues] == [("R-P4", "error")]
    assert "3 个党小组" in issues[0].message and "应为 2 个" in issues[0].message


def test_r_p4_member_in_two_groups_or_none(campaign):
    b = sent([*GOOD, row("钱五", "第一党小组、第二党小组"), row("周六", "")])
    cells = [i.cell for i in groups(b, campaign)]
    assert "B6" in cells and "B7" in cells


def test_r_p4_two_groups_pass_and_general_roster_is_exempt(campaign):
    assert list(groups(sent(GOOD), campaign)) == []
    general = sent([row("总书记", "第一党小组", role="总支书记"),
                    row("总委员", "第三党小组", role="总支委员"),
                    row("另委员", "第五党小组", role="总支委员")], general=True)
    assert list(groups(general, campaign)) == []


def test_people_rules_skip_when_roster_sheet_not_sent(campaign):
    b = branch([member("张书记", roles=["支部书记"]), member("王一")])
    assert [i for i in check_branch(b, campaign) if i.rule.startswith("R-P")] == []
