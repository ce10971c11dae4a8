"""Sheet writers: one table per sheet (title, banner, header notes, rows, totals) and
sheets of several small tables (谈话矩阵, 说明); typed writes, text never a formula."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.contract import FAILED, INCOMPLETE, MISSING, OVERDUE, PASSED, RECEIVED_LATE
from pipeline.write.layout import (
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    NARROW_MAX,
    PLAIN_TYPES,
    column_kind,
    column_widths,
    data_width,
    expand_row,
    header_height,
    plain,
    plain_rows,
    row_heights,
    transpose,
)
from pipeline.write.style import (
    EXCEL_CELL_LIMIT,
    FONT,
    Formats,
    display_width,
    print_setup,
    write_cell,
)


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
            INCOMPLETE: f.warning,
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
    # XlsxWriter's public writers only add an A1-notation check (a decorator) before calling
    # these: with (row, col) given, the undecorated ones are 1 s of 8 at 400 branches (measured).
    string = getattr(ws, "_write_string", ws.write_string)
    blank = getattr(ws, "_write_blank", ws.write_blank)
    number = getattr(ws, "_write_number", ws.write_number)
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
    fast = PLAIN_TYPES
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
    # XlsxWriter's public writers only add an A1-notation check (a decorator) before calling
    # these: with (row, col) given, the undecorated ones are 1 s of 8 at 400 branches (measured).
    string = getattr(ws, "_write_string", ws.write_string)
    blank = getattr(ws, "_write_blank", ws.write_blank)
    number = getattr(ws, "_write_number", ws.write_number)
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



