"""R-T1..R-T4: 谈心谈话 pairs, coverage, names and dates."""

from __future__ import annotations

import datetime as dt

from builders import branch, member

from pipeline import contract as C
from pipeline.rules.talks import committee_pairs, coverage, member_coverage, talk_dates, talk_names

HEAD = ["谈话人", "谈话对象", "日期", "形式", "主要内容"]
MEMBERS = [member("张书记", roles=["支部书记"]), member("李委员", roles=["支部委员"]),
           member("陈委员", roles=["支部委员"]), member("王一"), member("赵二"),
           member("钱预备", kind=C.PROBATIONARY)]


def talks(rows, members=MEMBERS, general=False):
    name = "党总支" if general else "第一支部"
    return branch(members, {C.TALKS: [["谈心谈话记录"], HEAD, *rows]}, name=name,
                  general=general)


def talk(a, b, date="2017/3/15"):
    return [a, b, date, "当面谈", "交流思想"]


ALL = [talk("张书记", "李委员"), talk("陈委员", "张书记"), talk("李委员", "陈委员"),
       talk("张书记", "王一"), talk("赵二", "李委员"), talk("陈委员", "钱预备")]


def found(issues):
    return [(i.rule, i.severity, i.cell) for i in issues]


# --- R-T1 --------------------------------------------------------------------------------

def test_r_t1_missing_committee_pair_names_both(campaign):
    b = talks([r for r in ALL if r[:2] != ["李委员", "陈委员"]])
    issues = list(committee_pairs(b, campaign))
    assert found(issues) == [("R-T1", "warning", "")]
    assert "李委员 与 陈委员 之间没有谈心谈话记录" in issues[0].message
    assert issues[0].sheet == "谈心谈话"


def test_r_t1_every_pair_either_direction_passes(campaign):
    assert list(committee_pairs(talks(ALL), campaign)) == []


def test_r_t1_general_workbook_pairs_of_general_committee(campaign):
    members = [member("总书记", roles=["总支书记"]), member("甲委员", roles=["总支委员"]),
               member("乙委员", roles=["总支委员", "支部书记"])]
    b = talks([talk("总书记", "甲委员"), talk("乙委员", "总书记")], members, general=True)
    issues = list(committee_pairs(b, campaign))
    assert [i.message for i in issues] == [
        "总支委员 甲委员 与 乙委员 之间没有谈心谈话记录（委员之间必谈，方向不限）"]
    assert list(member_coverage(b, campaign)) == []


# --- R-T2 --------------------------------------------------------------------------------

def test_r_t2_members_without_committee_talk_listed_with_coverage(campaign):
    b = talks([*ALL[:4], talk("赵二", "王一")])
    issues = list(member_coverage(b, campaign))
    assert found(issues) == [("R-T2", "warning", "")]
    assert "赵二、钱预备" in issues[0].message and "覆盖 1/3（33%）" in issues[0].message
    cov = coverage(b)
    assert (cov.members_total, cov.members_covered) == (3, 1)


def test_r_t2_everyone_talked_with_a_committee_member(campaign):
    assert list(member_coverage(talks(ALL), campaign)) == []


# --- R-T3 --------------------------------------------------------------------------------

def test_r_t3_unknown_name_and_self_talk_are_errors_with_cells(campaign):
    b = talks([*ALL, talk("张书记", "张 书记"), talk("外单位", "王一"), talk("王一", "")])
    issues = list(talk_names(b, campaign))
    assert found(issues) == [("R-T3", "error", "B9"), ("R-T3", "error", "A10"),
                             ("R-T3", "error", "B11")]
    assert all(i.dropped for i in issues)
    assert "不能自己与自己谈" in issues[0].message
    assert "“外单位”不在本支部名册中" in issues[1].message
    assert "谈话对象为空" in issues[2].message
    # dropped rows do not count for coverage
    assert ("外单位", "王一") not in coverage(b).missing_pairs


def test_r_t3_roster_names_pass(campaign):
    assert list(talk_names(talks(ALL), campaign)) == []


# --- R-T4 --------------------------------------------------------------------------------

def test_r_t4_late_talk_is_warning_bad_date_is_error(campaign):
    b = talks([talk("张书记", "李委员", "2017/3/21"), talk("张书记", "王一", "3月32日"),
               talk("张书记", "赵二", None), talk("张书记", "陈委员", dt.datetime(2017, 3, 20))])
    issues = list(talk_dates(b, campaign))
    assert found(issues) == [("R-T4", "warning", "C3"), ("R-T4", "error", "C4"),
                             ("R-T4", "error", "C5")]
    assert "2017-03-21 晚于谈心谈话截止日期 2017-03-20" in issues[0].message
    assert "不是存在的日期" in issues[1].message and issues[1].found == "3月32日"
    assert "谈话日期为空" in issues[2].message
    assert not any(i.dropped for i in issues)


def test_r_t4_on_time_talks_pass(campaign):
    assert list(talk_dates(talks(ALL), campaign)) == []
