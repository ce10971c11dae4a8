"""Talks (谈心谈话): R-T1 committee pairs, R-T2 coverage, R-T3 names, R-T4 dates.

Names are checked against the workbook's own roster (the branch's members; the 总支委员 in the
党总支 workbook). A row whose 谈话人 or 谈话对象 is blank, unknown or the same person is not a
talk: error, dropped, and it counts for neither R-T1 nor R-T2. A late or undated talk still
counts (the talk took place; the date is what is wrong).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.model import BranchInput
from pipeline.normalize import clean_name
from pipeline.rules._common import at, day, deadline, joined, percent, read_date, records, text
from pipeline.tally import shared

SIDES = ("谈话人", "谈话对象")


def talks(b: BranchInput) -> list[tuple[str, str]]:
    """The usable talks (both names in the roster, two different people), in sheet order."""
    return list(_talks(b))


@shared
def _talks(b: BranchInput) -> tuple[tuple[str, str], ...]:
    t = b.table(C.TALKS)
    if t is None:
        return ()
    names = b.names
    found = []
    for _, rec in records(t):
        a, c = clean_name(rec["谈话人"]), clean_name(rec["谈话对象"])
        if a in names and c in names and a != c:
            found.append((a, c))
    return tuple(found)


@dataclass(frozen=True)
class Coverage:
    """What the filing's 谈心谈话 sheet shows for a branch."""

    pairs_total: int
    missing_pairs: tuple[tuple[str, str], ...]  # committee pairs without a talk (R-T1)
    members_total: int  # members who should talk with a committee member (non-committee)
    missing_members: tuple[str, ...]  # of those, who has no talk with one (R-T2)

    @property
    def members_covered(self) -> int:
        return self.members_total - len(self.missing_members)


def coverage(b: BranchInput) -> Coverage:
    """R-T1 pairs and R-T2 member coverage from the usable talks."""
    done = {frozenset(p) for p in talks(b)}
    committee = [m.name for m in b.committee]
    pairs = list(combinations(committee, 2))
    missing_pairs = tuple(p for p in pairs if frozenset(p) not in done)
    cset = set(committee)
    others = [m.name for m in b.members if m.name not in cset]
    reached = {n for p in done for n in p if (p - {n}) & cset}
    missing = tuple(n for n in others if n not in reached)
    return Coverage(len(pairs), missing_pairs, len(others), missing)


def committee_pairs(b: BranchInput, campaign: Campaign) -> Iterator[Issue]:
    """R-T1: every pair of committee members has a talk, either direction (warning per pair)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    who = "总支委员" if b.general else "支部委员"
    for a, c in coverage(b).missing_pairs:
        yield at(b, t, "R-T1", "warning",
                 f"{who} {a} 与 {c} 之间没有谈心谈话记录（委员之间必谈，方向不限）",
                 found="", expected=f"{a} 与 {c} 的谈话")


def member_coverage(b: BranchInput, campaign: Campaign) -> Iterator[Issue]:
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


def talk_names(b: BranchInput, campaign: Campaign) -> Iterator[Issue]:
    """R-T3: both sides are roster names and differ (error at the cell; row dropped)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    names = b.names
    roster = "党总支工作簿的名册（总支委员）" if b.general else "本支部名册"
    for row, rec in records(t):
        values = {side: clean_name(rec[side]) for side in SIDES}
        for side, name in values.items():
            if not name:
                yield at(b, t, "R-T3", "error", f"{side}为空，该行未计入谈话记录",
                         row=row, column=side, found="", expected="名册中的姓名", dropped=True)
            elif name not in names:
                yield at(b, t, "R-T3", "error",
                         f"{side}“{text(rec[side])}”不在{roster}中，该行未计入谈话记录；"
                         "请从下拉列表选择姓名", row=row, column=side, found=text(rec[side]),
                         expected="名册中的姓名", dropped=True)
        a, c = values["谈话人"], values["谈话对象"]
        if a and a == c:
            yield at(b, t, "R-T3", "error",
                     f"谈话人与谈话对象都是 {a}，不能自己与自己谈，该行未计入",
                     row=row, column="谈话对象", found=a, expected="另一名党员", dropped=True)


def talk_dates(b: BranchInput, campaign: Campaign) -> Iterator[Issue]:
    """R-T4: dates on or before the talks deadline: late = warning; blank or not a date = error
    (the talk still counts)."""
    t = b.table(C.TALKS)
    if t is None:
        return
    limit, label = deadline(campaign, "talks")
    for row, rec in records(t):
        date, problem = read_date(rec["日期"], campaign)
        if problem:
            yield at(b, t, "R-T4", "error",
                     f"谈话日期：{problem}，应为日期，如 {campaign.year}/3/15",
                     row=row, column="日期", found=text(rec["日期"]), expected="日期")
        elif date is None:
            yield at(b, t, "R-T4", "error", "谈话日期为空，应填写谈话的日期",
                     row=row, column="日期", found="", expected=f"不晚于 {day(limit)} 的日期")
        elif date > limit:
            yield at(b, t, "R-T4", "warning", f"谈话日期 {day(date)} 晚于{label}",
                     row=row, column="日期", found=day(date), expected=f"不晚于 {day(limit)}")


RULE_CHECKS = (("R-T1", committee_pairs), ("R-T2", member_coverage), ("R-T3", talk_names),
               ("R-T4", talk_dates))
