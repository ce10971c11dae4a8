"""Plain data passed between intake, rules, aggregation and writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.issues import Issue
from pipeline.people import Member
from pipeline.read.table import Table

if TYPE_CHECKING:
    from pipeline.read.roster import RosterSheet


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
    roster: RosterSheet | None = None  # its own 党员名册 sheet, read (members and problems)


@dataclass(frozen=True)
class SheetSource:
    """Which file a winning sheet came from, when that file was saved and received."""

    file: str
    saved: dt.datetime | None
    received: dt.datetime | None = None


@dataclass
class InputFile:
    """One file found in the inbox and what became of it."""

    path: Path
    name: str  # path relative to the inbox, as shown to the user
    sha256: str
    size: int
    saved: dt.datetime | None = None  # the workbook's own saved time (docProps), else None
    mtime: dt.datetime | None = None
    received: dt.datetime | None = None  # logged by `orglife collect` (.orglife/received.json)
    branch: str = ""
    status: str = ""  # 已采用 / 部分采用 / 已被替代 / 重复文件 / 无法打开 / 无法识别 / 非表格文件
    note: str = ""
    # the saved time lies in the future (a wrong clock): not used to order sends (R-F4)
    saved_in_future: bool = False

    @property
    def submitted(self) -> dt.datetime | None:
        """When the branch sent it: received (mail log), else saved (unless it lies in the
        future), else the file time."""
        saved = None if self.saved_in_future else self.saved
        return self.received or saved or self.mtime


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


@dataclass
class Filing:
    """The consolidated filing (备案) as frames; one field per sheet of the filing workbook."""

    title: str  # e.g. "徐汇区教师进修学院党总支 2017年专题组织生活会"
    status: str  # 通过校验 / 未通过校验
    summary: pd.DataFrame  # 汇总: 党总支, every branch, then the 合计 row
    results: pd.DataFrame  # 民主评议结果: one row per member of every branch
    problems: pd.DataFrame  # 问题清单: 党总支 first, then branches
    rectifications: pd.DataFrame  # 整改清单
    coverage: pd.DataFrame  # 整改覆盖: problem→rectification and 整改承诺 per branch
    talks: pd.DataFrame  # 谈心谈话: coverage and missing 必谈 pairs per branch
    missing_pairs: pd.DataFrame  # one row per missing 必谈 pair (R-T1)
    talk_matrices: list[tuple[str, pd.DataFrame]]  # (branch, 谈话人 × 谈话对象 counts)
    makeups: pd.DataFrame  # 补课名单
    stages: pd.DataFrame  # 报送情况: stage_detail(...), one row per (branch, stage)
    flags: pd.DataFrame  # 需组织研判 (R-A1, R-A2): flags only, never a grade
    issues: pd.DataFrame  # 校验问题: every error and warning, incl. the flags raised here
    legend: pd.DataFrame  # 列说明: 工作表, 列, 含义
    new_issues: list[Issue] = field(default_factory=list)  # R-A1/R-A2 raised by aggregate
    errors: int = 0
    warnings: int = 0

    @property
    def passed(self) -> bool:
        return self.errors == 0
