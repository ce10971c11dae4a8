"""R-V1..R-V3, the review family: the office's 总支审核 rows against the validated branches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import branch, member
from openpyxl.utils import get_column_letter

from pipeline import contract as C
from pipeline.followup.final import decide
from pipeline.followup.review_book import Entry, Review, review_columns
from pipeline.followup.review_rules import review_issues

GRADING = ["姓名", "评定等次", "评定理由", "处置措施", "反馈日期"]


def first_branch():
    members = [member("张书记", roles=["支部书记"]), member("王一"), member("李二"),
               member("赵三", kind=C.PROBATIONARY)]
    return branch(members, {C.GRADING: [
        GRADING,
        ["张书记", "优秀", "表现突出", "", "2017/4/12"],
        ["王一", "合格", "", "", "2017/4/10"],
        ["李二", "基本合格", "发挥作用不够", "", ""],
        ["赵三", "不评定等次", "", "", ""],
    ]})


def review(campaign, rows: list[dict]) -> Review:
    letters = {h: get_column_letter(i + 1) for i, h in enumerate(review_columns(campaign))}
    entries = {}
    for n, r in enumerate(rows, start=4):
        r = {"支部": "第一支部", **r}
        entries[(r["支部"], r["姓名"])] = Entry(r["支部"], r["姓名"], n, r)
    return Review(Path("总支审核.xlsx"), "总支审核.xlsx", entries, letters)


def found(issues, rule=None):
    return [(i.rule, i.severity, i.file, i.sheet, i.cell) for i in issues
            if rule is None or i.rule == rule]


def test_r_v1_adjust_or_return_without_opinion_is_an_error(campaign):
    b = first_branch()
    r = review(campaign, [
        {"姓名": "张书记", "支部评定": "优秀", "审核结论": "调整为合格"},
        {"姓名": "王一", "支部评定": "合格", "审核结论": "同意"},
        {"姓名": "李二", "支部评定": "基本合格", "审核结论": "调整为 合格", "审核意见": "日常表现好"},
    ])
    issues = review_issues([b], r, campaign)
    col = r.letters["审核意见"]
    assert found(issues, "R-V1") == [("R-V1", "error", "总支审核.xlsx", "总支审核", f"{col}4")]
    (i,) = [i for i in issues if i.rule == "R-V1"]
    assert i.branch == ""  # the office's own workbook: not in a branch's return package
    assert "第一支部 张书记：审核结论为“调整为合格”，须写明审核意见" in i.message


def test_r_v1_unknown_conclusion_names_the_choices(campaign):
    r = review(campaign, [{"姓名": "王一", "支部评定": "合格", "审核结论": "可以"}])
    (i,) = review_issues([first_branch()], r, campaign)
    assert (i.rule, i.severity, i.cell) == ("R-V1", "error", f"{r.letters['审核结论']}4")
    assert "同意/调整为优秀/调整为合格/调整为基本合格/调整为不合格/退回支部重议" in i.message


def test_r_v1_return_is_an_error_on_the_branch_grading_cell(campaign):
    r = review(campaign, [{"姓名": "李二", "支部评定": "基本合格", "审核结论": "退回支部重议",
                           "审核意见": "请结合日常表现重议"}])
    (i,) = review_issues([first_branch()], r, campaign)
    assert (i.rule, i.severity, i.branch, i.file, i.sheet, i.cell) == (
        "R-V1", "error", "第一支部", "第一支部.xlsx", "组织评定", "B4")
    assert i.message == "李二：总支审核：退回支部重议 — 请结合日常表现重议"


def test_r_v1_return_answered_once_the_branch_changes_the_grade(campaign):
    """The branch re-decided (基本合格 → 合格): the 退回 is answered; the conclusion waits."""
    r = review(campaign, [{"姓名": "李二", "支部评定": "不合格", "审核结论": "退回支部重议",
                           "审核意见": "请重议"}])
    assert review_issues([first_branch()], r, campaign) == []
    d = decide("基本合格", r.entries[("第一支部", "李二")], campaign)
    assert (d.review, d.final) == ("待重新审核（审核时为不合格）", None)


def test_r_v2_feedback_before_review_date_is_a_warning(campaign):
    r = review(campaign, [
        {"姓名": "王一", "支部评定": "合格", "审核结论": "同意", "审核日期": dt.datetime(2017, 4, 11)},
        {"姓名": "张书记", "支部评定": "优秀", "审核结论": "同意", "审核日期": "2017/4/12"},
    ])
    issues = review_issues([first_branch()], r, campaign)
    assert found(issues) == [("R-V2", "warning", "第一支部.xlsx", "组织评定", "E3")]
    assert issues[0].message == ("王一的反馈日期 2017-04-10 早于党总支审核日期 2017-04-11；"
                                 "应先上报党总支审核，后向本人反馈")


def test_r_v3_row_for_someone_not_evaluated_or_unknown(campaign):
    r = review(campaign, [
        {"姓名": "赵三", "支部评定": "不评定等次"},
        {"姓名": "钱四", "支部评定": "合格", "审核结论": "同意"},
        {"支部": "第九支部", "姓名": "孙五"},
        {"姓名": "王一", "支部评定": "合格"},
    ])
    issues = review_issues([first_branch()], r, campaign)
    col = r.letters["姓名"]
    assert found(issues) == [("R-V3", "warning", "总支审核.xlsx", "总支审核", f"{col}{n}")
                             for n in (4, 5, 6)]
    assert "此人不是测评对象" in issues[0].message
    assert "该支部名册中没有此人" in issues[1].message
    assert "没有这个支部" in issues[2].message


def test_final_grade_from_branch_grade_and_review(campaign):
    r = review(campaign, [
        {"姓名": "张书记", "支部评定": "优秀", "审核结论": "同意"},
        {"姓名": "王一", "支部评定": "合格", "审核结论": "调整为优秀", "审核意见": "表现突出"},
        {"姓名": "李二", "支部评定": "基本合格", "审核结论": "调整为不合格"},
    ])
    e = r.entries
    assert decide("优秀", e[("第一支部", "张书记")], campaign).final == "优秀"
    assert decide("合格", e[("第一支部", "王一")], campaign).final == "优秀"
    assert decide("基本合格", e[("第一支部", "李二")], campaign).final is None  # R-V1 first
    assert decide("合格", None, campaign).review == "待审核"
    assert decide("待补课", None, campaign).review is None
