"""R-G1..R-G4: 组织评定 values, reasons, departures from the ballots, dates."""

from __future__ import annotations

import datetime as dt

from builders import branch, member

from pipeline import contract as C
from pipeline.rules import check_across
from pipeline.rules.grading import departures, grade_values, grading_dates, reasons, usable_grades

HEAD = ["姓名", "评定等次", "评定理由", "处置措施", "反馈日期"]  # A..E
MEMBERS = [member("张书记", roles=["支部书记"]), member("王一"), member("赵二"),
           member("钱预备", kind=C.PROBATIONARY),
           member("孙干部", leading_cadre=True, attended_dlm=True),
           member("周缺", present=False),
           member("吴补", present=False, makeup_date=dt.date(2017, 4, 7))]
GOOD = [["张书记", "优秀", "", "", "2017/4/10"], ["王一", "合格", "", "", ""],
        ["赵二", "基本合格", "学习不够", "", ""], ["钱预备", "不评定等次", "", "", ""],
        ["孙干部", "", "", "", ""], ["周缺", "待补课", "", "", ""], ["吴补", "合格", "", "", ""]]


def grading(rows, members=MEMBERS, **extra):
    return branch(members, {C.GRADING: [HEAD, *rows], **extra})


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


# --- R-G1 --------------------------------------------------------------------------------

def test_r_g1_grade_for_probationary_and_exempt_member(campaign):
    rows = [*GOOD[:3], ["钱预备", "优秀", "", "", ""], ["孙干部", "合格", "", "", ""], *GOOD[5:]]
    issues = list(grade_values(grading(rows), campaign))
    assert found(issues) == [("R-G1", "error", "B5"), ("R-G1", "error", "B6")]
    assert "预备党员参加民主评议但不评定等次" in issues[0].message
    assert "应为 不评定等次" in issues[1].message
    assert usable_grades(grading(rows), campaign)["钱预备"] == "不评定等次"


def test_r_g1_unknown_grade_text_is_error_never_a_guess(campaign):
    rows = [["张书记", "良好", "", "", ""], *GOOD[1:]]
    issues = list(grade_values(grading(rows), campaign))
    assert found(issues) == [("R-G1", "error", "B2")]
    assert issues[0].message.startswith("“良好”不是有效等次，应为 优秀/合格/基本合格/不合格")
    assert usable_grades(grading(rows), campaign)["张书记"] == ""


def test_r_g1_absent_member_shows_pending(campaign):
    rows = [*GOOD[:5], ["周缺", "合格", "", "", ""], GOOD[6]]
    issues = list(grade_values(grading(rows), campaign))
    assert found(issues) == [("R-G1", "error", "B7")]
    assert "应为 待补课" in issues[0].message
    assert usable_grades(grading(rows), campaign)["周缺"] == "待补课"


def test_r_g1_unknown_name_and_duplicate_rows_dropped(campaign):
    rows = [*GOOD, ["外人", "合格", "", "", ""], ["王一", "优秀", "", "", ""]]
    issues = list(grade_values(grading(rows), campaign))
    assert [(i.cell, i.dropped) for i in issues] == [("A9", True), ("A10", True)]
    assert "不在本支部名册中" in issues[0].message and "第 3 行" in issues[1].message
    assert usable_grades(grading(rows), campaign)["王一"] == "合格"


def test_r_g1_ungraded_and_missing_members_warn(campaign):
    rows = [["张书记", "", "", "", ""], *GOOD[2:]]
    issues = list(grade_values(grading(rows), campaign))
    assert found(issues) == [("R-G1", "warning", "B2"), ("R-G1", "warning", "")]
    assert "张书记 尚未评定等次" in issues[0].message
    assert "没有以下测评对象：王一" in issues[1].message


def test_r_g1_expected_values_pass(campaign):
    assert list(grade_values(grading(GOOD), campaign)) == []
    assert usable_grades(grading(GOOD), campaign) == {
        "张书记": "优秀", "王一": "合格", "赵二": "基本合格", "钱预备": "不评定等次",
        "孙干部": "不评定等次", "周缺": "待补课", "吴补": "合格"}


def test_r_g1_general_committee_graded_in_two_branches(campaign):
    one = [member("总委员", roles=["总支委员"]), member("王一")]
    two = [member("总委员", branch="第二支部", roles=["总支委员"]),
           member("李二", branch="第二支部")]
    b1 = branch(one, {C.GRADING: [HEAD, ["总委员", "合格"], ["王一", "合格"]]})
    b2 = branch(two, {C.GRADING: [HEAD, ["总委员", "优秀"], ["李二", "合格"]]}, name="第二支部")
    general = branch([member("总委员", roles=["总支委员"]), member("孤委员", roles=["总支委员"])],
                     name="党总支", general=True)
    issues = check_across([b1, b2, general], campaign)
    g1 = [(i.rule, i.severity, i.branch, i.cell) for i in issues if i.rule == "R-G1"]
    assert g1 == [("R-G1", "error", "第二支部", "B2"), ("R-G1", "warning", "党总支", "")]
    assert "已在第一支部评定等次" in issues[0].message
    assert "孤委员 不在任何支部的名册中" in issues[1].message


