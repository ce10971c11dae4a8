"""Mark the cells issues name in the return copy: one fill for errors, another for warnings,
and a cell comment with the rule id, what was found, what is expected and how to fix it (the
report's own words).

An issue names a cell of the inbox file its sheet came from; the copy's cell comes from the
sheet's Placement. A row issue without a column marks the row's first cell. An issue without a
cell (a missing 必谈 pair, a missing sheet, coverage), or on a file or sheet that is not the
winning copy, is listed only on the 修改清单 sheet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.workbook import Workbook

from pipeline.issues import RULES, SEVERITY_LABEL, Issue
from pipeline.returns.data import Placement
from pipeline.returns.package import Source
from pipeline.write import style

ERROR_FILL = "FFC7CE"  # Excel's own "bad" red
WARNING_FILL = "FFEB9C"  # Excel's own "neutral" yellow
AUTHOR = "党总支办公室"
# openpyxl sizes comments in pixels; Excel's comment font (9 pt) is ~12 px per Chinese character.
COMMENT_WIDTH_PX = 340
COMMENT_UNITS_PER_LINE = 50  # display width units (a Chinese character counts two)
COMMENT_LINE_PX = 16


@dataclass(frozen=True)
class Located:
    """An issue and where it is in the copy: sheet and cell ('' when only listed)."""

    issue: Issue
    sheet: str  # the copy's sheet ('' when the sheet is not in the copy)
    cell: str  # e.g. E7; '' for an issue without a cell

    @property
    def marked(self) -> bool:
        return bool(self.cell)


def _coords(cell: str) -> tuple[int, int] | None:
    """'E7' → (7, 5), 1-based; None for '' or a column alone."""
    try:
        letters, row = coordinate_from_string(cell)
    except ValueError:
        return None
    return row, column_index_from_string(letters)


def locate(issues: Sequence[Issue], sources: Mapping[str, Source],
           placements: Mapping[str, Placement], sheets_in_copy: Sequence[str]) -> list[Located]:
    """Each issue with its cell in the copy: errors first, then in the copy's sheet order,
    row by row."""
    out: list[Located] = []
    for i in issues:
        sheet = i.sheet if i.sheet in sheets_in_copy else ""
        source, placed = sources.get(i.sheet), placements.get(i.sheet)
        if not sheet or source is None or placed is None or source.file != i.file:
            out.append(Located(i, sheet, ""))
            continue
        where = _coords(i.cell) if i.cell else None
        if where is None and i.row > 0:  # a row issue: the row's first cell
            target = placed.cell(i.row, min(placed.columns, default=1))
            where_in_copy = (target[0], 1) if target else None
        else:
            where_in_copy = placed.cell(*where) if where else None
        cell = f"{get_column_letter(where_in_copy[1])}{where_in_copy[0]}" if where_in_copy else ""
        out.append(Located(i, sheet, cell))
    order = {name: n for n, name in enumerate(sheets_in_copy)}

    def key(loc: Located) -> tuple[int, int, int, int]:
        where = _coords(loc.cell) if loc.cell else None
        return (0 if loc.issue.severity == "error" else 1,
                order.get(loc.sheet, len(order)), *(where or (1 << 30, 0)))

    return sorted(out, key=key)


def comment_text(i: Issue) -> str:
    """The comment of one issue, in the report's words."""
    lines = [f"【{SEVERITY_LABEL[i.severity]}】{i.rule} {RULES[i.rule].title}"]
    if i.found:
        lines.append(f"发现：{i.found}")
    if i.expected:
        lines.append(f"应为：{i.expected}")
    lines.append(f"说明：{i.message}")
    return "\n".join(lines)


def _sized(text: str) -> Comment:
    lines = sum(max(1, math.ceil(style.display_width(line) / COMMENT_UNITS_PER_LINE))
                for line in text.split("\n"))
    return Comment(text, AUTHOR, width=COMMENT_WIDTH_PX, height=lines * COMMENT_LINE_PX + 16)


def mark(wb: Workbook, located: Sequence[Located]) -> int:
    """Fill and comment every located cell (an error's fill wins over a warning's on a cell
    two issues share; the comment lists them all). Returns how many cells were marked."""
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for loc in located:
        if loc.marked:
            by_cell.setdefault((loc.sheet, loc.cell), []).append(loc.issue)
    fills = {"error": PatternFill("solid", fgColor=ERROR_FILL),
             "warning": PatternFill("solid", fgColor=WARNING_FILL)}
    for (sheet, cell), issues in by_cell.items():
        target = wb[sheet][cell]
        worst = "error" if any(i.severity == "error" for i in issues) else "warning"
        target.fill = fills[worst]
        target.comment = _sized("\n\n".join(comment_text(i) for i in issues))
    return len(by_cell)
