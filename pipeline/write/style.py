"""Shared XlsxWriter setup: safe options, Chinese-aware widths, headers, freeze, print setup."""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
# Input text is never a formula or a link; dates have one format everywhere.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy/m/d",
    "remove_timezone": True,
}
MAX_WIDTH = 60
FOOTER = "&C第 &P 页 共 &N 页"
EXCEL_CELL_LIMIT = 32767


def display_width(value: Any) -> int:
    """Columns a value needs: East-Asian wide characters count two (autofit under-sizes them)."""
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    text = str(value)
    longest = 0
    for line in text.splitlines() or [""]:
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, w)
    return longest


def fit_widths(headers: Iterable[Any], rows: Iterable[Iterable[Any]], minimum: int = 6,
               maximum: int = MAX_WIDTH) -> list[float]:
    """Column widths (in Excel character units) that fit header and data, within bounds."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, v in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], display_width(v))
            else:
                widths.append(display_width(v))
    return [min(max(w + 2, minimum), maximum) for w in widths]


def new_workbook(target: Any, created: dt.datetime, title: str, author: str,
                 constant_memory: bool = False, tmpdir: str | None = None) -> Workbook:
    """A workbook with safe options and fixed document properties (same inputs, same bytes).

    Built in memory by default. constant_memory: each row goes to a temporary file (in
    `tmpdir`) as soon as a later row is written — about a third of the memory, some 15–20 %
    slower; every sheet must then be written strictly row by row, top to bottom (a cell
    written above the current row is lost)."""
    mode = {"constant_memory": True, "tmpdir": tmpdir} if constant_memory else {"in_memory": True}
    wb = Workbook(target, {**WORKBOOK_OPTIONS, **mode})
    wb.set_properties({"title": title, "author": author, "company": author, "created": created})
    wb.set_calc_mode("auto")
    return wb


class Formats:
    """The handful of cell formats every workbook of ours uses."""

    def __init__(self, wb: Workbook):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                                     "text_wrap": True, "align": "center"})
        self.text = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.plain = wb.add_format({**base})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.number = wb.add_format({**base, "border": 1, "align": "center"})
        self.percent = wb.add_format({**base, "border": 1, "num_format": "0.0%"})
        self.date = wb.add_format({**base, "border": 1, "num_format": "yyyy/m/d",
                                   "align": "center"})
        self.error = wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True})
        self.warning = wb.add_format({**base, "border": 1, "font_color": "#9C5700"})
        self.ok = wb.add_format({**base, "border": 1, "font_color": "#006100"})
        self.bold = wb.add_format({**base, "bold": True})


def print_setup(ws: Worksheet, header_row: int, n_cols: int, landscape: bool = True) -> None:
    """A4, landscape, fit to page width, header rows repeated, page N of M in the footer.

    `header_row` is the 0-based row of the column headers; rows 0..header_row repeat."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, header_row)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer(FOOTER)
    ws.freeze_panes(header_row + 1, 0)
    if n_cols:
        ws.print_area(0, 0, max(header_row, ws.dim_rowmax or 0), n_cols - 1)


def write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Explicitly typed write: text is always a string cell, never a formula or URL."""
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.datetime, dt.date)):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


@contextmanager
def strict_warnings() -> Iterator[None]:
    """XlsxWriter only warns about a bad validation or defined name and drops it: make it fail."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
