"""Tabs of a placed file that no rule reads (R-F3): a contract sheet present twice (names that
differ only by spaces or full-width characters) and sheets of unknown name holding data.

Before, the first of two "谈心谈话" tabs was read and the other's rows vanished while 行数核对
said 一致, and a 会议情况 renamed 会议记录 was neither checked nor counted (issue #10, cases
3–4). Now each such tab is an issue naming it, and its rows stand in 行数核对 as rows only in
the report, so row accounting never hides a sheet.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline import contract as C
from pipeline.issues import issue
from pipeline.model import InputFile
from pipeline.normalize import fold, is_blank
from pipeline.read import RawSheet, RawWorkbook
from pipeline.read.intake import Intake, contract_name
from pipeline.read.table import Header, count_data_rows, sheet_header

_KNOWN = frozenset(fold(n) for n in (C.META, C.GUIDE, *C.AUXILIARY_SHEETS))


def preferred(sheets: Sequence[RawSheet], name: str) -> RawSheet:
    """Of the tabs standing for contract sheet `name`, the one to read: the tab named exactly
    so, else the first (a stray copy "谈心谈话 " never displaces the real "谈心谈话")."""
    return next((s for s in sheets if s.name == name), sheets[0])


def _rows_with_data(sheet: RawSheet) -> int:
    return sum(1 for row in sheet.rows if any(not is_blank(v) for v in row))


def _data_rows(sheet: RawSheet, name: str | None) -> int:
    """Rows below the contract header when one is found, else every row holding a value."""
    if name is not None:
        header = sheet_header(sheet, C.SHEETS[name].headers,
                              synonyms=C.ROSTER_SYNONYMS if name == C.ROSTER else None)
        if isinstance(header, Header):
            return count_data_rows(sheet.rows, header)
    return _rows_with_data(sheet)


def _looks_like(sheet: RawSheet) -> str | None:
    """The contract sheet whose required headers this tab carries, if any."""
    for name, spec in C.SHEETS.items():
        if isinstance(sheet_header(sheet, spec.headers), Header):
            return name
    return None


def report_stray_sheets(intake: Intake, placed: Sequence[tuple[InputFile, RawWorkbook]]) -> None:
    """R-F3 for every tab of a placed file that is read by no rule but holds data."""
    for f, book in placed:
        groups: dict[str, list[RawSheet]] = {}
        for sheet in book.sheets.values():
            if sheet.error:
                continue
            name = contract_name(sheet.name)
            if name is not None:
                groups.setdefault(name, []).append(sheet)
            elif fold(sheet.name) not in _KNOWN and _rows_with_data(sheet):
                _unknown(intake, f, book, sheet)
        for name, sheets in groups.items():
            if len(sheets) < 2:
                continue
            used = preferred(sheets, name)
            for other in sheets:
                if other is not used:
                    _duplicate(intake, f, name, used, other)


def _duplicate(intake: Intake, f: InputFile, name: str, used: RawSheet, other: RawSheet) -> None:
    rows = _data_rows(other, name)
    intake.unread.append((f.name, other.name, f.branch, rows))
    intake.issues.append(issue(
        "R-F3", "error",
        f"文件中有两张“{name}”表（“{used.name}”和“{other.name}”，表名只差空格或全角字符）；"
        f"采用了“{used.name}”，“{other.name}”中的 {rows} 行没有读取；"
        "请把两张表合并为一张后重新报送", branch=f.branch, file=f.name, sheet=other.name,
        found=f"“{other.name}”（{rows} 行）", expected=f"只有一张“{name}”表"))


def _unknown(intake: Intake, f: InputFile, book: RawWorkbook, sheet: RawSheet) -> None:
    like = _looks_like(sheet)
    rows = _data_rows(sheet, like)
    intake.unread.append((f.name, sheet.name, f.branch, rows))
    filled = any(contract_name(s.name) == like and not s.error and _data_rows(s, like)
                 for s in book.sheets.values())
    if like is not None and not filled:
        intake.issues.append(issue(
            "R-F3", "error",
            f"工作表“{sheet.name}”的表头与“{like}”相同，像是改了名的“{like}”表；"
            f"其中的 {rows} 行没有读取，也没有校验；请把表名改回“{like}”后重新报送",
            branch=f.branch, file=f.name, sheet=sheet.name, found=f"“{sheet.name}”（{rows} 行）",
            expected=f"表名“{like}”"))
        return
    intake.issues.append(issue(
        "R-F3", "warning",
        f"工作表“{sheet.name}”不是报送表格中的工作表，其中的 {rows} 行没有读取；"
        f"如果其中是要报送的内容，请填入对应的表（{'、'.join(s.name for s in C.DATA_SHEETS)}）",
        branch=f.branch, file=f.name, sheet=sheet.name, found=f"“{sheet.name}”（{rows} 行）",
        expected="报送表格中的工作表"))
