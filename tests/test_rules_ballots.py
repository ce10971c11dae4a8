"""R-B1..R-B6, R-S1 and the 计票 alternative: ballots parsed once (pipeline.sheets.ballots,
hand_count), counted, issues located."""

from __future__ import annotations

import dataclasses

import pytest
from builders import branch, member
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import contract as C
from pipeline.rules import check_branch
from pipeline.rules.ballots import RULE_CHECKS, tally_branch
from pipeline.sheets.ballots import Tally

HEAD = ["票号", "张书记", "李委员", "王一", "赵二"]


def people(**absent: bool) -> list:
    return [
        member("张书记", roles=["支部书记"], present=not absent.get("张书记", False)),
        member("李委员", roles=["支部委员"]),
        member("王一", group="第二党小组"),
        member("赵二", group="第二党小组", present=not absent.get("赵二", False)),
        member("钱预备", kind=C.PROBATIONARY),
        member("孙干部", leading_cadre=True, attended_dlm=True),
    ]


def ballots(rows: list[list], head: list[str] = HEAD, members: list | None = None,
            campaign=None, **extra):
    return branch(members or people(), {C.BALLOTS: [head, *rows], **extra}, campaign=campaign)


def found(issues, rule=None):
    return [(i.rule, i.severity, i.cell) for i in issues if rule is None or i.rule == rule]


def test_counts_per_member_follow_section_6(campaign):
    b = ballots([[1, "优秀", "合格", "基本合格", ""],
                 [2, "优秀", "优秀", "不合格", "合格"],
                 [3, "", "", "", ""],
                 [4, "合格", "合格", "合格", "良好"]])
    tally, _ = tally_branch(b, campaign)
    assert tally is not None and tally.source == "民主测评"
    assert tally.ballots == 4 and tally.blank_ballots == 1
    assert tally.counts["张书记"] == {"优秀": 2, "合格": 1, "基本合格": 0, "不合格": 0,
                                    "弃权": 1, "无效": 0, "有效": 3}
    assert tally.counts["赵二"] == {"优秀": 0, "合格": 1, "基本合格": 0, "不合格": 0,
                                  "弃权": 2, "无效": 1, "有效": 1}
    for c in tally.counts.values():
        assert sum(c[k] for k in (*campaign.grades, "弃权", "无效")) == tally.ballots
    assert list(tally.counts) == ["张书记", "李委员", "王一", "赵二"]
    assert tally.cells["王一"] == "D1"


# --- R-B1 --------------------------------------------------------------------------------

