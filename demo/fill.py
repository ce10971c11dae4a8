"""Fill branch workbooks the way branches do, and make plausible campaigns to fill them with.

Used by the demo inbox (demo/) and the district-scale benchmark:

    template = build_workbook(campaign, roster, branch)           # pipeline.write.templates
    scenario = make_scenario(campaign, roster, branch, random.Random(f"{seed}/{branch}"))
    data = fill_workbook(template, scenario)                       # bytes of the filled .xlsx

An earlier, partial send of the same campaign (a branch e-mails its workbook in stages):

    early = as_sent(scenario, dt.datetime(2017, 3, 20, 8, 0))       # what had happened by then
    data = fill_workbook(template, early, sheets=(C.TALKS,))       # only 谈心谈话 filled in

Filling locates every header by its text (any column order, below any title rows), writes
dates as real date cells and text as text, and saves with fixed zip times and the scenario's
own saved time in docProps/core.xml, so the same inputs always give the same bytes.
"""


from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from demo.records import DATE_FORMAT, NOTE, ZIP_TIME, FillError, Scenario
from pipeline import contract as C
from pipeline.normalize import clean_name, is_blank
from pipeline.read.table import HEADER_SCAN_ROWS, header_key


def fill_workbook(template: bytes, scenario: Scenario,
                  column_order: Mapping[str, Sequence[str]] | None = None, *,
                  sheets: Collection[str] | None = None) -> bytes:
    """Template bytes + scenario → filled workbook bytes (deterministic).

    `column_order` maps a sheet to the header order a branch rearranged it into (headers not
    in the template, e.g. 备注, are added as new columns). `sheets` names the contract sheets
    to fill (党员名册 = the attendance at the 民主评议); the others stay as the template has
    them, as in an earlier send of a branch that fills its workbook in stages. None: all."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    for sheet, order in (column_order or {}).items():
        reorder_columns(_sheet(wb, sheet), order)

    def wanted(sheet: str) -> bool:
        return sheets is None or sheet in sheets

    if not scenario.general and wanted(C.ROSTER):
        _fill_attendance(_sheet(wb, C.ROSTER), scenario)
    if wanted(C.TALKS):
        _append(_sheet(wb, C.TALKS), ({
            "谈话人": t.talker, "谈话对象": t.talkee, "日期": t.date, "形式": t.form,
            "主要内容": t.content, NOTE: t.note or None} for t in scenario.talks))
    if wanted(C.PROBLEMS):
        _append(_sheet(wb, C.PROBLEMS), ({
            "编号": p.code, "对象": p.target, "类别": p.category, "问题描述": p.description,
            "来源": p.source} for p in scenario.problems))
    if not scenario.general and wanted(C.BALLOTS):
        _fill_ballots(_sheet(wb, C.BALLOTS), scenario)
    if not scenario.general and wanted(C.GRADING):
        _fill_grading(_sheet(wb, C.GRADING), scenario)
    if wanted(C.RECTIFY):
        _append(_sheet(wb, C.RECTIFY), ({
            "编号": r.code, "对应问题编号": r.problem, "对象": r.target, "整改事项": r.item,
            "整改措施": r.measure, "责任人": r.owner, "完成时限": r.deadline,
            "完成情况": r.progress} for r in scenario.rectifications))
    if wanted(C.MEETINGS):
        _append(_sheet(wb, C.MEETINGS), ({
            "类型": m.kind, "日期": m.date, "应到": m.expected, "实到": m.present}
            for m in scenario.meetings))
    wb.properties.modified = scenario.saved
    wb.properties.lastModifiedBy = scenario.author or scenario.branch
    return save_bytes(wb)


def _sheet(wb: Workbook, name: str) -> Worksheet:
    if name not in wb.sheetnames:
        raise FillError(f"模板中没有工作表“{name}”")
    return wb[name]


def find_header(ws: Worksheet, required: Sequence[str] = ()) -> tuple[int, dict[str, int]]:
    """(header row, header text → column) of a contract sheet: the top row holding the most
    required headers (all non-blank header cells are returned, by their folded text)."""
    required = required or C.SHEETS[ws.title].headers
    wanted = {header_key(h) for h in required}
    best, best_hits, best_map = 0, -1, {}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, HEADER_SCAN_ROWS)):
        found = {header_key(c.value): c.column for c in row if not is_blank(c.value)}
        hits = len(wanted & found.keys())
        if hits > best_hits:
            best, best_hits, best_map = row[0].row, hits, found
        if hits == len(wanted):
            break
    missing = wanted - best_map.keys()
    if missing:
        raise FillError(f"工作表“{ws.title}”缺少列：{'、'.join(sorted(missing))}")
    return best, best_map


class _Writer:
    """Typed cell writes that look like what Excel stores when someone types the value."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        # Column formats, which Excel applies to newly typed cells (openpyxl does not).
        self.styles = [(dim.min or 0, dim.max or 0, dim._style)
                       for dim in ws.column_dimensions.values() if dim.style_id]

    def put(self, row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            return
        cell: Cell = self.ws.cell(row=row, column=col)
        if not cell.has_style:
            for low, high, style in self.styles:
                if low <= col <= high:
                    cell._style = copy.copy(style)
                    break
        if isinstance(value, dt.date):
            cell.value = value
            if cell.number_format in ("General", "@"):
                cell.number_format = DATE_FORMAT
        elif isinstance(value, int) and not isinstance(value, bool):
            cell.value = str(value) if cell.number_format == "@" else value
        else:
            cell.value = str(value)
            cell.data_type = "s"  # never a formula, whatever the text starts with


def _last_data_row(ws: Worksheet, header_row: int, cols: Iterable[int]) -> int:
    last = header_row
    wanted = sorted(set(cols))
    for row in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row,
                            min_col=wanted[0], max_col=wanted[-1]):
        if any(not is_blank(row[c - wanted[0]].value) for c in wanted):
            last = row[0].row
    return last


def _append(ws: Worksheet, records: Iterable[Mapping[str, Any]]) -> None:
    header_row, columns = find_header(ws)
    w = _Writer(ws)
    row = _last_data_row(ws, header_row, columns.values())
    for rec in records:
        row += 1
        for key, value in rec.items():
            col = columns.get(header_key(key))
            if col is None:
                if value is None or key == NOTE:
                    continue
                raise FillError(f"工作表“{ws.title}”缺少列“{key}”")
            w.put(row, col, value)


def _named_rows(ws: Worksheet, header_row: int, col: int) -> dict[str, int]:
    rows: dict[str, int] = {}
    for (cell,) in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row, min_col=col,
                                max_col=col):
        name = clean_name(cell.value)
        if name and name not in rows:
            rows[name] = cell.row
    return rows


def _fill_attendance(ws: Worksheet, s: Scenario) -> None:
    header_row, columns = find_header(ws)
    w = _Writer(ws)
    for name, row in _named_rows(ws, header_row, columns["姓名"]).items():
        absent = s.absences.get(name)
        w.put(row, columns["民主评议出席"], C.ABSENT if absent else C.PRESENT)
        if absent:
            w.put(row, columns["缺席原因"], absent.reason)
            w.put(row, columns[header_key("补课日期")], absent.makeup)


def _fill_ballots(ws: Worksheet, s: Scenario) -> None:
    header_row, columns = find_header(ws)
    missing = [n for n in s.ballot_names if header_key(n) not in columns]
    if missing:
        raise FillError(f"民主测评表缺少测评对象列：{'、'.join(missing)}")
    w = _Writer(ws)
    cols = [columns[header_key(n)] for n in s.ballot_names]
    row = _last_data_row(ws, header_row, columns.values())
    for number, ballot in enumerate(s.ballots, start=1):
        row += 1
        w.put(row, columns["票号"], f"{number:03d}")  # as the 填表说明 shows: 001, 002, …
        for col, vote in zip(cols, ballot):
            w.put(row, col, vote)


def _fill_grading(ws: Worksheet, s: Scenario) -> None:
    header_row, columns = find_header(ws)
    w = _Writer(ws)
    rows = _named_rows(ws, header_row, columns["姓名"])
    last = _last_data_row(ws, header_row, columns.values())
    for g in s.gradings:
        row = rows.get(g.name)
        if row is None:  # a member the template did not list: the branch adds a row
            last += 1
            row = last
            w.put(row, columns["姓名"], g.name)
        for key, value in (("评定等次", g.grade), ("评定理由", g.reason),
                           ("处置措施", g.disposition), ("反馈日期", g.feedback)):
            w.put(row, columns[key], value)


# --- rearranging columns, as a branch does with cut and paste -----------------------------------


