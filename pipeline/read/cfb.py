"""CFB (OLE2) containers: .xls (BIFF globals, spans, saved time), encrypted OOXML, old
Word/PowerPoint files."""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterator

from pipeline.read.raw import (
    CELLS_PER_ROW_LIMIT,
    DEFAULT_MAX_ROWS,
    PASSWORD_MESSAGE,
    ROWS_KEY,
    Facts,
    NotSpreadsheet,
    UnreadableFile,
)

# --- CFB (OLE2) containers: .xls, encrypted OOXML, old Word/PowerPoint ----------------------

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


class _Cfb:
    """A minimal read-only Compound File Binary reader (MS-CFB): directory and streams."""

    def __init__(self, data: bytes):
        self.data = data
        if len(data) < 512:
            raise ValueError("short header")
        self.shift = struct.unpack_from("<H", data, 0x1E)[0]
        mini_shift = struct.unpack_from("<H", data, 0x20)[0]
        if not 7 <= self.shift <= 16 or not 2 <= mini_shift <= self.shift:
            raise ValueError("bad sector size")
        self.size = 1 << self.shift
        self.mini_size = 1 << mini_shift
        (n_fat, first_dir, _, self.cutoff, first_minifat, n_minifat, first_difat,
         n_difat) = struct.unpack_from("<8I", data, 0x2C)
        self.max_sectors = max(1, (len(data) - 512) // self.size + 1)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _END]
        sector = first_difat
        for _ in range(min(n_difat, self.max_sectors)):
            if sector >= _END:
                break
            entries = struct.unpack_from(f"<{self.size // 4}I", self._sector(sector))
            fat_sectors += [s for s in entries[:-1] if s < _END]
            sector = entries[-1]
        self.fat: list[int] = []
        for s in fat_sectors[: max(n_fat, len(fat_sectors))]:
            self.fat.extend(struct.unpack_from(f"<{self.size // 4}I", self._sector(s)))
        directory = self._chain_bytes(first_dir)
        self.entries: list[tuple[str, int, int, int]] = []  # name, type, start, size
        for off in range(0, len(directory) - 127, 128):
            length = struct.unpack_from("<H", directory, off + 0x40)[0]
            kind = directory[off + 0x42]
            if kind not in (1, 2, 5) or not 2 <= length <= 64:
                continue
            name = directory[off: off + length - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<IQ", directory, off + 0x74)
            if self.shift == 9:
                size &= 0xFFFFFFFF  # version 3 files: the high half is undefined
            self.entries.append((name, kind, start, size))
        root = next((e for e in self.entries if e[1] == 5), None)
        self.ministream = self._chain_bytes(root[2]) if root else b""
        minifat_bytes = self._chain_bytes(first_minifat) if n_minifat else b""
        self.minifat = list(struct.unpack_from(f"<{len(minifat_bytes) // 4}I", minifat_bytes))

    def _sector(self, n: int) -> bytes:
        off = (n + 1) << self.shift
        if off + self.size > len(self.data) + self.size:  # last sector may be short
            raise ValueError("sector out of range")
        return self.data[off: off + self.size]

    def _chain(self, start: int, table: list[int]) -> Iterator[int]:
        seen = 0
        while start < len(table) and start < _END:
            yield start
            start = table[start]
            seen += 1
            if seen > len(table):
                raise ValueError("sector chain loops")

    def _chain_bytes(self, start: int) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start, self.fat))

    @property
    def names(self) -> set[str]:
        return {e[0] for e in self.entries}

    def stream(self, name: str, limit: int = 64 << 20) -> bytes | None:
        """A stream's bytes (at most `limit`), None when absent."""
        for entry_name, kind, start, size in self.entries:
            if entry_name == name and kind == 2:
                size = min(size, limit)
                if size < self.cutoff:
                    chunks = (self.ministream[s * self.mini_size:(s + 1) * self.mini_size]
                              for s in self._chain(start, self.minifat))
                else:
                    chunks = (self._sector(s) for s in self._chain(start, self.fat))
                out = bytearray()
                for chunk in chunks:
                    out += chunk
                    if len(out) >= size:
                        break
                return bytes(out[:size])
        return None


def cfb_facts(data: bytes, max_cells: int = DEFAULT_MAX_ROWS * CELLS_PER_ROW_LIMIT) -> Facts:
    try:
        cfb = _Cfb(data)
    except (ValueError, struct.error, IndexError):
        return Facts(format="xls")  # let calamine judge (and fail with its own reason)
    names = cfb.names
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise UnreadableFile(PASSWORD_MESSAGE)
    if "Workbook" not in names and "Book" not in names:
        if "WordDocument" in names:
            raise NotSpreadsheet("这是 Word 文档（.doc），不是 Excel/WPS 表格")
        if "PowerPoint Document" in names:
            raise NotSpreadsheet("这是 PowerPoint 演示文稿（.ppt），不是 Excel/WPS 表格")
        raise NotSpreadsheet("这是 Office 复合文档，但其中没有 Excel 工作簿")
    facts = Facts(format="xls", has_macros="_VBA_PROJECT_CUR" in names)
    try:
        globals_ = cfb.stream("Workbook") or cfb.stream("Book") or b""
        facts.date1904, encrypted = _biff_globals(globals_)
        summary = cfb.stream("\x05SummaryInformation", limit=1 << 20)
        facts.saved = _summary_saved(summary) if summary else None
    except (ValueError, struct.error, IndexError):
        return facts
    if encrypted:
        raise UnreadableFile(PASSWORD_MESSAGE)
    try:
        spans = _biff_spans(globals_)
    except (ValueError, struct.error, IndexError):
        return facts  # calamine judges a damaged stream
    for name, span in spans.items():
        # calamine parses every sheet of an .xls when it opens the file, so one sheet over the
        # limit means the whole file is refused here
        if span[0] * span[1] > max_cells:
            where = f"工作表“{name}”" if name else "文件中有工作表"
            raise UnreadableFile(
                f"{where}的数据区域过大（{span[0]} 行 × {span[1]} 列，超过 "
                f"{max_cells // CELLS_PER_ROW_LIMIT} 行 × {CELLS_PER_ROW_LIMIT} 列的上限，见 "
                f"campaign.toml [limits] {ROWS_KEY}），未读取；请删除多余的行和列后重新报送")
    return facts


