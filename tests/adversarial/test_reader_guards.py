"""The reader's guards against inputs that would exhaust memory, at the unit level: a sheet's
span is taken from its cell references before calamine allocates it (xlsx per sheet; xls and
ods per file, since calamine parses all their sheets on open), in every spelling XML allows,
and ordinary wide or long sheets are not refused."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from pipeline.read import UnreadableFile, read_bytes

from .corpus import meetings_rows, ods_book, rezip, sheet_part

HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
TAIL = "</sheetData></worksheet>"


def xlsx(rows: list[list[object]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("S")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def with_sheet_xml(body: str) -> bytes:
    data = xlsx([["a"]])
    return rezip(data, {sheet_part(data, "S"): (HEAD + body + TAIL).encode()})


@pytest.mark.parametrize("cell", [
    '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "<c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>",
    '<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    '<c\tr="xfd1048576" t="inlineStr"><is><t>x</t></is></c>',
])
def test_a_far_cell_is_refused_before_it_is_allocated(cell: str) -> None:
    body = f'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576">{cell}</row>'
    sheet = read_bytes(with_sheet_xml(body)).sheets["S"]
    assert sheet.rows == [] and "1048576 行" in sheet.error and "max_rows_per_sheet" in sheet.error


def test_a_far_row_without_cell_references_is_refused() -> None:
    body = ('<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>'
            '<row r="1048576">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 100 + "</row>")
    sheet = read_bytes(with_sheet_xml(body)).sheets["S"]
    assert sheet.rows == [] and "1048576 行" in sheet.error


def test_wide_and_long_ordinary_sheets_are_read() -> None:
    wide = read_bytes(xlsx([["合格"] * 60 for _ in range(300)])).sheets["S"]  # a 民主测评
    assert len(wide.rows) == 300 and len(wide.rows[0]) == 60 and not wide.error
    long = read_bytes(xlsx([["张三", "李四", 1] for _ in range(20_000)])).sheets["S"]
    assert len(long.rows) == 20_000 and not long.error


def test_the_span_limit_follows_max_rows() -> None:
    data = xlsx([["x"] * 30 for _ in range(40)])
    assert not read_bytes(data, max_rows=40).sheets["S"].error
    assert "数据区域过大" in read_bytes(data, max_rows=2).sheets["S"].error or \
        "超过每表 2 行" in read_bytes(data, max_rows=2).sheets["S"].error


def test_an_ods_table_beyond_the_limit_refuses_the_file() -> None:
    ok = ods_book({"S": [["a"], 1048500]})  # LibreOffice's repeated empty rows are nothing
    assert read_bytes(ok).sheets["S"].rows == [["a"]]
    far = ods_book({"S": [["a"], 1048570, [(47,), "x"]]})
    with pytest.raises(UnreadableFile, match="数据区域过大"):
        read_bytes(far)


def test_an_ods_repeated_row_with_content_counts_every_repeat() -> None:
    data = ods_book({"S": [["a"], 5, [(40,), "x"]]})
    assert len(read_bytes(data).sheets["S"].rows) == 7
    assert read_bytes(ods_book({"S": [[str(v) for v in r] for r in meetings_rows()]})).format == "ods"


@pytest.mark.parametrize("part", ["sheet", "xl/sharedStrings.xml", "xl/styles.xml"])
def test_a_doctype_anywhere_calamine_parses_is_refused(part: str) -> None:
    data = xlsx([["a", "b"]])
    name = sheet_part(data, "S") if part == "sheet" else part
    with io.BytesIO(data) as raw:
        import zipfile

        xml = zipfile.ZipFile(raw).read(name).decode()
    head, _, rest = xml.partition("?>")
    bomb = head + '?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + rest
    with pytest.raises(UnreadableFile, match="DOCTYPE"):
        read_bytes(rezip(data, {name: bomb.encode()}))
