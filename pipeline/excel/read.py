"""Read any .xlsx/.xlsm/.xls/.ods into plain row lists (python-calamine, from bytes).

Reading from bytes lets calamine sniff the real format, so a workbook mislabelled as .xls
(as WPS and mail gateways do) still opens. Macros are never run: calamine reads cached
values only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc


class UnreadableFile(Exception):
    """The file cannot be opened as a spreadsheet (R-F1); args[0] is a Chinese reason."""


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]  # rows[0] is Excel row 1, rows[r][0] is column A
    visible: bool = True
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]
    date1904: bool = False

    def sheet(self, name: str) -> RawSheet | None:
        return self.sheets.get(name)


def read_bytes(data: bytes) -> RawWorkbook:
    """Parse a workbook held in memory. Raises UnreadableFile with a Chinese reason."""
    if not data:
        raise UnreadableFile("文件是空的（0 字节）")
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableFile("文件设置了打开密码，请取消密码后重新报送") from None
    except Exception as exc:  # calamine raises several kinds for corrupt input
        raise UnreadableFile(f"无法作为 Excel/WPS 表格打开（{type(exc).__name__}）") from None
    sheets: dict[str, RawSheet] = {}
    for meta in book.sheets_metadata:
        try:
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            raise UnreadableFile(f"工作表“{meta.name}”无法读取（{type(exc).__name__}）") from None
        visible = str(meta.visible).endswith("Visible")
        sheets[meta.name] = RawSheet(meta.name, rows, visible, merged)
    return RawWorkbook(sheets)


def read_path(path: Path | str) -> RawWorkbook:
    return read_bytes(Path(path).read_bytes())
