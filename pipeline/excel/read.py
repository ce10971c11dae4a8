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

import datetime as dt
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

import python_calamine as pc

from pipeline.contract import RETURN_LIST

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
    # table.sheet_header()'s memo: (required, synonyms, keep) → the header found in `rows`.
    # Not copied by dataclasses.replace(), so a copy with other rows never sees it.
    headers: dict[Any, Any] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)


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
class _Facts:
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

def read_bytes(data: bytes, *, max_unpacked_mb: int = DEFAULT_MAX_UNPACKED_MB,
               max_rows: int = DEFAULT_MAX_ROWS) -> RawWorkbook:
    """Parse a workbook held in memory. Raises UnreadableFile (NotSpreadsheet for other kinds
    of file) with a Chinese reason; a sheet over `max_rows` rows comes back with `error` set."""
    if not data:
        raise UnreadableFile("文件是空的（0 字节）")
    if data.startswith((ZIP_MAGIC, ZIP_EMPTY_MAGIC)):
        facts = _zip_facts(data, max_unpacked_mb * 1024 * 1024, max_rows * CELLS_PER_ROW_LIMIT)
    elif data.startswith(CFB_MAGIC):
        facts = _cfb_facts(data, max_rows * CELLS_PER_ROW_LIMIT)
    else:
        raise NotSpreadsheet(describe_other(data))
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableFile(PASSWORD_MESSAGE) from None
    except BaseException as exc:  # BaseException: see _calamine_failed
        _calamine_failed(exc)
        raise UnreadableFile(f"文件已损坏，无法作为 Excel/WPS 表格打开（{_why(exc)}）") from None
    sheets: dict[str, RawSheet] = {}
    has_macros = facts.has_macros
    for meta in book.sheets_metadata:
        kind = str(meta.typ).rsplit(".", 1)[-1]
        if kind == "MacroSheet":
            has_macros = True
        if kind != "WorkSheet":  # chart, dialog and macro sheets hold no table data
            continue
        if meta.name == RETURN_LIST:  # a return copy's issue list (pipeline.returns), not data
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


