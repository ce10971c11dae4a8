"""Binary workbooks (.xlsb): sheet names, parts and spans, found before calamine parses them.

calamine holds an .xlsb sheet as one dense block like any other (see book.py): a 1.7 KB file
with a cell at XFD1048576, or a dimension record claiming it, asks for 17 billion cells and the
failed allocation aborts the process (issue #10, case 1). The records are read here (MS-XLSB
2.1.4: a record type and a size, each a little-endian base-128 number) and the farthest row
and column of the dimension, row-header and cell records give the span.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator

from pipeline.read.xmlparts import local_name, read_small, safe_xml

_BRT_ROW_HDR = 0x0000
_BRT_CELLS = frozenset(range(0x0001, 0x000C)) | {0x003E}  # blank … formula error, rich string
_BRT_WS_DIM = 0x0094
_BRT_BUNDLE_SH = 0x009C


def records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, body size) of every record; stops at a truncated one."""
    pos, end = 0, len(data)
    while pos < end:
        rtype = shift = 0
        for _ in range(2):  # record types take at most two bytes
            if pos >= end:
                return
            b = data[pos]
            pos += 1
            rtype |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        size = shift = 0
        for _ in range(4):  # sizes take at most four bytes
            if pos >= end:
                return
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if pos + size > end:
            return
        yield rtype, pos, size
        pos += size


def _wide(data: bytes, pos: int) -> tuple[str, int]:
    """An XLWideString (u32 character count, UTF-16LE); a null one (0xFFFFFFFF) is ''."""
    count = struct.unpack_from("<I", data, pos)[0]
    pos += 4
    if count == 0xFFFFFFFF:
        return "", pos
    return data[pos: pos + 2 * count].decode("utf-16-le", "replace"), pos + 2 * count


def sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name → zip member, from xl/workbook.bin and its relationships."""
    book = read_small(zf, "xl/workbook.bin", names) or b""
    rels = read_small(zf, "xl/_rels/workbook.bin.rels", names)
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in safe_xml(rels, "xl/_rels/workbook.bin.rels"):
            if local_name(rel.tag) == "Relationship":
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id", "")] = path.replace("xl/../", "")
    parts: dict[str, str] = {}
    for rtype, pos, size in records(book):
        if rtype != _BRT_BUNDLE_SH or size < 16:
            continue
        try:
            rid, after = _wide(book, pos + 8)
            name, _ = _wide(book, after)
        except struct.error:
            continue
        if rid in targets and targets[rid] in names:
            parts[name] = targets[rid]
    return parts


def span(data: bytes) -> tuple[int, int]:
    """(rows, columns) from A1 to the farthest row and column any record names."""
    rows = cols = 0
    for rtype, pos, size in records(data):
        if rtype == _BRT_ROW_HDR and size >= 4:
            rows = max(rows, struct.unpack_from("<I", data, pos)[0] + 1)
        elif rtype in _BRT_CELLS and size >= 4:
            cols = max(cols, struct.unpack_from("<I", data, pos)[0] + 1)
        elif rtype == _BRT_WS_DIM and size >= 16:
            _first_row, last_row, _first_col, last_col = struct.unpack_from("<IIII", data, pos)
            rows, cols = max(rows, last_row + 1), max(cols, last_col + 1)
    return rows, cols


def xlsb_spans(zf: zipfile.ZipFile, names: set[str], max_cells: int) -> dict[str, tuple[int, int]]:
    """Sheets whose span is over `max_cells` cells (refused before calamine sees them)."""
    too_large: dict[str, tuple[int, int]] = {}
    parts = sheet_parts(zf, names)
    for name, part in parts.items():
        rows, cols = span(zf.read(part))
        if rows * cols > max_cells:
            too_large[name] = (rows, cols)
    # a sheet part the workbook does not name here may still be found by calamine: such a
    # part over the limit refuses the whole file (key None)
    for part in sorted(names - set(parts.values())):
        if part.startswith("xl/worksheets/") and part.endswith(".bin"):
            rows, cols = span(zf.read(part))
            if rows * cols > max_cells:
                too_large[""] = (rows, cols)
    return too_large
