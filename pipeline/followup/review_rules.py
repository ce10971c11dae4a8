"""Rules of the review family (SPEC §12): R-V1, R-V2, R-V3 — pure checks on the branches as
validated and the office's review workbook.

R-V1 (error) a 调整 or 退回 needs an 审核意见; a 审核结论 must be one of the dropdown's values;
     a 退回支部重议 is an error on the branch's 组织评定 cell (so it reaches the branch's
     修改意见 package) until the branch re-decides.
R-V2 (warning) a 反馈日期 before the 审核日期: the plan reviews first, then feeds back.
R-V3 (warning) a review row for someone who is not an evaluated member of that branch.
Issues about the office's own workbook carry no branch: they are not the branch's to fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.followup.final import parse_conclusion, review_date
from pipeline.followup.review_book import ADJUST, RETURN, REVIEW_SHEET, Entry, Review, conclusions
from pipeline.issues import Issue, issue
from pipeline.normalize import DateError, parse_date
from pipeline.sheets.grading import GradeRow, usable_grades
from pipeline.sheets.located import at
from pipeline.sheets.prepare import Prepared


def _office(review: Review, entry: Entry, rule: str, severity: str, header: str, message: str,
            found: str = "", expected: str = "") -> Issue:
    return issue(rule, severity, message, file=review.file, sheet=REVIEW_SHEET,  # type: ignore[arg-type]
                 cell=review.cell(entry, header), found=found, expected=expected)


def _conclusion_issues(review: Review, entry: Entry, campaign: Campaign) -> list[Issue]:
    """R-V1 on the office's row: a known conclusion, and an 审核意见 for 调整 / 退回."""
    who = f"{entry.branch} {entry.name}"
    c = parse_conclusion(entry.conclusion, campaign)
    if c is None:
        return [_office(review, entry, "R-V1", "error", "审核结论",
                        f"{who}：审核结论“{entry.text('审核结论')}”不是可选项，"
                        f"应为 {'/'.join(conclusions(campaign))}",
                        found=entry.text("审核结论"), expected="/".join(conclusions(campaign)))]
    if c.kind in (ADJUST, RETURN) and not entry.opinion:
        what = f"{ADJUST}{c.grade}" if c.kind == ADJUST else RETURN
        return [_office(review, entry, "R-V1", "error", "审核意见",
                        f"{who}：审核结论为“{what}”，须写明审核意见（调整或退回的理由）",
                        expected="审核意见")]
    return []


def _grade_row(p: Prepared, name: str) -> GradeRow | None:
    return next((g for g in p.grades if g.member.name == name), None)


def _returned(p: Prepared, entry: Entry) -> Issue:
    """The 退回 on the branch's 组织评定!评定等次 cell of the member."""
    message = f"总支审核：退回支部重议 — {entry.opinion or '（未写审核意见）'}"
    t = p.table(C.GRADING)
    g = _grade_row(p, entry.name)
    if t is not None and g is not None:
        return at(p, t, "R-V1", "error", f"{entry.name}：{message}", row=g.row,
                  column="评定等次", found=entry.grade, expected="支部重议后重新评定")
    return issue("R-V1", "error", f"{entry.name}：{message}", branch=p.branch, sheet=C.GRADING,
                 found=entry.grade, expected="支部重议后重新评定")


def _feedback_before(p: Prepared, entry: Entry, campaign: Campaign) -> list[Issue]:
    """R-V2: the branch's 反馈日期 for this member earlier than the 审核日期."""
    reviewed = review_date(entry, campaign)
    t = p.table(C.GRADING)
    g = _grade_row(p, entry.name)
    if reviewed is None or t is None or g is None:
        return []
    try:
        fed = parse_date(g.record.get("反馈日期"), campaign.year)
    except DateError:  # R-G4 reports it
        return []
    if fed is None or fed >= reviewed:
        return []
    return [at(p, t, "R-V2", "warning",
               f"{entry.name}的反馈日期 {fed.isoformat()} 早于党总支审核日期 "
               f"{reviewed.isoformat()}；应先上报党总支审核，后向本人反馈",
               row=g.row, column="反馈日期", found=fed.isoformat(),
               expected=f"不早于 {reviewed.isoformat()}")]


def review_issues(branches: Sequence[Prepared], review: Review | None,
                  campaign: Campaign) -> list[Issue]:
    """Every R-V1/R-V2/R-V3 issue of the review workbook against the validated branches."""
    if review is None:
        return []
    by_name = {b.branch: b for b in branches if not b.general}
    grades: dict[str, dict[str, str]] = {}
    out: list[Issue] = []
    for (branch, name), entry in review.entries.items():
        b = by_name.get(branch)
        m = b.member(name) if b is not None else None
        if b is None or m is None or not m.evaluated:
            why = ("没有这个支部" if b is None else "该支部名册中没有此人" if m is None
                   else "此人不是测评对象（预备党员或已参加民主生活会的党员领导干部）")
            out.append(_office(review, entry, "R-V3", "warning", "姓名",
                               f"审核表中有“{branch} {name}”一行，但{why}；请核对支部和姓名，"
                               "或删除这一行", found=f"{branch} {name}",
                               expected="本活动的测评对象"))
            continue
        if not entry.conclusion:
            continue
        out += _conclusion_issues(review, entry, campaign)
        if branch not in grades:
            grades[branch] = usable_grades(b.members, b.grades, campaign)
        current = grades[branch].get(name) or ""
        if entry.grade != current:
            continue  # the branch changed the grade since: the conclusion waits for re-review
        c = parse_conclusion(entry.conclusion, campaign)
        if c is not None and c.kind == RETURN:
            out.append(_returned(b, entry))
        if c is not None:
            out += _feedback_before(b, entry, campaign)
    return out
