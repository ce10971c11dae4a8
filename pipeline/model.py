"""Plain data passed between intake, rules, aggregation and writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import contract as C
from pipeline.excel.table import Table
from pipeline.issues import Issue
from pipeline.people import Member


@dataclass
class BranchInput:
    """Everything one 支部 (or the 党总支 itself) sent, newest sheet by sheet, located.

    `tables` holds only sheets whose required columns were all found (R-F3 ran before);
    `members` is the branch's effective roster: its own 党员名册 sheet when sent, else the
    office roster."""

    branch: str
    members: list[Member]
    tables: dict[str, Table] = field(default_factory=dict)
    general: bool = False  # the 党总支's own workbook
    received: dict[str, SheetSource] = field(default_factory=dict)  # sheet → where it came from

    def table(self, sheet: str) -> Table | None:
        return self.tables.get(sheet)

    def member(self, name: str) -> Member | None:
        for m in self.members:
            if m.name == name:
                return m
        return None

    @property
    def names(self) -> set[str]:
        return {m.name for m in self.members}

    @property
    def evaluated(self) -> list[Member]:
        return [m for m in self.members if m.evaluated]

    @property
    def committee(self) -> list[Member]:
        """R-T1: 支委 in a branch, 总支委员 in the 总支 workbook."""
        if self.general:
            return [m for m in self.members if m.general_committee]
        return [m for m in self.members if m.branch_committee]

    @property
    def has_ballots(self) -> bool:
        return C.BALLOTS in self.tables or C.TALLY in self.tables


@dataclass(frozen=True)
class SheetSource:
    """Which file a winning sheet came from, and when that file was saved."""

    file: str
    saved: dt.datetime | None


@dataclass
class InputFile:
    """One file found in the inbox and what became of it."""

    path: Path
    name: str  # path relative to the inbox, as shown to the user
    sha256: str
    size: int
    saved: dt.datetime | None = None  # the workbook's own saved time (docProps), else None
    mtime: dt.datetime | None = None
    branch: str = ""
    status: str = ""  # 已采用 / 部分采用 / 已被替代 / 重复文件 / 无法打开 / 无法识别 / 非表格文件
    note: str = ""


@dataclass
class SheetCount:
    """Row accounting for one sheet of one file (SPEC §5)."""

    file: str
    sheet: str
    branch: str
    read: int = 0
    used: int = 0
    reported: int = 0  # rows only in the report (dropped by an error)
    superseded: int = 0  # rows of a sheet replaced by a newer file

    @property
    def balanced(self) -> bool:
        return self.read == self.used + self.reported + self.superseded


@dataclass
class Report:
    """The outcome of validation: issues, files and row accounting."""

    issues: list[Issue] = field(default_factory=list)
    files: list[InputFile] = field(default_factory=list)
    counts: list[SheetCount] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors
