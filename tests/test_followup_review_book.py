"""The review workbook's rows: 需组织研判 flags per member, and the merge with the office's
entries on update (kept, 新增, 支部评定变更 clearing the old conclusion, rows no longer produced)."""

from __future__ import annotations

from pathlib import Path

from builders import branch, member

from pipeline import contract as C
from pipeline.consolidate.filing import aggregate
from pipeline.followup.review_book import (
    GONE,
    NEW,
    REVIEW_OFFICE,
    Entry,
    Review,
    member_flags,
    merge,
    review_rows,
)
from pipeline.followup.stage import member_rows
from pipeline.rules import check_branch

GRADING = ["姓名", "评定等次", "评定理由", "处置措施", "反馈日期"]


def flagged_branch():
    """Three 优秀 of four evaluated (cap 1); 王一 优秀 while the votes say 基本合格 (R-G3)."""
    names = ["张书记", "王一", "李二", "赵四"]
    members = [member("张书记", roles=["支部书记"]), member("王一"), member("李二"), member("赵四")]
    ballots = [["票号", *names]] + [[n, "优秀", "基本合格", "合格", "合格"] for n in range(1, 5)]
    return branch(members, {
        C.BALLOTS: ballots,
        C.GRADING: [GRADING, ["张书记", "优秀", "表现突出", "", ""], ["王一", "优秀", "", "", ""],
                    ["李二", "优秀", "表现好", "", ""], ["赵四", "合格", "", "", ""]],
    })


def test_flags_name_the_rule_and_reach_every_member_concerned(campaign):
    b = flagged_branch()
    issues = check_branch(b, campaign)
    filing = aggregate([b], issues, campaign)
    flags = member_flags(filing.results, [*issues, *filing.new_issues], campaign,
                         member_rows([b]))
    rows = {r["姓名"]: r for r in review_rows(filing.results, flags, campaign)}
    assert set(rows) == {"张书记", "王一", "李二", "赵四"}
    wang = rows["王一"]["需组织研判"]
    assert "[R-G3] 王一 评为优秀，而测评多数意见为基本合格" in wang
    assert "[R-A1] 第一支部评为优秀 3 人，超过上限 1 人" in wang
    assert rows["张书记"]["需组织研判"].startswith("[R-A1]")
    assert rows["赵四"]["需组织研判"] is None
    assert (rows["王一"]["基本合格票"], rows["王一"]["有效票"]) == (4, 4)


def old_review(rows: list[dict]) -> Review:
    entries = {(r["支部"], r["姓名"]): Entry(r["支部"], r["姓名"], n, r)
               for n, r in enumerate(rows, start=4)}
    return Review(Path("总支审核.xlsx"), "总支审核.xlsx", entries)


def test_merge_keeps_entries_marks_changes_and_keeps_rows_no_longer_produced():
    old = old_review([
        {"支部": "第一支部", "姓名": "甲", "支部评定": "合格", "审核结论": "同意", "审核日期": "2017/4/12"},
        {"支部": "第一支部", "姓名": "乙", "支部评定": "优秀", "审核结论": "同意", "审核意见": "好"},
        {"支部": "第一支部", "姓名": "丙", "支部评定": "合格", "审核结论": "同意"},
    ])
    now = [{"支部": "第一支部", "姓名": "甲", "支部评定": "合格"},
           {"支部": "第一支部", "姓名": "乙", "支部评定": "合格"},
           {"支部": "第一支部", "姓名": "丁", "支部评定": "合格"}]
    out = {r["姓名"]: r for r in merge(now, old, REVIEW_OFFICE)}
    assert (out["甲"]["审核结论"], out["甲"]["审核日期"], out["甲"].get("变化")) == (
        "同意", "2017/4/12", None)
    assert out["乙"]["审核结论"] is None and out["乙"]["审核意见"] == "好"
    assert out["乙"]["变化"] == "支部评定变更：优秀→合格；原审核结论“同意”已清空，请重新审核"
    assert out["丁"]["变化"] == NEW
    assert out["丙"]["变化"] == GONE and out["丙"]["审核结论"] == "同意"
    first = merge(now, None, REVIEW_OFFICE)
    assert all(r.get("变化") is None for r in first)  # nothing to compare on the first write


def test_settings_default_to_the_plan_and_name_a_bad_key(campaign):
    import dataclasses

    import pytest

    from pipeline.config import ConfigError
    from pipeline.followup.settings import followup_settings

    bare = dataclasses.replace(campaign, raw={k: v for k, v in campaign.raw.items()
                                              if k not in ("review", "feedback", "publicity")})
    s = followup_settings(bare)  # an older config without the follow-up tables still works
    assert s.words["基本合格"] == "指出差距，帮助改进"
    assert s.review_path.name == "总支审核.xlsx"
    assert s.publicity.period == "公示期：2017年4月18日至2017年4月24日（7天）"
    bad = dataclasses.replace(campaign, raw={**campaign.raw, "publicity": {"days": 0}})
    with pytest.raises(ConfigError, match="publicity.days"):
        followup_settings(bad)
