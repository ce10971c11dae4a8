"""Put a branch's winning sheets (raw cell values, as the reader gave them) into a fresh
openpyxl copy of its own template, and remember where each source cell went.

Placement, so that the copy re-reads as the data it was built from:
- the template's title and header rows stay; the source's rows below its header go below the
  template's header at the same distance (blank rows included), so rows keep their numbers
  whenever the branch kept the template's layout;
- a source column goes to the template column of the same header; a column the template does
  not have (备注, a ballot column for someone not evaluated) keeps its own position when that is
  right of the template's columns and free, else the next free column; its header text is
  copied;
- a 民主测评 member column of the template that the source does not have loses its header
  (a headerless column is not data), so an unchanged copy carries exactly the source's columns;
- values right of the table without a header, and rows above the header, are not data and are
  not copied; a sheet without a template counterpart (计票), or whose headers the rules could
  not find (R-F3), is copied cell for cell;
- a plain number in a date column of a 1904-system workbook becomes its date (the copy is a
  1900-system workbook).
Text is written as text (never a formula), numbers and dates as themselves.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import contract as C
from pipeline.normalize import is_blank
from pipeline.read import RawSheet
from pipeline.read.table import DATE_HEADERS, Header, header_key, serial_1904, sheet_header

TEMPLATE_HEADER_ROW = 2  # 1-based, as pipeline/excel/templates.py lays every data sheet out
DATE_FORMAT = "yyyy/m/d"
DATETIME_FORMAT = "yyyy/m/d h:mm"
TIME_FORMAT = "h:mm"


@dataclass
class Placement:
    """Where one source sheet went in the copy: 1-based rows and columns."""

    sheet: str
    row_shift: int = 0  # copy row = source row + row_shift (data and header rows)
    columns: dict[int, int] = field(default_factory=dict)  # source column → copy column
    verbatim: bool = False  # copied cell for cell (no template sheet)
    header_row: int = TEMPLATE_HEADER_ROW  # the copy's header row

    def cell(self, row: int, col: int) -> tuple[int, int] | None:
        """The copy's (row, col) of a source cell, None when that cell was not copied."""
        if self.verbatim:
            return row, col
        target = self.columns.get(col)
        if target is None or row + self.row_shift < 1:
            return None
        return row + self.row_shift, target


def put_sheets(wb: Workbook, sheets: Mapping[str, RawSheet]) -> dict[str, Placement]:
    """Write each winning sheet (contract name → raw sheet) into `wb`; returns the placements."""
    out: dict[str, Placement] = {}
    for name, raw in sheets.items():
        placed = _into_template(wb[name], name, raw) if name in wb.sheetnames else None
        out[name] = placed or _verbatim(wb, name, raw)
    return out


def _header(raw: RawSheet, name: str) -> Header | None:
    """The header the rules used (read.branches locates every sheet with the contract headers)."""
    found = sheet_header(raw, C.SHEETS[name].headers)
    return found if isinstance(found, Header) else None


def template_columns(ws: Worksheet) -> dict[str, int]:
    """Header key → 1-based column of the template's header row."""
    out: dict[str, int] = {}
    for cell in ws[TEMPLATE_HEADER_ROW]:
        if not is_blank(cell.value):
            out.setdefault(header_key(cell.value), cell.column)
    return out