def reorder_columns(ws: Worksheet, order: Sequence[str]) -> None:
    """Put the table's columns in `order` (header texts); listed headers the sheet lacks become
    new empty columns, unlisted ones follow in their old order. Cells from the header row down,
    column widths and data validations move with their column; title rows stay."""
    header_row, columns = find_header(ws)
    by_key = {header_key(h): h for h in order}
    old = sorted(columns.values())
    first = old[0]
    keys = [header_key(h) for h in order]
    new_keys = keys + [k for k, c in sorted(columns.items(), key=lambda kv: kv[1])
                       if k not in keys]
    perm = {columns[k]: first + i for i, k in enumerate(new_keys) if k in columns}
    added = {first + i: by_key[k] for i, k in enumerate(new_keys) if k not in columns}
    width = max(old) + len(added) + 1
    _split_dimensions(ws, width)
    header_style = ws.cell(row=header_row, column=old[0])._style

    moved = {key: ws._cells.pop(key) for key in list(ws._cells)
             if key[1] in perm and key[0] >= header_row}
    for (r, c), cell in moved.items():
        cell.column = perm[c]
        ws._cells[(r, perm[c])] = cell
    dims = {c: ws.column_dimensions[get_column_letter(c)] for c in perm}
    for c, dim in dims.items():
        letter = get_column_letter(perm[c])
        new = copy.copy(dim)
        new.index, new.min, new.max = letter, perm[c], perm[c]
        ws.column_dimensions[letter] = new
    for c, header in added.items():
        cell = ws.cell(row=header_row, column=c, value=header)
        cell._style = copy.copy(header_style)
        letter = get_column_letter(c)
        dim = copy.copy(ws.column_dimensions[letter]) if letter in ws.column_dimensions else \
            ColumnDimension(ws, index=letter)
        dim.index, dim.min, dim.max, dim.width = letter, c, c, 16
        ws.column_dimensions[letter] = dim
    for dv in ws.data_validations.dataValidation:
        dv.sqref = _move_ranges(dv.sqref, perm, header_row)
    ws.protection.sheet = False  # moving columns means unprotecting the sheet first
    rules = ws.conditional_formatting._cf_rules  # keyed by range: rebuild after the move
    items = list(rules.items())
    rules.clear()
    for cf, cf_rules in items:
        cf.sqref = _move_ranges(cf.sqref, perm, header_row)
        rules[cf] = cf_rules


def _split_dimensions(ws: Worksheet, upto: int) -> None:
    """One ColumnDimension per column (openpyxl groups equal neighbours into min..max)."""
    for key, dim in list(ws.column_dimensions.items()):
        if dim.min and dim.max and dim.max > dim.min and dim.min <= upto:
            del ws.column_dimensions[key]
            for c in range(dim.min, min(dim.max, upto) + 1):
                letter = get_column_letter(c)
                single = copy.copy(dim)
                single.index, single.min, single.max = letter, c, c
                ws.column_dimensions[letter] = single
            if dim.max > upto:  # the rest of a wide range (e.g. up to XFD) stays one range
                rest = copy.copy(dim)
                rest.index, rest.min = get_column_letter(upto + 1), upto + 1
                ws.column_dimensions[rest.index] = rest


def _move_ranges(sqref: MultiCellRange, perm: Mapping[int, int], header_row: int) -> MultiCellRange:
    """Ranges after the column permutation; neighbouring columns are joined again."""
    kept: list[CellRange] = []
    cols: dict[tuple[int, int], set[int]] = {}
    for rng in sqref.ranges:
        if rng.max_row < header_row:
            kept.append(rng)
            continue
        rows = (rng.min_row, rng.max_row)
        cols.setdefault(rows, set()).update(perm.get(c, c) for c in range(rng.min_col,
                                                                           rng.max_col + 1))
    for (low, high), found in cols.items():
        run: list[int] = []
        for c in [*sorted(found), 0]:
            if run and c != run[-1] + 1:
                kept.append(CellRange(min_col=run[0], max_col=run[-1], min_row=low,
                                      max_row=high))
                run = []
            run.append(c)
    return MultiCellRange(kept)


# --- saving -------------------------------------------------------------------------------------


class _StableZip(zipfile.ZipFile):
    """A ZipFile whose entries carry a fixed time, so the same workbook gives the same bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(str(zinfo_or_arcname), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        with open(filename, "rb") as fh:
            self.writestr(arcname or filename, fh.read())


def save_bytes(wb: Workbook) -> bytes:
    """Save an openpyxl workbook without the wall clock: wb.properties.modified is kept as set
    (openpyxl's own save overwrites it with now) and zip entries get a fixed time."""
    buf = io.BytesIO()
    archive = _StableZip(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return buf.getvalue()