def _calamine_failed(exc: BaseException) -> None:
    """Re-raise what is not a parse failure. calamine raises many exception kinds on corrupt
    input, and on some malformed files its Rust code panics: pyo3's PanicException derives
    from BaseException, so `except Exception` would let one bad file stop the whole run."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__


def _too_large(name: str, height: int, width: int, max_rows: int) -> str:
    """The refusal of a sheet over the limits (R-F1), naming the limit and where it is set."""
    if height > max_rows:
        return (f"工作表“{name}”有 {height} 行，超过每表 {max_rows} 行的上限"
                f"（campaign.toml [limits] {ROWS_KEY}），未读取；请删除多余的行后重新报送")
    return (f"工作表“{name}”的数据区域过大（{height} 行 × {width} 列，超过 {max_rows} 行 × "
            f"{CELLS_PER_ROW_LIMIT} 列的上限，见 campaign.toml [limits] {ROWS_KEY}），未读取；"
            "请删除多余的行和列后重新报送")


def _read_sheet(book: pc.CalamineWorkbook, name: str, visible: bool, facts: _Facts,
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
        _calamine_failed(exc)
        return RawSheet(name, [], visible, error=f"工作表“{name}”无法读取（{_why(exc)}）")
    if merged is None:
        merged = (facts.merged or {}).get(name, [])
    return RawSheet(name, rows, visible, list(merged),
                    facts.uncached.get(name, set()))


# --- what a non-workbook is ---------------------------------------------------------------

_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"MZ", "可执行程序"),
    (b"\x00\x00\x00\x18ftyp", "视频文件"),
    (b"\x00\x00\x00\x20ftyp", "视频文件"),
    (b"ID3", "音频文件"),
)


def describe_other(data: bytes) -> str:
    """A Chinese reason for content that is neither a zip nor a CFB container."""
    for magic, what in _OTHER_MAGIC:
        if data.startswith(magic):
            return f"这是{what}，不是 Excel/WPS 表格"
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(codec, "ignore")
            break
    else:
        text = head.decode("utf-8", "ignore") or head.decode("gb18030", "ignore")
    lowered = text.lstrip().lower()
    if lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return ("这是“XML 表格 2003”格式，请在 Excel/WPS 中“另存为” .xlsx 后重新报送")
        if "<html" in lowered or "<!doctype html" in lowered or "<table" in lowered:
            return ("这是网页（HTML）格式的文件，只是扩展名像表格；"
                    "请在 Excel/WPS 中“另存为” .xlsx 后重新报送")
        return "这是 XML/网页文本，不是 Excel/WPS 表格"
    if _looks_like_text(head):
        return "这是纯文本文件（如 CSV/TXT），不是 Excel/WPS 表格；请用 .xlsx 报送"
    return "无法识别的文件内容，不是 Excel/WPS 表格"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * len(text)
    return False


# --- zip containers: xlsx / xlsm / xlsb / ods ----------------------------------------------

# A sheet with a formula has "f>" (the end of </f> or </x:f>; a self-closing shared formula
# <f t="shared" si="0"/> always has a master cell with a closing tag). One substring test in
# C per chunk: a regex tried at every "<" cost more than inflating the sheet. A false hit
# only costs the exact parse below.
_FORMULA_MARK = b"f>"
_CHUNK = 1 << 20
# A sheet part declared up to this size is inflated once into memory and every scan below runs
# on those bytes; a larger one is streamed in chunks, once per scan. Either way zipfile stops
# at the declared size and checks the CRC.
_WHOLE = 64 << 20

Chunks = Callable[[], Iterable[bytes]]  # a part's bytes in chunks, afresh on each call


def _zip_facts(data: bytes, limit: int, max_cells: int) -> _Facts:
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
            return _ods_facts(zf, names, max_cells)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        # RuntimeError: an encrypted zip member; the rest: corrupt or lying members.
        raise UnreadableFile(f"文件已损坏，无法作为 Excel/WPS 表格打开（{_why(exc)}）") from None
    if any(n.startswith("word/") for n in names):
        raise NotSpreadsheet("这是 Word 文档（.docx），不是 Excel/WPS 表格")
    if any(n.startswith("ppt/") for n in names):
        raise NotSpreadsheet("这是 PowerPoint 演示文稿（.pptx），不是 Excel/WPS 表格")
    raise NotSpreadsheet("这是压缩包（zip），不是 Excel/WPS 表格；请解压后报送其中的表格")


def _chunks(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A member's bytes in chunks; zipfile stops at the declared size and checks the CRC."""
    with zf.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _read_small(zf: zipfile.ZipFile, name: str, names: set[str]) -> bytes | None:
    """A small metadata part (workbook, rels, core properties), None when absent."""
    if name not in names:
        return None
    return b"".join(_chunks(zf, name))


def _safe_xml(data: bytes, part: str) -> ET.Element:
    """Parse a part we read ourselves; refuse a DOCTYPE (entities) and non-UTF-8 prologs."""
    if _has_doctype(data):
        raise UnreadableFile(f"文件中的 {part} 含有不安全的 XML 声明（DOCTYPE），未读取")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnreadableFile(f"文件已损坏（{part} 不是有效的 XML：{exc}）") from None


