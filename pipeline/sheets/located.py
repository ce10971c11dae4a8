"""Issues located on a sheet: at a data cell, on the sheet, or on a column's header."""

from __future__ import annotations

from typing import Protocol

from pipeline.issues import Issue, Severity, issue
from pipeline.read.table import Table


class Named(Protocol):
    @property
    def branch(self) -> str: ...


def _name(b: Named | str) -> str:
    return b if isinstance(b, str) else b.branch


def at(b: Named | str, t: Table, rule: str, severity: Severity, message: str, *, row: int = 0,
       column: str = "", found: object = "", expected: str = "", dropped: bool = False) -> Issue:
    """An issue located on sheet `t`: at a cell when row and column are given, else the sheet."""
    cell = t.cell(row, column) if row and column else ""
    return issue(rule, severity, message, branch=_name(b), file=t.file, sheet=t.sheet, cell=cell,
                 found=found, expected=expected, row=row, dropped=dropped)


def header_at(b: Named | str, t: Table, rule: str, severity: Severity, message: str, *,
              column: str, found: object = "", expected: str = "") -> Issue:
    """An issue located on a column's header cell (not a data row: row stays 0)."""
    cell = f"{t.letters[column]}{t.header_row}"
    return issue(rule, severity, message, branch=_name(b), file=t.file, sheet=t.sheet, cell=cell,
                 found=found, expected=expected, row=0)
