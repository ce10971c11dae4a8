"""The reader (pipeline/read/) and header finding (pipeline/read/table.py).

Real files: workbooks built here in code are saved by LibreOffice as .xlsx, .xls and .ods
(once per session), then read back. Broken and hostile files are built byte by byte."""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
import xlsxwriter

from pipeline import contract as C
from pipeline.normalize import parse_date
from pipeline.read import (
    PASSWORD_MESSAGE,
    NotSpreadsheet,
    RawWorkbook,
    UnreadableFile,
    read_bytes,
    read_path,
)
from pipeline.read.table import MissingColumns, Table, find_header, locate, locate_sheet

FORMATS = ("xlsx", "xls", "ods")
MARCH_20 = dt.date(2017, 3, 20)
DATE_TEXTS = ("2017/3/20", "2017-3-20", "2017.3.20", "2017年3月20日", "3月20日")
SERIAL_1900 = 42814  # 2017-03-20 in the 1900 date system
SERIAL_1904 = SERIAL_1900 - 1462  # the same day in the 1904 system

# 党员名册 with a two-row header: each single header merged over both rows, 民主评议 over three.
ROSTER_TOP = ["姓名", "党小组", "职务", "党员类别", "是否党员领导干部", "是否已参加年度民主生活会"]
ROSTER_SUB = ["民主评议出席", "缺席原因", "补课日期"]


# --- building workbooks in code -------------------------------------------------------------

def build_main(path: Path) -> None:
    """The workbook LibreOffice converts: titles, merged headers, synonyms, dates, text IDs."""
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})

    ws = wb.add_worksheet(C.ROSTER)
    ws.merge_range("A1:I1", "第一支部 党员名册")
    for c, head in enumerate(ROSTER_TOP):
        ws.merge_range(1, c, 2, c, head)
    ws.merge_range("G2:I2", "民主评议")
    for c, head in enumerate(ROSTER_SUB, start=6):
        ws.write_string(2, c, head)
    ws.write_row(3, 0, ["张三", "第一党小组", "支部书记", "正式党员", "否", "否", "缺席"])
    ws.write_row(4, 0, ["李四", "第二党小组", "", "预备党员", "否", "否", "缺席"])
    ws.merge_range("H4:H5", "因病住院")  # a merged block in the data area
    ws.write_datetime(3, 8, dt.datetime(2017, 4, 7), date_fmt)

    ws = wb.add_worksheet("名册导出")  # reordered and synonym headers, title rows, text IDs
    ws.write_string(0, 0, "全国党员管理信息系统导出")
    ws.write_string(1, 0, "填报单位：第一支部")
    ws.write_row(2, 0, ["党员编号", "党内职务", "姓　名", "所在党支部", "人员类别", "所在党小组",
                        "是否领导干部", "是否参加\n民主生活会"])
    ws.write_row(3, 0, ["001", "支部书记", "张三", "第一支部", "正式", "第一党小组", "否", "否"])
    ws.write_row(4, 0, ["002", "", "王五", "第一支部", "预备", "第二党小组", "否", "否"])
    ws.write_row(5, 0, ["0003", "", "赵六", "第一支部", "正式", "第二党小组", "是", "是"])
    ws.set_row(4, None, None, {"hidden": True})  # hidden rows are data like any other

    ws = wb.add_worksheet("日期")
    ws.write_row(0, 0, ["写法", "值"])
    for r, text in enumerate(DATE_TEXTS, start=1):
        ws.write_string(r, 0, "文字")
        ws.write_string(r, 1, text)
    ws.write_string(6, 0, "日期单元格")
    ws.write_datetime(6, 1, dt.datetime(2017, 3, 20), date_fmt)
    ws.write_string(7, 0, "序列号")
    ws.write_number(7, 1, SERIAL_1900)
    ws.write_string(8, 0, "空字符串公式")
    ws.write_formula(8, 1, '=IF(1=1,"","x")', None, "")  # LibreOffice computes and caches it

    ws = wb.add_worksheet(C.META)
    ws.write_column(0, 0, ["template", "version", "branch"])
    ws.write_column(0, 1, [C.TEMPLATE_ID, C.TEMPLATE_VERSION, "第一支部"])
    ws.hide()
    wb.close()


def build_1904(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = wb.add_worksheet("日期")
    ws.write_row(0, 0, ["写法", "值"])
    ws.write_row(1, 0, ["序列号", SERIAL_1904])
    ws.write_string(2, 0, "日期单元格")
    ws.write_datetime(2, 1, dt.datetime(2017, 3, 20), wb.add_format({"num_format": "yyyy/m/d"}))
    wb.close()


def xlsx_bytes(sheets: dict[str, list[list[object]]], **options: object) -> bytes:
    """A small workbook written by XlsxWriter, in memory."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **options})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """The zip with some members replaced (None removes, a new name adds)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w",
                                                                   zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                continue
            dst.writestr(info.filename, src.read(info.filename))
        for name, content in replace.items():
            if content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def cfb(streams: dict[str, bytes], *, exact_sizes: bool = False) -> bytes:
    """A minimal Compound File (MS-CFB v3, 512-byte sectors) holding `streams` (each padded to
    4096 bytes, so no mini stream is needed): enough to look like an encrypted OOXML package,
    an .xls or a .doc to a reader that inspects the container. `exact_sizes` declares the
    unpadded sizes: streams under 4096 bytes then claim to live in a mini stream that is not
    there (a malformed file)."""
    size = 512
    blobs = [data.ljust(max(4096, -(-len(data) // size) * size), b"\0") for data in streams.values()]
    fat: list[int] = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for blob in blobs:
        start, n = len(fat), len(blob) // size
        starts.append(start)
        fat += [start + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
    assert len(fat) <= size // 4
    fat += [0xFFFFFFFF] * (size // 4 - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child: int = 0xFFFFFFFF,
              right: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, length))

    names = list(streams)
    directory = entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)
    for i, (name, start, blob) in enumerate(zip(names, starts, blobs), start=1):
        length = len(streams[name]) if exact_sizes else len(blob)  # ≥ 4096: no mini stream
        directory += entry(name, 2, start, length,
                           right=i + 1 if i < len(names) else 0xFFFFFFFF)
    assert len(directory) <= size
    directory = directory.ljust(size, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
              + struct.pack("<I", 0)  # number of DIFAT sectors
              + struct.pack("<109I", 0, *([0xFFFFFFFF] * 108)))
    assert len(header) == size
    return header + struct.pack(f"<{size // 4}I", *fat) + directory + b"".join(blobs)


def biff(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", t, len(body)) + body for t, body in records)


BOF = (0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))


# --- LibreOffice-saved files ------------------------------------------------------------------

_LO_CACHE: dict[str, dict[str, Path]] = {}


def saved_by_libreoffice(factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """format → {'main', 'd1904'} → the file LibreOffice saved in that format. Converted once
    per session (test_inbox uses the same files); skips when LibreOffice is missing."""
    if _LO_CACHE:
        return _LO_CACHE
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        reason = "LibreOffice (soffice) is not installed: LibreOffice-saved files cannot be made"
        print(reason)
        pytest.skip(reason)
    base = factory.mktemp("lo")
    src = base / "src"
    src.mkdir()
    build_main(src / "main.xlsx")
    build_1904(src / "d1904.xlsx")
    profile = (base / "profile").as_uri()
    out: dict[str, dict[str, Path]] = {}
    for fmt in FORMATS:
        target = base / fmt
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
               "--outdir", str(target), str(src / "main.xlsx"), str(src / "d1904.xlsx")]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
        files = {stem: target / f"{stem}.{fmt}" for stem in ("main", "d1904")}
        assert all(p.exists() for p in files.values()), (done.stdout, done.stderr)
        out[fmt] = files
    _LO_CACHE.update(out)
    return out


@pytest.fixture(scope="session")
def lo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    return saved_by_libreoffice(tmp_path_factory)


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_lo_sheets_visibility_and_format(lo_files: dict[str, dict[str, Path]], fmt: str) -> None:
    book = read_path(lo_files[fmt]["main"])
    assert list(book.sheets) == [C.ROSTER, "名册导出", "日期", C.META]
    assert book.format == fmt
    assert [s.visible for s in book.sheets.values()] == [True, True, True, False]
    assert book.sheets[C.META].rows[:3] == [
        ["template", C.TEMPLATE_ID], ["version", C.TEMPLATE_VERSION], ["branch", "第一支部"]]
    assert not book.has_macros and not book.external_links and not book.date1904


def test_lo_saved_time(lo_files: dict[str, dict[str, Path]], fmt: str) -> None:
    saved = read_path(lo_files[fmt]["main"]).saved
    assert saved is not None and saved.tzinfo is not None
    assert abs(saved - dt.datetime.now(dt.UTC)) < dt.timedelta(days=2)


def test_lo_merged_two_row_header(lo_files: dict[str, dict[str, Path]], fmt: str) -> None:
    sheet = read_path(lo_files[fmt]["main"]).sheets[C.ROSTER]
    assert ((1, 0), (2, 0)) in sheet.merged and ((1, 6), (1, 8)) in sheet.merged
    table = locate_sheet(sheet, C.ROSTER_SHEET.headers, file="第一支部.xlsx")
    assert isinstance(table, Table), table
    assert table.header_row == 3
    assert table.letters == {h: "ABCDEFGHI"[i] for i, h in enumerate(C.ROSTER_SHEET.headers)}
    assert list(table.frame.index) == [4, 5]
    assert list(table.frame["姓名"]) == ["张三", "李四"]
    assert table.cell(5, "民主评议出席") == "G5"
    # Inside the data area a merged block keeps its value in its top-left cell only.
    assert list(table.frame["缺席原因"]) == ["因病住院", None]
    assert parse_date(table.frame.loc[4, "补课日期"], 2017) == dt.date(2017, 4, 7)


def test_lo_merged_header_needs_the_merge(lo_files: dict[str, dict[str, Path]],
                                          fmt: str) -> None:
    """Without the merged ranges the lower header row lacks 姓名…: the spread is what works."""
    sheet = read_path(lo_files[fmt]["main"]).sheets[C.ROSTER]
    found = locate(sheet.rows, C.ROSTER_SHEET.headers, file="x", sheet=sheet.name)
    assert isinstance(found, MissingColumns)


def test_lo_reordered_synonym_headers_and_text_ids(lo_files: dict[str, dict[str, Path]],
                                                   fmt: str) -> None:
    sheet = read_path(lo_files[fmt]["main"]).sheets["名册导出"]
    table = locate_sheet(sheet, C.ROSTER_COLUMNS, file="roster", synonyms=C.ROSTER_SYNONYMS)
    assert isinstance(table, Table), table
    assert table.header_row == 3
    assert table.letters["姓名"] == "C" and table.letters["职务"] == "B"
    assert table.letters["是否已参加年度民主生活会"] == "H"
    assert table.extra_columns == ("党员编号",)
    assert list(table.frame["党员编号"]) == ["001", "002", "0003"]  # text stays text
    assert list(table.frame.index) == [4, 5, 6]  # the hidden row 5 is kept
    assert list(table.frame["姓名"]) == ["张三", "王五", "赵六"]


def test_lo_dates_in_every_form(lo_files: dict[str, dict[str, Path]], fmt: str) -> None:
    book = read_path(lo_files[fmt]["main"])
    values = [row[1] for row in book.sheets["日期"].rows[1:8]]
    assert values[:5] == list(DATE_TEXTS)  # typed text stays text
    assert [parse_date(v, 2017, book.date1904) for v in values] == [MARCH_20] * 7


def test_lo_dates_1904(lo_files: dict[str, dict[str, Path]], fmt: str) -> None:
    book = read_path(lo_files[fmt]["d1904"])
    assert book.date1904
    serial, cell = (row[1] for row in book.sheets["日期"].rows[1:3])
    assert serial == SERIAL_1904
    assert parse_date(serial, 2017, book.date1904) == MARCH_20
    assert parse_date(cell, 2017, book.date1904) == MARCH_20  # date cells are converted


def test_lo_cached_empty_formula_is_not_uncached(lo_files: dict[str, dict[str, Path]],
                                                 fmt: str) -> None:
    sheet = read_path(lo_files[fmt]["main"]).sheets["日期"]
    assert sheet.rows[8][1] == ""
    assert sheet.uncached_formulas == set()


def test_real_xlsx_named_xls_and_xls_named_xlsx(lo_files: dict[str, dict[str, Path]],
                                                tmp_path: Path) -> None:
    named_xls = tmp_path / "第一支部.xls"
    shutil.copyfile(lo_files["xlsx"]["main"], named_xls)
    named_xlsx = tmp_path / "第二支部.xlsx"
    shutil.copyfile(lo_files["xls"]["main"], named_xlsx)
    assert read_path(named_xls).format == "xlsx"
    assert read_path(named_xlsx).format == "xls"
    assert read_path(named_xls).sheets["名册导出"].rows == read_path(named_xlsx).sheets["名册导出"].rows


# --- files that cannot be opened (R-F1) -----------------------------------------------------

def test_r_f1_empty_file() -> None:
    with pytest.raises(UnreadableFile, match="空"):
        read_bytes(b"")


def test_r_f1_random_bytes_are_not_a_spreadsheet() -> None:
    data = random.Random(7).randbytes(4096)
    with pytest.raises(NotSpreadsheet, match="不是 Excel/WPS 表格"):
        read_bytes(data)


def test_r_f1_truncated_zip() -> None:
    data = xlsx_bytes({"谈心谈话": [["谈话人"], ["张三"]] * 50})
    with pytest.raises(UnreadableFile, match="不完整") as err:
        read_bytes(data[: len(data) // 2])
    assert not isinstance(err.value, NotSpreadsheet)


def test_r_f1_html_saved_as_xls() -> None:
    page = "<html><head><meta charset='utf-8'></head><body><table><tr><td>谈话人</td></tr></table>"
    with pytest.raises(NotSpreadsheet, match="网页（HTML）.*另存为"):
        read_bytes(page.encode())
    with pytest.raises(NotSpreadsheet, match="网页"):
        read_bytes(b"\xef\xbb\xbf\r\n  <!DOCTYPE html><html></html>")


def test_r_f1_xml_spreadsheet_2003() -> None:
    xml = ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
           "</Workbook>")
    with pytest.raises(NotSpreadsheet, match="XML 表格 2003"):
        read_bytes(xml.encode())


@pytest.mark.parametrize(("data", "what"), [
    (b"%PDF-1.7\n...", "PDF"),
    (b"\x89PNG\r\n\x1a\n....", "图片"),
    ("姓名,党小组\n张三,第一党小组\n".encode("gb18030"), "纯文本"),
])
def test_r_f1_other_kinds_of_file(data: bytes, what: str) -> None:
    with pytest.raises(NotSpreadsheet, match=what):
        read_bytes(data)


def test_r_f1_word_documents() -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(NotSpreadsheet, match="Word 文档（.docx）"):
        read_bytes(docx.getvalue())
    with pytest.raises(NotSpreadsheet, match="Word 文档（.doc）"):
        read_bytes(cfb({"WordDocument": b"\xec\xa5" + b"\0" * 100}))
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("第一支部.xlsx", b"PK")
    with pytest.raises(NotSpreadsheet, match="压缩包.*解压"):
        read_bytes(plain_zip.getvalue())


def test_r_f1_encrypted_ooxml() -> None:
    """Excel and WPS save a password-protected .xlsx as a CFB with these two streams."""
    data = cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * 64,
                "EncryptedPackage": random.Random(3).randbytes(6000)})
    with pytest.raises(UnreadableFile) as err:
        read_bytes(data)
    assert str(err.value) == PASSWORD_MESSAGE == "文件设置了打开密码，请取消密码后重新报送"


def test_r_f1_encrypted_xls() -> None:
    """An .xls with an open password has a FILEPASS record right after the BOF."""
    data = cfb({"Workbook": biff(BOF, (0x002F, b"\x01\x00" + b"\0" * 52), (0x000A, b""))})
    with pytest.raises(UnreadableFile, match=PASSWORD_MESSAGE):
        read_bytes(data)


def test_r_f1_corrupt_xls() -> None:
    data = cfb({"Workbook": biff(BOF, (0x0022, b"\x01\x00")) + b"\xff" * 300})
    with pytest.raises(UnreadableFile, match="损坏"):
        read_bytes(data)


def test_r_f1_calamine_panic_is_a_clean_error() -> None:
    """On this malformed .xls calamine's Rust code panics (pyo3 PanicException, which is not
    an Exception): it must still become R-F1's reason, not stop the run."""
    data = cfb({"Workbook": biff(BOF, (0x002F, b"\x01\x00" + b"\0" * 52), (0x000A, b""))},
               exact_sizes=True)
    with pytest.raises(BaseException) as raw:  # the precondition: calamine does panic here
        pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert not isinstance(raw.value, Exception)
    with pytest.raises(UnreadableFile, match="损坏"):
        read_bytes(data)


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for `member` (central directory)."""
    buf = bytearray(data)
    pos = 0
    name = member.encode()
    while (pos := buf.find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46: pos + 46 + n]) == name:
            struct.pack_into("<I", buf, pos + 24, size)
        pos += 4
    return bytes(buf)


def test_r_f1_zip_bomb_declared_size() -> None:
    """A small file whose directory declares a huge unpacked size is refused before parsing."""
    data = _declare_size(xlsx_bytes({"S": [["a"]]}), "xl/worksheets/sheet1.xml", 300 << 20)
    assert len(data) < 10_000
    with pytest.raises(UnreadableFile, match="解压后有 300 MB，超过 200 MB 的上限"):
        read_bytes(data)


def test_r_f1_unpacked_limit_is_a_parameter() -> None:
    data = xlsx_bytes({"S": [list(range(i, i + 10)) for i in range(6000)]})
    assert len(data) < 1 << 20 < sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    read_bytes(data)
    with pytest.raises(UnreadableFile, match="超过 1 MB 的上限"):
        read_bytes(data, max_unpacked_mb=1)


def test_r_f1_zip_member_lying_about_its_size() -> None:
    """Declared smaller than it inflates to: zipfile stops at the declared size, the CRC fails."""
    data = xlsx_bytes({"S": [["谈心谈话"] * 5] * 200})
    with pytest.raises(UnreadableFile, match="损坏"):
        read_bytes(_declare_size(data, "xl/worksheets/sheet1.xml", 100))


def test_r_f1_doctype_is_refused() -> None:
    core = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<cp:coreProperties xmlns:cp="x">&b;</cp:coreProperties>')
    data = rezip(xlsx_bytes({"S": [["a"]]}), {"docProps/core.xml": core})
    with pytest.raises(UnreadableFile, match="DOCTYPE"):
        read_bytes(data)


def test_r_f1_sheet_over_the_row_limit_is_refused_alone() -> None:
    data = xlsx_bytes({"谈心谈话": [["谈话人"]] + [["张三"]] * 30, "问题清单": [["编号"], ["Q1"]]})
    book = read_bytes(data, max_rows=10)
    big = book.sheets["谈心谈话"]
    assert big.rows == [] and "31 行，超过每表 10 行的上限" in big.error
    assert book.sheets["问题清单"].rows == [["编号"], ["Q1"]] and not book.sheets["问题清单"].error
    assert not read_bytes(data, max_rows=31).sheets["谈心谈话"].error


# --- what the container tells ----------------------------------------------------------------

def test_uncached_formulas_openpyxl(tmp_path: Path) -> None:
    """openpyxl writes formulas with an empty <v/>: nobody computed them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "会议情况"
    ws.append(["类型", "应到", "实到"])
    ws.append(["党员大会", 30, "=B2-2"])
    ws.append(["支委会", 5, 5])
    wb.save(tmp_path / "f.xlsx")
    sheet = read_path(tmp_path / "f.xlsx").sheets["会议情况"]
    assert sheet.uncached_formulas == {(1, 2)}
    assert sheet.rows[1][2] in ("", None)


def test_uncached_formulas_xlsxwriter() -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=1+1")  # cached 0: XlsxWriter's default value
    ws.write_formula("A2", "=1+1", None, "")  # value="": written to force a recalculation
    ws.write_formula("A3", '="a"&"b"', None, "ab")  # cached text
    ws.write_formula("A4", "=1/0", None, "#DIV/0!")  # cached error
    wb.close()
    sheet = read_bytes(buf.getvalue()).sheets["S"]
    assert sheet.uncached_formulas == {(1, 0)}
    assert sheet.rows[0][0] == 0 and sheet.rows[2][0] == "ab"


def test_uncached_formula_without_cell_references() -> None:
    """Cells may omit r="A1": positions follow from the order of <row> and <c>."""
    sheet_xml = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                 b'spreadsheetml/2006/main"><sheetData><row r="1"><c t="str"><v>x</v></c></row>'
                 b'<row r="3"><c><v>1</v></c><c><f>A3*2</f></c></row></sheetData></worksheet>')
    data = rezip(xlsx_bytes({"S": [["x"]]}), {"xl/worksheets/sheet1.xml": sheet_xml})
    assert read_bytes(data).sheets["S"].uncached_formulas == {(2, 1)}


def test_date1904_and_saved_time_from_xlsx() -> None:
    book = read_bytes(xlsx_bytes({"S": [["a"]]}, date_1904=True))
    assert book.date1904
    core = (b'<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.'
            b'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dcterms="http://purl'
            b'.org/dc/terms/"><dcterms:modified>2017-03-20T08:30:00+08:00</dcterms:modified>'
            b'</cp:coreProperties>')
    book = read_bytes(rezip(xlsx_bytes({"S": [["a"]]}), {"docProps/core.xml": core}))
    assert not book.date1904
    assert book.saved == dt.datetime(2017, 3, 20, 0, 30, tzinfo=dt.UTC)
    assert read_bytes(rezip(xlsx_bytes({"S": [["a"]]}), {"docProps/core.xml": None})).saved is None


def test_xls_facts_from_the_container() -> None:
    """DATEMODE gives date1904; SummaryInformation's PIDSI_LASTSAVE_DTM the saved time."""
    filetime = int((dt.datetime(2017, 3, 20, 1, 2, 3, tzinfo=dt.UTC)
                    - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds()) * 10_000_000
    section = struct.pack("<III", 0, 1, 0x0D) + struct.pack("<I", 16) + struct.pack("<IQ", 0x40,
                                                                                  filetime)
    section = struct.pack("<I", len(section)) + section[4:]
    summary = (struct.pack("<HHI", 0xFFFE, 0, 0) + b"\0" * 16 + struct.pack("<I", 1)
               + b"\0" * 16 + struct.pack("<I", 48) + section)
    from pipeline.read import cfb as R  # the container facts, before calamine

    facts = R.cfb_facts(cfb({"Workbook": biff(BOF, (0x0022, b"\x01\x00"), (0x000A, b"")),
                              "\x05SummaryInformation": summary}))
    assert facts.date1904 and facts.format == "xls"
    assert facts.saved == dt.datetime(2017, 3, 20, 1, 2, 3, tzinfo=dt.UTC)


def test_macros_are_flagged_never_run(tmp_path: Path) -> None:
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0fake vba project")
    path = tmp_path / "第一支部.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("谈心谈话").write_row(0, 0, ["谈话人", "谈话对象"])
    wb.add_vba_project(str(vba))
    wb.close()
    book = read_path(path)
    assert book.has_macros and book.format == "xlsm"
    assert book.sheets["谈心谈话"].rows == [["谈话人", "谈话对象"]]


def test_external_links_are_flagged() -> None:
    data = rezip(xlsx_bytes({"S": [["a"]]}),
                 {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    book = read_bytes(data)
    assert book.external_links and book.sheets["S"].rows == [["a"]]


def test_rows_start_at_a1_whatever_the_first_cell() -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("S")
    ws.write("C5", "a")
    ws.write("D9", "b")
    wb.close()
    rows = read_bytes(buf.getvalue()).sheets["S"].rows
    assert len(rows) == 9 and rows[4][2] == "a" and rows[8][3] == "b"
    assert all(v == "" for row in rows[:4] for v in row)


def test_raw_workbook_defaults_keep_the_old_api() -> None:
    book = RawWorkbook({})
    assert book.sheet("x") is None and book.saved is None and not book.date1904


# --- header finding (table.py) -----------------------------------------------------------------

def test_locate_folds_full_width_spaces_breaks_and_marks() -> None:
    rows = [["谈心谈话记录"], [],
            ["谈　话　人", "谈话\n对象", "*日 期", "形式（必填）", "主要内容：", "备注"],
            ["张三", "李四", "2017/3/15", "当面谈", "交流思想", ""]]
    table = locate(rows, C.TALKS_SHEET.headers, file="f", sheet=C.TALKS)
    assert isinstance(table, Table)
    assert table.header_row == 3 and list(table.frame.index) == [4]
    assert table.letters == {"谈话人": "A", "谈话对象": "B", "日期": "C", "形式": "D",
                             "主要内容": "E", "备注": "F"}
    assert table.raw is rows


def test_locate_trailing_hint_only_for_required_headers() -> None:
    rows = [["票号", "王伟(2)", "完成时限（年/月/日）"], ["1", "优秀", ""]]
    header = find_header(rows, ["票号", "完成时限"], keep=["王伟"])
    assert not isinstance(header, MissingColumns)
    assert header.columns == {"票号": 0, "完成时限": 2}
    assert header.extras == {"王伟(2)": 1}  # a member name is never cut to another name


def test_locate_merged_header_over_two_columns() -> None:
    rows = [["谈话人", "谈话对象", "日期", "形式", "主要内容", ""],
            ["张三", "李四", "3/15", "当面谈", "交流思想", ""]]
    merged = [((0, 4), (0, 5))]
    table = locate(rows, C.TALKS_SHEET.headers, file="f", sheet=C.TALKS, merged=merged)
    assert isinstance(table, Table) and list(table.frame.columns) == list(C.TALKS_SHEET.headers)
    rows[1][5] = "（续）"  # a value under the merged header's second column is kept
    table = locate(rows, C.TALKS_SHEET.headers, file="f", sheet=C.TALKS, merged=merged)
    assert isinstance(table, Table) and table.extra_columns == ("主要内容(F)",)
    assert table.frame.loc[2, "主要内容(F)"] == "（续）"


def test_locate_reports_missing_columns_with_best_row() -> None:
    rows = [["标题"], ["谈话人", "谈话对象", "时间"]]
    found = locate(rows, C.TALKS_SHEET.headers, file="f", sheet=C.TALKS)
    assert found == MissingColumns(("日期", "形式", "主要内容"), 2)
