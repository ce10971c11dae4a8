"""补课 and 处置 followed up from run to run (pure).

补课: the branch records the done date (党员名册!补课日期) and, once made up, grades the member in
组织评定; the office plans the date (审核工作簿 补课安排!计划补课日期). 补课名单 shows both and the
grade, so a member leaves 待补课 and appears graded in the next filing.
处置: a 不合格 member's 措施 comes from the branch (组织评定!处置措施), the 期限 and 结果 from the
office (审核工作簿 处置期限, 处置结果); the filing's 民主评议结果 shows all three."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.config import Campaign
from pipeline.followup.review_book import Entry, Review, records
from pipeline.normalize import DateError, parse_date

DISPOSAL_COLUMNS = ("处置期限", "处置结果")
MAKEUP_EXTRA = ("计划补课日期",)
GRADE_COLUMNS = ("评定等次", "最终等次")


def insert_after(columns: Sequence[str], anchor: str, new: Sequence[str]) -> list[str]:
    at = list(columns).index(anchor) + 1 if anchor in columns else len(columns)
    return [*columns[:at], *new, *columns[at:]]


def office_date(entry: Entry | None, header: str, campaign: Campaign) -> Any:
    """A date the office typed (a date cell or text such as 2017/10/31); other text as is."""
    if entry is None:
        return None
    try:
        return parse_date(entry.get(header), campaign.year)
    except DateError:
        return entry.text(header) or None


def frame_of(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=list(columns),
                        dtype=object)


def add_disposals(rows: list[dict[str, Any]], review: Review | None, campaign: Campaign) -> None:
    """处置期限, 处置结果 (from the office) on the rows of members graded (or adjusted to) the
    lowest grade; the 处置措施 beside them is the branch's."""
    worst = campaign.grades[-1]
    entries = review.entries if review is not None else {}
    for r in rows:
        entry = entries.get((r["支部"], r["姓名"]))
        due = entry is not None and worst in (r["评定等次"], r.get("最终等次"))
        r["处置期限"] = office_date(entry, "处置期限", campaign) if due else None
        r["处置结果"] = (entry.text("处置结果") or None) if due and entry is not None else None


def with_makeups(makeups: pd.DataFrame, results: Sequence[dict[str, Any]],
                 review: Review | None, campaign: Campaign) -> pd.DataFrame:
    """补课名单 with 计划补课日期 (office) beside 补课日期 (branch), and the grade once graded."""
    planned = review.makeups if review is not None else {}
    graded = {(r["支部"], r["姓名"]): r for r in results}
    rows = records(makeups)
    for r in rows:
        key = (r["支部"], r["姓名"])
        r["计划补课日期"] = office_date(planned.get(key), "计划补课日期", campaign)
        g = graded.get(key, {})
        r["评定等次"] = g.get("评定等次") if g.get("评定等次") in campaign.grades else None
        r["最终等次"] = g.get("最终等次") if r["评定等次"] else None
    columns = [*insert_after(list(makeups.columns), "缺席原因", MAKEUP_EXTRA), *GRADE_COLUMNS]
    return frame_of(rows, columns)
