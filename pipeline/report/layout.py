"""Tables laid out in points for A4 at 100 %: widths that fill the page, rows sized to their
wrapped text (East-Asian characters counted as two), so every sheet prints at ≥ 9 pt.

The filing of the office (工作底稿) fits each sheet to the page width whatever its columns,
which shrinks a wide sheet to unreadable glyphs. Here each column gets a width in points
from its content, prose columns take up (or give back) what the page has left, and the
scale stays at 100 %: fit-to-width is only a safety net for an odd value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.write.style import EXCEL_CELL_LIMIT, FONT, FOOTER, display_width

SIZE = 10.0  # pt, every cell of the 备案 (≥ 9 pt on paper at 100 %)
TITLE_SIZE = 14.0
UNIT = SIZE / 2  # pt per display-width unit: a CJK character is one em, ASCII half
PAD = 8.0  # pt of cell padding and border, left and right together (natural widths)
TEXT_PAD = 5.0  # pt a wrapped line loses to padding (Excel about 2 × 2 pt)
LINE = 14.0  # pt per line of 10 pt CJK text (宋体 13.5, Noto CJK 14.5 at 1.0 spacing)
ROW_PAD = 4.0
# A4 in points less the 0.5 in margins, over 1.07: Excel turns a column width into 7 px
# (5.25 pt) per digit at 96 dpi, LibreOffice into Carlito's (Calibri's) real digit width,
# 5.58 pt, about 6 % more; laid out for the wider of the two, both print at 100 %.
MARGIN_IN = 0.5
WIDER = 1.07
PAGE = {"landscape": (841.89 - 72) / WIDER, "portrait": (595.28 - 72) / WIDER}
PAGE_HEIGHT = {"landscape": 595.28 - 100, "portrait": 841.89 - 100}
CAPS = {"prose": 330.0, "text": 130.0}
MIN_PROSE = 90.0
CUT = "…（超长，全文见工作底稿）"


def points_to_width(pt: float) -> float:
    """Points → XlsxWriter column width (pixels = 7 × width + 5 at 96 dpi, 0.75 pt each)."""
    return max((pt / 0.75 - 5) / 7, 1.0)


def units(text: str) -> int:
    """Display width of one line: characters from U+0800 on (CJK, full-width punctuation)
    count two — from the UTF-8 length, in C (unicodedata per character is the slow part of a
    district-scale 备案); a little wider than east_asian_width for a few symbols, never less."""
    if text.isascii():
        return len(text)
    return len(text) + (len(text.encode("utf-8", "surrogatepass")) - len(text)) // 2


def width_units(value: Any) -> int:
    text = str(value)
    if "\n" in text:
        return max(units(line) for line in text.split("\n"))
    return units(text)


def text_points(value: Any) -> float:
    """The widest line of a value, in points at SIZE."""
    if isinstance(value, (dt.date, dt.datetime)):
        return 10 * UNIT * 1.1
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return len(f"{value:g}") * UNIT * 1.1
    return width_units(value) * UNIT


def lines(value: Any, width_pt: float) -> int:
    """Lines a wrapped text needs in a column `width_pt` wide (CJK counted as two units)."""
    if type(value) is not str or not value:
        return 1
    room = max(width_pt - TEXT_PAD, UNIT)
    if len(value) * 2 * UNIT <= room and "\n" not in value:
        return 1  # fits even if every character is wide
    return sum(max(1, math.ceil(units(p) * UNIT / room)) for p in value.split("\n"))


MAX_ROW_HEIGHT = 409.0  # Excel's limit


def height(values: Sequence[Any], widths: Sequence[float]) -> float:
    need = max((lines(v, w) for v, w in zip(values, widths)), default=1) * LINE + ROW_PAD
    return min(need, MAX_ROW_HEIGHT)


@dataclass
class Column:
    name: str
    kind: str = "text"  # text (short, wraps when long) / prose (fills the page) / number / date
    group: str = ""  # header above, merged over neighbours of the same group


@dataclass
class Table:
    """A sheet of the 备案: title, a note line, (group) headers, rows, an optional total."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    total: bool = False  # the last row is the total (bold)
    orientation: str | None = None  # None: portrait when the columns fit it
    widths: list[float] = field(default_factory=list)  # points, set by layout()

    @property
    def grouped(self) -> bool:
        return any(c.group for c in self.columns)


