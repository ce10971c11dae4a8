"""Talks (谈心谈话): R-T1 committee pairs, R-T2 coverage, R-T3 names, R-T4 dates.

Names are checked against the workbook's own roster (the branch's members; the 总支委员 in the
党总支 workbook). A row whose 谈话人 or 谈话对象 is blank, unknown or the same person is not a
talk: error, dropped, and it counts for neither R-T1 nor R-T2. A late or undated talk still
counts (the talk took place; the date is what is wrong).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import (
    clean_name,
    iso_day,
    read_date,
    text,
)
from pipeline.rules._common import deadline, joined, percent
from pipeline.sheets import talks as parsed
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared
from pipeline.sheets.talks import SIDES, Coverage


def coverage(b: Prepared) -> Coverage:
    """R-T1 pairs and R-T2 member coverage of the branch's usable talks."""
    return parsed.coverage(b.talks, b.members, b.committee)


def committee_pairs(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-T1: every pair of committee members has a talk, either direction (warning per pair)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    who = "总支委员" if b.general else "支部委员"
    for a, c in coverage(b).missing_pairs:
        yield at(b, t, "R-T1", "warning",
                 f"{who} {a} 与 {c} 之间没有谈心谈话记录（委员之间必谈，方向不限）",
                 found="", expected=f"{a} 与 {c} 的谈话")


def member_coverage(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-T2: every member talked with at least one committee member; one warning listing who
    has not, with the coverage."""
    t = b.table(C.TALKS)
    if t is None:
        return
    cov = coverage(b)
    if cov.missing_members:
        yield at(b, t, "R-T2", "warning",
                 f"以下党员没有与委员谈心谈话的记录：{joined(cov.missing_members)}；"
                 f"覆盖 {percent(cov.members_covered, cov.members_total)}（委员和党员广泛谈）",
                 found=joined(cov.missing_members), expected="每名党员至少与一名委员谈话")


def talk_names(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-T3: both sides are roster names and differ (error at the cell; row dropped)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    names = b.names
    roster = "党总支工作簿的名册（总支委员）" if b.general else "本支部名册"
    for row, rec in t.records:
        values = {side: clean_name(rec[side]) for side in SIDES}
        for side, name in values.items():
            if not name:
                yield at(b, t, "R-T3", "error", f"{side}为空，该行未计入谈话记录",
                         row=row, column=side, found="", expected="名册中的姓名", dropped=True)
            elif name not in names:
                # suggest, never replace: 王建军 may be 王建国, or someone else entirely
                close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
                hint = f"名册中相近的姓名：{'、'.join(close)}；" if close else ""
                yield at(b, t, "R-T3", "error",
                         f"{side}“{text(rec[side])}”不在{roster}中，该行未计入谈话记录；"
                         f"{hint}请从下拉列表选择姓名", row=row, column=side,
                         found=text(rec[side]),
                         expected="、".join(close) if close else "名册中的姓名", dropped=True)
        a, c = values["谈话人"], values["谈话对象"]
        if a and a == c:
            yield at(b, t, "R-T3", "error",
                     f"谈话人与谈话对象都是 {a}，不能自己与自己谈，该行未计入",
                     row=row, column="谈话对象", found=a, expected="另一名党员", dropped=True)


def talk_dates(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-T4: dates on or before the talks deadline: late = warning; blank or not a date = error
    (the talk still counts)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    limit, label = deadline(campaign, "talks")
    for row, rec in t.records:
        date, problem = read_date(rec["日期"], campaign.year)
        if problem:
            yield at(b, t, "R-T4", "error",
                     f"谈话日期：{problem}，应为日期，如 {campaign.year}/3/15",
                     row=row, column="日期", found=text(rec["日期"]), expected="日期")
        elif date is None:
            yield at(b, t, "R-T4", "error", "谈话日期为空，应填写谈话的日期",
                     row=row, column="日期", found="", expected=f"不晚于 {iso_day(limit)} 的日期")
        elif date > limit:
            yield at(b, t, "R-T4", "warning", f"谈话日期 {iso_day(date)} 晚于{label}",
                     row=row, column="日期", found=iso_day(date), expected=f"不晚于 {iso_day(limit)}")


RULE_CHECKS = (("R-T1", committee_pairs), ("R-T2", member_coverage), ("R-T3", talk_names),
               ("R-T4", talk_dates))
