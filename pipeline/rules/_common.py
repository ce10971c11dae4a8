"""Helpers shared by the rule families: deadlines, name lists, percentages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.issues import Issue
from pipeline.normalize import LIST_SPLIT, iso_day
from pipeline.sheets.prepare import Prepared

Check = Callable[[Prepared, Campaign], Iterable[Issue]]



def deadline(campaign: Campaign, key: str) -> tuple[dt.date, str]:
    """The deadline and its Chinese label, e.g. (2017-03-20, '谈心谈话截止日期 2017-03-20')."""
    d = campaign.deadlines[key]
    return d, f"{DEADLINE_LABELS[key]}截止日期 {iso_day(d)}"


def joined(items: Iterable[str]) -> str:
    return "、".join(items)


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole}（{round(100 * part / whole)}%）" if whole else f"{part}/{whole}"


__all__ = ["LIST_SPLIT", "Check", "deadline", "joined", "percent"]
