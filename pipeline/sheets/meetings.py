"""会议情况 parsed once: every row with its type (campaign.meeting_types, a few usual full
names read as their short type) and its date read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.config import Campaign
from pipeline.normalize import fold, read_date
from pipeline.read.table import Record, Table

STUDY, BRANCH_COMMITTEE, GENERAL_COMMITTEE, GROUP, MEMBERS = (
    "集中学习", "支委会", "总支委员会", "党小组会", "党员大会")
# Full names people write for the short types of the contract.
TYPE_SYNONYMS = {
    "支部委员会": BRANCH_COMMITTEE, "党支部委员会": BRANCH_COMMITTEE, "支委会议": BRANCH_COMMITTEE,
    "支部委员会会议": BRANCH_COMMITTEE, "党总支委员会": GENERAL_COMMITTEE,
    "总支委员会会议": GENERAL_COMMITTEE, "党小组会议": GROUP, "党小组": GROUP,
    "党员大会会议": MEMBERS, "支部党员大会": MEMBERS, "集中学习会": STUDY,
}


@dataclass(frozen=True)
class Meeting:
    row: int
    kind: str | None  # one of campaign.meeting_types, None when unknown
    date: dt.date | None
    date_problem: str  # Chinese reason when the date cell is not a date
    record: Record


def meeting_type(value: object, campaign: Campaign) -> str | None:
    key = fold(value)
    for kind in campaign.meeting_types:
        if key == fold(kind):
            return kind
    alias = TYPE_SYNONYMS.get(key)
    return alias if alias in campaign.meeting_types else None


def meeting_rows(t: Table, campaign: Campaign) -> tuple[Meeting, ...]:
    """Every row of 会议情况 with its type and date read."""
    found = []
    for row, rec in t.records:
        date, problem = read_date(rec["日期"], campaign.year)
        found.append(Meeting(row, meeting_type(rec["类型"], campaign), date, problem, rec))
    return tuple(found)