def test_r_b1_unknown_grade_is_error_naming_the_cell(campaign):
    b = ballots([[1, "优秀", "合格", "良好", "合格"]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B1", "error", "D2")]
    i = issues[0]
    assert i.found == "良好" and "“良好”不是有效等次" in i.message
    assert "优秀/合格/基本合格/不合格" in i.message
    assert i.text.startswith("第一支部.xlsx 民主测评!D2：")
    assert not i.dropped
    assert tally is not None and tally.counts["王一"]["无效"] == 1
    assert tally.counts["王一"]["有效"] == 0


def test_r_b1_full_width_and_space_variants_fold(campaign):
    b = ballots([[1, "优 秀", "\u3000合格\u3000", "基本合格", "不合格"]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == []
    assert tally is not None and tally.counts["张书记"]["优秀"] == 1
    assert tally.counts["李委员"]["合格"] == 1


def test_r_b1_alias_only_when_the_config_lists_it(campaign):
    b = ballots([[1, "称职", "合格", "合格", "合格"]])
    assert found(tally_branch(b, campaign)[1]) == [("R-B1", "error", "B2")]
    with_alias = dataclasses.replace(campaign, grade_aliases={"称职": "合格"})
    b = ballots([[1, "称职", "合格", "合格", "合格"]], campaign=with_alias)  # read once, so
    tally, issues = tally_branch(b, with_alias)  # prepared with the config that reads it
    assert issues == [] and tally is not None and tally.counts["张书记"]["合格"] == 1


def test_r_b1_hand_count_not_a_number(campaign):
    b = branch(people(), {C.TALLY: [
        ["姓名", "优秀", "合格", "基本合格", "不合格", "弃权"],
        ["张书记", "五", 1, 0, 0, 0],
        ["发出票数", 6, None, None, None, None],
        ["收回票数", 6, None, None, None, None],
    ]})
    tally, issues = tally_branch(b, campaign)
    bad = [i for i in issues if i.rule == "R-B1"]
    assert [(i.cell, i.dropped) for i in bad] == [("B2", True)]
    assert "“五”不是票数" in bad[0].message
    assert tally is not None and "张书记" not in tally.counts


# --- R-B2 --------------------------------------------------------------------------------

def test_r_b2_more_ballots_than_present_voters(campaign):
    # 6 members, 赵二 absent: 5 present and entitled (正式 + 预备, exempt cadre included)
    rows = [[n, "合格", "合格", "合格", ""] for n in range(1, 7)]
    issues = tally_branch(ballots(rows, members=people(赵二=True)), campaign)[1]
    b2 = [i for i in issues if i.rule == "R-B2"]
    assert [(i.severity, i.found) for i in b2] == [("error", "6")]
    assert "多于出席且有表决权的党员 5 人" in b2[0].message


def test_r_b2_ballots_within_present_voters(campaign):
    rows = [[n, "合格", "合格", "合格", "合格"] for n in range(1, 7)]
    assert found(tally_branch(ballots(rows), campaign)[1], "R-B2") == []


HAND_HEAD = ["姓名", "优秀", "合格", "基本合格", "不合格", "弃权"]


def hand(rows: list[list], members: list | None = None):
    return branch(members or people(), {C.TALLY: [HAND_HEAD, *rows]})


def test_r_b2_hand_count_sums_to_returned_ballots(campaign):
    b = hand([["张书记", 3, 2, 0, 0, 1], ["李委员", 2, 4, 0, 0, 0],
              ["王一", 1, 4, 0, 0, 0], ["赵二", 0, 5, 1, 0, 0],
              ["发出票数", 6], ["收回票数", 6]])
    tally, issues = tally_branch(b, campaign)
    b2 = [i for i in issues if i.rule == "R-B2"]
    assert [(i.cell, i.found) for i in b2] == [("A4", "5")]
    assert "王一 的各等次票数与弃权合计 5，应等于收回票数 6" in b2[0].message
    assert tally is not None and tally.source == "计票"
    assert (tally.issued, tally.returned, tally.ballots) == (6, 6, 6)
    assert tally.blank_ballots is None
    assert tally.counts["张书记"] == {"优秀": 3, "合格": 2, "基本合格": 0, "不合格": 0,
                                    "弃权": 1, "无效": 0, "有效": 5}


def test_r_b2_hand_count_returned_above_issued_above_entitled(campaign):
    b = hand([["张书记", 7, 0, 0, 0, 0], ["李委员", 7], ["王一", 7], ["赵二", 7],
              ["发出票数", 7], ["收回票数", 8]])
    issues = [i for i in tally_branch(b, campaign)[1] if i.rule == "R-B2"]
    messages = " ".join(i.message for i in issues)
    assert "发出票数 7 多于出席且有表决权的党员 6 人" in messages
    assert "收回票数 8 多于发出票数 7" in messages
    assert {i.cell for i in issues} >= {"B6", "B7"}


def test_r_b2_hand_count_totals_as_columns_and_missing_total(campaign):
    b = branch(people(), {C.TALLY: [
        [*HAND_HEAD, "发出票数", "收回票数"],
        ["张书记", 6, 0, 0, 0, 0, 6, 6],
        ["李委员", 6, 0, 0, 0, 0, None, None],
        ["王一", 6, 0, 0, 0, 0, 6, 6], ["赵二", 6, 0, 0, 0, 0, 6, 5],
    ]})
    tally, issues = tally_branch(b, campaign)
    assert [(i.rule, i.cell) for i in issues] == [("R-B2", "H5")]
    assert "收回票数前后不一致：第 2 行为 6，此处为 5" in issues[0].message
    assert tally is not None and (tally.issued, tally.returned) == (6, 6)
    b = hand([["张书记", 6, 0, 0, 0, 0], ["李委员", 6], ["王一", 6], ["赵二", 6],
              ["发出票数", 6]])
    issues = tally_branch(b, campaign)[1]
    assert [i.message for i in issues if i.rule == "R-B2"] == [
        "计票表没有填写收回票数；请在姓名列写“收回票数”，在其右侧（优秀列）填数字"]


def test_r_b2_both_sources_disagree_warns_and_uses_ballots(campaign):
    b = ballots([[1, "优秀", "合格", "合格", "合格"]],
                **{C.TALLY: [HAND_HEAD, ["张书记", 0, 1], ["李委员", 0, 1], ["王一", 0, 1],
                             ["赵二", 0, 1], ["发出票数", 1], ["收回票数", 1]]})
    tally, issues = tally_branch(b, campaign)
    assert tally is not None and tally.source == "民主测评"
    assert [(i.rule, i.severity, i.sheet) for i in issues] == [("R-B2", "warning", "计票")]
    assert "张书记" in issues[0].message


# --- R-B3 --------------------------------------------------------------------------------

def test_r_b3_vote_for_probationary_member(campaign):
    b = ballots([[1, "合格", "合格", "合格", "合格", "优秀"]], head=[*HEAD, "钱预备"])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B3", "error", "F2")]
    assert "钱预备 是预备党员" in issues[0].message and "不计票" in issues[0].message
    assert not issues[0].dropped
    assert tally is not None and "钱预备" not in tally.counts
    assert tally.counts["张书记"]["合格"] == 1  # the rest of the ballot counts


def test_r_b3_vote_for_exempt_cadre_and_unknown_name(campaign):
    b = ballots([[1, "合格", "合格", "合格", "合格", "优秀", ""],
                 [2, "合格", "合格", "合格", "合格", "", "合格"]],
                head=[*HEAD, "孙干部", "周外人"])
    issues = tally_branch(b, campaign)[1]
    assert found(issues) == [("R-B3", "error", "F2"), ("R-B3", "error", "G3")]
    assert "已参加年度民主生活会的党员领导干部" in issues[0].message
    assert "周外人 不在本支部名册中" in issues[1].message


def test_r_b3_missing_evaluated_member_column(campaign):
    b = ballots([[1, "合格", "合格", "合格"]], head=HEAD[:-1])
    issues = tally_branch(b, campaign)[1]
    assert [(i.rule, i.severity, i.cell) for i in issues] == [("R-B3", "error", "")]
    assert "测评对象 赵二 没有测评列" in issues[0].message


def test_r_b3_columns_exactly_the_evaluated_pass(campaign):
    b = ballots([[1, "合格", "合格", "合格", "合格", ""]], head=[*HEAD, "钱预备"])
    assert found(tally_branch(b, campaign)[1], "R-B3") == []


def test_r_b3_hand_count_name_not_evaluated(campaign):
    b = hand([["张书记", 1], ["李委员", 1], ["王一", 1], ["赵二", 1], ["钱预备", 1],
              ["发出票数", 1], ["收回票数", 1]])
    issues = tally_branch(b, campaign)[1]
    assert [(i.rule, i.cell, i.dropped) for i in issues] == [("R-B3", "A6", True)]
    assert "不是测评对象" in issues[0].message


# --- R-B4 --------------------------------------------------------------------------------

def test_r_b4_blank_ballot_is_counted_not_dropped(campaign):
    b = ballots([[1, "合格", "合格", "合格", "合格"], ["2", None, None, None, None]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B4", "warning", "A3")]
    assert "整张空白，已计为空白票" in issues[0].message and not issues[0].dropped
    assert tally is not None and tally.ballots == 2 and tally.blank_ballots == 1
    assert all(c["弃权"] == 1 for c in tally.counts.values())


def test_r_b4_ballots_with_votes_are_not_blank(campaign):
    b = ballots([[1, "", "", "", "合格"]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues, "R-B4") == [] and tally is not None and tally.blank_ballots == 0


# --- R-B5 --------------------------------------------------------------------------------

def test_r_b5_duplicate_ballot_number_later_row_dropped(campaign):
    b = ballots([[1, "优秀", "优秀", "优秀", "优秀"], [2, "合格", "合格", "合格", "合格"],
                 [1, "不合格", "不合格", "不合格", "不合格"]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B5", "error", "A4")]
    assert issues[0].dropped and "与第 2 行重复" in issues[0].message
    assert tally is not None and tally.ballots == 2
    assert tally.counts["王一"]["不合格"] == 0


def test_r_b5_votes_without_ballot_number_not_counted(campaign):
    b = ballots([[1, "优秀", "优秀", "优秀", "优秀"], [None, "合格", "合格", "合格", "合格"]])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B5", "error", "A3")]
    assert issues[0].dropped and "没有票号" in issues[0].message
    assert tally is not None and tally.ballots == 1


def test_r_b5_unique_numbers_pass(campaign):
    b = ballots([["001", "优秀", "优秀", "优秀", "优秀"], ["002", "合格", "合格", "合格", "合格"]])
    assert found(tally_branch(b, campaign)[1]) == []


# --- R-B6 --------------------------------------------------------------------------------

def test_r_b6_tally_carries_no_per_ballot_data(campaign):
    rows = [["V-017", "优秀", "合格", "合格", ""], ["V-003", "合格", "合格", "不合格", "合格"],
            ["V-101", "", "", "", ""], ["V-042", "基本合格", "优秀", "合格", "合格"]]
    tally, _ = tally_branch(ballots(rows), campaign)
    assert tally is not None
    assert {f.name for f in dataclasses.fields(Tally)} == {
        "source", "file", "sheet", "ballots", "blank_ballots", "counts", "issued", "returned",
        "cells"}
    for c in tally.counts.values():
        assert all(isinstance(v, int) for v in c.values())
    assert not any(n in repr(tally) for n in ("V-017", "V-003", "V-101", "V-042"))
    # ballot order and numbering leave no trace
    shuffled = [[f"N{i}", *r[1:]] for i, r in enumerate(reversed(rows))]
    assert tally_branch(ballots(shuffled), campaign)[0] == tally


def test_r_b6_voter_name_column_reported(campaign):
    b = ballots([[1, "合格", "合格", "合格", "合格", "王一"]], head=[*HEAD, "投票人"])
    tally, issues = tally_branch(b, campaign)
    assert found(issues) == [("R-B6", "error", "F1")]
    assert "无记名投票" in issues[0].message
    assert tally is not None and list(tally.counts) == ["张书记", "李委员", "王一", "赵二"]
    assert all(set(c) == {*campaign.grades, "弃权", "无效", "有效"} for c in tally.counts.values())


def test_r_b6_ballot_number_is_a_member_name(campaign):
    b = ballots([["王一", "合格", "合格", "合格", "合格"]])
    issues = tally_branch(b, campaign)[1]
    assert found(issues) == [("R-B6", "error", "A2")]
    assert "票号“王一”是党员姓名" in issues[0].message


def test_r_b6_numbered_anonymous_ballots_pass(campaign):
    assert found(tally_branch(ballots([[1, "合格", "合格", "合格", "合格"]]), campaign)[1]) == []


# --- sources and registry -----------------------------------------------------------------

def test_no_ballots_yet_gives_no_tally(campaign):
    b = branch(people(), {C.BALLOTS: [HEAD],
                          C.TALLY: [HAND_HEAD, ["张书记"], ["李委员"], ["王一"], ["赵二"]]})
    assert tally_branch(b, campaign) == (None, [])


def test_general_workbook_has_no_ballots(campaign):
    b = branch([member("总书记", roles=["总支书记"])],
               {C.BALLOTS: [["票号", "总书记"], [1, "优秀"]]}, name="党总支", general=True)
    tally, issues = tally_branch(b, campaign)
    assert tally is None
    assert [(i.rule, i.severity, i.dropped) for i in issues] == [("R-B3", "error", True)]


@pytest.mark.parametrize("rule, fn", [c for c in RULE_CHECKS if c[0] != "R-S1"])
def test_per_rule_checks_match_check_branch(campaign, rule, fn):
    b = ballots([[1, "良好", "合格", "合格", "合格", "优秀", "x"], [1, "合格"], [2],
                 [None, "合格"], ["王一", "合格"], *([n, "合格"] for n in range(3, 8))],
                head=[*HEAD, "钱预备", "投票人"])
    everything = [i for i in check_branch(b, campaign) if i.rule == rule]
    assert list(fn(b, campaign)) == everything and everything


VOTE = st.sampled_from(["优秀", "合格", "基本合格", "不合格", "", None, "良好", " 合 格 "])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(VOTE, min_size=4, max_size=4), min_size=1, max_size=12), st.randoms())
def test_r_b6_counts_add_up_whatever_the_ballot_order(campaign, votes, rnd):
    rows = [[f"P{i}", *v] for i, v in enumerate(votes)]
    tally, _ = tally_branch(ballots(rows), campaign)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    renumbered = [[f"Q{i}", *r[1:]] for i, r in enumerate(shuffled)]
    assert tally == tally_branch(ballots(renumbered), campaign)[0]
    assert tally is not None and tally.ballots == len(rows)
    for c in tally.counts.values():
        assert c["有效"] == sum(c[g] for g in campaign.grades)
        assert c["有效"] + c["弃权"] + c["无效"] == tally.ballots
        assert c["弃权"] >= (tally.blank_ballots or 0)


SCAN_HEAD = ["姓名", "优秀", "合格", "基本合格", "不合格", "弃权", "无效", "待复核", "发出票数",
             "收回票数"]


def scanned(rows: list[list]):
    """A scanned tally (orglife scan, CONTRACTS seam 2): title row, totals on every row."""
    return branch(people(), {C.TALLY: [["民主测评计票（扫描）"], SCAN_HEAD, *rows]})


def test_r_s1_pending_marks_make_the_scanned_tally_provisional(campaign):
    b = scanned([["张书记", 3, 2, 0, 0, 0, 1, 0, 6, 6], ["李委员", 2, 2, 0, 0, 0, 0, 2, 6, 6],
                 ["王一", 1, 4, 0, 0, 1, 0, 0, 6, 6], ["赵二", 0, 5, 0, 0, 0, 0, 1, 6, 6]])
    tally, issues = tally_branch(b, campaign)
    assert [i for i in issues if i.severity == "error"] == []  # each member sums to 收回票数
    assert tally is not None and tally.source == "计票" and tally.returned == 6
    assert tally.counts["张书记"] == {"优秀": 3, "合格": 2, "基本合格": 0, "不合格": 0, "弃权": 0,
                                    "无效": 1, "待复核": 0, "有效": 5}
    assert tally.counts["李委员"]["有效"] == 4 and tally.counts["李委员"]["待复核"] == 2
    pending = [i for i in check_branch(b, campaign) if i.rule == "R-S1"]
    assert [(i.severity, i.cell, i.found) for i in pending] == [("warning", "H4", "2"),
                                                                ("warning", "H6", "1")]
    assert "李委员 尚有 2 个标记待复核" in pending[0].message
    assert "计票结果为暂定，请在扫描复核表中填写复核结论后重新运行 orglife scan" in pending[0].message


def test_r_s1_no_warning_once_every_mark_is_decided(campaign):
    b = scanned([[n, 1, 5, 0, 0, 0, 0, 0, 6, 6] for n in ("张书记", "李委员", "王一", "赵二")])
    assert [i for i in check_branch(b, campaign) if i.rule in ("R-S1", "R-B2")] == []


def test_scanned_tally_invalid_and_pending_count_against_returned(campaign):
    b = scanned([["张书记", 3, 2, 0, 0, 0, 0, 0, 6, 6], ["李委员", 2, 2, 0, 0, 0, 0, 0, 6, 6],
                 ["王一", 6, 0, 0, 0, 0, 0, 0, 6, 6], ["赵二", 6, 0, 0, 0, 0, 0, 0, 6, 6]])
    wrong = [(i.cell, i.found) for i in tally_branch(b, campaign)[1] if i.rule == "R-B2"]
    assert wrong == [("A3", "5"), ("A4", "4")]