def _natural(column: Column, values: Sequence[Any]) -> float:
    head = display_width(column.name)
    # a header longer than four characters may take two lines
    head_pt = (math.ceil(head / 2) if head > 8 else head) * UNIT + PAD
    data = max((text_points(v) for v in values if v is not None), default=0.0) + PAD
    if column.kind in CAPS:
        data = min(data, CAPS[column.kind])
    return max(head_pt, data, 3 * UNIT + PAD)


def layout(table: Table) -> None:
    """Choose the orientation and column widths (points) that fill the printable width."""
    columns = list(zip(*table.rows)) if table.rows else [()] * len(table.columns)
    natural = [_natural(c, v) for c, v in zip(table.columns, columns)]
    orientation = table.orientation or (
        "portrait" if sum(natural) <= PAGE["portrait"] else "landscape")
    table.orientation = orientation
    room = PAGE[orientation]
    prose = [i for i, c in enumerate(table.columns) if c.kind == "prose"]
    flexible = prose or [i for i, c in enumerate(table.columns) if c.kind == "text"] or \
        list(range(len(natural)))
    widths = list(natural)
    extra = room - sum(widths)
    if extra > 0:  # most to the prose, some to every other column (airier numbers)
        others = [i for i in range(len(widths)) if i not in flexible]
        spread = min(extra * 0.4, 30.0 * len(others)) if others else 0.0
        for i in others:
            widths[i] += spread / len(others)
        for i in flexible:
            widths[i] += (extra - spread) / len(flexible)
    elif len(flexible) == 1:  # give back from the prose column, down to a readable minimum
        widths[flexible[0]] = max(MIN_PROSE, widths[flexible[0]] + extra)
    else:
        _share_out(widths, flexible, room - sum(w for i, w in enumerate(widths)
                                               if i not in flexible), table.rows)
    table.widths = widths


STEP = 6.0  # pt handed out at a time
SAMPLE = 400  # rows looked at when sharing the width out (every k-th row: deterministic)


