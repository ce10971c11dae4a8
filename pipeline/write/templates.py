"""Branch workbooks (SPEC §4, §8 `templates`): pre-filled names, dropdowns, hints, print setup.

Layout every reader relies on: row 1 = merged title, row 2 = the contract headers, data from
row 3. The hidden `_meta` sheet holds key/value rows (A/B) and the helper lists (D onward).
"""


from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.people import Member, Roster, evaluated_in_order
from pipeline.write import style
from pipeline.write.guide import guide_sheet
from pipeline.write.template_book import (
    BALLOT_FIT_WIDTH,
    FIRST_DATA_ROW,
    HEADER_ROW,
    LAST_FREE_COL,
    LIST_NAMES,
    META_LIST_COL,
    NAME_SOURCES,
    NAMES,
    OBJECTS,
    OWNERS,
    PROTECTION,
    TemplateBook,
    _kind,
    branch_label,
    file_name,
    fits_inline,
    template_formats,
)

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


def _validate(book: TemplateBook, ws: Worksheet, col: C.Column, c: int, last_row: int) -> None:
    """The dropdown or input message of one column, rows 3..last_row."""
    opts: dict[str, Any] = {"input_title": col.header[:16]}
    if col.prompt:
        opts["input_message"] = col.prompt.format(year=book.campaign.year)
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


def _data_sheet(book: TemplateBook, spec: C.SheetSpec, columns: Sequence[C.Column],
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


def _grading_rows(book: TemplateBook) -> list[list[Any]]:
    evaluated = evaluated_in_order(book.members)
    others = [m for m in book.members if not m.evaluated]  # evaluated_in_order's complement
    return ([[m.name, None, None, None, None] for m in evaluated]
            + [[m.name, book.campaign.not_graded, None, None, None] for m in others])


def _ballot_sheet(book: TemplateBook) -> Worksheet:
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


def _data_sheets(book: TemplateBook) -> None:
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


def _name_lists(book: TemplateBook) -> None:
    """Defined names for the name dropdowns (SPEC: a name, never an inline list)."""
    names = [m.name for m in book.members]
    last = FIRST_DATA_ROW + max(len(names), 1)
    book.wb.define_name(NAMES, f"={quote_sheetname(C.ROSTER)}!$A$3:$A${last}")
    book.add_meta_list(OBJECTS, [C.TEAM, *names])
    book.add_meta_list(OWNERS, [*book.committee_roles(), *names])


def _meta_sheet(book: TemplateBook) -> None:
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
        book = TemplateBook(wb, campaign, branch, _members(roster, branch))
        book.fmt = template_formats(wb)
        _name_lists(book)
        guide_sheet(book)
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

