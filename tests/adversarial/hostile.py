"""Kinds of issue #10 (a new user and a hostile inbox): native crashes, exhaustion, silent data
loss and false passes, each named after its defect. Registered into the corpus REGISTRY (see
corpus.py for how a kind is written and checked); listed in README.md beside this file."""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from pathlib import Path

from pipeline import contract as C

from .corpus import (
    BIFF_BOF,
    BIFF_EOF,
    ONE,
    Base,
    Expect,
    biff,
    cfb,
    kind,
    rezip,
    write,
)

# --- case 1: native crashes (calamine aborts on a huge dense allocation) --------------------


def _record(rtype: int, body: bytes) -> bytes:
    """One .xlsb record: type and size as little-endian base-128 numbers (MS-XLSB 2.1.4)."""
    out = bytearray()
    for value in (rtype, len(body)):
        while True:
            b, value = value & 0x7F, value >> 7
            out.append(b | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_book(sheet: str, cells: list[tuple[int, int, float]]) -> bytes:
    """A minimal .xlsb: one sheet holding numbers at (0-based row, col), its dimension record
    spanning them (as Excel writes it)."""
    book = (_record(0x83, b"") + _record(0x8F, b"")
            + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
            + _record(0x90, b"") + _record(0x84, b""))
    last_row = max(r for r, _, _ in cells)
    last_col = max(c for _, c, _ in cells)
    data = (_record(0x81, b"") + _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_col))
            + _record(0x91, b""))
    for r, c, value in cells:
        data += _record(0x00, struct.pack("<IIH", r, 0, 0) + b"\0" * 8)
        data += _record(0x05, struct.pack("<II", c, 0) + struct.pack("<d", value))
    data += _record(0x92, b"") + _record(0x82, b"")
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    rel = f"{ns[:-len('package/2006/relationships')]}officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="bin" ContentType="application/'
            'vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/></Types>'))
        zf.writestr("_rels/.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.bin"/></Relationships>'))
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/_rels/workbook.bin.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>'))
        zf.writestr("xl/worksheets/sheet1.bin", data)
    return out.getvalue()


XLSB = "第一支部（二进制）.xlsb"


@kind("xlsb-cell-at-XFD1048576", exit_code=1, status={XLSB: "已采用"}, measure=True,
      expect=[Expect("R-F1", "error", XLSB, C.MEETINGS, text="有 1048576 行")])
def xlsb_far(inbox: Path, base: Base) -> None:
    """A 1.3 KB .xlsb whose 会议情况 has a cell at XFD1048576: calamine aborted the whole run
    ("memory allocation of 549755813888 bytes failed"); now the sheet is refused, named."""
    write(inbox / XLSB, xlsb_book(C.MEETINGS, [(0, 0, 1.0), (1048575, 16383, 2.0)]))


def xls_with_dimensions(rows: int, cols: int) -> bytes:
    """A BIFF8 .xls with one sheet: a DIMENSIONS record claiming `rows` × `cols` cells and a
    single number in A1."""
    name = C.MEETINGS.encode("utf-16-le")

    def globals_(offset: int) -> bytes:
        sheet = struct.pack("<IBBBB", offset, 0, 0, len(C.MEETINGS), 1) + name
        return biff(BIFF_BOF, (0x0085, sheet), BIFF_EOF)

    head = globals_(0)
    head = globals_(len(head))
    sheet_bof = (0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    dims = (0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    number = (0x0203, struct.pack("<HHHd", 0, 0, 15, 1.0))
    return cfb({"Workbook": head + biff(sheet_bof, dims, number, BIFF_EOF)})


DIMS = "第一支部（尺寸）.xls"


@kind("xls-dimensions-claim-2^32-rows", exit_code=1, status={DIMS: "无法打开"}, measure=True,
      expect=[Expect("R-F1", "error", DIMS, text="4294967295 行 × 65535 列")])
def xls_dimensions(inbox: Path, base: Base) -> None:
    """A 5 KB .xls whose DIMENSIONS record claims 2³²×65,535 cells (one real cell): calamine
    reserved that area and aborted the process; now the file is refused before it is parsed."""
    write(inbox / DIMS, xls_with_dimensions(2**32 - 1, 65535))


# --- case 2: exhaustion by nesting ---------------------------------------------------------

DEEP = "第一支部（嵌套）.xlsx"
NESTED = 2_000_000


def _deep_core(path: Path, base: Base) -> None:
    core = (b'<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://'
            b'schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            + b"<a>" * NESTED + b"</a>" * NESTED + b"</cp:coreProperties>")
    path.write_bytes(rezip((base.inbox / ONE).read_bytes(), {"docProps/core.xml": core}))


@kind("core-xml-two-million-nested-elements", exit_code=1, status={DEEP: "无法打开"},
      measure=True, expect=[Expect("R-F1", "error", DEEP, text="嵌套超过 100 层")])
def deep_core(inbox: Path, base: Base) -> None:
    """A 50 KB .xlsx whose docProps/core.xml nests two million elements: it took 600 MB and
    12 s to build the tree (twelve million: 3.5 GB); now refused at depth 100, in 0.5 s."""
    shutil.copyfile(base.cached("deep-core.xlsx", lambda p: _deep_core(p, base)), inbox / DEEP)