def _share_out(widths: list[float], flexible: list[int], room: float,
               rows: Sequence[Sequence[Any]]) -> None:
    """Share `room` among the prose columns so the rows need the fewest lines in all: two
    columns (整改事项, 整改措施) try every split in STEP pt; more share in proportion."""
    if len(flexible) != 2:
        share = sum(widths[i] for i in flexible)
        for i in flexible:
            widths[i] = max(MIN_PROSE, room * widths[i] / share)
        return
    a, b = flexible
    sample = rows[:: max(1, len(rows) // SAMPLE)]
    best: tuple[int, float, float] | None = None
    steps = int((room - 2 * MIN_PROSE) // STEP)
    for k in range(max(steps, 0) + 1):
        wa = MIN_PROSE + k * STEP
        wb = room - wa
        n = sum(max(lines(r[a], wa), lines(r[b], wb)) for r in sample)
        key = (n, abs(wa / (wa + wb) - widths[a] / (widths[a] + widths[b])), wa)
        if best is None or key < best:
            best = key
    wa = best[2] if best is not None else room / 2
    widths[a], widths[b] = max(wa, MIN_PROSE), max(room - wa, MIN_PROSE)


class Styles:
    """Cell formats of the 备案: one font, 10 pt, borders; bold totals."""

    def __init__(self, wb: Workbook):
        base = {"font_name": FONT, "font_size": SIZE, "valign": "vcenter", "border": 1}
        self.title = wb.add_format({"font_name": FONT, "font_size": TITLE_SIZE, "bold": True,
                                    "align": "center", "valign": "vcenter"})
        self.note = wb.add_format({"font_name": FONT, "font_size": SIZE, "valign": "vcenter",
                                   "text_wrap": True})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2",
                                     "text_wrap": True, "align": "center"})
        self.section = wb.add_format({"font_name": FONT, "font_size": SIZE + 1, "bold": True,
                                      "valign": "vcenter"})
        self.kinds: dict[tuple[str, bool], Format] = {}
        for total in (False, True):
            extra = {"bold": True, "bg_color": "#F2F2F2"} if total else {}
            self.kinds[("text", total)] = wb.add_format({**base, **extra, "text_wrap": True})
            self.kinds[("prose", total)] = self.kinds[("text", total)]
            self.kinds[("number", total)] = wb.add_format({**base, **extra, "align": "center"})
            self.kinds[("date", total)] = wb.add_format({**base, **extra, "align": "center",
                                                         "num_format": "yyyy/m/d"})

    def cell(self, kind: str, total: bool = False) -> Format:
        return self.kinds[(kind, total)]


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
    """Explicitly typed: text is a string cell (never a formula or a link)."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, fmt)
    else:
        text = str(value)
        if len(text) > EXCEL_CELL_LIMIT:  # XlsxWriter would cut it silently
            text = text[:EXCEL_CELL_LIMIT - len(CUT)] + CUT
        ws.write_string(row, col, text, fmt)


def merged(ws: Worksheet, row: int, first: int, last: int, value: str, fmt: Format) -> None:
    if last > first:
        ws.merge_range(row, first, row, last, "", fmt)
    ws.write_string(row, first, value, fmt)


def page_setup(ws: Worksheet, orientation: str, header_row: int, last_row: int, n: int,
               one_page: bool = False) -> None:
    """A4 at 100 % (fit to width only as a safety net), titles repeated, 第 N 页 共 M 页."""
    ws.set_paper(9)
    if orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.6, bottom=0.7)
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.repeat_rows(0, header_row)
    ws.set_footer(FOOTER, {"scale_with_doc": False})
    ws.print_area(0, 0, max(last_row, header_row), n - 1)
    ws.center_horizontally()


def write_table(wb: Workbook, st: Styles, table: Table) -> tuple[Worksheet, int]:
    """One table on its own sheet; returns the sheet and the row of its first data row."""
    if not table.widths:
        layout(table)
    ws = wb.add_worksheet(table.name)
    n = len(table.columns)
    for c, w in enumerate(table.widths):
        ws.set_column(c, c, points_to_width(w))
    merged(ws, 0, 0, n - 1, table.title, st.title)
    ws.set_row(0, TITLE_SIZE * 2)
    r = 1
    if table.note:
        merged(ws, r, 0, n - 1, table.note, st.note)
        ws.set_row(r, lines(table.note, sum(table.widths)) * LINE + ROW_PAD)
        r += 1
    if table.grouped:
        c = 0
        while c < n:
            group = table.columns[c].group
            end = c
            while end + 1 < n and group and table.columns[end + 1].group == group:
                end += 1
            if group:
                merged(ws, r, c, end, group, st.header)
            else:  # no group: the header spans both header rows
                ws.merge_range(r, c, r + 1, c, "", st.header)
                ws.write_string(r, c, table.columns[c].name, st.header)
            c = end + 1
        ws.set_row(r, LINE + ROW_PAD)
        r += 1
    headers = [c.name for c in table.columns]
    for c, col in enumerate(table.columns):
        if not (table.grouped and not col.group):
            ws.write_string(r, c, col.name, st.header)
    ws.set_row(r, height(headers, table.widths))
    header_row = r
    first = r + 1
    for i, values in enumerate(table.rows):
        total = table.total and i == len(table.rows) - 1
        ws.set_row(first + i, height(values, table.widths))
        for c, (col, v) in enumerate(zip(table.columns, values)):
            write_value(ws, first + i, c, v, st.cell(col.kind, total))
    last = first + len(table.rows) - 1
    ws.autofilter(header_row, 0, max(last, header_row), n - 1)
    ws.freeze_panes(first, 0)
    page_setup(ws, table.orientation or "landscape", header_row, last, n)
    return ws, first


def table_height(table: Table) -> float:
    """Points the table takes on paper (title, note, headers, rows)."""
    total = TITLE_SIZE * 2 + height([c.name for c in table.columns], table.widths)
    if table.note:
        total += lines(table.note, sum(table.widths)) * LINE + ROW_PAD
    if table.grouped:
        total += LINE + ROW_PAD
    return total + sum(height(r, table.widths) for r in table.rows)
