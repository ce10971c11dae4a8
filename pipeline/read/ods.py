"""OpenDocument spreadsheets: mimetype, saved time, macros, spans and merged ranges."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

from pipeline.read.raw import (
    CELLS_PER_ROW_LIMIT,
    ROWS_KEY,
    Facts,
    Merge,
    NotSpreadsheet,
    UnreadableFile,
)
from pipeline.read.xmlparts import (
    has_doctype,
    iterparse_bounded,
    local_name,
    parse_timestamp,
    part_chunks,
    read_small,
    safe_xml,
)

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def ods_facts(zf: zipfile.ZipFile, names: set[str], max_cells: int) -> Facts:
    mimetype = read_small(zf, "mimetype", names) or b""
    if mimetype and b"spreadsheet" not in mimetype:
        what = "ODF 文字文档" if b"text" in mimetype else "ODF 文档"
        raise NotSpreadsheet(f"这是{what}，不是 Excel/WPS 表格")
    facts = Facts(format="ods", merged={})
    facts.has_macros = any(n.startswith("Basic/") and n.endswith(".xml") and
                           not n.endswith("script-lc.xml") for n in names)
    meta = read_small(zf, "meta.xml", names)
    if meta is not None:
        for el in safe_xml(meta, "meta.xml").iter():
            if local_name(el.tag) == "date" and el.text:
                facts.saved = parse_timestamp(el.text)
    if "content.xml" not in names:
        return facts
    spans = False
    head = b""
    tail = b""
    for chunk in part_chunks(zf, "content.xml"):
        if not head:
            head = chunk[:65536]
            facts.date1904 = bool(re.search(rb'null-date[^>]*date-value="1904-01-01"', chunk))
        if not spans and re.search(rb"number-(?:columns|rows)-spanned", tail + chunk):
            spans = True
        tail = chunk[-32:]
    if has_doctype(head):
        raise UnreadableFile("文件中的 content.xml 含有不安全的 XML 声明（DOCTYPE），未读取")
    # calamine parses every table of an .ods when it opens the file (up to 100 million cells,
    # 3 GB): one table over the limit means the whole file is refused here
    for name, (rows, cols) in _ods_spans(zf).items():
        if rows * cols > max_cells:
            raise UnreadableFile(
                f"工作表“{name}”的数据区域过大（{rows} 行 × {cols} 列，超过 "
                f"{max_cells // CELLS_PER_ROW_LIMIT} 行 × {CELLS_PER_ROW_LIMIT} 列的上限，见 "
                f"campaign.toml [limits] {ROWS_KEY}），未读取；请删除多余的行和列后重新报送")
    if spans:
        facts.merged = _ods_merges(zf)
    return facts


_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _ods_spans(zf: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Table name → (rows, columns) from A1 to its farthest cell with content. Repeated rows
    and cells count as often as they repeat (LibreOffice writes the empty rest of a sheet as
    one repeated empty row, which is nothing)."""
    t = f"{{{_TABLE_NS}}}"
    value_type = f"{{{_OFFICE_NS}}}value-type"
    cells = (f"{t}table-cell", f"{t}covered-table-cell")
    spans: dict[str, tuple[int, int]] = {}
    table = ""
    depth = row = col = widest = 0
    with zf.open("content.xml") as fh:
        try:
            for event, el in iterparse_bounded(fh, "content.xml"):
                tag = el.tag
                if event == "start":
                    if tag == f"{t}table":
                        depth += 1
                        if depth == 1:
                            table, row = el.get(f"{t}name", ""), 0
                    elif depth == 1 and tag == f"{t}table-row":
                        col = widest = 0
                    continue
                if tag == f"{t}table":
                    depth -= 1
                elif depth == 1 and tag in cells:
                    n = int(el.get(f"{t}number-columns-repeated", "1") or 1)
                    if el.get(value_type) or len(el):
                        widest = col + n
                    col += n
                    el.clear()
                elif depth == 1 and tag == f"{t}table-row":
                    n = int(el.get(f"{t}number-rows-repeated", "1") or 1)
                    if widest:
                        rows, cols = spans.get(table, (0, 0))
                        spans[table] = (max(rows, row + n), max(cols, widest))
                    row += n
                    el.clear()
        except (ET.ParseError, ValueError) as exc:
            raise UnreadableFile(f"文件已损坏（content.xml 不是有效的 XML：{exc}）") from None
    return spans


def _ods_merges(zf: zipfile.ZipFile) -> dict[str, list[Merge]]:
    """Merged ranges per table from content.xml (calamine gives none for ods)."""
    t = f"{{{_TABLE_NS}}}"
    merges: dict[str, list[Merge]] = {}
    table = ""
    row = col = 0
    depth = 0  # nesting of table:table (sub-tables are ignored)
    with zf.open("content.xml") as fh:
        try:
            for event, el in iterparse_bounded(fh, "content.xml"):
                tag = el.tag
                if event == "start":
                    if tag == f"{t}table":
                        depth += 1
                        if depth == 1:
                            table, row = el.get(f"{t}name", ""), 0
                            merges.setdefault(table, [])
                    elif depth == 1 and tag == f"{t}table-row":
                        col = 0
                    elif depth == 1 and tag in (f"{t}table-cell", f"{t}covered-table-cell"):
                        cs = int(el.get(f"{t}number-columns-spanned", "1") or 1)
                        rs = int(el.get(f"{t}number-rows-spanned", "1") or 1)
                        if cs > 1 or rs > 1:
                            merges[table].append(((row, col), (row + rs - 1, col + cs - 1)))
                        col += int(el.get(f"{t}number-columns-repeated", "1") or 1)
                    continue
                if tag == f"{t}table":
                    depth -= 1
                elif depth == 1 and tag == f"{t}table-row":
                    row += int(el.get(f"{t}number-rows-repeated", "1") or 1)
                    el.clear()
        except (ET.ParseError, ValueError) as exc:
            raise UnreadableFile(f"文件已损坏（content.xml 不是有效的 XML：{exc}）") from None
    return {name: ranges for name, ranges in merges.items() if ranges}
