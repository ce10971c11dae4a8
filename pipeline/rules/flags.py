"""Aggregation flags (SPEC §6): R-A1 the 优秀 cap per branch, R-A2 vote-share flags.

Both only raise warnings for review (需组织研判): votes inform the 组织评定 and never decide it,
so nothing here changes a grade.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, issue
from pipeline.rules.grading import usable_grades
from pipeline.sheets import grading as parsed
from pipeline.sheets.ballots import VALID
from pipeline.sheets.grading import Quota
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared


def quota(b: Prepared, campaign: Campaign) -> Quota:
    """R-A1 for one branch: its 优秀 grades against the configured cap."""
    return parsed.quota(b.members, usable_grades(b, campaign), campaign)


def excellent_cap(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-A1: more 优秀 grades than the branch's cap is a warning (the cap is per branch)."""
    t = b.table(C.GRADING)
    if t is None or b.general:
        return
    q = quota(b, campaign)
    if q.exceeded:
        best = campaign.grades[0]
        yield at(b, t, "R-A1", "warning",
                 f"{b.branch}评为{best} {q.excellent} 人，超过上限 {q.cap} 人"
                 f"（{q.rule}；{campaign.excellent_cap.denominator} {q.base} 人），需组织研判",
                 found=q.excellent, expected=f"不超过 {q.cap} 人")


def vote_shares(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-A2: when `vote_flags.enabled`, a member whose 不合格 share, or 基本合格-or-worse share,
    of valid votes reaches the configured value is flagged 需组织研判, citing the reference."""
    flags = campaign.vote_flags
    if not flags.enabled or b.general:
        return
    tally = b.tally
    if tally is None:
        return
    t = b.tables[tally.sheet]
    worst, low = campaign.grades[-1], campaign.grades[2:]
    for name, c in tally.counts.items():
        valid = c[VALID]
        m = b.member(name)
        if not valid or m is None or not m.present:  # an absent member's votes do not apply
            continue
        reached = []
        share = c[worst] / valid
        if share >= flags.unqualified_share:
            reached.append(f"{worst}票占有效票 {share:.0%}（提示线 {flags.unqualified_share:.0%}）")
        share = sum(c[g] for g in low) / valid
        if share >= flags.basic_or_worse_share:
            reached.append(f"{'及'.join(low)}票占有效票 {share:.0%}"
                           f"（提示线 {flags.basic_or_worse_share:.0%}）")
        if reached:
            yield issue("R-A2", "warning",
                        f"{name}：{'；'.join(reached)}，需组织研判（依据：{flags.reference}）；"
                        "票数只作参考，不决定等次", branch=b.branch, file=t.file, sheet=t.sheet,
                        cell=tally.cells.get(name, ""), found="；".join(reached),
                        expected="组织研判", row=0)


RULE_CHECKS = (("R-A1", excellent_cap), ("R-A2", vote_shares))
