"""The template being built (TemplateBook): campaign, members, formats, value lists, _meta lists;
the constants of the template layout shared by its sheet writers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.people import Member
from pipeline.write import style

HEADER_ROW = 1  # 0-based: Excel row 2
FIRST_DATA_ROW = 2  # 0-based: Excel row 3
# Spare columns right of the table stay editable up to IV: XlsxWriter stores column formats
# one by one, so unlocking all 16,384 columns costs ~0.3 s per workbook.
LAST_FREE_COL = 255
INLINE_LIST_LIMIT = 255  # Excel's limit for an inline dropdown list (UTF-16 units)

# Workbook-level names of the name dropdowns (SPEC: never an inline list).
NAMES = "党员姓名"  # 党员名册!$A$3:$A$N
OBJECTS = "对象列表"  # 班子 + names (问题清单/整改清单 对象)
OWNERS = "责任人列表"  # committee roles + names (整改清单 责任人)
NAME_SOURCES = {"names": NAMES, "objects": OBJECTS, "owners": OWNERS}
# Defined names for closed lists too long to go inline.
LIST_NAMES = {
    "groups": "党小组列表", "roles": "职务列表", "member_kinds": "党员类别列表",
    "yes_no": "是否列表", "attendance": "出席列表", "talk_forms": "谈话形式列表",
    "problem_categories": "问题类别列表", "problem_sources": "问题来源列表",
    "grading_values": "评定等次列表", "grades": "测评等次列表", "dispositions": "处置措施列表",
    "progress": "完成情况列表", "meeting_types": "会议类型列表",
}
META_LIST_COL = 3  # helper lists start in column D of _meta
ID_HEADERS = frozenset({"票号", "编号", "对应问题编号"})  # text IDs: '@' format, never numbers
DAY_OF = frozenset({"study", "member_meeting"})  # stages held on the day, not "before"

PROTECTION: dict[str, bool] = {
    "format_cells": True, "format_columns": True, "format_rows": True,
    "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True,
    "select_locked_cells": True, "select_unlocked_cells": True,
}
GUIDE_WIDTH = 86  # fits A4 portrait between 0.6 in margins as LibreOffice prints it (#10, 20)
# Widest 民主测评 (in character units) still fitted to one landscape page width (≥ ~60 %).
BALLOT_FIT_WIDTH = 240


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def branch_label(branch: str | None) -> str:
    """`_meta` branch value and file stem: the branch name, or 党总支."""
    return branch if branch is not None else C.GENERAL_BRANCH


def file_name(branch: str | None) -> str:
    """`<支部名>.xlsx`, with characters Windows forbids in file names replaced."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", branch_label(branch)).strip(" .") + ".xlsx"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits_inline(items: Sequence[str]) -> bool:
    """An inline list Excel accepts: ≤ 255 characters with quotes, no comma or quote inside."""
    if any("," in s or '"' in s for s in items):
        return False
    return _utf16_len('"' + ",".join(items) + '"') <= INLINE_LIST_LIMIT


def _unique(items: Sequence[str]) -> list[str]:
    return [s for s in dict.fromkeys(items) if s]


@dataclass
class TemplateBook:
    """One workbook being built: the campaign, the members shown, formats, _meta lists."""

    wb: Workbook
    campaign: Campaign
    branch: str | None
    members: list[Member]
    fmt: dict[str, Format] = field(default_factory=dict)
    meta_lists: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def general(self) -> bool:
        return self.branch is None

    @property
    def label(self) -> str:
        return branch_label(self.branch)

    @property
    def title_prefix(self) -> str:
        return self.campaign.organisation if self.general else self.label

    @cached_property
    def lists(self) -> dict[str, list[str]]:
        """The closed value lists of this workbook, by Column.choices key."""
        c = self.campaign
        composite = [m.role for m in self.members if len(m.roles) > 1]
        return {
            "groups": _unique([m.group for m in self.members]),
            "roles": _unique([*C.ROLES, *composite]),
            "member_kinds": list(C.MEMBER_KINDS),
            "yes_no": [C.YES, C.NO],
            "attendance": [C.PRESENT, C.ABSENT],
            "talk_forms": list(C.TALK_FORMS),
            "problem_categories": _unique([*c.branch_problem_categories, *c.member_aspects]),
            "problem_sources": list(C.PROBLEM_SOURCES),
            "grading_values": _unique([*c.grades, c.not_graded, c.pending]),
            "grades": list(c.grades),
            "dispositions": list(c.dispositions),
            "progress": list(C.PROGRESS),
            "meeting_types": list(c.meeting_types),
        }

    def committee_roles(self) -> list[str]:
        return list(C.GENERAL_COMMITTEE_ROLES if self.general else C.BRANCH_COMMITTEE_ROLES)

    def add_meta_list(self, name: str, items: list[str]) -> str:
        """Keep `items` for a _meta column and return the defined name that will point there."""
        if name not in dict(self.meta_lists):
            self.meta_lists.append((name, items))
        return name


# ---------------------------------------------------------------- formats

def template_formats(wb: Workbook) -> dict[str, Format]:
    base = {"font_name": style.FONT, "font_size": 10, "valign": "vcenter"}
    unlocked = {**base, "locked": False}
    kinds: dict[str, dict[str, Any]] = {
        "text": {"text_wrap": True},
        "name": {},
        "choice": {},
        "id": {"num_format": "@"},
        "date": {"num_format": "yyyy/m/d", "align": "center"},
        "int": {"num_format": "0", "align": "center"},
    }
    fmt: dict[str, Format] = {}
    for kind, extra in kinds.items():
        fmt[f"col_{kind}"] = wb.add_format({**unlocked, **extra})
        fmt[f"cell_{kind}"] = wb.add_format({**unlocked, **extra, "border": 1})
    fmt["cell_muted"] = wb.add_format({**unlocked, "border": 1, "font_color": "#7F7F7F"})
    fmt["free"] = wb.add_format(unlocked)
    fmt["title"] = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
    fmt["header"] = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                                   "text_wrap": True, "align": "center"})
    fmt["row_border"] = wb.add_format({"border": 1})
    fmt["g_title"] = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
    fmt["g_sub"] = wb.add_format({**base, "align": "center", "font_size": 11})
    fmt["g_head"] = wb.add_format({**base, "bold": True, "font_size": 12, "bg_color": "#D9E1F2"})
    fmt["g_text"] = wb.add_format({**base, "text_wrap": True, "valign": "top", "font_size": 10.5})
    fmt["g_example"] = wb.add_format({**base, "text_wrap": True, "valign": "top",
                                      "font_size": 10.5, "font_color": "#1F4E79", "italic": True})
    fmt["meta"] = wb.add_format({"num_format": "@"})
    return fmt


def _kind(col: C.Column) -> str:
    return "id" if col.header in ID_HEADERS else col.kind


