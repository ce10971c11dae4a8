"""Zip containers (xlsx/xlsm/xlsb, dispatching ods): sizes, saved time, macros, links,
uncached formulas and sheet spans, found before calamine parses the file."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import IO
from xml.etree import ElementTree as ET

from pipeline.read.ods import ods_facts
from pipeline.read.raw import (
    CELLS_PER_ROW_LIMIT,
    ROWS_KEY,
    UNPACKED_KEY,
    Facts,
    NotSpreadsheet,
    UnreadableFile,
    why,
)
from pipeline.read.xlsb import xlsb_spans
from pipeline.read.xmlparts import (
    _FORMULA_MARK,
    _WHOLE,
    Chunks,
    has_doctype,
    iterparse_bounded,
    local_name,
    parse_timestamp,
    part_chunks,
    read_small,
    safe_xml,
)


def zip_facts(data: bytes, limit: int, max_cells: int) -> Facts:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableFile("文件已损坏（压缩结构不完整），可能没有下载或保存完整，请重新报送") from None
    declared = sum(i.file_size for i in infos)
    if declared > limit:
        raise UnreadableFile(
            f"文件解压后有 {declared / 1048576:.0f} MB，超过 {limit // 1048576} MB 的上限"
            f"（campaign.toml [limits] {UNPACKED_KEY}），可能是损坏或异常的文件，未读取")
    names = {i.filename for i in infos}
    try:
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return _ooxml_facts(zf, names, max_cells)
        if "mimetype" in names or "content.xml" in names:
            return ods_facts(zf, names, max_cells)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        # RuntimeError: an encrypted zip member; the rest: corrupt or lying members.
        raise UnreadableFile(f"文件已损坏，无法作为 Excel/WPS 表格打开（{why(exc)}）") from None
    if any(n.startswith("word/") for n in names):
        raise NotSpreadsheet("这是 Word 文档（.docx），不是 Excel/WPS 表格")
    if any(n.startswith("ppt/") for n in names):
        raise NotSpreadsheet("这是 PowerPoint 演示文稿（.pptx），不是 Excel/WPS 表格")
    raise NotSpreadsheet("这是压缩包（zip），不是 Excel/WPS 表格；请解压后报送其中的表格")

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def _ooxml_facts(zf: zipfile.ZipFile, names: set[str], max_cells: int) -> Facts:
    facts = Facts(format="xlsx")
    facts.has_macros = any(n.lower().endswith("vbaproject.bin") or n.startswith("xl/macrosheets/")
                           for n in names)
    if facts.has_macros:
        facts.format = "xlsm"
    facts.external_links = any(n.startswith("xl/externalLinks/") for n in names)
    core = read_small(zf, "docProps/core.xml", names)
    if core is not None:
        facts.saved = _core_modified(safe_xml(core, "docProps/core.xml"))
    if "xl/workbook.xml" not in names:
        facts.format = "xlsb"  # binary parts: only their spans are scanned (see read/xlsb.py)
        facts.too_large = xlsb_spans(zf, names, max_cells)
        if "" in facts.too_large:
            rows, cols = facts.too_large.pop("")
            raise UnreadableFile(
                f"文件中有工作表的数据区域过大（{rows} 行 × {cols} 列，超过 "
                f"{max_cells // CELLS_PER_ROW_LIMIT} 行 × {CELLS_PER_ROW_LIMIT} 列的上限，见 "
                f"campaign.toml [limits] {ROWS_KEY}），未读取；请删除多余的行和列后重新报送")
        return facts
    workbook = safe_xml(read_small(zf, "xl/workbook.xml", names) or b"", "xl/workbook.xml")
    rels_data = read_small(zf, "xl/_rels/workbook.xml.rels", names)
    targets: dict[str, str] = {}
    if rels_data is not None:
        for rel in safe_xml(rels_data, "xl/_rels/workbook.xml.rels"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = _normpath(path)
    for el in workbook.iter():
        tag = local_name(el.tag)
        if tag == "workbookPr":
            facts.date1904 = el.get("date1904", "").lower() in ("1", "true", "on")
        elif tag == "sheet":
            rid = el.get(f"{{{_REL_NS}}}id") or el.get(f"{{{_STRICT_REL_NS}}}id") or ""
            part = targets.get(rid)
            if part and part in names:
                cells, span = _scan_sheet(zf, part, max_cells)
                if cells:
                    facts.uncached[el.get("name", "")] = cells
                if span is not None:
                    facts.too_large[el.get("name", "")] = span
    # Inflate the other parts calamine parses once, so a member lying about its size fails
    # here (CRC) rather than inside calamine (the sheets were inflated above); calamine does
    # not expand entities, but a DOCTYPE in them makes it fail or read nothing, so refuse it
    # here with the reason.
    for name in ("xl/sharedStrings.xml", "xl/styles.xml"):
        if name in names:
            head = b""
            for chunk in part_chunks(zf, name):
                if not head:
                    head = chunk[:65536]
                    if has_doctype(head):
                        raise UnreadableFile(
                            f"文件中的 {name} 含有不安全的 XML 声明（DOCTYPE），未读取")
    return facts


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _core_modified(core: ET.Element) -> dt.datetime | None:
    for el in core:
        if local_name(el.tag) == "modified" and el.text:
            return parse_timestamp(el.text)
    return None

# Cell and row references (r="XFD1048576"), as XML allows them: spaces around '=', either quote.
_REF = re.compile(rb"""r\s*=\s*["']([A-Za-z]{0,3})(\d{1,7})""")
# Far references, in two tiers so that ordinary sheets never pay for the exact span: beyond
# column Z or row 99,999 (without any, a span is under 26 × 99,999 cells), then beyond
# column ZZ or row 9,999 (without any, under 702 × 9,999 cells: still a bounded allocation).
# (Possessive quantifiers: the same matches as without, no backtracking; ≥ 3 letters and 5
# digits is matched by the first alternative.)
_FAR_REF = re.compile(rb"""r\s*+=\s*+["'](?:[A-Za-z]{2,3}\d|[A-Za-z]?\d{6})""")
_FARTHER_REF = re.compile(rb"""r\s*+=\s*+["'](?:[A-Za-z]{3}\d|[A-Za-z]{0,2}+\d{5})""")
_TAIL = 64  # bytes kept from the previous chunk, so a mark split between chunks is found


