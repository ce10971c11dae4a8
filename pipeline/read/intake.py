"""What the inbox scan produces: file statuses, the template pre-fill, placed sheets and the
Intake value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.model import InputFile
from pipeline.normalize import fold
from pipeline.read import RawSheet, RawWorkbook
from pipeline.read.table import Header, MissingColumns

# InputFile.status values.
USED = "已采用"
PARTLY_USED = "部分采用"
SUPERSEDED = "已被替代"
DUPLICATE = "重复文件"
UNREADABLE = "无法打开"
UNPLACED = "无法识别"
NOT_SPREADSHEET = "非表格文件"
OTHER_CAMPAIGN = "其他活动"
NOT_PROCESSED = "未处理"  # beyond limits.max_files
UNFILLED = "未填写"  # only template pre-fill: not a send
NOT_SUBMISSION = "非报送文件"  # the office roster, a filing or report of ours: never read
SKIPPED = "已跳过"  # a hidden file or a link leading outside the inbox: listed, never read

SPREADSHEET_SUFFIXES = frozenset({
    ".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".ods", ".ots", ".et", ".ett",
    ".csv",
})
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", ".ds_store"})

ANY = None  # in prefill(): every value of the column is pre-fill
Prefill = dict[str, dict[str, "frozenset[str] | None"]]


def prefill(campaign: Campaign) -> Prefill:
    """Sheet → column → the folded values the template pre-fills there (ANY: every value).
    Keep in step with pipeline/write/templates.py."""
    return {
        C.ROSTER: {**dict.fromkeys(("姓名", "党小组", "职务", "党员类别", "是否党员领导干部",
                                    "是否已参加年度民主生活会"), ANY),
                   "民主评议出席": frozenset({fold(C.PRESENT)})},
        C.GRADING: {"姓名": ANY, "评定等次": frozenset({fold(campaign.not_graded)})},
        C.TALLY: {"姓名": ANY},
    }


TITLE_ROWS_WITHOUT_HEADER = 3  # rows searched for a branch name when a sheet has no header

_CONTRACT = {fold(name): name for name in C.SHEETS}
_SHEET_ORDER = {name: i for i, name in enumerate(C.SHEETS)}


def contract_name(sheet: str) -> str | None:
    """The contract sheet a tab stands for (names compared folded: "谈心谈话 " counts)."""
    return _CONTRACT.get(fold(sheet))



class Placed(NamedTuple):
    """A contract sheet of a placed file, with its header as found (once, by the inbox)."""

    file: InputFile
    sheet: RawSheet
    header: Header | MissingColumns


@dataclass
class Intake:
    """What the inbox holds: every file with its fate, the winning sheet of each branch, the
    superseded sheets and the file-level issues (R-F1, R-F2, R-F4, R-F5)."""

    files: list[InputFile] = field(default_factory=list)
    books: dict[str, RawWorkbook] = field(default_factory=dict)  # InputFile.name → workbook
    sheets: dict[str, dict[str, Placed]] = field(default_factory=dict)  # branch → sheet → win
    superseded: list[tuple[InputFile, str, InputFile]] = field(default_factory=list)
    # (superseded file's name, sheet) → its data rows, counted for 行数核对 (no table built)
    superseded_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # (file, tab, branch, data rows) of tabs no rule reads (a second copy of a contract sheet,
    # an unknown sheet with data): in 行数核对 as rows only in the report (read/stray.py)
    unread: list[tuple[str, str, str, int]] = field(default_factory=list)
    # branch → sheet → newest copy of a contract sheet that was present but not filled in any
    # file of the branch (e.g. the pre-filled 党员名册 of an untouched template).
    unfilled: dict[str, dict[str, Placed]] = field(default_factory=dict)

    @property
    def branches(self) -> list[str]:
        """Branches that sent at least one placed file, in scan order."""
        return list(dict.fromkeys(f.branch for f in self.files if f.name in self.books))

    def book(self, f: InputFile) -> RawWorkbook | None:
        return self.books.get(f.name)

    def raw_sheet(self, f: InputFile, sheet: str) -> RawSheet | None:
        """The sheet of file `f` that stands for contract sheet `sheet` (names match folded,
        so a tab renamed "谈心谈话 " still counts), e.g. for a superseded sheet's rows."""
        book = self.books.get(f.name)
        if book is None:
            return None
        tabs = [s for s in book.sheets.values() if contract_name(s.name) == sheet]
        return next((s for s in tabs if s.name == sheet), tabs[0] if tabs else None)


