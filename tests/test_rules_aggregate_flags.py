"""R-A1 优秀 cap per branch and R-A2 vote-share flags: warnings for review, never a grade."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from builders import branch, member

from pipeline import contract as C
from pipeline.config import ExcellentCap, VoteFlags
from pipeline.rules import check_branch
from pipeline.rules.flags import excellent_cap, quota, vote_shares
from pipeline.rules.grading import usable_grades

HEAD = ["姓名", "评定等次", "评定理由", "处置措施", "反馈日期"]
NAMES = ["甲", "乙", "丙", "丁", "戊", "己", "庚"]


def graded(grades, members=None, **extra):
    members = members or [member(n) for n in NAMES]
    rows = [[m.name, g] for m, g in zip(members, grades)]
    return branch(members, {C.GRADING: [HEAD, *rows], **extra})


# --- R-A1 --------------------------------------------------------------------------------

def test_r_a1_more_excellent_than_a_third_of_full_members(campaign):
    b = graded(["优秀", "优秀", "优秀", "合格", "合格", "合格", "合格"])  # cap floor(7/3) = 2
    issues = list(excellent_cap(b, campaign))
    assert [(i.rule, i.severity, i.sheet, i.cell) for i in issues] == [
        ("R-A1", "warning", "组织评定", "")]
    assert "第一支部评为优秀 3 人，超过上限 2 人" in issues[0].message
    assert "正式党员 7 人" in issues[0].message and "需组织研判" in issues[0].message
    assert usable_grades(b, campaign)["甲"] == "优秀"  # never changes a grade


def test_r_a1_cap_is_per_branch_and_follows_config(campaign):
    b = graded(["优秀", "优秀", "合格", "合格", "合格", "合格", "合格"])
    assert list(excellent_cap(b, campaign)) == []
    q = quota(b, campaign)
    assert (q.excellent, q.cap, q.base) == (2, 2, 7)
    strict = dataclasses.replace(campaign, excellent_cap=ExcellentCap(Fraction(1, 4), "测评对象"))
    assert [i.rule for i in excellent_cap(b, strict)] == ["R-A1"]
    # probationary members do not count in the 正式党员 denominator
    members = [member(n) for n in NAMES[:4]] + [member(n, kind=C.PROBATIONARY) for n in NAMES[4:]]
    b = graded(["优秀", "优秀", "合格", "合格"], members)
    assert quota(b, campaign).cap == 1 and [i.rule for i in excellent_cap(b, campaign)] == ["R-A1"]


# --- R-A2 --------------------------------------------------------------------------------

def voted(flags: VoteFlags, campaign):
    members = [member("甲"), member("乙")]
    votes = [["票号", "甲", "乙"], [1, "不合格", "合格"], [2, "不合格", "合格"],
             [3, "合格", "优秀"], [4, "", "基本合格"]]
    b = graded(["合格", "合格"], members, **{C.BALLOTS: votes})
    return b, dataclasses.replace(campaign, vote_flags=flags)


def test_r_a2_vote_share_flag_cites_reference(campaign):
    b, c = voted(VoteFlags(True, "沪教党〔2017〕1号", 0.5, 0.6), campaign)
    issues = list(vote_shares(b, c))
    assert [(i.rule, i.severity, i.cell) for i in issues] == [("R-A2", "warning", "B1")]
    assert issues[0].message.startswith("甲：不合格票占有效票 67%（提示线 50%）")
    assert "需组织研判（依据：沪教党〔2017〕1号）" in issues[0].message
    assert usable_grades(b, c)["甲"] == "合格"  # the flag never changes a grade
    assert [i.rule for i in check_branch(b, c)].count("R-A2") == 1


def test_r_a2_off_by_default(campaign):
    b, c = voted(VoteFlags(), campaign)
    assert not c.vote_flags.enabled
    assert list(vote_shares(b, c)) == []
    b, c = voted(VoteFlags(True, "某文件", 0.9, 0.9), campaign)
    assert list(vote_shares(b, c)) == []
