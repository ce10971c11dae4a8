"""The final grade: 支部评定 + 总支审核 → 最终等次 (pure), and the filing's columns for it.

The plan: "给每名党员评定等次，先上报党总支审核，后向本人反馈". A grade is final only when the
总支 agreed to it (同意) or set another (调整为 …) for the very 支部评定 it saw; a 退回 or a
conclusion about a grade the branch has since changed leaves the member waiting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.config import Campaign
from pipeline.followup.makeup import (
    DISPOSAL_COLUMNS,
    add_disposals,
    frame_of,
    insert_after,
    records,
    with_makeups,
)
from pipeline.followup.review_book import ADJUST, AGREE, RETURN, Entry, Review
from pipeline.normalize import DateError, fold, parse_date

PENDING_REVIEW = "待审核"
RE_REVIEW = "待重新审核"
RETURNED = "退回支部重议"
NO_GRADE = "待支部评定"


@dataclass(frozen=True)
class Conclusion:
    kind: str  # 同意 / 调整为 / 退回支部重议
    grade: str | None = None  # the grade set by 调整为


def parse_conclusion(value: str, campaign: Campaign) -> Conclusion | None:
    """'同意' / '调整为合格' (spaces, full-width folded) / '退回支部重议'; None when not one."""
    key = fold(value)
    if key == AGREE:
        return Conclusion(AGREE)
    if key in (fold(RETURN), "退回"):
        return Conclusion(RETURN)
    if key.startswith(ADJUST):
        grade = key[len(ADJUST):]
        if grade in campaign.grades:
            return Conclusion(ADJUST, grade)
    return None


@dataclass(frozen=True)
class Decision:
    """One member's review outcome as the filing and the feedback show it."""

    branch_grade: str  # 支部评定 now
    review: str | None  # 总支审核: 同意 / 调整为合格 / 退回支部重议 / 待审核 / 待重新审核（…）
    final: str | None  # 最终等次: a grade once confirmed
    opinion: str | None = None
    date: dt.date | None = None

    @property
    def confirmed(self) -> bool:
        return self.final is not None


def review_date(entry: Entry, campaign: Campaign) -> dt.date | None:
    try:
        return parse_date(entry.get("审核日期"), campaign.year)
    except DateError:
        return None


def decide(branch_grade: str, entry: Entry | None, campaign: Campaign) -> Decision:
    """支部评定 + the office's row → the Decision (members without a grade are not reviewed)."""
    if branch_grade not in campaign.grades:
        return Decision(branch_grade, None, None)
    if entry is None or not entry.conclusion:
        return Decision(branch_grade, PENDING_REVIEW, None)
    opinion = entry.opinion or None
    when = review_date(entry, campaign)
    if entry.grade != branch_grade:
        return Decision(branch_grade, f"{RE_REVIEW}（审核时为{entry.grade or '空'}）", None,
                        opinion, when)
    c = parse_conclusion(entry.conclusion, campaign)
    if c is None:  # R-V1 reports it
        return Decision(branch_grade, f"{PENDING_REVIEW}（审核结论“{entry.conclusion}”无法识别）",
                        None, opinion, when)
    if c.kind == RETURN:
        return Decision(branch_grade, RETURNED, None, opinion, when)
    if c.kind == ADJUST and not opinion:  # R-V1: an adjustment without a reason is not final
        return Decision(branch_grade, f"{ADJUST}{c.grade}（缺审核意见）", None, None, when)
    final = c.grade if c.kind == ADJUST else branch_grade
    shown = AGREE if c.kind == AGREE or c.grade == branch_grade else f"{ADJUST}{c.grade}"
    return Decision(branch_grade, shown, final, opinion, when)


def decisions(results: pd.DataFrame | list[dict[str, Any]], review: Review | None,
              campaign: Campaign) -> dict[tuple[str, str], Decision]:
    """(支部, 姓名) → Decision for every row of 民主评议结果 (a frame or its records)."""
    entries = review.entries if review is not None else {}
    rows = records(results) if isinstance(results, pd.DataFrame) else results
    return {(r["支部"], r["姓名"]): decide(r["评定等次"], entries.get((r["支部"], r["姓名"])),
                                          campaign)
            for r in rows}


# --- the filing ----------------------------------------------------------------------------

REVIEW_COLUMNS = ("总支审核", "审核意见", "审核日期", "最终等次")


def with_review(results: pd.DataFrame, makeups: pd.DataFrame, review: Review | None,
                campaign: Campaign) -> tuple[pd.DataFrame, pd.DataFrame]:
    """民主评议结果 with 总支审核, 审核意见, 审核日期, 最终等次 after 评定等次 (which stays the
    支部评定) and the 处置 columns; 补课名单 with the planned date and the grade after 补课."""
    rows = records(results)  # one pass over the frame (18k members at district scale)
    decided = decisions(rows, review, campaign)
    for r in rows:
        d = decided[(r["支部"], r["姓名"])]
        final = d.final if r["评定等次"] in campaign.grades else r["评定等次"]
        r.update(总支审核=d.review, 审核意见=d.opinion, 审核日期=d.date, 最终等次=final)
    add_disposals(rows, review, campaign)
    columns = insert_after(list(results.columns), "评定等次", REVIEW_COLUMNS)
    columns = insert_after(columns, "处置措施", DISPOSAL_COLUMNS)
    return frame_of(rows, columns), with_makeups(makeups, rows, review, campaign)


def legend_rows(campaign: Campaign) -> pd.DataFrame:
    """What the added columns mean (the filing's 列说明)."""
    g = campaign.grades
    rows = [
        ("民主评议结果", "总支审核",
         f"党总支对支部评定（评定等次）的审核：{AGREE}、{ADJUST}…、{RETURNED}；{PENDING_REVIEW}：尚未审核；"
         f"{RE_REVIEW}：审核后支部又改了评定"),
        ("民主评议结果", "最终等次",
         f"经党总支审核确定的等次（{AGREE}：支部评定；{ADJUST}：调整后的等次）；未确定时为空"),
        ("民主评议结果", "处置期限", f"评为{g[-1]}的党员组织处置的期限（党总支审核工作簿中填写）"),
        ("民主评议结果", "处置结果", f"评为{g[-1]}的党员组织处置的结果（党总支审核工作簿中填写）"),
        ("补课名单", "计划补课日期", "党总支安排的补课日期（审核工作簿“补课安排”表中填写）"),
        ("补课名单", "补课日期", "支部报送的党员名册中的补课日期；有日期即已补课，补课后评定等次"),
    ]
    return pd.DataFrame(rows, columns=["工作表", "列", "含义"], dtype=object)


def apply_review(filing: Any, review: Review | None, campaign: Campaign) -> Any:
    """The Filing with the review columns (results, makeups) and their legend rows."""
    results, makeups = with_review(filing.results, filing.makeups, review, campaign)
    legend = pd.concat([filing.legend, legend_rows(campaign)], ignore_index=True)
    return dataclasses.replace(filing, results=results, makeups=makeups, legend=legend)
