"""民主评议结果: one row per member of every branch — votes, grade, eligibility, hints —
and the R-A1/R-A2 flags raised on them (flags only, never a grade: 不唯票数)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.common import cell_letters, date_or_text, share
from pipeline.contract import (
    MADE_UP,
    TAKES_PART,
    UNGRADED,
)
from pipeline.issues import SEVERITY_LABEL, Issue, issue, sort_key
from pipeline.normalize import (
    clean_name,
    text,
)
from pipeline.normalize import office_day as day
from pipeline.people import Member, ordered_members
from pipeline.sheets import grading as grades_of
from pipeline.sheets.ballots import ABSTAIN, INVALID, VALID, Tally
from pipeline.sheets.prepare import Prepared

# --- ballots, grades, members --------------------------------------------------------------

def vote_columns(campaign: Campaign) -> list[str]:
    """民主评议结果 count columns: one per grade, then 弃权票, 无效票, 有效票."""
    return [f"{g}票" for g in campaign.grades] + ["弃权票", "无效票", "有效票"]


def share_columns(campaign: Campaign) -> list[str]:
    return [f"{g}票占比" for g in campaign.grades]


def result_columns(campaign: Campaign) -> list[str]:
    return ["支部", "姓名", "党小组", "职务", "党员类别", "出席情况", "评议状态",
            *vote_columns(campaign), *share_columns(campaign),
            "评定等次", "评定理由", "处置措施", "反馈日期", "提示"]


@dataclass
class _Grade:
    """A member's 组织评定 row as written (the usable value comes from usable_grades)."""

    raw: str
    value: str | None  # normalised: a grade, 不评定等次, 待补课, '' or None (unknown text)
    reason: str
    disposition: str
    feedback: dt.date | str | None


def _grade_rows(b: Prepared, campaign: Campaign) -> dict[str, _Grade]:
    """Member → their 组织评定 row as written (the usable rows: one per member)."""
    return {r.member.name: _Grade(text(r.record.get("评定等次")), r.value,
                                  text(r.record.get("评定理由")), text(r.record.get("处置措施")),
                                  date_or_text(r.record.get("反馈日期"), campaign.year))
            for r in b.grades}


# Sheets whose issues naming a member are about a talk or a meeting, not about that member's
# evaluation: they stay out of 提示 (a missing 必谈 pair showed on the member's row: #10, 18).
_NOT_ABOUT_ONE = frozenset({C.TALKS, C.MEETINGS, C.PROBLEMS, C.RECTIFY})


def _member_issues(b: Prepared, found: Sequence[Issue]) -> dict[str, list[Issue]]:
    """Issues about one member: on their 党员名册/组织评定/计票 row, in their 民主测评
    column, or naming them as the value found."""
    by_row: dict[tuple[str, str, int], str] = {}
    by_column: dict[tuple[str, str, str], str] = {}
    names = b.names
    for sheet in (C.ROSTER, C.GRADING, C.TALLY):
        table = b.table(sheet)
        if table is None or "姓名" not in table.columns:
            continue
        for row, rec in table.records:
            name = clean_name(rec.get("姓名"))
            if name in names:
                by_row.setdefault((table.file, table.sheet, row), name)
    ballots = b.table(C.BALLOTS)
    if ballots is not None:
        for header, letter in ballots.letters.items():
            name = clean_name(header)
            if name in names:
                by_column[(ballots.file, ballots.sheet, letter)] = name
    out: dict[str, list[Issue]] = defaultdict(list)
    for i in found:
        who = (by_row.get((i.file, i.sheet, i.row))
               or by_column.get((i.file, i.sheet, cell_letters(i.cell)))
               or (clean_name(i.found) if clean_name(i.found) in names
                   and i.sheet not in _NOT_ABOUT_ONE else None))
        if who:
            out[who].append(i)
    return out


def _issue_hint(found: Sequence[Issue], limit: int = 3) -> str:
    """'[错误 R-B1] …；…另有 N 条，见“校验问题”' — errors first."""
    ranked = sorted(found, key=lambda i: (i.severity != "error", sort_key(i)))
    parts = [f"[{SEVERITY_LABEL[i.severity]} {i.rule}] {i.message}" for i in ranked[:limit]]
    if len(ranked) > limit:
        parts.append(f"另有 {len(ranked) - limit} 条，见“校验问题”")
    return "；".join(parts)


@dataclass
class BranchResult:
    rows: list[dict[str, Any]]
    grades: Counter[str]
    tally: Tally | None
    cap: int
    base: int
    excellent: int
    flags: list[Issue]


def _vote_flags(b: Prepared, m: Member, tally: Tally, campaign: Campaign) -> list[Issue]:
    """R-A2: vote-share flags, only when the config enables them (citing its reference)."""
    flags = campaign.vote_flags
    counts = tally.counts[m.name]
    valid = int(counts.get(VALID, 0))
    if not flags.enabled or not valid:
        return []
    grades = campaign.grades
    out: list[Issue] = []
    checks = ((grades[-1:], flags.unqualified_share), (grades[2:], flags.basic_or_worse_share))
    for worse, threshold in checks:
        n = sum(int(counts.get(g, 0)) for g in worse)
        if n / valid < threshold:
            continue
        label = f"{worse[0]}及以下" if len(worse) > 1 else worse[0]
        out.append(issue(
            "R-A2", "warning",
            f"{m.name}的“{label}”票 {n} 张，占有效票 {valid} 张的 {n / valid:.1%}，"
            f"达到 {threshold:.0%}（依据 {flags.reference}），需组织研判；票数只作参考，不决定等次",
            branch=b.branch, file=tally.file, sheet=tally.sheet, cell=tally.cells.get(m.name, ""),
            found=m.name, expected=f"“{label}”票占比低于 {threshold:.0%}", row=0))
    return out