def _has_doctype(head: bytes) -> bool:
    """True when the XML prolog (everything before the root element) declares a DTD."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 parts: we do not inspect them, so treat them as unsafe
    root = re.search(rb"<[A-Za-z_]", head[:65536])
    prolog = head[: root.start()] if root else head[:65536]
    return b"<!DOCTYPE" in prolog.upper() or (root is None and len(head) > 65536)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def _ooxml_facts(zf: zipfile.ZipFile, names: set[str], max_cells: int) -> _Facts:
    facts = _Facts(format="xlsx")
    facts.has_macros = any(n.lower().endswith("vbaproject.bin") or n.startswith("xl/macrosheets/")
                           for n in names)
    if facts.has_macros:
        facts.format = "xlsm"
    facts.external_links = any(n.startswith("xl/externalLinks/") for n in names)
    core = _read_small(zf, "docProps/core.xml", names)
    if core is not None:
        facts.saved = _core_modified(_safe_xml(core, "docProps/core.xml"))
    if "xl/workbook.xml" not in names:
        facts.format = "xlsb"  # binary parts: calamine reads them; nothing for us to scan
        return facts
    workbook = _safe_xml(_read_small(zf, "xl/workbook.xml", names) or b"", "xl/workbook.xml")
    rels_data = _read_small(zf, "xl/_rels/workbook.xml.rels", names)
    targets: dict[str, str] = {}
    if rels_data is not None:
        for rel in _safe_xml(rels_data, "xl/_rels/workbook.xml.rels"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = _normpath(path)
    for el in workbook.iter():
        tag = _local(el.tag)
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
            for chunk in _chunks(zf, name):
                if not head:
                    head = chunk[:65536]
                    if _has_doctype(head):
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
        if _local(el.tag) == "modified" and el.text:
            return parse_timestamp(el.text)
    return None


def parse_timestamp(text: str) -> dt.datetime | None:
    """W3CDTF / ISO text → aware UTC datetime (no zone = UTC); None when unreadable."""
    text = text.strip().replace("Z", "+00:00")
    # fromisoformat takes at most 6 fractional digits; LibreOffice writes 9.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


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
        chunks = lambda: _chunks(zf, part)  # noqa: E731
        source = lambda: zf.open(part)  # noqa: E731
    tail = b""
    found = far = False
    head = b""
    for chunk in chunks():
        if not head:
            head = chunk[:65536]
            if _has_doctype(head):
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
            for event, el in ET.iterparse(fh, events=("start", "end")):
                tag = _local(el.tag)
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
                        name = _local(child.tag)
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

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_facts(zf: zipfile.ZipFile, names: set[str], max_cells: int) -> _Facts:
    mimetype = _read_small(zf, "mimetype", names) or b""
    if mimetype and b"spreadsheet" not in mimetype:
        what = "ODF 文字文档" if b"text" in mimetype else "ODF 文档"
        raise NotSpreadsheet(f"这是{what}，不是 Excel/WPS 表格")
    facts = _Facts(format="ods", merged={})
    facts.has_macros = any(n.startswith("Basic/") and n.endswith(".xml") and
                           not n.endswith("script-lc.xml") for n in names)
    meta = _read_small(zf, "meta.xml", names)
    if meta is not None:
        for el in _safe_xml(meta, "meta.xml").iter():
            if _local(el.tag) == "date" and el.text:
                facts.saved = parse_timestamp(el.text)
    if "content.xml" not in names:
        return facts
    spans = False
    head = b""
    tail = b""
    for chunk in _chunks(zf, "content.xml"):
        if not head:
            head = chunk[:65536]
            facts.date1904 = bool(re.search(rb'null-date[^>]*date-value="1904-01-01"', chunk))
        if not spans and re.search(rb"number-(?:columns|rows)-spanned", tail + chunk):
            spans = True
        tail = chunk[-32:]
    if _has_doctype(head):
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
            for event, el in ET.iterparse(fh, events=("start", "end")):
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
            for event, el in ET.iterparse(fh, events=("start", "end")):
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


def _cfb_facts(data: bytes, max_cells: int = DEFAULT_MAX_ROWS * CELLS_PER_ROW_LIMIT) -> _Facts:
    try:
        cfb = _Cfb(data)
    except (ValueError, struct.error, IndexError):
        return _Facts(format="xls")  # let calamine judge (and fail with its own reason)
    names = cfb.names
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise UnreadableFile(PASSWORD_MESSAGE)
    if "Workbook" not in names and "Book" not in names:
        if "WordDocument" in names:
            raise NotSpreadsheet("这是 Word 文档（.doc），不是 Excel/WPS 表格")
        if "PowerPoint Document" in names:
            raise NotSpreadsheet("这是 PowerPoint 演示文稿（.ppt），不是 Excel/WPS 表格")
        raise NotSpreadsheet("这是 Office 复合文档，但其中没有 Excel 工作簿")
    facts = _Facts(format="xls", has_macros="_VBA_PROJECT_CUR" in names)
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
            if length >= 4 and (rtype in _BIFF_CELLS or rtype in _BIFF_RUNS):
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
