"""The whole filing (SPEC §6, §7): prepared branches + the validation issues + the Campaign →
a Filing of plain DataFrames. Pure: no I/O, no clock; the same inputs give the same frames."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.anonymity import redact_ballot_rows
from pipeline.consolidate.common import frame_of
from pipeline.consolidate.lists import (
    COVERAGE_COLUMNS,
    FLAG_COLUMNS,
    MAKEUP_COLUMNS,
    PROBLEM_COLUMNS,
    RECTIFY_COLUMNS,
    TALK_COLUMNS,
    BranchTalks,
    branch_talks,
    list_rows,
    rectify_coverage,
    with_trace,
)
from pipeline.consolidate.results import BranchResult, branch_results, new_flags, result_columns
from pipeline.consolidate.stages import FirstSent, stage_detail
from pipeline.consolidate.summary import legend, summary_frame
from pipeline.contract import MADE_UP
from pipeline.issues import Issue, dropped_rows, issue_frame, sort_key
from pipeline.model import Filing
from pipeline.people import ordered_members
from pipeline.sheets.prepare import Prepared

# --- the whole filing ----------------------------------------------------------------------

def aggregate(branches: Sequence[Prepared], issues: Sequence[Issue], campaign: Campaign,
              first: FirstSent | None = None) -> Filing:
    """Consolidate every prepared branch into the filing frames (SPEC §6, §7).

    `branches` in roster order (the 党总支 goes first in the filing); `issues` are the
    validation issues as found (Report.issues, not redacted): the rows they drop are left out
    of every figure (`Prepared.without`), and every branch with an error remaining is marked
    未通过校验. What the filing shows of the issues (校验问题, the members' 提示) is redacted for
    R-B6 (anonymity.redact_ballot_rows). `first` (first_sent(intake)) dates each sheet by its
    first arrival for 逾期报送."""
    ordered = [b for b in branches if b.general] + [b for b in branches if not b.general]
    dropped = dropped_rows(issues)
    issues = redact_ballot_rows(list(issues))  # R-B6: what the filing shows goes upward
    by_branch: dict[str, list[Issue]] = defaultdict(list)
    for i in issues:
        by_branch[i.branch].append(i)

    results: dict[str, BranchResult] = {}
    talks: dict[str, BranchTalks] = {}
    coverage: dict[str, dict[str, Any]] = {}
    flags: list[Issue] = []
    problems: list[dict[str, Any]] = []
    rectifications: list[dict[str, Any]] = []
    makeups: list[dict[str, Any]] = []
    views = [b.without(dropped) for b in ordered]
    for raw, b in zip(ordered, views):
        if not b.general:
            res = branch_results(b, campaign, by_branch[b.branch], raw)
            results[b.branch] = res
            flags += res.flags
            for m in ordered_members(b.members):
                if not m.present:
                    makeups.append({
                        "支部": b.branch, "姓名": m.name, "党小组": m.group,
                        "党员类别": m.category, "缺席原因": m.absence_reason or None,
                        "补课日期": m.makeup_date,
                        "状态": MADE_UP if m.makeup_date else campaign.pending})
        talks[b.branch] = branch_talks(b)
        coverage[b.branch] = rectify_coverage(b)
        problems += list_rows(b, C.PROBLEMS, campaign)
        rectifications += list_rows(b, C.RECTIFY, campaign)

    new = new_flags(flags, issues)
    every = [*issues, *new]
    rank = {b.branch: n for n, b in enumerate(ordered)}
    stages = stage_detail(views, campaign, None, first)
    subject = {(f.file, f.sheet, f.cell): f.found for f in flags if f.rule == "R-A2"}
    flag_rows = [{"支部": f.branch, "规则": f.rule, "提示": f.message,
                  "姓名": subject.get((f.file, f.sheet, f.cell)) if f.rule == "R-A2" else None}
                 for f in sorted((i for i in every if i.rule in ("R-A1", "R-A2")),
                                 key=lambda i: (rank.get(i.branch, len(rank)), sort_key(i)))]
    missing_pairs = [{"支部": b.branch, "委员甲": x, "委员乙": y, "说明": "未见双方任何一方的谈话记录"}
                     for b in ordered for x, y in talks[b.branch].missing]
    result_rows = [r for b in ordered if b.branch in results for r in results[b.branch].rows]
    errors = sum(1 for i in every if i.severity == "error")
    summary = summary_frame(ordered, results, talks, coverage, stages, every, campaign)
    return Filing(
        title=f"{campaign.organisation} {campaign.year}年专题组织生活会",
        status=str(summary.iloc[-1]["状态"]),
        summary=summary,
        results=frame_of(result_rows, result_columns(campaign)),
        problems=with_trace(problems, PROBLEM_COLUMNS),
        rectifications=with_trace(rectifications, RECTIFY_COLUMNS),
        coverage=frame_of([coverage[b.branch] for b in ordered], COVERAGE_COLUMNS),
        talks=frame_of([talks[b.branch].row for b in ordered], TALK_COLUMNS),
        missing_pairs=frame_of(missing_pairs, ("支部", "委员甲", "委员乙", "说明")),
        talk_matrices=[(b.branch, talks[b.branch].matrix) for b in ordered],
        makeups=frame_of(makeups, MAKEUP_COLUMNS),
        stages=stages,
        flags=frame_of(flag_rows, FLAG_COLUMNS),
        issues=issue_frame(every, [b.branch for b in ordered]),
        legend=legend(campaign),
        new_issues=new,
        errors=errors,
        warnings=sum(1 for i in every if i.severity == "warning"),
    )