def branch_results(b: Prepared, campaign: Campaign, branch_issues: Sequence[Issue],
                    raw: Prepared) -> BranchResult:
    """民主评议结果 rows of one branch (`b` without the dropped rows, `raw` as prepared)."""
    tally = b.tally
    usable = grades_of.usable_grades(b.members, b.grades, campaign)
    written = _grade_rows(b, campaign)
    about = _member_issues(raw, branch_issues)
    q = grades_of.quota(b.members, grades_of.usable_grades(b.members, b.grades, campaign), campaign)  # R-A1: the same count as the rules
    base, cap = q.base, q.cap
    rows: list[dict[str, Any]] = []
    distribution: Counter[str] = Counter()
    flags: list[Issue] = []
    for m in ordered_members(b.members):
        hints: list[str] = []
        g = written.get(m.name)
        grade = usable.get(m.name) or UNGRADED
        row: dict[str, Any] = {
            "支部": b.branch, "姓名": m.name, "党小组": m.group, "职务": m.role or None,
            "党员类别": m.category, "出席情况": C.PRESENT if m.present else C.ABSENT,
        }
        absence = f"缺席民主评议（{m.absence_reason}）" if m.absence_reason else "缺席民主评议"
        if grade == campaign.not_graded:
            state = campaign.not_graded
            why = "预备党员" if not m.full else "已参加年度民主生活会的党员领导干部"
            hints.append(f"{why}，参加民主评议但{campaign.not_graded}")
        elif grade == campaign.pending:
            state = campaign.pending
            hints.append(f"{absence}，尚无补课日期，{campaign.pending}")
        else:
            state = TAKES_PART if m.present else MADE_UP
            if not m.present:
                hints.append(f"{absence}，已于 {day(m.makeup_date)} 补课；"  # type: ignore[arg-type]
                             "党员大会的测评票数不适用")
            if grade == UNGRADED:
                hints.append("组织评定表中尚无有效的评定等次" if g is None or not g.raw else
                             f"组织评定表填写的“{g.raw}”未采用")
            if m.present:
                if tally is not None and m.name in tally.counts:
                    counts = tally.counts[m.name]
                    for gr in campaign.grades:
                        row[f"{gr}票"] = int(counts.get(gr, 0))
                    row["弃权票"] = int(counts.get(ABSTAIN, 0))
                    row["无效票"] = int(counts.get(INVALID, 0))
                    row["有效票"] = valid = int(counts.get(VALID, 0))
                    for gr in campaign.grades:
                        row[f"{gr}票占比"] = share(int(counts.get(gr, 0)), valid)
                    member_flags = _vote_flags(b, m, tally, campaign)
                    flags += member_flags
                    # flags the rules raised reach 提示 as this member's issues
                    hints += [i.message for i in new_flags(member_flags, branch_issues)]
                elif tally is None:
                    hints.append("尚未收到民主测评结果")
                else:
                    hints.append(f"{tally.source}中没有该党员的票数")
        if g is not None and g.value and g.value != grade and grade != UNGRADED:
            hints.append(f"组织评定表填写的“{g.raw}”未采用")
        if grade in campaign.grades and g is not None:
            row.update(评定理由=g.reason or None, 处置措施=g.disposition or None,
                       反馈日期=g.feedback or None)
        row.update(评定等次=grade, 评议状态=state, _hints=hints)
        distribution[grade] += 1
        rows.append(row)

    excellent = distribution[campaign.grades[0]]
    if excellent > cap:
        table = b.table(C.GRADING)
        flags.append(issue(
            "R-A1", "warning",
            f"{b.branch}评定“{campaign.grades[0]}” {excellent} 人，超过上限 {cap} 人"
            f"（{campaign.excellent_cap.describe()}；{campaign.excellent_cap.denominator} "
            f"{base} 人），需组织研判",
            branch=b.branch, file=table.file if table is not None else "",
            sheet=table.sheet if table is not None else "",
            found=f"{excellent} 人", expected=f"不超过 {cap} 人"))
        # the cap is the branch's, not a member's: it stands once in 需组织研判 and in 汇总
        # (优秀上限, 优秀已用), not on every 优秀 row (issue #10, case 18)
    for row in rows:
        hints = row.pop("_hints")
        found = about.get(row["姓名"], [])
        if found:
            hints.append(_issue_hint(found))
        row["提示"] = "；".join(hints) or None
    return BranchResult(rows, distribution, tally, cap, base, excellent, flags)



# --- issues --------------------------------------------------------------------------------

def new_flags(flags: Sequence[Issue], issues: Sequence[Issue]) -> list[Issue]:
    """The flags the rules have not raised already (same rule, branch and subject)."""
    raised: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    for i in issues:
        if i.rule in ("R-A1", "R-A2"):
            raised[(i.rule, i.branch)].append(i)

    def same(i: Issue, flag: Issue) -> bool:
        if flag.rule == "R-A1":
            return True
        return ((bool(flag.cell) and (i.file, i.sheet, i.cell) == (flag.file, flag.sheet, flag.cell))
                or clean_name(i.found) == flag.found or i.message.startswith(f"{flag.found}："))

    def known(flag: Issue) -> bool:
        return any(same(i, flag) for i in raised[(flag.rule, flag.branch)])

    return [f for f in flags if not known(f)]


