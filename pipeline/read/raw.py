"""What a workbook reads into (raw sheets as row lists), the reader's limits and errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

PASSWORD_MESSAGE = "文件设置了打开密码，请取消密码后重新报送"
DEFAULT_MAX_UNPACKED_MB = 200
DEFAULT_MAX_ROWS = 100_000
CELLS_PER_ROW_LIMIT = 64  # a sheet may hold max_rows × this many cells (guards very wide sheets)
# The campaign.toml [limits] keys, named in the refusals so the office knows what to change.
UNPACKED_KEY = "max_unpacked_mb"
ROWS_KEY = "max_rows_per_sheet"

ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY_MAGIC = b"PK\x05\x06"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col))


class UnreadableFile(Exception):
    """The file cannot be opened as a spreadsheet (R-F1); args[0] is a Chinese reason."""


class NotSpreadsheet(UnreadableFile):
    """The content is another kind of file (PDF, Word, image, HTML, text …), not a workbook."""


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]  # rows[0] is Excel row 1, rows[r][0] is column A
    visible: bool = True
    merged: list[Merge] = field(default_factory=list)  # 0-based, inclusive
    # 0-based (row, col) of formula cells saved without a cached value (xlsx only): their
    # value in `rows` is empty, though the formula would compute something.
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)
    error: str = ""  # Chinese reason when the sheet was refused (then `rows` is empty)
    date1904: bool = False  # the workbook counts date serials from 1904 (see RawWorkbook)



@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]
    date1904: bool = False  # plain serial numbers in date columns count from 1904-01-01
    saved: dt.datetime | None = None  # the workbook's own last-saved time, aware (UTC)
    has_macros: bool = False  # VBA or Excel 4 macros were present (never run)
    external_links: bool = False  # formulas refer to other workbooks (values are cached ones)
    format: str = ""  # xlsx / xlsm / xlsb / xls / ods

    def sheet(self, name: str) -> RawSheet | None:
        return self.sheets.get(name)


@dataclass
class Facts:
    """What the container tells before calamine parses it."""

    format: str = ""
    date1904: bool = False
    saved: dt.datetime | None = None
    has_macros: bool = False
    external_links: bool = False
    uncached: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # sheet → cells
    # sheet → (rows, columns) its cell references span, for sheets whose span is over the
    # cell limit: calamine would allocate that whole area (see _scan_sheet), so they are
    # refused before calamine sees them.
    too_large: dict[str, tuple[int, int]] = field(default_factory=dict)
    merged: dict[str, list[Merge]] | None = None  # only where calamine gives none (ods)


# --- entry points -------------------------------------------------------------------------


def calamine_failed(exc: BaseException) -> None:
    """Re-raise what is not a parse failure. calamine raises many exception kinds on corrupt
    input, and on some malformed files its Rust code panics: pyo3's PanicException derives
    from BaseException, so `except Exception` would let one bad file stop the whole run."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__