def _span(chunks: Chunks) -> tuple[int, int] | None:
    """(rows, columns) from A1 to the farthest row and column of a sheet part; None when no
    reference is beyond column ZZ or row 9,999 (the span is bounded anyway). Columns are the
    farthest column letter or the most cells in one row (a cell without a reference takes the
    next column, so a row of them is as wide as it has cells)."""
    tail = b""
    for chunk in chunks():
        if _FARTHER_REF.search(tail + chunk):
            break
        tail = chunk[-_TAIL:]
    else:
        return None
    rows = cols = widest = in_row = 0
    tail = b""
    for chunk in chunks():
        window = tail + chunk
        for letters, digits in _REF.findall(window):
            rows = max(rows, int(digits))
            if letters:
                col = 0
                for ch in letters.upper():
                    col = col * 26 + ch - 64
                cols = max(cols, col)
        # count cells per row on the chunk itself (a tag split between chunks may be missed:
        # one cell more or less does not matter here)
        for tag in _ROW_OR_CELL.findall(chunk):
            if tag.endswith(b"w"):
                in_row = 0
            else:
                in_row += 1
                widest = max(widest, in_row)
        tail = chunk[-_TAIL:]
    return rows, max(cols, widest, 1)


_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])")


def _scan_sheet(zf: zipfile.ZipFile, part: str,
                max_cells: int) -> tuple[set[tuple[int, int]], tuple[int, int] | None]:
    """One pass over a sheet part: refuse a DOCTYPE, find the formula cells without a cached
    value (`_uncached_cells`) and, when the part references far cells, the span.

    The span matters because calamine stores a sheet as one dense block from its first to its
    last cell: a 5 KB file with values in A1 and XFD1048576 asks for 17 billion cells, and a
    failed allocation in Rust aborts the whole process. So a sheet whose references span more
    than `max_cells` cells is refused here, before calamine sees it (None: within the limit).

    A part of at most _WHOLE bytes is inflated once and every pass reads those bytes."""
    data = _inflated(zf, part)
    source: Callable[[], IO[bytes]]
    if data is not None:
        whole = (data,) if data else ()
        chunks: Chunks = lambda: whole  # noqa: E731
        source = lambda: io.BytesIO(data)  # noqa: E731
    else:
        chunks = lambda: part_chunks(zf, part)  # noqa: E731
        source = lambda: zf.open(part)  # noqa: E731
    tail = b""
    found = far = False
    head = b""
    for chunk in chunks():
        if not head:
            head = chunk[:65536]
            if has_doctype(head):
                raise UnreadableFile(f"文件中的 {part} 含有不安全的 XML 声明（DOCTYPE），未读取")
        window = tail + chunk
        if not found:
            found = _FORMULA_MARK in window
        if not far:
            far = _FAR_REF.search(window) is not None
        tail = chunk[-_TAIL:]
    span = _span(chunks) if far else None
    if span is not None and span[0] * span[1] <= max_cells:
        span = None
    if not found or span is not None:
        return set(), span
    return _uncached_cells(source, part), None


