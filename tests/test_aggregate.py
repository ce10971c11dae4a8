"""Aggregation (SPEC §6): tallies from hand-written ballots, eligibility, cap and flags,
talk and rectification coverage, completeness per stage, row dropping, status."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from builders import branch, member

from pipeline import contract as C
from pipeline.config import Campaign, VoteFlags
from pipeline.consolidate.filing import aggregate
from pipeline.consolidate.stages import stage_detail, stage_status
from pipeline.contract import (
    FAILED,
    INCOMPLETE,
    MISSING,
    NOT_APPLICABLE,
    OVERDUE,
    RECEIVED,
    RECEIVED_LATE,
    TOTAL,
    UNGRADED,
)
from pipeline.issues import Issue, issue
from pipeline.model import BranchInput, SheetSource
from pipeline.rules.ballots import tally_branch

SECRETARY, COMMITTEE = "张书记", "李委员"
EVALUATED_PRESENT = (SECRETARY, COMMITTEE, "王一", "赵二")

# Five ballots, written out by hand. Ballot 3 is wholly blank (空白票); "良好" on ballot 2 is
# not a grade (无效); "　合 格 " folds to 合格. 钱三 and 吴六 were absent: their columns stay blank.
BALLOTS: list[list[Any]] = [
    ["票号", SECRETARY, COMMITTEE, "王一", "赵二", "钱三", "吴六"],
    [1, "优秀", "合格", "基本合格", "不合格", None, None],
    [2, "优秀", "优秀", "合格", "良好", None, None],
    [3, None, None, None, None, None, None],
    [4, "合格", "　合 格 ", "合格", "合格", None, None],
    [5, "优秀", "基本合格", None, "不合格", None, None],
]
# What those ballots say, counted by hand: (优秀, 合格, 基本合格, 不合格, 弃权, 无效, 有效).
EXPECTED = {
    SECRETARY: (3, 1, 0, 0, 1, 0, 4),
    COMMITTEE: (1, 2, 1, 0, 1, 0, 4),
    "王一": (0, 2, 1, 0, 2, 0, 3),
    "赵二": (0, 1, 0, 2, 1, 1, 3),
}
VOTE_COLUMNS = ["优秀票", "合格票", "基本合格票", "不合格票", "弃权票", "无效票", "有效票"]

GRADING: list[list[Any]] = [
    ["姓名", "评定等次", "评定理由", "处置措施", "反馈日期"],
    [SECRETARY, "优秀", None, None, "2017/4/10"],
    [COMMITTEE, "优秀", None, None, "2017/4/10"],
    ["王一", "合格", None, None, "2017/4/10"],
    ["赵二", "不合格", "多次无故不参加组织生活", "限期改正", "2017/4/11"],
    ["钱三", None, None, None, None],
    ["孙四", "不评定等次", None, None, None],
    ["周五", None, None, None, None],
    ["吴六", "合格", None, None, "2017/4/12"],
]
TALKS: list[list[Any]] = [
    ["谈话人", "谈话对象", "日期", "形式", "主要内容"],
    [SECRETARY, "王一", "2017/3/15", "当面谈", "交流思想"],
    [COMMITTEE, "赵二", "2017/3/16", "当面谈", "听取意见"],
    ["王一", "赵二", "2017/3/17", "电话", "相互提醒"],
    [SECRETARY, "王一", "2017/3/18", "当面谈", "再次谈话"],
]
PROBLEMS: list[list[Any]] = [
    ["编号", "对象", "类别", "问题描述", "来源"],
    ["Q1", "班子", "党员日常管理", "党员日常管理不够严格", "自查"],
    ["Q2", "班子", "执行上级决定", "传达上级精神不及时", "征求意见"],
    ["Q3", "王一", "发挥作用", "业务钻研不够", "自查"],
    ["001", "班子", "党员日常管理", "=1+1", "其他"],
]
RECTIFY: list[list[Any]] = [
    ["编号", "对应问题编号", "对象", "整改事项", "整改措施", "责任人", "完成时限", "完成情况"],
    ["Z1", "Q1、001", "班子", "严格党员管理", "每月通报", SECRETARY, "2017/6/30", "推进中"],
    ["Z2", "Q3", "王一", "加强业务学习", "每周读书", "王一", "2017/12/31", "未开始"],
]


def members() -> list:
    return [
        member(SECRETARY, roles=["支部书记"]),
        member(COMMITTEE, roles=["支部委员"], group="第二党小组"),
        member("王一"),
        member("赵二", group="第二党小组"),
        member("钱三", present=False, absence_reason="出国培训"),
        member("孙四", kind=C.PROBATIONARY, group="第二党小组"),
        member("周五", leading_cadre=True, attended_dlm=True),
        member("吴六", present=False, absence_reason="病假", makeup_date=dt.date(2017, 4, 7),
               group="第二党小组"),
    ]


def example(**replace: list[list[Any]]) -> BranchInput:
    sheets = {C.BALLOTS: BALLOTS, C.GRADING: GRADING, C.TALKS: TALKS, C.PROBLEMS: PROBLEMS,
              C.RECTIFY: RECTIFY}
    sheets.update(replace)
    return branch(members(), sheets)


def general() -> BranchInput:
    committee = [member("总支甲", branch=C.GENERAL_BRANCH, roles=["总支书记"]),
                 member("总支乙", branch=C.GENERAL_BRANCH, roles=["总支委员"]),
                 member("总支丙", branch=C.GENERAL_BRANCH, roles=["总支委员"])]
    return branch(committee, {
        C.TALKS: [TALKS[0], ["总支甲", "总支乙", "2017/3/10", "当面谈", "交流"]],
        C.PROBLEMS: [PROBLEMS[0], ["ZQ1", "班子", "党员日常管理", "总支的问题", "自查"]],
        C.RECTIFY: [RECTIFY[0], ["ZZ1", "ZQ1", "班子", "整改", "措施", "总支甲", "2017/6/1", "推进中"]],
    }, name=C.GENERAL_BRANCH, general=True)


def result_row(filing, name: str) -> dict[str, Any]:
    rows = filing.results[filing.results["姓名"] == name].to_dict("records")
    assert len(rows) == 1, rows
    return rows[0]


def ballot_issues(b: BranchInput, campaign: Campaign) -> list[Issue]:
    return tally_branch(b, campaign)[1]


# --- tallies ---------------------------------------------------------------------------------

def test_counts_per_member_from_hand_written_ballots(campaign):
    b = example()
    filing = aggregate([b], ballot_issues(b, campaign), campaign)
    for name, expected in EXPECTED.items():
        row = result_row(filing, name)
        assert tuple(row[c] for c in VOTE_COLUMNS) == expected, name
    # shares are of 有效票; 优秀 is not counted inside 合格
    row = result_row(filing, SECRETARY)
    assert row["优秀票占比"] == pytest.approx(3 / 4)
    assert row["合格票占比"] == pytest.approx(1 / 4)
    summary = filing.summary.set_index("支部")
    assert summary.loc["第一支部", "收回票数"] == 5
    assert summary.loc["第一支部", "空白票"] == 1
    assert summary.loc["第一支部", "计票方式"] == C.BALLOTS


def test_blank_ballot_is_abstention_and_invalid_text_counts_in_none(campaign):
    b = example()
    filing = aggregate([b], ballot_issues(b, campaign), campaign)
    row = result_row(filing, "赵二")
    assert row["弃权票"] == 1  # the 空白票
    assert row["无效票"] == 1  # "良好"
    assert row["有效票"] == row["优秀票"] + row["合格票"] + row["基本合格票"] + row["不合格票"]
    assert row["有效票"] + row["弃权票"] + row["无效票"] == 5
    # the R-B1 error lands on 赵二's 提示: how many ballots, never the value (R-B6, #10 case 12)
    assert "R-B1" in row["提示"] and "1 张票" in row["提示"] and "良好" not in row["提示"]


def test_hand_count_sheet_is_used_when_no_ballots(campaign):
    tally = [["姓名", "优秀", "合格", "基本合格", "不合格", "弃权"],
             [SECRETARY, 4, 1, 0, 0, 0], [COMMITTEE, 1, 3, 1, 0, 0], ["王一", 0, 5, 0, 0, 0],
             ["赵二", 0, 2, 2, 1, 0], ["钱三", 0, 0, 0, 0, 5], ["吴六", 0, 0, 0, 0, 5],
             ["发出票数", 6, None, None, None, None], ["收回票数", 5, None, None, None, None]]
    sheets = {C.TALLY: tally, C.GRADING: GRADING}
    b = branch(members(), sheets)
    filing = aggregate([b], [], campaign)
    assert result_row(filing, "赵二")["不合格票"] == 1
    summary = filing.summary.set_index("支部")
    assert summary.loc["第一支部", "计票方式"] == C.TALLY
    assert summary.loc["第一支部", "收回票数"] == 5
    assert summary.loc["第一支部", "空白票"] is None


# --- eligibility and grades -------------------------------------------------------------------

@pytest.mark.parametrize("name, state, grade", [
    ("孙四", "不评定等次", "不评定等次"),  # 预备党员
    ("周五", "不评定等次", "不评定等次"),  # exempt leading cadre
    ("钱三", "待补课", "待补课"),  # absent, no 补课日期
    ("吴六", "已补课", "合格"),  # absent, made up: graded, no meeting counts
])
def test_not_graded_and_pending_rows_have_empty_counts(campaign, name, state, grade):
    b = example()
    row = result_row(aggregate([b], ballot_issues(b, campaign), campaign), name)
    assert (row["评议状态"], row["评定等次"]) == (state, grade)
    assert all(row[c] is None for c in [*VOTE_COLUMNS, "优秀票占比", "不合格票占比"])
    assert row["提示"]


def test_one_row_per_member_committee_first_and_general_members_not_listed(campaign):
    b = example()
    filing = aggregate([b, general()], ballot_issues(b, campaign), campaign)
    assert list(filing.results["姓名"]) == [SECRETARY, COMMITTEE, "王一", "赵二", "钱三", "孙四",
                                            "周五", "吴六"]
    assert set(filing.results["支部"]) == {"第一支部"}
    # the 党总支 goes first in the lists, before the branches
    assert next(iter(filing.problems["支部"])) == C.GENERAL_BRANCH
    assert list(filing.summary["支部"]) == [C.GENERAL_BRANCH, "第一支部", TOTAL]


def test_grade_distribution_and_grading_fields(campaign):
    b = example()
    filing = aggregate([b], ballot_issues(b, campaign), campaign)
    s = filing.summary.set_index("支部").loc["第一支部"]
    assert (s["优秀人数"], s["合格人数"], s["基本合格人数"], s["不合格人数"]) == (2, 2, 0, 1)
    assert (s["待补课人数"], s["不评定等次人数"], s[f"{UNGRADED}人数"]) == (1, 2, 0)
    assert (s["党员人数"], s["正式党员"], s["预备党员"], s["测评对象"]) == (8, 7, 1, 6)
    assert (s["出席"], s["缺席"]) == (6, 2)
    row = result_row(filing, "赵二")
    assert row["评定理由"] == "多次无故不参加组织生活"
    assert row["处置措施"] == "限期改正"
    assert row["反馈日期"] == dt.date(2017, 4, 11)


def test_unknown_grade_text_is_not_a_grade(campaign):
    grading = [list(r) for r in GRADING]
    grading[3][1] = "良"
    b = example(**{C.GRADING: grading})
    row = result_row(aggregate([b], [], campaign), "王一")
    assert row["评定等次"] == UNGRADED
    assert "良" in row["提示"]


# --- cap and flags --------------------------------------------------------------------------

def test_excellent_cap_and_r_a1_warning(campaign):
    b = example()
    filing = aggregate([b], [], campaign)
    s = filing.summary.set_index("支部").loc["第一支部"]
    assert (s["优秀上限"], s["优秀已用"]) == (2, 2)  # floor(7 正式党员 / 3)
    assert not [i for i in filing.new_issues if i.rule == "R-A1"]

    grading = [list(r) for r in GRADING]
    grading[3][1] = "优秀"  # 王一: a third 优秀
    b = example(**{C.GRADING: grading})
    filing = aggregate([b], [], campaign)
    s = filing.summary.set_index("支部").loc["第一支部"]
    assert (s["优秀上限"], s["优秀已用"]) == (2, 3)
    flags = [i for i in filing.new_issues if i.rule == "R-A1"]
    assert len(flags) == 1 and flags[0].severity == "warning"
    assert "需组织研判" in flags[0].message
    # a flag, never a grade: the three stay 优秀; the flag is in 校验问题 and 需组织研判, once,
    # not repeated in every 优秀 row's 提示 (#10 case 18)
    assert list(filing.results[filing.results["评定等次"] == "优秀"]["姓名"]) == [
        SECRETARY, COMMITTEE, "王一"]
    assert "R-A1" in set(filing.issues["规则"]) and list(filing.flags["规则"]) == ["R-A1"]
    assert "超过上限" not in str(result_row(filing, "王一")["提示"])
    assert filing.passed and filing.status == INCOMPLETE  # warnings only (no 会议情况 sent)


def test_cap_denominator_and_rounding_are_config(campaign):
    cap = dataclasses.replace(campaign.excellent_cap, denominator="全体党员", rounding="ceil")
    c = dataclasses.replace(campaign, excellent_cap=cap)
    s = aggregate([example()], [], c).summary.set_index("支部").loc["第一支部"]
    assert s["优秀上限"] == 3  # ceil(8 / 3)


def test_r_a1_raised_by_the_rules_is_not_repeated(campaign):
    grading = [list(r) for r in GRADING]
    grading[3][1] = "优秀"
    b = example(**{C.GRADING: grading})
    known = issue("R-A1", "warning", "优秀超过上限", branch="第一支部")
    filing = aggregate([b], [known], campaign)
    assert filing.new_issues == []
    assert list(filing.issues["规则"]).count("R-A1") == 1


def test_vote_share_flags_only_when_enabled(campaign):
    b = example()
    assert not [i for i in aggregate([b], [], campaign).new_issues if i.rule == "R-A2"]
    flags = VoteFlags(enabled=True, reference="某党工委〔2017〕1号", unqualified_share=0.5,
                      basic_or_worse_share=0.5)
    filing = aggregate([b], [], dataclasses.replace(campaign, vote_flags=flags))
    raised = [i for i in filing.new_issues if i.rule == "R-A2"]
    assert {i.found for i in raised} == {"赵二"}  # 不合格 2 of 3 valid votes
    assert all("某党工委〔2017〕1号" in i.message and i.severity == "warning" for i in raised)
    row = result_row(filing, "赵二")
    assert row["评定等次"] == "不合格"  # unchanged: the flag never decides
    assert "需组织研判" in row["提示"]
    assert set(filing.flags["规则"]) == {"R-A2"}


# --- talks ----------------------------------------------------------------------------------

def test_talk_coverage_and_missing_pairs(campaign):
    filing = aggregate([general(), example()], [], campaign)
    talks = filing.talks.set_index("支部")
    one = talks.loc["第一支部"]
    assert (one["应谈党员"], one["已与委员谈话"]) == (6, 2)  # 王一, 赵二 of the 6 non-committee
    assert one["谈话覆盖率"] == pytest.approx(2 / 6)
    assert one["未与委员谈话的党员"] == "钱三、孙四、周五、吴六"
    assert (one["必谈对数"], one["缺少必谈对数"]) == (1, 1)
    assert one["缺少的必谈（双方）"] == f"{SECRETARY}—{COMMITTEE}"
    gen = talks.loc[C.GENERAL_BRANCH]
    assert (gen["必谈对数"], gen["缺少必谈对数"]) == (3, 2)
    pairs = filing.missing_pairs
    assert pairs[pairs["支部"] == C.GENERAL_BRANCH][["委员甲", "委员乙"]].values.tolist() == [
        ["总支甲", "总支丙"], ["总支乙", "总支丙"]]
    matrix = dict(filing.talk_matrices)["第一支部"].set_index("谈话人＼谈话对象")
    assert matrix.loc[SECRETARY, "王一"] == 2
    assert matrix.loc["王一", SECRETARY] is None
    assert matrix.loc[SECRETARY, "合计"] == 2


def test_talk_rows_dropped_by_an_error_do_not_count(campaign):
    b = example()
    drop = issue("R-T3", "error", "x", branch="第一支部", file=b.tables[C.TALKS].file,
                 sheet=C.TALKS, cell="A3", dropped=True)  # 李委员 → 赵二
    filing = aggregate([b], [drop], campaign)
    one = filing.talks.set_index("支部").loc["第一支部"]
    assert one["已与委员谈话"] == 1
    assert "赵二" in one["未与委员谈话的党员"]


# --- problems and rectifications ---------------------------------------------------------------

def test_rectification_and_commitment_coverage(campaign):
    filing = aggregate([example()], [], campaign)
    cov = filing.coverage.set_index("支部").loc["第一支部"]
    assert (cov["班子问题数"], cov["已有整改的班子问题"]) == (3, 2)
    assert cov["尚无整改的问题编号"] == "Q2"
    assert cov["班子问题整改覆盖率"] == pytest.approx(2 / 3)
    # due: the evaluated who took part (present, or made up): 张 李 王 赵 吴
    assert (cov["应作整改承诺"], cov["已作整改承诺"]) == (5, 1)
    assert cov["未作整改承诺的党员"] == f"{SECRETARY}、{COMMITTEE}、赵二、吴六"


def test_lists_keep_text_as_text_and_dates_as_dates(campaign):
    filing = aggregate([general(), example()], [], campaign)
    problems = filing.problems
    assert list(problems.columns[:6]) == ["支部", "编号", "对象", "类别", "问题描述", "来源"]
    assert "001" in list(problems["编号"])  # not 1
    assert "=1+1" in list(problems["问题描述"])
    rect = filing.rectifications
    assert rect.iloc[0]["支部"] == C.GENERAL_BRANCH
    assert rect.iloc[1]["完成时限"] == dt.date(2017, 6, 30)
    assert list(rect["行号"]) == [2, 2, 3]


def test_rows_dropped_by_errors_are_left_out_like_the_report(campaign):
    b = example()
    t = b.tables[C.PROBLEMS]
    drop = issue("R-Q3", "error", "问题描述为空", branch="第一支部", file=t.file, sheet=C.PROBLEMS,
                 cell="D3", dropped=True)
    keep = issue("R-Q2", "warning", "类别", branch="第一支部", file=t.file, sheet=C.PROBLEMS,
                 cell="C4")
    filing = aggregate([b], [drop, keep], campaign)
    assert list(filing.problems["编号"]) == ["Q1", "Q3", "001"]  # row 3 (Q2) dropped
    assert "该行未采用" in filing.issues[filing.issues["规则"] == "R-Q3"].iloc[0]["处理"]


def test_makeup_list(campaign):
    filing = aggregate([example()], [], campaign)
    m = filing.makeups
    assert m[["姓名", "缺席原因", "补课日期", "状态"]].values.tolist() == [
        ["钱三", "出国培训", None, "待补课"], ["吴六", "病假", dt.date(2017, 4, 7), "已补课"]]


# --- completeness, errors and status --------------------------------------------------------

def test_stage_status_received_late_missing_and_not_applicable(campaign):
    b = example()
    saved = dt.datetime(2017, 4, 15, 9, 0)  # after the send deadline (4/14) of 填表说明
    b = dataclasses.replace(b, sources={C.TALKS: SheetSource("第一支部(2).xlsx", saved),
                  C.PROBLEMS: SheetSource("第一支部(2).xlsx", saved)})
    wide = stage_status([general(), b], campaign, as_of=dt.date(2017, 4, 20))
    assert list(wide.columns) == ["支部", "谈心谈话", "问题清单", "民主测评", "组织评定",
                                  "整改清单", "会议情况"]
    one = wide.set_index("支部").loc["第一支部"]
    assert one["谈心谈话"] == RECEIVED_LATE
    assert one["问题清单"] == RECEIVED_LATE  # 4/15 > 4/14
    assert one["民主测评"] == RECEIVED
    assert one["会议情况"] == OVERDUE  # nothing sent, 4/14 has passed
    gen = wide.set_index("支部").loc[C.GENERAL_BRANCH]
    assert gen["民主测评"] == NOT_APPLICABLE and gen["组织评定"] == NOT_APPLICABLE
    early = stage_status([b], campaign, as_of=dt.date(2017, 4, 1)).iloc[0]
    assert early["会议情况"] == MISSING  # its node (3/31) has passed, the send deadline not
    detail = stage_detail([b], campaign).set_index("阶段")
    assert detail.loc["谈心谈话", "采用文件"] == "第一支部(2).xlsx"
    assert detail.loc["民主测评", "数据行数"] == 5


def test_stage_lateness_by_first_arrival_in_beijing_time(campaign):
    b = example()
    # re-sent on 4/20 with every sheet; the talks first arrived on 3/18 (in an older file)
    b = dataclasses.replace(b, sources={C.TALKS: SheetSource("第一支部-4月.xlsx",
                                       dt.datetime(2017, 4, 20, 1, 0, tzinfo=dt.UTC))})
    first = {("第一支部", C.TALKS): dt.datetime(2017, 3, 18, 10, 0)}
    assert stage_status([b], campaign, first=first).iloc[0]["谈心谈话"] == RECEIVED
    assert stage_status([b], campaign).iloc[0]["谈心谈话"] == RECEIVED_LATE
    # 4/14 17:00 UTC is 4/15 01:00 in Beijing: after the send deadline
    b = dataclasses.replace(b, sources={C.TALKS: SheetSource("x.xlsx", dt.datetime(2017, 4, 14, 17, 0, tzinfo=dt.UTC))})
    assert stage_status([b], campaign).iloc[0]["谈心谈话"] == RECEIVED_LATE
    b = dataclasses.replace(b, sources={C.TALKS: SheetSource("x.xlsx", dt.datetime(2017, 4, 14, 15, 0, tzinfo=dt.UTC))})
    assert stage_status([b], campaign).iloc[0]["谈心谈话"] == RECEIVED
    detail = stage_detail([b], campaign).set_index("阶段")
    assert detail.loc["谈心谈话", "文件保存时间"] == dt.datetime(2017, 4, 14, 23, 0)
    # as of 4/13 the talks had not arrived yet; as of 4/16 they have, on time
    assert stage_status([b], campaign, as_of=dt.date(2017, 4, 13)).iloc[0]["谈心谈话"] == MISSING
    assert stage_status([b], campaign, as_of=dt.date(2017, 4, 16)).iloc[0]["谈心谈话"] == RECEIVED


def test_talks_held_on_time_and_sent_two_days_later_are_not_late(campaign):
    """#10 case 11: sent 3/22 (node 3/20), before the send deadline: 已报送; whether the talks
    were held on time is R-T4's, on the dates in the sheet."""
    b = dataclasses.replace(example(), sources={C.TALKS: SheetSource(
        "x.xlsx", dt.datetime(2017, 3, 22, 1, 0, tzinfo=dt.UTC))})
    assert stage_status([b], campaign, as_of=dt.date(2017, 4, 20)).iloc[0]["谈心谈话"] == RECEIVED


