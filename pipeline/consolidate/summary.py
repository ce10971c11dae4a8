"""汇总 (one row per branch and the 合计 row) and the 列说明 legend of computed columns."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.consolidate.common import frame_of, share
from pipeline.consolidate.lists import BranchTalks
from pipeline.consolidate.results import BranchResult
from pipeline.consolidate.stages import STAGES
from pipeline.contract import (
    FAILED,
    INCOMPLETE,
    MADE_UP,
    MISSING,
    NOT_APPLICABLE,
    OVERDUE,
    PASSED,
    RECEIVED,
    RECEIVED_LATE,
    TAKES_PART,
    TOTAL,
    UNGRADED,
)
from pipeline.issues import Issue
from pipeline.normalize import office_day as day
from pipeline.sheets.prepare import Prepared

# --- the summary ---------------------------------------------------------------------------

def summary_columns(campaign: Campaign) -> list[str]:
    distribution = [f"{g}人数" for g in (*campaign.grades, UNGRADED, campaign.pending,
                                         campaign.not_graded)]
    return ["支部", "党员人数", "正式党员", "预备党员", "测评对象", "出席", "缺席", "计票方式",
            "收回票数", "空白票", *distribution, "优秀上限", "优秀已用",
            *(s.name for s in STAGES), "谈话覆盖率", "缺少必谈对数", "班子问题整改覆盖率",
            "整改承诺覆盖率", "错误数", "警告数", "状态"]


def summary_frame(branches: Sequence[Prepared], results: dict[str, BranchResult],
             talks: dict[str, BranchTalks], coverage: dict[str, dict[str, Any]],
             stages: pd.DataFrame, issues: Sequence[Issue], campaign: Campaign) -> pd.DataFrame:
    columns = summary_columns(campaign)
    per_branch: dict[str, Counter[str]] = defaultdict(Counter)
    for i in issues:
        per_branch[i.branch][i.severity] += 1
    stage_of = {(r["支部"], r["阶段"]): r["状态"] for r in stages.to_dict("records")}
    general = {b.branch for b in branches if b.general}
    rows: list[dict[str, Any]] = []
    for b in branches:
        t = talks[b.branch].row
        cov = coverage[b.branch]
        row: dict[str, Any] = {
            "支部": b.branch,
            "谈话覆盖率": t["谈话覆盖率"], "缺少必谈对数": t["缺少必谈对数"],
            "班子问题整改覆盖率": cov["班子问题整改覆盖率"],
            "整改承诺覆盖率": cov.get("整改承诺覆盖率"),
            "错误数": per_branch[b.branch]["error"], "警告数": per_branch[b.branch]["warning"],
        }
        for s in STAGES:
            row[s.name] = stage_of[(b.branch, s.name)]
        # nothing received is 未报送 and a missing stage 不完整, never 通过 (#10, case 10)
        owed = [s.name for s in STAGES if row[s.name] in (MISSING, OVERDUE)]
        row["状态"] = (FAILED if row["错误数"] else MISSING if not b.tables
                     else INCOMPLETE if owed else PASSED)
        res = results.get(b.branch)
        if res is not None:
            ms = b.members
            row.update({
                "党员人数": len(ms), "正式党员": sum(m.full for m in ms),
                "预备党员": sum(not m.full for m in ms), "测评对象": len(b.evaluated),
                "优秀上限": res.cap, "优秀已用": res.excellent,
            })
            if b.tables:  # nothing received: attendance unknown, not "every member present"
                row.update(出席=sum(m.present for m in ms), 缺席=sum(not m.present for m in ms))
            if res.tally is not None:
                row.update(计票方式=res.tally.source, 收回票数=res.tally.ballots,
                           空白票=res.tally.blank_ballots)
            for g in (*campaign.grades, UNGRADED, campaign.pending, campaign.not_graded):
                row[f"{g}人数"] = res.grades[g]
        rows.append(row)

    total: dict[str, Any] = {"支部": TOTAL}
    numeric = [c for c in columns if c not in ("支部", "计票方式", "状态", "谈话覆盖率",
                                               "班子问题整改覆盖率", "整改承诺覆盖率",
                                               *(s.name for s in STAGES))]
    for c in numeric:
        values = [r[c] for r in rows if r.get(c) is not None]
        total[c] = sum(values) if values else None
    for s in STAGES:
        applicable = [r[s.name] for r in rows if r[s.name] != NOT_APPLICABLE]
        done = sum(1 for v in applicable if v in (RECEIVED, RECEIVED_LATE))
        total[s.name] = f"{done}/{len(applicable)}"
    due = sum(t.row["应谈党员"] for n, t in talks.items() if n not in general)
    talked = sum(t.row["已与委员谈话"] for n, t in talks.items() if n not in general)
    total["谈话覆盖率"] = share(talked, due)
    total["班子问题整改覆盖率"] = share(
        sum(c["已有整改的班子问题"] for c in coverage.values()),
        sum(c["_numbered"] for c in coverage.values()))
    total["整改承诺覆盖率"] = share(sum(c.get("已作整改承诺", 0) for c in coverage.values()),
                                 sum(c.get("应作整改承诺", 0) for c in coverage.values()))
    total["错误数"] = sum(1 for i in issues if i.severity == "error")
    total["警告数"] = sum(1 for i in issues if i.severity == "warning")
    total["状态"] = overall_status([r["状态"] for r in rows], total["错误数"])
    rows.append(total)
    return frame_of(rows, columns)


def overall_status(branch_states: Sequence[str], errors: int) -> str:
    """The filing's state: 未通过校验 with an error anywhere, 未报送 when no branch sent
    anything, 不完整 while some branch owes a stage, else 通过校验."""
    if errors:
        return FAILED
    if not branch_states or all(s == MISSING for s in branch_states):
        return MISSING
    if any(s in (MISSING, INCOMPLETE) for s in branch_states):
        return INCOMPLETE
    return PASSED


# --- the column legend ---------------------------------------------------------------------

def legend(campaign: Campaign) -> pd.DataFrame:
    """What every computed column means (also written as header comments)."""
    g = campaign.grades
    rows: list[tuple[str, str, str]] = []
    vote = "民主测评中（一行有票号即一张票）"
    for grade in g:
        rows.append(("民主评议结果", f"{grade}票",
                     f"{vote}该党员一栏填“{grade}”的票数；各等次分别计数，"
                     f"“{g[0]}”不计入“{g[1]}”"))
    rows += [
        ("民主评议结果", "弃权票", "该党员一栏空白的票数，含整张空白的空白票"),
        ("民主评议结果", "无效票", f"该党员一栏填了{'/'.join(g)}以外文字的票数（R-B1），不计入任何等次"),
        ("民主评议结果", "有效票", f"填了{'/'.join(g)}之一的票数；各等次票数之和＝有效票，"
                             "有效票＋弃权票＋无效票＝收回票数"),
    ]
    for grade in g:
        rows.append(("民主评议结果", f"{grade}票占比", f"{grade}票 ÷ 有效票；有效票为 0 时留空"))
    rows += [
        ("民主评议结果", "党员类别", "正式党员 / 预备党员 / 党员领导干部（已参加民主生活会）"),
        ("民主评议结果", "评议状态",
         f"{TAKES_PART}：测评对象且出席；{MADE_UP}：缺席后已补课；"
         f"{campaign.not_graded}：预备党员或已参加年度民主生活会的党员领导干部；"
         f"{campaign.pending}：缺席且尚无补课日期"),
        ("民主评议结果", "评定等次",
         f"党支部组织评定的等次（来自“组织评定”表），票数只作参考、不决定等次；"
         f"{UNGRADED}：组织评定表中尚无有效等次；{campaign.not_graded}、{campaign.pending} "
         "的票数栏为空"),
        ("民主评议结果", "提示", "不评定等次或待补课的原因、需组织研判的提示、该党员的校验问题"),
        ("汇总", "测评对象", "正式党员中除已参加年度民主生活会的党员领导干部以外的党员"),
        ("汇总", "计票方式", "民主测评：逐张录入的测评票；计票：手工计票结果"),
        ("汇总", "收回票数", "收回的测评票张数（含空白票）"),
        ("汇总", "空白票", "整张空白的测评票张数；对每名测评对象都计为弃权"),
        ("汇总", "优秀上限", campaign.excellent_cap.describe() + "，据此计算的人数"),
        ("汇总", "优秀已用", f"组织评定为“{g[0]}”的人数；超过上限为警告（R-A1），需组织研判"),
        ("汇总", f"{UNGRADED}人数", "测评对象中组织评定表尚无有效等次的人数"),
    ]
    talk = "至少与一名委员谈过话的非委员党员 ÷ 应谈党员（R-T2，委员之间见必谈）"
    pairs = "委员之间（支委之间；党总支为总支委员之间）双方都没有谈话记录的对数（R-T1）"
    fix = "有整改（对应问题编号）的班子问题 ÷ 有编号的班子问题（R-R2）"
    promise = "有整改承诺（整改清单中对象为本人）的党员 ÷ 应作整改承诺的党员（R-R4）"
    rows += [
        ("汇总", "谈话覆盖率", talk),
        ("汇总", "缺少必谈对数", pairs),
        ("汇总", "班子问题整改覆盖率", fix),
        ("汇总", "整改承诺覆盖率", promise),
        ("谈心谈话", "谈话记录数", "谈心谈话表中采用的行数"),
        ("谈心谈话", "可计谈话", "双方都是名册中的姓名且不是同一人的谈话（R-T3）"),
        ("谈心谈话", "应谈党员", "本支部的非委员党员（党总支：无）"),
        ("谈心谈话", "谈话覆盖率", talk),
        ("谈心谈话", "缺少必谈对数", pairs),
        ("整改覆盖", "班子问题数", "问题清单中对象为班子、问题描述不为空的问题"),
        ("整改覆盖", "无编号", "没有编号、整改清单无法对应的班子问题（不计入覆盖率）"),
        ("整改覆盖", "班子问题整改覆盖率", fix),
        ("整改覆盖", "应作整改承诺", "测评对象中出席民主评议或已补课的党员"),
        ("整改覆盖", "整改承诺覆盖率", promise),
        ("汇总", "错误数", "该支部尚未解决的错误（合计行含无法归属支部的文件问题）"),
        ("汇总", "状态", f"{PASSED}：各阶段都已报送且没有错误；{FAILED}：仍有错误，见“校验问题”；"
                       f"{INCOMPLETE}：没有错误，但尚有阶段未报送；{MISSING}：尚未收到任何表格"),
        ("汇总", "出席", "出席党员大会（民主评议）的党员，含预备党员；尚未收到任何表格时留空"),
    ]
    for s in STAGES:
        rows.append(("汇总", s.name,
                     f"“{'/'.join(s.sheets)}”表报送情况（工作方案的时间节点 "
                     f"{day(campaign.deadlines[s.deadline])}，{DEADLINE_LABELS[s.deadline]}；"
                     "是否按时开展以表内日期为准，见校验问题）：" f"{RECEIVED}、{RECEIVED_LATE}"
                     f"（首次报送晚于填表说明规定的最迟报送日期 {day(campaign.send_by)}，北京时间）、"
                     f"{MISSING}、{OVERDUE}、{NOT_APPLICABLE}；合计行为 已报送支部数/应报送支部数"))
    order = {"汇总": 0, "民主评议结果": 1, "整改覆盖": 2, "谈心谈话": 3}
    rows.sort(key=lambda r: order.get(r[0], len(order)))  # stable: sheet by sheet
    return pd.DataFrame(rows, columns=["工作表", "列", "含义"], dtype=object)