def _into_template(ws: Worksheet, name: str, raw: RawSheet) -> Placement | None:
    header = _header(raw, name)
    if header is None:  # R-F3: copied cell for cell instead
        return None
    theirs = template_columns(ws)
    n_template = max(theirs.values(), default=0)
    columns: dict[int, int] = {}
    taken: set[int] = set()
    extras: list[tuple[int, Any]] = []
    for label, c in header.all_columns.items():
        if c in header.copies and label in header.extras:
            continue  # the sideways part of a merged header: blank below, not a column
        value = raw.rows[header.row][c]
        target = theirs.get(header_key(label)) or theirs.get(header_key(value))
        if target is not None and target not in taken:
            columns[c + 1] = target
            taken.add(target)
        else:
            extras.append((c + 1, value))
    free = n_template + 1
    for c, value in extras:  # own position when right of the template and free
        if c > n_template and c not in taken:
            target = c
        else:
            while free in taken:
                free += 1
            target = free
        columns[c] = target
        taken.add(target)
        _header_cell(ws, target, value, n_template)
    if name == C.BALLOTS:  # template member columns the branch does not have: no header
        for key, target in theirs.items():
            if target not in taken and key != header_key("票号"):
                ws.cell(row=TEMPLATE_HEADER_ROW, column=target).value = None
    shift = TEMPLATE_HEADER_ROW - (header.row + 1)
    _clear_data(ws)
    dates = {c for c, t in columns.items() if _is_date_column(ws, t)} if raw.date1904 else set()
    styles = _column_styles(ws)
    for r in range(header.row + 1, len(raw.rows)):
        row = raw.rows[r]
        for c, target in columns.items():
            if c - 1 < len(row):
                value = row[c - 1]
                if c in dates:
                    value = serial_1904(value)
                _put(ws, r + 1 + shift, target, value, styles)
    return Placement(name, shift, columns)


def _verbatim(wb: Workbook, name: str, raw: RawSheet) -> Placement:
    """Every cell where it was: a sheet the template lacks (计票, after 民主测评), or one whose
    headers the rules could not find (R-F3), which replaces the template's sheet so the branch
    sees, and sends back, what it sent (that sheet loses the template's dropdowns)."""
    if name in wb.sheetnames:
        anchor = wb.sheetnames.index(name)
        wb.remove(wb[name])
    elif C.BALLOTS in wb.sheetnames:
        anchor = wb.sheetnames.index(C.BALLOTS) + 1
    else:
        anchor = len(wb.sheetnames) - 1
    ws = wb.create_sheet(name, anchor)
    for r, row in enumerate(raw.rows, start=1):
        for c, value in enumerate(row, start=1):
            _put(ws, r, c, value, [])
    for (r0, c0), (r1, c1) in raw.merged:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    for c in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    return Placement(name, verbatim=True, header_row=0)


def _header_cell(ws: Worksheet, col: int, value: Any, n_template: int) -> None:
    cell = ws.cell(row=TEMPLATE_HEADER_ROW, column=col)
    cell.value = None if is_blank(value) else str(value)
    if n_template:
        cell._style = copy.copy(ws.cell(row=TEMPLATE_HEADER_ROW, column=n_template)._style)
    ws.column_dimensions[get_column_letter(col)].width = 14


def _clear_data(ws: Worksheet) -> None:
    """The template's pre-filled rows (names, 不评定等次) go: the branch's rows replace them."""
    for (r, _c), cell in list(ws._cells.items()):
        if r > TEMPLATE_HEADER_ROW and cell.value is not None:
            cell.value = None


def _is_date_column(ws: Worksheet, col: int) -> bool:
    return header_key(ws.cell(row=TEMPLATE_HEADER_ROW, column=col).value) in {
        header_key(h) for h in DATE_HEADERS}


def _column_styles(ws: Worksheet) -> list[tuple[int, int, Any]]:
    """Column formats, which Excel gives a newly typed cell (openpyxl does not)."""
    return [(d.min or 0, d.max or 0, d._style) for d in ws.column_dimensions.values()
            if d.style_id]


def _put(ws: Worksheet, row: int, col: int, value: Any,
         styles: list[tuple[int, int, Any]]) -> None:
    if value is None or (isinstance(value, str) and value == ""):
        return
    cell: Cell = ws.cell(row=row, column=col)
    if not cell.has_style:
        for low, high, style in styles:
            if low <= col <= high:
                cell._style = copy.copy(style)
                break
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT if value.time() != dt.time() else DATE_FORMAT
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, dt.time):
        cell.value = value
        cell.number_format = TIME_FORMAT
    else:  # numbers, booleans, durations as they were
        cell.value = value
        if isinstance(value, (int, float)) and cell.number_format == "@":
            cell.number_format = "General"  # a number stays a number, as the branch had it