def test_prefilled_names_alone_are_not_a_grading(campaign):
    names_only = [GRADING[0], *[[r[0], None, None, None, None] for r in GRADING[1:]]]
    b = branch(members(), {C.GRADING: names_only})
    row = stage_status([b], campaign).iloc[0]
    assert row["组织评定"] == MISSING


def test_summary_marks_branch_and_total_failed_while_errors_remain(campaign):
    b = example()
    clean = aggregate([general(), b], [], campaign)
    # no error, but neither sent its 会议情况 (nor 第一支部 its 党员名册): 不完整, never 通过
    assert clean.status == INCOMPLETE and clean.passed
    assert set(clean.summary["状态"]) == {INCOMPLETE}
    error = issue("R-G2", "error", "须写评定理由", branch="第一支部", file="第一支部.xlsx",
                  sheet=C.GRADING, cell="C5")
    unplaced = issue("R-F1", "error", "无法打开", file="坏文件.xlsx")
    filing = aggregate([general(), b], [error, unplaced], campaign)
    s = filing.summary.set_index("支部")
    assert s.loc["第一支部", "状态"] == FAILED
    assert s.loc[C.GENERAL_BRANCH, "状态"] == INCOMPLETE
    assert s.loc[TOTAL, "状态"] == FAILED
    assert s.loc[TOTAL, "错误数"] == 2  # the unplaced file counts in the total
    assert filing.status == FAILED and filing.errors == 2
    # 校验问题: the unplaced file first, then branch by branch
    assert list(filing.issues["规则"]) == ["R-F1", "R-G2"]
    assert list(filing.issues["级别"]) == ["错误", "错误"]


