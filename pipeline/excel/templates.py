"""Branch workbooks (SPEC §4, §8 `templates`): pre-filled names, dropdowns, hints, print setup.

Layout every reader relies on: row 1 = merged title, row 2 = the contract headers, data from
row 3. The hidden `_meta` sheet holds key/value rows (A/B) and the helper lists (D onward).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import contract as C
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.excel import style
from pipeline.people import Member, Roster, evaluated_in_order

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
GUIDE_WIDTH = 98
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
class _Book:
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

def _formats(wb: Workbook) -> dict[str, Format]:
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


# ---------------------------------------------------------------- data sheets

def _width(col: C.Column, values: Sequence[Any]) -> float:
    """At least the contract width; Chinese counts two; room for the dropdown arrow.

    Short headers fit on one line, long ones on two (the header row wraps)."""
    head = style.display_width(col.header)
    need = max([head + 2 if head <= 16 else math.ceil(head / 2) + 3]
               + [style.display_width(v) + 3 for v in values])
    return float(min(max(col.width, need), style.MAX_WIDTH))


def _header_height(columns: Sequence[C.Column], widths: Sequence[float]) -> float:
    lines = max(math.ceil(style.display_width(c.header) / max(w - 1, 1))
                for c, w in zip(columns, widths))
    return 15.0 * max(lines, 1) + 4


def _validate(book: _Book, ws: Worksheet, col: C.Column, c: int, last_row: int) -> None:
    """The dropdown or input message of one column, rows 3..last_row."""
    opts: dict[str, Any] = {"input_title": col.header[:16]}
    if col.prompt:
        opts["input_message"] = col.prompt
    key = col.choices
    if key in NAME_SOURCES:
        opts.update(validate="list", source="=" + NAME_SOURCES[key], error_type="warning",
                    error_title="不在名单中",
                    error_message="该项不在本表名单中（名册姓名或规定的职务），确定要这样填吗？")
    elif key is not None:
        items = book.lists[key]
        if not items:
            opts["validate"] = "any"
        else:
            opts.update(validate="list", error_type="stop", error_title="请从下拉列表中选择",
                        error_message="应为：" + "/".join(items)[:240])
            if fits_inline(items):
                opts["source"] = items
            else:
                opts["source"] = "=" + book.add_meta_list(LIST_NAMES[key], items)
    elif col.kind == "date":
        year = book.campaign.year
        opts.update(validate="date", criteria="between", minimum=dt.date(year - 1, 1, 1),
                    maximum=dt.date(year + 2, 12, 31), error_type="stop",
                    error_title="日期格式不对",
                    error_message=f"请填写日期，如 {year}/3/15（年/月/日）")
    elif col.kind == "int":
        opts.update(validate="integer", criteria=">=", value=0, error_type="stop",
                    error_title="应为人数", error_message="请填写不小于 0 的整数")
    else:
        opts["validate"] = "any"
    if opts["validate"] == "any" and not col.prompt:
        return
    ws.data_validation(FIRST_DATA_ROW, c, last_row, c, opts)


def _data_sheet(book: _Book, spec: C.SheetSpec, columns: Sequence[C.Column],
                rows: Sequence[Sequence[Any]], n_rows: int, freeze_col: int = 0) -> Worksheet:
    """Title, headers, pre-filled rows, column formats, validations, protection, printing."""
    wb, fmt = book.wb, book.fmt
    ws = wb.add_worksheet(spec.name)
    n = len(columns)
    last_row = FIRST_DATA_ROW + max(n_rows, len(rows)) - 1
    widths = [_width(col, [r[i] for r in rows if i < len(r)]) for i, col in enumerate(columns)]
    for i, (col, w) in enumerate(zip(columns, widths)):
        ws.set_column(i, i, w, fmt[f"col_{_kind(col)}"])
    # Columns right of the table stay editable (extra columns are kept, SPEC §4).
    ws.set_column(n, LAST_FREE_COL, None, fmt["free"])

    title = f"{book.title_prefix} {spec.title}"
    if n > 1:
        ws.merge_range(0, 0, 0, n - 1, title, fmt["title"])
    else:
        ws.write_string(0, 0, title, fmt["title"])
    ws.set_row(0, 26)
    for i, col in enumerate(columns):
        ws.write_string(HEADER_ROW, i, col.header, fmt["header"])
    ws.set_row(HEADER_ROW, _header_height(columns, widths))

    for r, values in enumerate(rows, start=FIRST_DATA_ROW):
        for i, col in enumerate(columns):
            value = values[i] if i < len(values) else None
            cell_fmt = fmt[f"cell_{_kind(col)}"]
            if value == book.campaign.not_graded:
                cell_fmt = fmt["cell_muted"]
            if _kind(col) == "id" and value is not None:
                ws.write_string(r, i, str(value), cell_fmt)
            else:
                style.write_cell(ws, r, i, value, cell_fmt)

    for i, col in enumerate(columns):
        _validate(book, ws, col, i, last_row)
    # A row gets borders as soon as something is typed in it.
    end = xl_col_to_name(n - 1)
    ws.conditional_format(FIRST_DATA_ROW, 0, last_row, n - 1, {
        "type": "formula", "criteria": f"=COUNTA($A{FIRST_DATA_ROW + 1}:${end}"
                                       f"{FIRST_DATA_ROW + 1})>0",
        "format": fmt["row_border"]})
    ws.autofilter(HEADER_ROW, 0, last_row, n - 1)
    ws.protect("", PROTECTION)
    # No print area (n_cols=0): a fixed range would cut off the rows branches add later.
    style.print_setup(ws, HEADER_ROW, 0)
    if freeze_col:
        ws.freeze_panes(FIRST_DATA_ROW, freeze_col)
    return ws


def _roster_rows(members: Sequence[Member]) -> list[list[Any]]:
    yes_no = {True: C.YES, False: C.NO}
    return [[m.name, m.group or None, m.role or None, m.kind, yes_no[m.leading_cadre],
             yes_no[m.attended_dlm], C.PRESENT, None, None] for m in members]


def _grading_rows(book: _Book) -> list[list[Any]]:
    evaluated = evaluated_in_order(book.members)
    shown = {id(m) for m in evaluated}
    others = [m for m in book.members if id(m) not in shown]
    return ([[m.name, None, None, None, None] for m in evaluated]
            + [[m.name, book.campaign.not_graded, None, None, None] for m in others])


def _ballot_sheet(book: _Book) -> Worksheet:
    """票号, then one column per evaluated member (支部书记 first) with grade dropdowns."""
    spec = C.BALLOTS_SHEET
    evaluated = evaluated_in_order(book.members)
    vote = "/".join(book.campaign.grades)
    columns = [*spec.columns,
               *(C.Column(m.name, max(9, style.display_width(m.name) + 3), "choice", "grades",
                          f"对 {m.name} 的测评：{vote}；弃权留空") for m in evaluated)]
    ws = _data_sheet(book, spec, columns, [], C.BALLOT_ROWS, freeze_col=1)
    if sum(c.width for c in columns) > BALLOT_FIT_WIDTH:
        # Many members: fitting to one page width would print unreadably small, so print at
        # full size across pages with the 票号 column repeated.
        ws.set_print_scale(100)
        ws.repeat_columns(0)
    return ws


def _data_sheets(book: _Book) -> None:
    for spec in C.DATA_SHEETS:
        if book.general and not spec.general:
            continue
        if spec is C.ROSTER_SHEET:
            _data_sheet(book, spec, spec.columns, _roster_rows(book.members),
                        C.DATA_ROWS, freeze_col=1)
        elif spec is C.BALLOTS_SHEET:
            _ballot_sheet(book)
        elif spec is C.GRADING_SHEET:
            _data_sheet(book, spec, spec.columns, _grading_rows(book), C.DATA_ROWS, freeze_col=1)
        else:
            _data_sheet(book, spec, spec.columns, [], C.DATA_ROWS)


# ---------------------------------------------------------------- 填表说明

def _deadline_lines(campaign: Campaign) -> list[str]:
    lines = []
    for i, (key, label) in enumerate(DEADLINE_LABELS.items(), start=1):
        d = campaign.deadlines[key]
        when = f"{cn_date(d)}（当日）" if key in DAY_OF else f"{cn_date(d)}前"
        lines.append(f"{i}. {label}：{when}")
    return lines


def _sheet_guides(book: _Book) -> list[tuple[str, str, str]]:
    """(sheet, how to fill, example line) for every data sheet of this workbook."""
    c, dl, y = book.campaign, book.campaign.deadlines, book.campaign.year
    if book.general:
        roster = ("已由党总支预填总支委员，姓名请勿改动。总支委员在各自所在支部参加民主评议，"
                  "测评和评定等次在所在支部的表格中填写。")
        roster_example = "例：张三 | 第一党小组 | 总支委员 | 正式党员 | 否 | 否 | 出席 |  | "
        talks = "总支委员之间必须两两谈到（方向不限），提倡党员之间相互谈。"
        meetings = (f"总支委员会（{cn_date(dl['committee_meetings'])}前，在各支委会之后）；"
                    "党总支组织的集中学习、党员大会也在此登记。")
        secretary, meeting = C.GENERAL_SECRETARY, "总支委员会"
    else:
        roster = ("已由党总支预填本支部党员，姓名请勿改动（同名以 王伟(2) 区分）。党员大会后核对"
                  "“民主评议出席”：未出席的改为 缺席，填写缺席原因；补课后填写补课日期。"
                  "党员领导干部已参加年度民主生活会的，不作为测评对象。")
        roster_example = f"例：张三 | 第一党小组 |  | 正式党员 | 否 | 否 | 缺席 | 外出培训 | {y}/4/7"
        talks = "支委之间必须两两谈到（方向不限），每名党员至少与一名支委谈过，提倡党员之间相互谈。"
        meetings = (f"集中学习（{cn_date(dl['study'])}）、支委会（先于总支委员会，"
                    f"{cn_date(dl['committee_meetings'])}前）、两次党小组会、"
                    f"党员大会（{cn_date(dl['member_meeting'])}）。")
        secretary, meeting = C.BRANCH_SECRETARY, "支委会"
    guides = [
        (C.ROSTER, roster, roster_example),
        (C.TALKS, (f"每次谈话填一行，谈话人、谈话对象从下拉列表选择。{talks}"
                  f"谈话在 {cn_date(dl['talks'])}前完成。"),
         f"例：张三 | 李四 | {y}/3/15 | 当面谈 | 交流思想，听取对班子工作的意见"),
        (C.PROBLEMS, ("每个问题填一行，编号自定且不重复（如 Q1、Q2）。对象选 班子 的，类别选工作方案的"
                     f"五类之一（{'、'.join(c.branch_problem_categories)}）；对象为党员本人的，类别选 "
                     f"{'、'.join(c.member_aspects)}。问题描述要具体。{cn_date(dl['problems'])}前列出。"),
         "例：Q1 | 班子 | 组织生活制度落实（三会一课） | 党课次数不足，学习讨论不够深入 | 征求意见"),
        (C.BALLOTS, ("一张收回的测评表录入一行（无记名，见下文“民主测评”）。第一列填票号，其后每列是"
                    f"一名测评对象，从下拉列表选 {'、'.join(c.grades)}；不选（留空）即为弃权。"),
         "例：001 | 合格 | 优秀 | （空，弃权） | 合格"),
        (C.GRADING, ("已预填本支部全体党员。测评对象选择评定等次；基本合格、不合格须写明评定理由，"
                    "不合格须选处置措施；向本人反馈后填写反馈日期。"
                    f"{cn_date(dl['grading'])}前完成。"),
         f"例：张三 | 合格 |  |  | {y}/4/12"),
        (C.RECTIFY, ("每项整改填一行，做到“四明确”（见下文）。对象为 班子 或党员本人（党员的整改承诺），"
                    "对应问题编号填问题清单中的编号；责任人从下拉列表选姓名或职务；完成时限填具体日期。"
                    f"{cn_date(dl['rectification'])}前列出。"),
         (f"例：Z1 | Q1 | 班子 | 落实“三会一课” | 每季度讲一次党课并记录 | {secretary} | "
         f"{y}/6/30 | 推进中")),
        (C.MEETINGS, f"每次会议填一行：{meetings}实到人数不大于应到人数。",
         f"例：{meeting} | {y}/3/28 | 7 | 7"),
    ]
    return [g for g in guides if not book.general or C.SHEETS[g[0]].general]


def _guide_blocks(book: _Book) -> list[tuple[str, str]]:
    """The 填表说明 text as (format key, paragraph) blocks."""
    c = book.campaign
    grades = "、".join(c.grades)
    blocks: list[tuple[str, str]] = [
        ("g_title", f"{c.organisation}{c.year}年专题组织生活会和民主评议党员"),
        ("g_sub", f"报送表格填表说明 —— {book.label}"),
        ("g_head", "一、基本情况"),
        ("g_text", (f"组织：{c.organisation}　　填表单位：{book.label}　　年度：{c.year}年\n"
                   f"主题：{c.theme}\n标准：“{c.standard}”合格党员标准\n"
                   f"上级党组织：{c.upper_body}（备案）")),
        ("g_head", "二、步骤和时间节点"),
        ("g_text", "\n".join(_deadline_lines(c))),
        ("g_head", "三、各工作表的填写方法"),
        ("g_text", ("第 1 行是标题，第 2 行是表头，从第 3 行起填写，一行一条。请用下拉列表选择，"
                   "日期写成 2017/3/15 的形式；表头和工作表名称请勿改动，可在表格右侧加备注列。"
                   "把鼠标移到单元格上可看到填写提示。")),
    ]
    for sheet, how, example in _sheet_guides(book):
        blocks += [("g_text", f"【{sheet}】{how}"), ("g_example", example)]
    if not book.general:
        blocks += [
            ("g_head", "四、民主测评（无记名）"),
            ("g_text",
             "1. 测评表不写投票人姓名，本表也不录入任何投票人信息。\n"
             "2. 票号由录入人按收回的测评表逐张编号（如 001、002），有票号的一行就是一张票；"
             "票号不能重复。\n"
             "3. 整张空白的测评表也要录入，只填票号（计为空白票）；某一列留空即对该党员弃权。\n"
             "4. 测评对象只列在表头中的党员（支部书记在前）：预备党员参加投票但不作为测评对象，"
             "已参加年度民主生活会的党员领导干部不作为测评对象。缺席的测评对象，其列应为空。\n"
             f"5. 手工计票的支部，可不逐票录入，而是新增一个名为“{C.TALLY}”的工作表，表头为 "
             + "、".join((*C.TALLY_SHEET.headers, C.TALLY_ISSUED, C.TALLY_RETURNED))
             + f"，每名测评对象一行；每人各等次票数与弃权之和等于{C.TALLY_RETURNED}，"
             f"{C.TALLY_RETURNED}不大于{C.TALLY_ISSUED}。"),
            ("g_head", "五、组织评定规则"),
            ("g_text",
             f"1. 等次为 {grades}。测评结果只作参考，由支部结合评议情况和日常表现综合评定（不唯票数）。\n"
             f"2. 预备党员、已参加年度民主生活会的党员领导干部：{c.not_graded}（已预填）。\n"
             f"3. 未参加民主评议的党员：{c.pending}，列出名单报上级党组织备案并适时补课。\n"
             f"4. {c.excellent_cap.describe()}。\n"
             "5. 评为基本合格、不合格的须写明评定理由；评为不合格的须按中组发〔2014〕21号选择处置措施（"
             + "、".join(c.dispositions) + "）。评定等次与测评结果明显不一致的，请写明理由。"),
        ]
    n = 4 if book.general else 6
    numerals = "一二三四五六七八九十"
    blocks += [
        ("g_head", f"{numerals[n - 1]}、整改清单“四明确”"),
        ("g_text", "整改事项明确、措施明确、责任明确、时限明确：四项都要填写。"
                   + ("总支班子及其委员分别列出整改清单。" if book.general else
                      "支部班子及其委员分别列出整改清单，每名测评对象都要作出整改承诺"
                      "（对象为本人的一行）。")
                   + "整改内容与年度工作计划、重点任务结合，措施具体、可操作、可检验。"),
        ("g_head", f"{numerals[n]}、报送"),
        ("g_text",
         (f"填好后将本文件发送至{c.contact}。各表在对应时间节点完成后即可报送，全部内容最迟于 "
         f"{cn_date(c.deadlines['rectification'])}前报送。可以多次报送：以最新报送的文件为准，"
         "逐个工作表替换之前报送的内容。文件可以改名，但请勿删除或改名工作表、改动表头，"
         "请保留隐藏的 _meta 工作表（用于识别本文件）。")),
    ]
    return blocks


def _guide_height(text: str, size: float) -> float:
    chars = GUIDE_WIDTH - 2
    lines = sum(max(1, math.ceil(style.display_width(line) / chars)) for line in text.split("\n"))
    return lines * (size * 1.45) + 4


def _guide_sheet(book: _Book) -> None:
    ws = book.wb.add_worksheet(C.GUIDE)
    ws.set_column(0, 0, GUIDE_WIDTH)
    sizes = {"g_title": 16.0, "g_sub": 11.0, "g_head": 12.0}
    for r, (key, text) in enumerate(_guide_blocks(book)):
        ws.write_string(r, 0, text, book.fmt[key])
        size = sizes.get(key, 10.5)
        ws.set_row(r, max(_guide_height(text, size), size * 1.8))
    ws.protect("", PROTECTION)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.set_footer(style.FOOTER)
    ws.hide_gridlines(2)


# ---------------------------------------------------------------- _meta

def meta_values(campaign: Campaign, branch: str | None) -> dict[str, str]:
    """The key/value rows of `_meta` (contract.META_KEYS)."""
    values = {
        "template": C.TEMPLATE_ID,
        "version": C.TEMPLATE_VERSION,
        "branch": branch_label(branch),
        "campaign": campaign.campaign_id,
        "organisation": campaign.organisation,
        "year": str(campaign.year),
    }
    return {k: values[k] for k in C.META_KEYS}


def _name_lists(book: _Book) -> None:
    """Defined names for the name dropdowns (SPEC: a name, never an inline list)."""
    names = [m.name for m in book.members]
    last = FIRST_DATA_ROW + max(len(names), 1)
    book.wb.define_name(NAMES, f"={quote_sheetname(C.ROSTER)}!$A$3:$A${last}")
    book.add_meta_list(OBJECTS, [C.TEAM, *names])
    book.add_meta_list(OWNERS, [*book.committee_roles(), *names])


def _meta_sheet(book: _Book) -> None:
    ws = book.wb.add_worksheet(C.META)
    for r, (key, value) in enumerate(meta_values(book.campaign, book.branch).items()):
        ws.write_string(r, 0, key, book.fmt["meta"])
        ws.write_string(r, 1, value, book.fmt["meta"])
    sheet = quote_sheetname(C.META)
    for i, (name, items) in enumerate(book.meta_lists):
        c = META_LIST_COL + i
        ws.write_string(0, c, name, book.fmt["meta"])
        for r, item in enumerate(items, start=1):
            ws.write_string(r, c, item, book.fmt["meta"])
        first = xl_rowcol_to_cell(1, c, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(max(len(items), 1), c, row_abs=True, col_abs=True)
        book.wb.define_name(name, f"={sheet}!{first}:{last}")
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 40)
    ws.protect("", PROTECTION)
    ws.hide()


# ---------------------------------------------------------------- entry points

def _members(roster: Roster, branch: str | None) -> list[Member]:
    if branch is None:
        return roster.general_committee()
    if branch not in roster.branches:
        raise KeyError(f"名册中没有支部 {branch}")
    return roster.of_branch(branch)


def build_workbook(campaign: Campaign, roster: Roster, branch: str | None) -> bytes:
    """One template in memory: a branch's (branch name) or the 党总支's own (None)."""
    out = io.BytesIO()
    label = branch_label(branch)
    with style.strict_warnings():  # a bad validation or name fails instead of being dropped
        wb = style.new_workbook(out, campaign.created,
                                f"{campaign.year}年专题组织生活会报送表格（{label}）",
                                campaign.organisation)
        book = _Book(wb, campaign, branch, _members(roster, branch))
        book.fmt = _formats(wb)
        _name_lists(book)
        _guide_sheet(book)
        _data_sheets(book)
        _meta_sheet(book)
        wb.close()
    return out.getvalue()


def write_templates(campaign: Campaign, roster: Roster, out_dir: Path) -> list[Path]:
    """`<支部名>.xlsx` for every branch (roster order), then 党总支.xlsx; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for branch in [*roster.branches, None]:
        path = out_dir / file_name(branch)
        path.write_bytes(build_workbook(campaign, roster, branch))
        paths.append(path)
    return paths