# BIFF cell records: each starts with its row and column (u16, u16). MULRK and MULBLANK hold
# a run of cells and end with the run's last column.
_BIFF_CELLS = frozenset({0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x0204, 0x00D6})
_BIFF_RUNS = frozenset({0x00BD, 0x00BE})
_BIFF_DIMENSIONS = 0x0200  # first row, last row + 1, first column, last column + 1


def _biff_spans(stream: bytes) -> dict[str | None, tuple[int, int]]:
    """Sheet name → (rows, columns) from A1 to its farthest cell record, for the worksheets
    of a BIFF workbook stream (calamine allocates that whole area; see _scan_sheet). Names
    are None in BIFF5, whose sheet names are in the file's code page."""
    sheets: list[tuple[int, str | None]] = []
    pos = 0
    biff8 = True
    while pos + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4: pos + 4 + length]
        if rtype == 0x0809 and pos == 0 and len(body) >= 2:  # BOF of the globals
            biff8 = struct.unpack_from("<H", body)[0] == 0x0600
        elif rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            start, _state, kind, cch, flags = struct.unpack_from("<IBBBB", body)
            name: str | None = None
            if biff8 and kind == 0:
                raw = body[8: 8 + (2 * cch if flags & 1 else cch)]
                name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            if kind == 0:  # a worksheet (not a chart or macro sheet)
                sheets.append((start, name))
        elif rtype == 0x000A:  # EOF of the globals
            break
        pos += 4 + length
    spans: dict[str | None, tuple[int, int]] = {}
    for start, name in sheets:
        rows = cols = 0
        pos = start
        while pos + 4 <= len(stream):
            rtype, length = struct.unpack_from("<HH", stream, pos)
            if rtype == 0x000A:
                break
            if rtype == _BIFF_DIMENSIONS and length >= 10:
                # calamine reserves the area the DIMENSIONS record claims (a 5 KB .xls
                # claiming 2^32 × 65,535 cells aborts it: issue #10, case 1)
                if biff8 and length >= 14:
                    _first, last_row, _fc, last_col = struct.unpack_from("<IIHH", stream, pos + 4)
                else:
                    _first, last_row, _fc, last_col = struct.unpack_from("<HHHH", stream, pos + 4)
                rows, cols = max(rows, last_row), max(cols, last_col)
            elif length >= 4 and (rtype in _BIFF_CELLS or rtype in _BIFF_RUNS):
                row, col = struct.unpack_from("<HH", stream, pos + 4)
                if rtype in _BIFF_RUNS and length >= 6:
                    col = max(col, struct.unpack_from("<H", stream, pos + 2 + length)[0])
                rows, cols = max(rows, row + 1), max(cols, col + 1)
            pos += 4 + length
        if rows:
            previous = spans.get(name, (0, 0))
            spans[name] = (max(rows, previous[0]), max(cols, previous[1]))
    return spans


def _biff_globals(stream: bytes) -> tuple[bool, bool]:
    """(date1904, encrypted) from the BIFF workbook globals: DATEMODE and FILEPASS records."""
    date1904 = encrypted = False
    pos = 0
    while pos + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4: pos + 4 + length]
        if rtype == 0x0022 and len(body) >= 2:  # DATEMODE
            date1904 = struct.unpack_from("<H", body)[0] == 1
        elif rtype == 0x002F:  # FILEPASS: the rest of the stream is encrypted
            return date1904, True
        elif rtype == 0x000A:  # EOF of the globals substream
            break
        pos += 4 + length
    return date1904, encrypted


def _summary_saved(stream: bytes) -> dt.datetime | None:
    """PIDSI_LASTSAVE_DTM (a FILETIME) from the SummaryInformation property set."""
    if len(stream) < 48:
        return None
    section = struct.unpack_from("<I", stream, 44)[0]
    count = struct.unpack_from("<I", stream, section + 4)[0]
    for i in range(min(count, 256)):
        pid, off = struct.unpack_from("<II", stream, section + 8 + 8 * i)
        if pid == 0x0D:
            vtype, filetime = struct.unpack_from("<IQ", stream, section + off)
            if vtype != 0x40 or filetime == 0:
                return None
            epoch = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
            return epoch + dt.timedelta(microseconds=filetime // 10)
    return None