def test_same_inputs_same_frames(campaign):
    b = example()
    first = aggregate([general(), b], ballot_issues(b, campaign), campaign)
    second = aggregate([general(), example()], ballot_issues(example(), campaign), campaign)
    for name in ("summary", "results", "problems", "rectifications", "talks", "issues"):
        assert getattr(first, name).equals(getattr(second, name)), name


def test_flags_raised_by_the_rules_are_neither_repeated_nor_doubled_in_hints(campaign):
    from pipeline.rules import check_branch

    grading = [list(r) for r in GRADING]
    grading[3][1] = "优秀"  # a third 优秀: over the cap
    b = example(**{C.GRADING: grading})
    flags = VoteFlags(enabled=True, reference="某党工委〔2017〕1号", unqualified_share=0.5,
                      basic_or_worse_share=0.5)
    c = dataclasses.replace(campaign, vote_flags=flags)
    issues = check_branch(b, c)
    assert {"R-A1", "R-A2"} <= {i.rule for i in issues}
    filing = aggregate([b], issues, c)
    assert filing.new_issues == []
    assert list(filing.issues["规则"]).count("R-A1") == 1
    hint = result_row(filing, "赵二")["提示"]
    assert hint.count("需组织研判") == 1
    assert set(filing.flags["规则"]) == {"R-A1", "R-A2"}


def test_member_hints_leave_out_talk_and_meeting_issues(campaign):
    """#10 case 18: an issue on 谈心谈话 whose value is a member's name (a self-talk, a
    missing 必谈 pair) showed in that member's 提示; it is about a talk, not the member."""
    talk = issue("R-T3", "error", "谈话人与谈话对象都是 王一", branch="第一支部", file="第一支部.xlsx",
                 sheet=C.TALKS, cell="B3", found="王一")
    grade = issue("R-G3", "warning", "与测评结果不一致", branch="第一支部", file="第一支部.xlsx",
                  sheet=C.GRADING, found="王一")
    filing = aggregate([example()], [talk, grade], campaign)
    hint = str(result_row(filing, "王一")["提示"])
    assert "R-G3" in hint and "R-T3" not in hint