def _inflated(zf: zipfile.ZipFile, part: str) -> bytes | None:
    """The part's bytes when declared at most _WHOLE bytes and intact; else None, and the
    caller streams it (and so fails, on a damaged part, where and how a stream fails)."""
    if zf.getinfo(part).file_size > _WHOLE:
        return None
    try:
        return zf.read(part)
    except Exception:  # damaged: the streamed scan below reports it as before
        return None


def _uncached_cells(source: Callable[[], IO[bytes]], part: str) -> set[tuple[int, int]]:
    """Formula cells of a sheet part that carry no cached value.

    A formula is cached when its <v> has text, or when the cell is typed (t="str" with an
    empty <v> is Excel's and LibreOffice's cached empty string). openpyxl writes <v/> and
    XlsxWriter writes <v></v> (value="") without a type: nobody computed those."""
    cells: set[tuple[int, int]] = set()
    row, col = -1, -1
    with source() as fh:
        try:
            for event, el in iterparse_bounded(fh, part):
                tag = local_name(el.tag)
                if event == "start":
                    if tag == "row":
                        r = el.get("r")
                        row = int(r) - 1 if r and r.isdigit() else row + 1
                        col = -1
                    elif tag == "c":
                        ref = el.get("r")
                        if ref:
                            row, col = _split_ref(ref, row)
                        else:
                            col += 1
                    continue
                if tag == "c":
                    formula = value = None
                    for child in el:
                        name = local_name(child.tag)
                        if name == "f":
                            formula = child
                        elif name == "v":
                            value = child
                    if formula is not None and not (value is not None and (
                            value.text or el.get("t", "n") not in ("", "n"))):
                        cells.add((row, col))
                    el.clear()
                elif tag == "row":
                    el.clear()
        except ET.ParseError as exc:
            raise UnreadableFile(f"文件已损坏（{part} 不是有效的 XML：{exc}）") from None
    return cells


def _split_ref(ref: str, row: int) -> tuple[int, int]:
    """'B12' → (11, 1); a reference without digits keeps the current row."""
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    digits = ref[i:]
    return (int(digits) - 1 if digits.isdigit() else row), col - 1


# --- ods ----------------------------------------------------------------------------------

