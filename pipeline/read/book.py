"""Read any .xlsx/.xlsm/.xls/.ods into plain row lists (python-calamine, from bytes), safely.

Reading from bytes lets us sniff the real format, so a workbook mislabelled as .xls (as WPS
and mail gateways do) still opens. Macros are never run: calamine reads cached values only.

Before calamine sees a file we look at its container ourselves, cheaply:
- zip (xlsx/xlsm/ods): the directory's declared sizes are summed and the file is refused above
  the unpacked limit (zip bombs); every XML part calamine will parse is then inflated once
  through `zipfile`, which stops at the declared size and checks the CRC, so a member that
  lies about its size is refused too. The same pass finds formulas without a cached value,
  date1904, the saved time, macros and external links.
- CFB (the OLE container of .xls, and of password-encrypted .xlsx): the directory names tell
  an encrypted OOXML package (EncryptionInfo + EncryptedPackage) from a workbook, a Word file
  or a PowerPoint file; the BIFF globals give date1904 and FILEPASS (encrypted .xls), and the
  SummaryInformation stream the saved time.
- anything else is described (HTML saved as .xls, PDF, image, text …) and refused.

calamine holds a sheet as one dense block from its first to its last cell, so a 5 KB file
with values in A1 and XFD1048576 would ask for 17 billion cells, and a failed allocation in
Rust aborts the process. Each sheet's span is therefore taken from its cell references (xlsx),
cell records (xls) or rows and cells with their repeats (ods) before calamine parses it; a span
over max_rows × CELLS_PER_ROW_LIMIT cells is refused: the sheet alone for xlsx (calamine reads
xlsx sheets on demand), the whole file for xls and ods (calamine parses all their sheets when
it opens them).

Why not openpyxl for the formula scan: it parses every cell of every sheet into Python
objects (10–20× slower than calamine on our inboxes, see notes/excel-io.md) and would still
not say which cells lack a cached value; a streaming scan of the sheet XML only runs on sheets
that contain an <f> element at all. XML we parse ourselves is refused when it carries a
DOCTYPE: without a DTD there are no entity declarations, so nothing can be expanded.
"""

from __future__ import annotations

import io
from pathlib import Path

import python_calamine as pc

from pipeline.read.cfb import cfb_facts
from pipeline.read.ooxml import zip_facts
from pipeline.read.raw import (
    CELLS_PER_ROW_LIMIT,
    CFB_MAGIC,
    DEFAULT_MAX_ROWS,
    DEFAULT_MAX_UNPACKED_MB,
    PASSWORD_MESSAGE,
    ROWS_KEY,
    ZIP_EMPTY_MAGIC,
    ZIP_MAGIC,
    Facts,
    NotSpreadsheet,
    RawSheet,
    RawWorkbook,
    UnreadableFile,
    calamine_failed,
    why,
)
from pipeline.read.sniff import describe_other


def read_bytes(data: bytes, *, max_unpacked_mb: int = DEFAULT_MAX_UNPACKED_MB,
               max_rows: int = DEFAULT_MAX_ROWS) -> RawWorkbook:
    """Parse a workbook held in memory. Raises UnreadableFile (NotSpreadsheet for other kinds
    of file) with a Chinese reason; a sheet over `max_rows` rows comes back with `error` set."""
    if not data:
        raise UnreadableFile("文件是空的（0 字节）")
    if data.startswith((ZIP_MAGIC, ZIP_EMPTY_MAGIC)):
        facts = zip_facts(data, max_unpacked_mb * 1024 * 1024, max_rows * CELLS_PER_ROW_LIMIT)
    elif data.startswith(CFB_MAGIC):
        facts = cfb_facts(data, max_rows * CELLS_PER_ROW_LIMIT)
    else:
        raise NotSpreadsheet(describe_other(data))
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableFile(PASSWORD_MESSAGE) from None
    except BaseException as exc:  # BaseException: see calamine_failed
        calamine_failed(exc)
        raise UnreadableFile(f"文件已损坏，无法作为 Excel/WPS 表格打开（{why(exc)}）") from None
    sheets: dict[str, RawSheet] = {}
    has_macros = facts.has_macros
    for meta in book.sheets_metadata:
        kind = str(meta.typ).rsplit(".", 1)[-1]
        if kind == "MacroSheet":
            has_macros = True
        if kind != "WorkSheet":  # chart, dialog and macro sheets hold no table data
            continue
        visible = str(meta.visible).endswith("Visible")
        sheets[meta.name] = _read_sheet(book, meta.name, visible, facts, max_rows)
        sheets[meta.name].date1904 = facts.date1904
    return RawWorkbook(sheets, date1904=facts.date1904, saved=facts.saved, has_macros=has_macros,
                       external_links=facts.external_links, format=facts.format)


def read_path(path: Path | str, *, max_unpacked_mb: int = DEFAULT_MAX_UNPACKED_MB,
              max_rows: int = DEFAULT_MAX_ROWS) -> RawWorkbook:
    """Read a file from disk (its extension is ignored: the content decides)."""
    return read_bytes(Path(path).read_bytes(), max_unpacked_mb=max_unpacked_mb,
                      max_rows=max_rows)

def _too_large(name: str, height: int, width: int, max_rows: int) -> str:
    """The refusal of a sheet over the limits (R-F1), naming the limit and where it is set."""
    if height > max_rows:
        return (f"工作表“{name}”有 {height} 行，超过每表 {max_rows} 行的上限"
                f"（campaign.toml [limits] {ROWS_KEY}），未读取；请删除多余的行后重新报送")
    return (f"工作表“{name}”的数据区域过大（{height} 行 × {width} 列，超过 {max_rows} 行 × "
            f"{CELLS_PER_ROW_LIMIT} 列的上限，见 campaign.toml [limits] {ROWS_KEY}），未读取；"
            "请删除多余的行和列后重新报送")


def _read_sheet(book: pc.CalamineWorkbook, name: str, visible: bool, facts: Facts,
                max_rows: int) -> RawSheet:
    if name in facts.too_large:
        height, width = facts.too_large[name]
        return RawSheet(name, [], visible, error=_too_large(name, height, width, max_rows))
    try:
        sheet = book.get_sheet_by_name(name)
        end = sheet.end
        height = end[0] + 1 if end else 0
        width = end[1] + 1 if end else 0
        if height > max_rows or height * width > max_rows * CELLS_PER_ROW_LIMIT:
            return RawSheet(name, [], visible, error=_too_large(name, height, width, max_rows))
        rows = sheet.to_python(skip_empty_area=False, nrows=height) if height else []
        merged = sheet.merged_cell_ranges
    except BaseException as exc:  # one bad sheet must not sink the workbook
        calamine_failed(exc)
        return RawSheet(name, [], visible, error=f"工作表“{name}”无法读取（{why(exc)}）")
    if merged is None:
        merged = (facts.merged or {}).get(name, [])
    return RawSheet(name, rows, visible, list(merged),
                    facts.uncached.get(name, set()))


