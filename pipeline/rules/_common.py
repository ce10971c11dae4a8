"""Helpers shared by the rule families: located issues, row iteration, dates, name lists."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.issues import Issue
from pipeline.model import BranchInput
from pipeline.normalize import DateError, clean_text, out_of_campaign, parse_date
from pipeline.tally import Record, at, header_at, records

Check = Callable[[BranchInput, Campaign], Iterable[Issue]]
__all__ = [
    "LIST_SPLIT",
    "Check",
    "Record",
    "at",
    "day",
    "deadline",
    "header_at",
    "joined",
    "percent",
    "read_date",
    "records",
    "text",
]

# Separators people use to put several names or numbers in one cell.
LIST_SPLIT = re.compile(r"[、,，/;；\s]+")


def day(d: dt.date) -> str:
    return d.isoformat()


def deadline(campaign: Campaign, key: str) -> tuple[dt.date, str]:
    """The deadline and its Chinese label, e.g. (2017-03-20, '谈心谈话截止日期 2017-03-20')."""
    d = campaign.deadlines[key]
    return d, f"{DEADLINE_LABELS[key]}截止日期 {day(d)}"


def read_date(value: Any, campaign: Campaign) -> tuple[dt.date | None, str]:
    """(date, '') / (None, '') for blank / (None, Chinese reason) when not a date, or not a
    date of this campaign (1900-02-28 from a mistyped serial)."""
    try:
        date = parse_date(value, campaign.year)
    except DateError as exc:
        return None, str(exc.args[0])
    if date is not None and (why := out_of_campaign(date, campaign.year)):
        return None, why
    return date, ""


def text(value: Any) -> str:
    """A cell as the user typed it, for messages (no NFKC: 例：stays 例：)."""
    return value.strip() if isinstance(value, str) else clean_text(value)


def joined(items: Iterable[str]) -> str:
    return "、".join(items)


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole}（{round(100 * part / whole)}%）" if whole else f"{part}/{whole}"
