"""The first sheet of a return copy, 修改清单: a header block (branch, date, counts, what is
still missing or late) and one line per issue, errors first, each linked to its cell.

The sheet is a known auxiliary sheet (contract.RETURN_LIST): the inbox never reads it as data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import contract as C
from pipeline.issues import SEVERITY_LABEL
from pipeline.returns.markup import ERROR_FILL, WARNING_FILL, Located
from pipeline.returns.package import BranchReturn
from pipeline.write import style

HEADERS = ("级别", "规则", "工作表", "单元格", "发现值", "应为", "说明")
WIDTHS = (6, 7, 10, 8, 18, 24, 60)  # the last column wraps; A4 landscape fits ~140 units
WHOLE_SHEET = "（整表）"
FONT = style.FONT
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def header_lines(ret: BranchReturn, as_of: dt.date, due: dt.date) -> list[str]:
    """The header block's lines, below the title."""
    errors, warnings = len(ret.errors), len(ret.warnings)
    lines = [f"截至 {cn_date(as_of)}：错误 {errors} 处，警告 {warnings} 处"
             f"（{ret.state}）。请于 {cn_date(due)}前改正后将本文件原样发回。"]
    lines.append("逾期未报送：" + ("；".join(
        f"{g.stage}（截止 {cn_date(g.deadline)}）" for g in ret.overdue) or "无"))
    if ret.pending:
        lines.append("尚未报送（未到截止日期）：" + "；".join(
            f"{g.stage}（截止 {cn_date(g.deadline)}）" for g in ret.pending))
    if ret.late:
        lines.append("逾期报送：" + "；".join(
            f"{x.stage}（截止 {cn_date(x.deadline)}"
            + (f"，{cn_date(x.arrived.date())}首次报送）" if x.arrived else "）")
            for x in ret.late))
    lines.append("红色单元格为错误（必须修改），黄色为警告（请核实，确有原因的可不改）；"
                 "鼠标移到单元格上可看批注。点击“单元格”一列可跳到该处。"
                 "本表只是修改清单，不作为报送数据；请勿删除或改名其他工作表和隐藏的 _meta 表。")
    return lines


def _row_height(values: Sequence[object], widths: Sequence[float]) -> float:
    lines = max(max(1, math.ceil(style.display_width(v) / max(w - 1, 1)))
                for v, w in zip(values, widths))
    return 14.0 * lines + 4


def add_checklist(wb: Workbook, ret: BranchReturn, located: Sequence[Located],
                  as_of: dt.date, due: dt.date) -> Worksheet:
    """Insert 修改清单 as the first sheet and make it the one that opens."""
    ws = wb.create_sheet(C.RETURN_LIST, 0)
    n = len(HEADERS)
    last = get_column_letter(n)
    base = Font(name=FONT, size=10)
    wrap = Alignment(wrap_text=True, vertical="center")
    for c, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    total = float(sum(WIDTHS))

    ws.merge_cells(f"A1:{last}1")
    title = ws["A1"]
    title.value = f"{ret.branch} 修改意见（修改清单）"
    title.font = Font(name=FONT, size=14, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 26
    r = 2
    for line in header_lines(ret, as_of, due):
        ws.merge_cells(f"A{r}:{last}{r}")
        cell = ws.cell(row=r, column=1, value=line)
        cell.data_type = "s"
        cell.font, cell.alignment = base, wrap
        ws.row_dimensions[r].height = _row_height([line], [total])
        r += 1
    header_row = r + 1
    fill = PatternFill("solid", fgColor="D9E1F2")
    for c, h in enumerate(HEADERS, start=1):
        cell = ws.cell(row=header_row, column=c, value=h)
        cell.font = Font(name=FONT, size=10, bold=True)
        cell.fill, cell.border = fill, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
    fills = {"error": PatternFill("solid", fgColor=ERROR_FILL),
             "warning": PatternFill("solid", fgColor=WARNING_FILL)}
    link_font = Font(name=FONT, size=10, color="0563C1", underline="single")
    row = header_row
    for loc in located:
        row += 1
        i = loc.issue
        where = loc.cell or (WHOLE_SHEET if loc.sheet else "")
        values = (SEVERITY_LABEL[i.severity], i.rule, i.sheet, where, i.found, i.expected,
                  i.message)
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=v or None)
            if v:
                cell.data_type = "s"  # report text is text, never a formula
            cell.font, cell.alignment, cell.border = base, wrap, BORDER
        ws.cell(row=row, column=1).fill = fills[i.severity]
        if loc.sheet:
            target = f"{quote_sheetname(loc.sheet)}!{loc.cell or 'A1'}"
            link = ws.cell(row=row, column=4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=target,
                                       display=where)
            link.font = link_font
        ws.row_dimensions[row].height = _row_height(values, WIDTHS)
    if not located:
        row += 1
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.cell(row=row, column=1, value="没有需要修改的单元格；请补报上面列出的尚未报送的表格。"
                ).font = base
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last}{max(row, header_row)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.protection.sheet = True  # a list to read, not data to type (filtering stays allowed)
    ws.protection.autoFilter = False
    ws.protection.sort = False
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    return ws
