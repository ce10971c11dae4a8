"""报送情况 (SPEC §7, `orglife status`): which branch has sent which stage of the seed's
timeline, when it first arrived, what is late."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.common import frame_of
from pipeline.contract import (
    MISSING,
    NOT_APPLICABLE,
    OVERDUE,
    RECEIVED,
    RECEIVED_LATE,
)
from pipeline.model import InputFile
from pipeline.normalize import (
    is_blank,
    local_time,
)
from pipeline.read.intake import Intake
from pipeline.read.table import Table
from pipeline.sheets.prepare import Prepared


@dataclass(frozen=True)
class Stage:
    """A stage of the seed timeline and the sheet(s) that show it was done."""

    name: str
    sheets: tuple[str, ...]
    deadline: str  # key into Campaign.deadlines
    general: bool = True  # the 党总支 workbook has it too


STAGES: tuple[Stage, ...] = (
    Stage("谈心谈话", (C.TALKS,), "talks"),
    Stage("问题清单", (C.PROBLEMS,), "problems"),
    Stage("民主测评", (C.BALLOTS, C.TALLY), "member_meeting", general=False),
    Stage("组织评定", (C.GRADING,), "grading", general=False),
    Stage("整改清单", (C.RECTIFY,), "rectification"),
    Stage("会议情况", (C.MEETINGS,), "member_meeting"),
)



# --- completeness per stage ----------------------------------------------------------------

def _filled_rows(sheet: str, table: Table) -> int:
    """Rows that carry the stage's data (a pre-filled name alone is not data)."""
    if sheet == C.GRADING:
        columns = ["评定等次"]
    elif sheet == C.BALLOTS:
        columns = ["票号"]
    elif sheet == C.TALLY:
        columns = [c for c in ("优秀", "合格", "基本合格", "不合格", "弃权") if c in table.columns]
    else:
        return table.rows
    return sum(1 for _, rec in table.records if not all(is_blank(rec[c]) for c in columns))


FirstSent = Mapping[tuple[str, str], dt.datetime]


def first_sent(intake: Intake) -> dict[tuple[str, str], dt.datetime]:
    """(branch, sheet) → the earliest submission time (received, else saved) of any file that carried the sheet filled in:
    the winning copy and the copies it superseded (R-F4). A branch that re-sends its whole
    workbook is judged on when each sheet first arrived, not on its latest re-send."""
    out: dict[tuple[str, str], dt.datetime] = {}

    def seen(branch: str, sheet: str, f: InputFile) -> None:
        t = local_time(f.submitted)
        if t is not None and ((branch, sheet) not in out or t < out[(branch, sheet)]):
            out[(branch, sheet)] = t

    for branch, sheets in intake.sheets.items():
        for sheet, placed in sheets.items():
            seen(branch, sheet, placed.file)
    for loser, sheet, _winner in intake.superseded:
        seen(loser.branch, sheet, loser)
    return out


def stage_status(branches: Sequence[Prepared], campaign: Campaign,
                 as_of: dt.date | None = None, first: FirstSent | None = None) -> pd.DataFrame:
    """Branch × stage: one row per branch, column 支部 then one column per stage of the seed
    timeline (谈心谈话 … 会议情况), each 已报送/逾期报送/未报送/逾期未报送/不适用.
    `first` (from first_sent(intake)) dates each sheet by its first arrival."""
    detail = stage_detail(branches, campaign, as_of, first)
    rows: dict[str, dict[str, Any]] = {}
    for rec in detail.to_dict("records"):
        rows.setdefault(rec["支部"], {"支部": rec["支部"]})[rec["阶段"]] = rec["状态"]
    return frame_of(list(rows.values()), ["支部", *(s.name for s in STAGES)])


def stage_detail(branches: Sequence[Prepared], campaign: Campaign,
                 as_of: dt.date | None = None, first: FirstSent | None = None) -> pd.DataFrame:
    """Which branch has sent which stage of the seed timeline, and what is late.

    One row per (branch, stage). A stage counts as 已报送 when its sheet holds data rows (a
    pre-filled name is not data); 逾期报送 when it first arrived after the send deadline that
    填表说明 states (campaign.send_by) — by `first` when given, else by the saved time of the
    file it was taken from; 逾期未报送 when it is missing and `as_of` is past that day
    (as_of=None: never). 截止日期 is the stage's own date in the plan: whether the stage was
    held on time is for the rules on the dates inside the sheet. A sheet that first arrived
    after `as_of` counts as not yet sent: `as_of` shows the inbox as it was then."""
    rows: list[dict[str, Any]] = []
    for b in branches:
        for stage in STAGES:
            deadline = campaign.deadlines[stage.deadline]
            row: dict[str, Any] = {"支部": b.branch, "阶段": stage.name,
                                   "截止日期": deadline, "最迟报送日期": campaign.send_by,
                                   "工作表": "/".join(stage.sheets)}
            if b.general and not stage.general:
                row.update(状态=NOT_APPLICABLE)
                rows.append(row)
                continue
            found: tuple[str, Table, int] | None = None
            for sheet in stage.sheets:
                table = b.table(sheet)
                if table is not None:
                    n = _filled_rows(sheet, table)
                    if found is None or (n and not found[2]):
                        found = (sheet, table, n)
            source = b.sources.get(found[0]) if found is not None else None
            saved = local_time(source.saved) if source else None
            sent = local_time(source.received or source.saved) if source else None
            arrived = (first or {}).get((b.branch, found[0])) or sent if found else None
            future = as_of is not None and arrived is not None and arrived.date() > as_of
            if found is None or not found[2] or future:  # `as_of` views the inbox as it was
                late = as_of is not None and as_of > campaign.send_by
                row.update(状态=OVERDUE if late else MISSING,
                           数据行数=0 if found is not None and not future else None)
                rows.append(row)
                continue
            sheet, table, n = found
            late = arrived is not None and arrived.date() > campaign.send_by
            row.update(工作表=sheet, 状态=RECEIVED_LATE if late else RECEIVED, 数据行数=n,
                       首次报送=arrived, 采用文件=source.file if source else table.file,
                       文件保存时间=saved)
            rows.append(row)
    return frame_of(rows, ("支部", "阶段", "工作表", "截止日期", "最迟报送日期", "状态", "数据行数", "首次报送",
                         "采用文件", "文件保存时间"))


