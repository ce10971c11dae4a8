"""The filing workbook (备案, SPEC §7) and the validation report workbook, with XlsxWriter.

Every cell is written with an explicit type (text never becomes a formula or a link), text
over Excel's 32,767-character cell limit is split over continuation rows and marked, the
document time is fixed and rows keep the frames' order: the same inputs give the same bytes.
The file is built in memory (a very large filing: in XlsxWriter's constant_memory mode, so every
sheet is written row by row, top to bottom) and moved into place atomically.

Speed (XlsxWriter costs some 5–10 µs per cell written): blank cells of the sparse 谈话矩阵 are
not written (a conditional format draws its grid), frames are read with one to_numpy, formats
are chosen per column, and widths and row heights measure only the texts that can matter.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from io import BytesIO
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.aggregate import (
    FAILED,
    MISSING,
    OVERDUE,
    PASSED,
    RECEIVED_LATE,
    TOTAL,
    Filing,
    day,
    issue_frame,
    local_time,
)
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.excel.style import (
    EXCEL_CELL_LIMIT,
    FONT,
    Formats,
    display_width,
    new_workbook,
    print_setup,
    write_cell,
)
from pipeline.issues import RULES
from pipeline.model import Report

SHEET_NAMES = ("汇总", "民主评议结果", "问题清单", "整改清单", "整改覆盖", "谈心谈话", "谈话矩阵",
               "补课名单", "报送情况", "校验问题", "说明", "行数核对")
REPORT_SHEETS = ("校验问题", "行数核对", "说明")

CONTINUED = "（超长，续下行）"
CONTINUATION = "（续上行）"
# Columns that hold prose: wide and wrapped; other text columns stay narrower.
WIDE = {"问题描述", "整改事项", "整改措施", "提示", "说明", "评定理由", "含义", "值",
        "未与委员谈话的党员", "缺少的必谈（双方）", "未作整改承诺的党员", "尚无整改的问题编号",
        "其他列", "备注", "发现值", "应为"}
NARROW_MAX = 16
HEADER_TEXT_MAX = 10  # a longer header of a text column wraps
WIDE_MAX = 40
PERCENT_SUFFIXES = ("占比", "覆盖率")
NOTES_CAPS = {0: 16, 1: 24, 2: 72, 3: 30, 6: 30}  # 说明: the value/SHA-256 column is wide


# --- long text -----------------------------------------------------------------------------

def _units(ch: str) -> int:
    """Excel counts UTF-16 code units: characters beyond the BMP take two."""
    return 2 if ord(ch) > 0xFFFF else 1


def split_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> list[str]:
    """Pieces of `value` that each fit one cell with their marks; one piece when it fits.

    Every piece but the last ends with （超长，续下行）; every piece but the first starts
    with （续上行）, so nothing is cut silently."""
    if len(value) <= limit // 2 or sum(_units(ch) for ch in value) <= limit:
        return [value]
    room = limit - len(CONTINUED) - len(CONTINUATION)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in value:
        u = _units(ch)
        if used + u > room:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += u
    pieces.append("".join(current))
    return [(CONTINUATION if i else "") + p + (CONTINUED if i < len(pieces) - 1 else "")
            for i, p in enumerate(pieces)]


def expand_row(values: Sequence[Any], keys: Sequence[int]) -> list[list[Any]]:
    """One frame row → one or more sheet rows: over-long text continues on the rows below,
    the key columns (支部, 姓名 …) repeated so filters keep the pieces together."""
    split = [split_text(v) if isinstance(v, str) else [v] for v in values]
    height = max((len(s) for s in split), default=1)
    if height == 1:
        return [list(values)]
    rows = []
    for r in range(height):
        row: list[Any] = []
        for c, pieces in enumerate(split):
            if r == 0:
                row.append(pieces[0])
            elif len(pieces) > 1:
                row.append(pieces[r] if r < len(pieces) else None)
            else:
                row.append(values[c] if c in keys else None)
        rows.append(row)
    return rows


# --- cell values and formats ---------------------------------------------------------------

def plain(value: Any) -> Any:
    """pandas/numpy scalars → Python values write_cell understands; NA → None."""
    if value is None or type(value) in (str, int):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


# Types plain() returns unchanged (a float only when it is not NaN).
_PLAIN_TYPES = frozenset({str, int, bool, dt.date, dt.datetime})


def plain_rows(frame: pd.DataFrame) -> list[list[Any]]:
    """The frame's rows as lists of plain values (plain() on each cell), without pandas'
    per-row iteration: one to_numpy, then only cells that are not plain already are touched."""
    rows: list[list[Any]] = frame.to_numpy(dtype=object).tolist()
    fast = _PLAIN_TYPES
    for row in rows:
        for c, v in enumerate(row):
            if v is None or type(v) in fast:
                continue
            if type(v) is float:
                if v != v:
                    row[c] = None
            else:
                row[c] = plain(v)
    return rows


class Styles:
    """Formats of the filing: the shared ones plus totals, banners and section headings."""

    def __init__(self, wb: Workbook):
        self.f = Formats(wb)
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1}
        self.text = wb.add_format({**base, "text_wrap": True})
        self.datetime = wb.add_format({**base, "num_format": "yyyy/m/d hh:mm", "align": "center"})
        bold = {**base, "bold": True, "bg_color": "#F2F2F2"}
        self.total = {
            "text": wb.add_format({**bold, "text_wrap": True}),
            "number": wb.add_format({**bold, "align": "center"}),
            "percent": wb.add_format({**bold, "num_format": "0.0%"}),
        }
        banner = {"font_name": FONT, "bold": True, "font_size": 13, "align": "center",
                  "valign": "vcenter", "border": 1}
        self.banner_fail = wb.add_format({**banner, "font_color": "#FFFFFF",
                                          "bg_color": "#C00000"})
        self.banner_ok = wb.add_format({**banner, "font_color": "#006100", "bg_color": "#C6EFCE"})
        # stacked vertical text (rotation 270): a name per column stays narrow
        self.vertical = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2",
                                       "rotation": 270, "align": "center", "valign": "top"})
        self.section = wb.add_format({"font_name": FONT, "font_size": 11, "bold": True,
                                      "valign": "vcenter"})
        self.note = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959",
                                   "valign": "vcenter"})
        # the grid of a sparse table (谈话矩阵): drawn by a conditional format, not by blank cells
        self.grid = wb.add_format({"border": 1})
        f = self.f
        self.specials: dict[str, Format] = {
            FAILED: f.error, "错误": f.error, OVERDUE: f.error,
            "警告": f.warning, MISSING: f.warning, RECEIVED_LATE: f.warning,
            PASSED: f.ok}

    def special(self, value: str) -> Format | None:
        """Status words shown in colour (未通过校验, 错误, 逾期未报送 …)."""
        return self.specials.get(value)

    def column(self, kind: str, total: bool = False) -> Format:
        if total:
            return self.total.get(kind, self.total["text"])
        return {"percent": self.f.percent, "number": self.f.number,
                "date": self.f.date}.get(kind, self.text)


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format, st: Styles) -> None:
    """Typed write, fast path first: text is always a string cell (never a formula or URL)."""
    kind = type(value)
    if kind is str:
        ws.write_string(row, col, value, st.special(value) or fmt)
    elif value is None:
        ws.write_blank(row, col, None, fmt)
    elif kind is int or kind is float:
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime):
        write_cell(ws, row, col, value, st.datetime if fmt is not st.total["text"] else fmt)
    elif isinstance(value, dt.date):
        write_cell(ws, row, col, value, st.f.date if fmt is st.text else fmt)
    else:
        write_cell(ws, row, col, value, fmt)


def column_kind(name: str, values: Sequence[Any]) -> str:
    """percent / number / date / text, from the header and the values."""
    if name.endswith(PERCENT_SUFFIXES):
        return "percent"
    present = [v for v in values if v is not None and not isinstance(v, str)]
    strings = [v for v in values if isinstance(v, str)]
    if present and not strings:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            return "number"
        if all(isinstance(v, dt.date) for v in present):
            return "date"
    return "text"


def text_width(value: str) -> int:
    """A fast estimate of style.display_width for long text: the widest line, characters from
    U+0800 on (CJK, full-width punctuation) counting two — from the UTF-8 length, in C."""
    lines = value.splitlines()
    if len(lines) > 1:
        return max(text_width(line) for line in lines)
    if value.isascii():
        return len(value)
    return len(value) + (len(value.encode("utf-8", "surrogatepass")) - len(value)) // 2


def _cell_width(kind: str, value: Any, cap: int = 10**9) -> int:
    """Columns a value needs (at most about `cap`: longer text wraps anyway)."""
    if value is None:
        return 0
    if kind == "percent":
        return 6
    if isinstance(value, str):
        if len(value) >= cap and "\n" not in value:
            return len(value)  # every character is at least one column
        width = text_width(value)
        # Latin letters print wider than the '0' Excel's width unit is based on.
        return math.ceil(width * 1.1) if value.isascii() else width
    if isinstance(value, dt.datetime):
        return 16
    return display_width(value)


def _bound(value: str) -> int:
    """An upper bound of _cell_width for a text, from its length alone (a character is at
    most two columns, 2.5 beyond the BMP; ASCII at most 1.1 rounded up)."""
    return len(value) * 5 // 2 + 1


def data_width(kind: str, values: Sequence[Any], cap: int = 10**9) -> int:
    """max(_cell_width(kind, v, cap) for v in values), or `cap` as soon as the maximum
    reaches it (callers clip at `cap`): only the longest texts are measured."""
    if kind == "number":
        return max((len(str(v)) for v in values if v is not None), default=0)
    if kind == "percent":
        return 6 if any(v is not None for v in values) else 0
    best = 0
    texts: list[str] = []
    for v in values:
        if isinstance(v, str):
            texts.append(v)
        elif type(v) is int:  # _cell_width of a whole number: its digits
            best = max(best, len(str(v)))
        elif v is not None:
            best = max(best, _cell_width(kind, v, cap))
    if best >= cap:
        return best
    texts.sort(key=len, reverse=True)
    for v in texts:
        if _bound(v) <= best:
            break  # the rest are shorter still
        best = max(best, _cell_width(kind, v, cap))
        if best >= cap:
            break
    return best


def transpose(rows: Sequence[Sequence[Any]], n: int) -> list[Sequence[Any]]:
    """Rows → columns (n of them, also when there are no rows)."""
    if not rows:
        return [() for _ in range(n)]
    return list(zip_longest(*rows)) if len({len(r) for r in rows}) > 1 else list(zip(*rows))


def column_widths(headers: Sequence[str], kinds: Sequence[str],
                  rows: Sequence[Sequence[Any]],
                  columns: Sequence[Sequence[Any]] | None = None) -> list[float]:
    """Widths that fit header and data, East-Asian characters counted as two (style.py);
    prose columns wrap at WIDE_MAX, other text at NARROW_MAX; a header of a short column
    may wrap over two (text) or three (numbers) lines instead of widening it.
    `columns` (transpose(rows)) saves the transposition when the caller has it."""
    if columns is None:
        columns = transpose(rows, len(headers))
    widths: list[float] = []
    for header, kind, values in zip(headers, kinds, columns):
        head = display_width(header)
        limit = WIDE_MAX if header in WIDE else NARROW_MAX
        if kind == "text":
            data = data_width(kind, values, limit)
            want = max(min(data, limit), min(head, HEADER_TEXT_MAX))
        else:
            data = data_width(kind, values)
            want = max(data, math.ceil(head / 3), 4)
        widths.append(max(want + 2, 6))
    return widths


LINE_HEIGHT = 13.0  # points per line of 10 pt 宋体
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def can_wrap(value: Any, width: float) -> bool:
    """A text that may need more than one line: too long for the column, or several lines."""
    return isinstance(value, str) and (len(value) * 2 > width - 2 or "\n" in value)


def text_lines(value: Any, width: float) -> int:
    """Lines a wrapped text needs in a column `width` wide (CJK counted as two)."""
    if not can_wrap(value, width):
        return 1
    room = max(width - 2, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in value.split("\n"))


def _height(lines: int) -> float | None:
    return min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT) if lines > 1 else None


def row_height(values: Sequence[Any], widths: Sequence[float]) -> float | None:
    """Explicit height for a row with wrapped text (neither LibreOffice nor Excel reliably
    grows rows written by XlsxWriter); None when one line fits."""
    return _height(max((text_lines(v, w) for v, w in zip(values, widths)), default=1))


def row_heights(columns: Sequence[Sequence[Any]], widths: Sequence[float]) -> dict[int, float]:
    """Row index → explicit height, for the rows where some text wraps (row_height of each
    row); only texts that can wrap are measured, every other row keeps the default height."""
    lines: dict[int, int] = {}
    for values, width in zip(columns, widths):
        limit = (width - 2) / 2
        for i, v in enumerate(values):
            if type(v) is str and (len(v) > limit or "\n" in v):
                n = text_lines(v, width)
                if n > lines.get(i, 1):
                    lines[i] = n
    return {i: h for i, n in lines.items() if (h := _height(n)) is not None}


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    return row_height(headers, widths) or LINE_HEIGHT + 5


# --- one table per sheet -------------------------------------------------------------------

@dataclass
class SheetPlan:
    """A table sheet: title row, optional banner, header (with notes), rows, total row."""

    name: str
    frame: pd.DataFrame
    keys: tuple[str, ...] = ()  # repeated on continuation rows
    notes: dict[str, str] = field(default_factory=dict)  # header comments
    banner: tuple[str, bool] | None = None  # (text, passed)
    total_label: str | None = None  # first-column value of a total row
    freeze_columns: int = 0
    subtitle: str = ""


def expand_rows(source: list[list[Any]], keys: Sequence[int],
                columns: Sequence[Sequence[Any]]) -> tuple[list[list[Any]], list[int]]:
    """expand_row over every row: (sheet rows, index of the frame row each came from). Only
    rows holding a text too long for one cell are looked at (columns: transpose(source))."""
    half = EXCEL_CELL_LIMIT // 2  # split_text keeps shorter texts whole
    long = {i for values in columns for i, v in enumerate(values)
            if isinstance(v, str) and len(v) > half}
    if not long:
        return source, list(range(len(source)))
    rows: list[list[Any]] = []
    origin: list[int] = []
    for i, rec in enumerate(source):
        pieces = expand_row(rec, keys) if i in long else [rec]
        rows += pieces
        origin += [i] * len(pieces)
    return rows, origin


def write_rows(ws: Worksheet, st: Styles, first: int, rows: Sequence[Sequence[Any]],
               fmts: Sequence[Sequence[Format]]) -> None:
    """write_value on every cell, the common types inlined (a string → write_string, never
    a formula; None → a blank cell in the column's format). `fmts[i]`: row i's formats."""
    string, blank, number = ws.write_string, ws.write_blank, ws.write_number
    specials = st.specials
    for r, (values, formats) in enumerate(zip(rows, fmts), start=first):
        for c, v in enumerate(values):
            kind = type(v)
            if kind is str:
                string(r, c, v, specials.get(v) or formats[c])
            elif v is None:
                blank(r, c, None, formats[c])
            elif kind is int or kind is float:
                number(r, c, v, formats[c])
            else:
                write_value(ws, r, c, v, formats[c], st)


def write_table(wb: Workbook, st: Styles, title: str, plan: SheetPlan, author: str) -> Worksheet:
    ws = wb.add_worksheet(plan.name)
    headers = [str(c) for c in plan.frame.columns]
    n = max(len(headers), 1)
    source = plain_rows(plan.frame)
    columns = transpose(source, len(headers))
    kinds = [column_kind(h, values) for h, values in zip(headers, columns)]
    keys = [c for c, h in enumerate(headers) if h in plan.keys]
    rows, origin = expand_rows(source, keys, columns)
    if len(rows) != len(source):
        columns = transpose(rows, len(headers))
    widths = column_widths(headers, kinds, rows, columns)
    _fit_title(widths, title)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    _title(ws, st, title, n)
    header_row = 1
    if plan.subtitle:
        _merged(ws, header_row, n, plan.subtitle, st.note)
        header_row += 1
    if plan.banner is not None:
        text, passed = plan.banner
        _merged(ws, header_row, n, text, st.banner_ok if passed else st.banner_fail)
        ws.set_row(header_row, 24)
        header_row += 1
    for c, h in enumerate(headers):
        ws.write_string(header_row, c, h, st.f.header)
        if h in plan.notes:
            ws.write_comment(header_row, c, plan.notes[h],
                             {"author": author, "x_scale": 2.4, "y_scale": 1.6,
                              "font_name": FONT})
    ws.set_row(header_row, header_height(headers, widths))
    first = header_row + 1
    # only text columns can wrap, and only their long (or multi-line) texts need measuring
    text_columns = [c for c, k in enumerate(kinds) if k == "text"]
    heights = row_heights([columns[c] for c in text_columns], [widths[c] for c in text_columns])
    plain_fmt = [st.column(k) for k in kinds]
    total_fmt = [st.column(k, total=True) for k in kinds]
    label = plan.total_label
    totals = {i for i, rec in enumerate(source) if label is not None and rec and rec[0] == label}
    fmts = [total_fmt if i in totals else plain_fmt for i in origin] if totals else \
        [plain_fmt] * len(rows)
    for i in sorted(heights):  # rows in order (constant_memory needs that)
        ws.set_row(first + i, heights[i])
    write_rows(ws, st, first, rows, fmts)
    ws.autofilter(header_row, 0, max(first + len(rows) - 1, header_row), n - 1)
    print_setup(ws, header_row, n)
    if plan.freeze_columns:
        ws.freeze_panes(header_row + 1, plan.freeze_columns)
    return ws


def _merged(ws: Worksheet, row: int, n: int, value: str, fmt: Format) -> None:
    """A text row across n columns; the text goes in with write_string (never a formula)."""
    if n > 1:
        ws.merge_range(row, 0, row, n - 1, "", fmt)
    ws.write_string(row, 0, value, fmt)


def _title(ws: Worksheet, st: Styles, title: str, n: int) -> None:
    _merged(ws, 0, n, title, st.f.title)
    ws.set_row(0, 24)


def _fit_title(widths: list[float], title: str) -> None:
    """The merged title row must hold the title (14 pt ≈ 1.4 columns per character)."""
    need = display_width(title) * 1.4 + 2
    have = sum(widths)
    if widths and have < need:
        extra = (need - have) / len(widths)
        widths[:] = [w + extra for w in widths]


# --- 谈话矩阵 and 说明: several small tables on one sheet ----------------------------------

@dataclass
class Section:
    heading: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    vertical_from: int | None = None  # headers from this column on are set vertically (names)
    # sparse: blank cells are not written; one conditional format draws the grid instead
    # (a 谈话矩阵 is mostly blank: 20k rows × 60 columns at district scale)
    sparse: bool = False


def _plain_list(row: Sequence[Any]) -> list[Any]:
    fast = _PLAIN_TYPES
    return [v if v is None or type(v) in fast else plain(v) for v in row]


def write_sections(wb: Workbook, st: Styles, title: str, name: str, sections: Sequence[Section],
                   caps: dict[int, int] | None = None) -> Worksheet:
    """Stacked tables (no filter: one per sheet is all Excel allows), widths fit over all."""
    ws = wb.add_worksheet(name)
    caps = caps or {}
    n = max((len(s.headers) for s in sections), default=1)
    width = [0] * n
    tables: list[tuple[list[list[Any]], list[Sequence[Any]]]] = []
    for s in sections:
        for c, h in enumerate(s.headers):
            if s.vertical_from is None or c < s.vertical_from:
                width[c] = max(width[c], display_width(h))
        rows = [_plain_list(row) for row in s.rows]
        columns = transpose(rows, len(s.headers))
        for c, values in enumerate(columns):
            width[c] = max(width[c], data_width("text", values, caps.get(c, NARROW_MAX)))
        expanded, _ = expand_rows(rows, [0], columns)
        if len(expanded) != len(rows):
            columns = transpose(expanded, len(s.headers))
        tables.append((expanded, columns))
    widths: list[float] = [max(min(w, caps.get(c, NARROW_MAX)) + 2, 4) for c, w in enumerate(width)]
    _fit_title(widths, title)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    _title(ws, st, title, n)
    string, blank, number = ws.write_string, ws.write_blank, ws.write_number
    specials, text, figure = st.specials, st.text, st.f.number
    r = 2
    for s, (rows, columns) in zip(sections, tables):
        ws.write_string(r, 0, s.heading, st.section)
        r += 1
        if s.note:
            ws.write_string(r, 0, s.note, st.note)
            r += 1
        for c, h in enumerate(s.headers):
            upright = s.vertical_from is not None and c >= s.vertical_from
            ws.write_string(r, c, h, st.vertical if upright else st.f.header)
        height = header_height(s.headers[:s.vertical_from], widths)
        if s.vertical_from is not None:
            tallest = max((len(h) for h in s.headers[s.vertical_from:]), default=1)
            height = max(height, LINE_HEIGHT * tallest + 4)
        ws.set_row(r, min(height, MAX_ROW_HEIGHT))
        r += 1
        heights = row_heights(columns, widths)
        first = r
        for i, row in enumerate(rows):
            if i in heights:
                ws.set_row(r, heights[i])
            for c, v in enumerate(row):
                kind = type(v)
                if kind is str:
                    string(r, c, v, specials.get(v) or text)
                elif v is None:
                    if not s.sparse:
                        blank(r, c, None, text)
                elif kind is int or kind is float:
                    number(r, c, v, figure)
                else:
                    write_value(ws, r, c, v, text, st)
            r += 1
        if s.sparse and rows and s.headers:
            ws.conditional_format(first, 0, r - 1, len(s.headers) - 1,
                                  {"type": "formula", "criteria": "TRUE", "format": st.grid})
        r += 1
    print_setup(ws, 0, n)
    return ws


def matrix_sections(filing: Filing) -> list[Section]:
    sections = []
    for branch, m in filing.talk_matrices:
        rows = plain_rows(m)
        sections.append(Section(f"{branch}（{len(rows)} 人）", [str(c) for c in m.columns], rows,
                                "行为谈话人，列为谈话对象，数字为谈话次数（空白为没有谈话记录）",
                                vertical_from=2, sparse=True))
    return sections


def notes_sections(campaign: Campaign, report: Report, legend: pd.DataFrame | None,
                   filing: Filing | None) -> list[Section]:
    """说明: the campaign config, the column legend, the rule texts and the input files."""
    g = campaign.grades
    flags = campaign.vote_flags
    config: list[list[Any]] = [
        ["活动", "组织", campaign.organisation],
        ["活动", "上级党组织", campaign.upper_body],
        ["活动", "年度", str(campaign.year)],
        ["活动", "主题", campaign.theme],
        ["活动", "标准", campaign.standard],
    ]
    if campaign.plan_date:
        config.append(["活动", "工作方案印发日期", day(campaign.plan_date)])
    for key, label in DEADLINE_LABELS.items():
        config.append(["时间节点", label, day(campaign.deadlines[key])])
    config += [
        ["等次", "评定等次", "、".join(g)],
        ["等次", "不评定等次", f"{campaign.not_graded}（预备党员、已参加年度民主生活会的党员领导干部）"],
        ["等次", "待补课", f"{campaign.pending}（缺席民主评议且尚无补课日期）"],
        ["等次", "认可的其他写法",
         "；".join(f"{k} → {v}" for k, v in sorted(campaign.grade_aliases.items())) or "无"],
        ["分组", "每个支部党小组数", str(campaign.groups_per_branch)],
        ["R-A1", "优秀上限", campaign.excellent_cap.describe()],
        ["R-A2", "票数比例提示",
         (f"启用（依据 {flags.reference}）：“{g[-1]}”票占有效票 ≥ {flags.unqualified_share:.0%}，"
          f"或“{g[2]}”及以下 ≥ {flags.basic_or_worse_share:.0%} 时提示需组织研判")
         if flags.enabled else "未启用"],
        ["分类", "班子问题类别", "、".join(campaign.branch_problem_categories)],
        ["分类", "党员问题方面", "、".join(campaign.member_aspects)],
        ["分类", "不合格党员处置措施", "、".join(campaign.dispositions)],
        ["分类", "会议类型", "、".join(campaign.meeting_types)],
    ]
    if campaign.source is not None:
        config.append(["配置", "配置文件", campaign.source.name])
    sections = [Section("一、活动配置", ["类别", "项目", "值"], config)]
    if filing is not None:
        sections.append(Section(
            "二、计票与评定口径", ["类别", "项目", "说明"],
            [["口径", "不唯票数", "票数只作组织评定的参考；任何阈值只提示“需组织研判”，不决定等次"],
             ["口径", "一张票", "民主测评表中有票号的一行为一张票；不保存、不输出投票人身份（R-B6）"],
             ["口径", "空白票", "整张空白的票，计入收回票数，对每名测评对象计为弃权（R-B4）"],
             ["口径", "未采用的行", "因错误未能采用的行不计入备案，只在“校验问题”中列出（处理列注明）"],
             ["口径", "状态", f"仍有错误时汇总标为“{FAILED}”，全部错误改正后为“{PASSED}”"]]))
    if legend is not None and not legend.empty:
        sections.append(Section("三、列说明", ["工作表", "列", "含义"],
                                [list(r) for r in legend.itertuples(index=False, name=None)]))
    sections.append(Section("四、校验规则", ["规则", "类别", "说明"],
                            [[r.id, _family(r.id), r.title] for r in RULES.values()]))
    files = sorted(report.files, key=lambda f: (f.name, f.sha256))
    sections.append(Section(
        "五、输入文件（采用的和被替代的）", ["状态", "支部", "SHA-256", "文件", "保存时间（北京时间）",
                                 "大小（字节）",
                                 "备注"],
        [[f.status or None, f.branch or None, f.sha256, f.name, local_time(f.saved), f.size,
          f.note or None]
         for f in files]))
    return sections


_FAMILIES = {"P": "人员", "T": "谈话", "Q": "问题", "B": "测评", "G": "评定", "R": "整改",
             "M": "会议", "F": "文件", "A": "汇总"}


def _family(rule: str) -> str:
    return _FAMILIES.get(rule[2:3], "")


def counts_frame(report: Report) -> pd.DataFrame:
    """行数核对: every data row read is used, only in the report, or superseded (SPEC §5)."""
    columns = ["文件", "工作表", "支部", "读入行数", "计入备案", "仅在校验问题", "被替代", "核对"]
    counts = sorted(report.counts, key=lambda c: (c.file, c.sheet, c.branch))
    rows: list[list[Any]] = [[c.file, c.sheet, c.branch or None, c.read, c.used, c.reported,
                              c.superseded, "一致" if c.balanced else "不一致"] for c in counts]
    ok = all(c.balanced for c in counts)
    rows.append([TOTAL, None, None, sum(c.read for c in counts), sum(c.used for c in counts),
                 sum(c.reported for c in counts), sum(c.superseded for c in counts),
                 "一致" if ok else "不一致"])
    return pd.DataFrame(rows, columns=columns, dtype=object)


# --- the workbooks -------------------------------------------------------------------------

def banner(filing: Filing) -> tuple[str, bool]:
    if filing.passed:
        return (f"校验结果：{PASSED}（警告 {filing.warnings} 条，见“校验问题”）", True)
    return (f"校验结果：{FAILED} —— 仍有错误 {filing.errors} 条、警告 {filing.warnings} 条，"
            f"改正前本备案不完整，详见“校验问题”", False)


def _notes(legend: pd.DataFrame, sheet: str) -> dict[str, str]:
    return {str(r["列"]): str(r["含义"]) for r in legend.to_dict("records") if r["工作表"] == sheet}


def build_filing(wb: Workbook, filing: Filing, report: Report, campaign: Campaign) -> None:
    st = Styles(wb)
    author = campaign.organisation
    t = filing.title
    legend = filing.legend
    plans = {
        "汇总": SheetPlan("汇总", filing.summary, ("支部",), _notes(legend, "汇总"),
                        banner=banner(filing), total_label=TOTAL, freeze_columns=1),
        "民主评议结果": SheetPlan("民主评议结果", filing.results, ("支部", "姓名"),
                            _notes(legend, "民主评议结果"), freeze_columns=2,
                            subtitle="票数栏：各等次分别计数（优秀不计入合格）；弃权票含空白票；"
                                     "不评定等次、待补课的党员票数栏为空；票数不决定等次（不唯票数）"),
        "问题清单": SheetPlan("问题清单", filing.problems, ("支部", "编号")),
        "整改清单": SheetPlan("整改清单", filing.rectifications, ("支部", "编号")),
        "整改覆盖": SheetPlan("整改覆盖", filing.coverage, ("支部",), _notes(legend, "整改覆盖")),
        "谈心谈话": SheetPlan("谈心谈话", filing.talks, ("支部",), _notes(legend, "谈心谈话")),
        "补课名单": SheetPlan("补课名单", filing.makeups, ("支部", "姓名")),
        "报送情况": SheetPlan("报送情况", filing.stages, ("支部", "阶段")),
        "校验问题": SheetPlan("校验问题", filing.issues,
                          ("级别", "规则", "支部", "文件", "工作表", "单元格")),
        "行数核对": SheetPlan("行数核对", counts_frame(report), ("文件", "工作表"),
                          total_label=TOTAL),
    }
    for name in SHEET_NAMES:
        title = f"{t} {name}"
        if name == "谈话矩阵":
            write_sections(wb, st, title, name, matrix_sections(filing))
        elif name == "说明":
            write_sections(wb, st, title, name,
                           notes_sections(campaign, report, legend, filing), NOTES_CAPS)
        else:
            write_table(wb, st, title, plans[name], author)


def build_report(wb: Workbook, report: Report, campaign: Campaign, branch_order: Sequence[str]
                 ) -> None:
    st = Styles(wb)
    t = f"{campaign.organisation} {campaign.year}年专题组织生活会 校验报告"
    errors, warnings = len(report.errors), len(report.warnings)
    state = (f"校验结果：{PASSED}（警告 {warnings} 条）", True) if not errors else \
        (f"校验结果：{FAILED} —— 错误 {errors} 条、警告 {warnings} 条", False)
    write_table(wb, st, f"{t} 校验问题",
                SheetPlan("校验问题", issue_frame(report.issues, branch_order),
                          ("级别", "规则", "支部", "文件", "工作表", "单元格"), banner=state),
                campaign.organisation)
    write_table(wb, st, f"{t} 行数核对",
                SheetPlan("行数核对", counts_frame(report), ("文件", "工作表"), total_label=TOTAL),
                campaign.organisation)
    write_sections(wb, st, f"{t} 说明", "说明", notes_sections(campaign, report, None, None),
                   NOTES_CAPS)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a workbook is built: XlsxWriter allocates a
    tracked object per cell and no cycles worth collecting, and every collection would walk
    the whole heap (the validated inputs, the frames) again — measured −15–20 % write time
    at 400 branches, the same peak memory. The previous state is restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Above this many cells (about 600 branches) the filing is written in constant_memory mode:
# measured at 800 branches (1.9 M cells), peak RSS 1.10 → 0.70 GiB for +18 % write time.
CONSTANT_MEMORY_CELLS = 1_500_000


def filing_cells(filing: Filing) -> int:
    """About how many cells the filing workbook holds (a 谈话矩阵 row: ~4 written cells)."""
    frames = (filing.summary, filing.results, filing.problems, filing.rectifications,
              filing.coverage, filing.talks, filing.missing_pairs, filing.makeups,
              filing.stages, filing.flags, filing.issues)
    return sum(f.size for f in frames) + sum(4 * len(m) for _, m in filing.talk_matrices)


def atomic_write(path: Path, build: Callable[[Workbook], None], campaign: Campaign,
                 title: str, constant_memory: bool = False) -> None:
    """Build the workbook in memory, write a temp file beside `path`, fsync, os.replace:
    an interrupted run leaves the old file (or none), never half a file.
    constant_memory: rows go through XlsxWriter's temporary files (in a temporary folder
    removed afterwards, also when the build fails) instead of staying in memory."""
    path = Path(path)
    buffer = BytesIO()
    scratch = (tempfile.TemporaryDirectory(prefix="orglife-xlsx-", ignore_cleanup_errors=True)
               if constant_memory else nullcontext(None))
    with scratch as tmpdir, gc_paused():
        wb = new_workbook(buffer, campaign.created, title, campaign.organisation,
                          constant_memory=constant_memory, tmpdir=tmpdir)
        build(wb)
        wb.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(buffer.getbuffer())
            out.flush()
            os.fsync(out.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_filing(filing: Filing, report: Report, campaign: Campaign, path: Path,
                 constant_memory: bool | None = None) -> None:
    """Write the consolidated filing workbook (备案) to `path` (SPEC §7). constant_memory:
    None chooses by size (CONSTANT_MEMORY_CELLS); the workbook is the same either way."""
    if constant_memory is None:
        constant_memory = filing_cells(filing) > CONSTANT_MEMORY_CELLS
    atomic_write(path, lambda wb: build_filing(wb, filing, report, campaign), campaign,
                 f"{filing.title} 备案", constant_memory)


def write_report(report: Report, campaign: Campaign, path: Path,
                 branch_order: Sequence[str] = ()) -> None:
    """Write the validation report workbook: 校验问题, 行数核对, 说明."""
    atomic_write(path, lambda wb: build_report(wb, report, campaign, branch_order), campaign,
                 f"{campaign.organisation} {campaign.year}年专题组织生活会 校验报告")
