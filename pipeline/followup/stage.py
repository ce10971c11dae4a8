"""The follow-up as library calls on a validated run: the filing with the review, the review
workbook update. The CLI parses, calls these and renders; nothing here prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import contract as C
from pipeline.app import Validation
from pipeline.config import Campaign
from pipeline.consolidate.filing import aggregate
from pipeline.followup.final import apply_review, decisions
from pipeline.followup.review_book import (
    GONE,
    MAKEUP_OFFICE,
    NEW,
    REVIEW_OFFICE,
    Review,
    load_review,
    makeup_rows,
    member_flags,
    merge,
    review_rows,
    write_review,
)
from pipeline.model import Filing
from pipeline.normalize import clean_name
from pipeline.sheets.prepare import Prepared


def reviewed_filing(validation: Validation, campaign: Campaign, review: Review | None) -> Filing:
    """The filing (R-B6 redaction inside aggregate) with 总支审核, 最终等次, 处置 and 补课."""
    filing = aggregate(validation.branches, validation.report.issues, campaign,
                       first=validation.first)
    return apply_review(filing, review, campaign)


def member_rows(branches: Sequence[Prepared]) -> dict[tuple[str, str, int], str]:
    """(file, sheet, Excel row) → member name, for 组织评定 and 计票 rows."""
    out: dict[tuple[str, str, int], str] = {}
    for b in branches:
        for sheet in (C.GRADING, C.TALLY):
            t = b.table(sheet)
            if t is None or "姓名" not in t.columns:
                continue
            for row, rec in t.records:
                out[(t.file, t.sheet, row)] = clean_name(rec.get("姓名"))
    return out


@dataclass(frozen=True)
class ReviewUpdate:
    path: Path
    rows: int
    new: int  # rows marked 新增 (0 on the first write)
    changed: int  # rows whose 支部评定 changed since the last write
    gone: int  # office rows kept for people no longer evaluated
    first: bool
    states: Counter[str]  # 总支审核 state → members


def update_review(validation: Validation, campaign: Campaign, path: Path) -> ReviewUpdate:
    """Write or update the review workbook at `path`, keeping the office's entries."""
    old = load_review(path, campaign)
    filing = reviewed_filing(validation, campaign, old)
    issues = [*validation.report.issues, *filing.new_issues]
    flags = member_flags(filing.results, issues, campaign, member_rows(validation.branches))
    rows = merge(review_rows(filing.results, flags, campaign), old, REVIEW_OFFICE)
    makeups = merge(makeup_rows(filing.makeups, filing.results), old, MAKEUP_OFFICE,
                    entries="makeups", track=False)
    write_review(path, rows, makeups, campaign)
    changes = Counter(_change_kind(r.get("变化")) for r in rows)
    states: Counter[str] = Counter()
    for d in decisions(filing.results, old, campaign).values():
        if d.review is not None:
            states[d.review.split("（")[0]] += 1
    return ReviewUpdate(path, len(rows), changes[NEW], changes["变更"], changes[GONE],
                        old is None, states)


def _change_kind(value: Any) -> str:
    text = str(value or "")
    if text.startswith("支部评定变更"):
        return "变更"
    return text