def test_r_g1_general_committee_graded_once_passes(campaign):
    b1 = branch([member("总委员", roles=["总支委员"])], {C.GRADING: [HEAD, ["总委员", "合格"]]})
    general = branch([member("总委员", roles=["总支委员"])], name="党总支", general=True)
    assert check_across([b1, general], campaign) == []


def test_r_g1_general_workbook_has_no_grading(campaign):
    b = branch([member("总委员", roles=["总支委员"])], {C.GRADING: [HEAD, ["总委员", "合格"]]},
               name="党总支", general=True)
    issues = list(grade_values(b, campaign))
    assert [(i.rule, i.cell, i.dropped) for i in issues] == [("R-G1", "A2", True)]


# --- R-G2 --------------------------------------------------------------------------------

def test_r_g2_low_grades_need_reason_and_unqualified_a_disposition(campaign):
    rows = [*GOOD[:2], ["赵二", "基本合格", "", "", ""], *GOOD[3:6],
            ["吴补", "不合格", "长期不参加组织生活", "批评教育", ""]]
    issues = list(reasons(grading(rows), campaign))
    assert found(issues) == [("R-G2", "error", "C4"), ("R-G2", "error", "D8")]
    assert "赵二 评为基本合格，必须写明评定理由" in issues[0].message
    assert "“批评教育”不在规定范围内，应为 限期改正/劝其退党/党内除名/除名" in issues[1].message
    rows[-1][3] = ""
    issues = list(reasons(grading(rows), campaign))
    assert found(issues)[-1] == ("R-G2", "error", "D8")
    assert "必须填写处置措施" in issues[-1].message


def test_r_g2_disposition_on_other_grade_warns(campaign):
    rows = [["张书记", "合格", "", "限期改正", ""], *GOOD[1:]]
    assert found(reasons(grading(rows), campaign)) == [("R-G2", "warning", "D2")]


def test_r_g2_reasons_and_dispositions_pass(campaign):
    rows = [*GOOD[:6], ["吴补", "不合格", "长期不参加组织生活", "限期改正", ""]]
    assert list(reasons(grading(rows), campaign)) == []


# --- R-G3 --------------------------------------------------------------------------------

BALLOT_HEAD = ["票号", "张书记", "王一", "赵二", "吴补"]


def with_votes(rows, votes):
    ballots = [BALLOT_HEAD, *([n + 1, *v] for n, v in enumerate(votes))]
    return grading(rows, **{C.BALLOTS: ballots})


def test_r_g3_excellent_while_most_votes_basic_or_worse(campaign):
    votes = [["基本合格", "合格", "合格", ""], ["不合格", "合格", "合格", ""],
             ["优秀", "合格", "合格", ""]]
    issues = list(departures(with_votes(GOOD, votes), campaign))
    assert found(issues) == [("R-G3", "warning", "C2")]
    assert "张书记 评为优秀，而测评多数意见为基本合格" in issues[0].message
    assert "优秀 1、合格 0、基本合格 1、不合格 1" in issues[0].message


def test_r_g3_departure_with_reason_or_close_to_votes_passes(campaign):
    votes = [["合格", "合格", "合格", ""], ["合格", "合格", "合格", ""]]
    assert list(departures(with_votes(GOOD, votes), campaign)) == []  # 优秀 vs 合格: one step
    votes = [["不合格", "合格", "合格", ""], ["不合格", "合格", "合格", ""]]
    rows = [["张书记", "优秀", "工作突出，组织研判后评定", "", ""], *GOOD[1:]]
    assert list(departures(with_votes(rows, votes), campaign)) == []


# --- R-G4 --------------------------------------------------------------------------------

def test_r_g4_feedback_dates(campaign):
    rows = [["张书记", "优秀", "", "", "2017/4/15"], ["王一", "合格", "", "", "四月"],
            ["赵二", "基本合格", "学习不够", "", dt.date(2017, 3, 30)], *GOOD[3:]]
    issues = list(grading_dates(grading(rows), campaign))
    assert found(issues) == [("R-G4", "warning", "E2"), ("R-G4", "error", "E3"),
                             ("R-G4", "warning", "E4")]
    assert "2017-04-15 晚于组织评定截止日期 2017-04-14" in issues[0].message
    assert "“四月”不是日期" in issues[1].message


def test_r_g4_dates_on_time_pass(campaign):
    assert list(grading_dates(grading(GOOD), campaign)) == []
