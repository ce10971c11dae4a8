"""The 备案 that goes up: its sheets, nothing internal, the chart, print setup, same bytes, and
on paper (LibreOffice → PDF) every page at ≥ 9 pt with 汇总 on exactly one page."""

from __future__ import annotations

import hashlib
import re
import statistics
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from office import PDFTOTEXT, page_sizes, require_office, to_pdf
from report_fixtures import BEIAN, INBOX, SUMMARY, WORKPAPER, consolidate, table

SHEETS = ["汇总", "民主评议党员情况", "民主评议结果", "问题清单", "整改清单", "补课名单", "说明"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("beian")
    result = consolidate(INBOX, out)
    assert result.exit_code == 0, result.output + result.stderr
    return out


@pytest.fixture(scope="module")
def book(out: Path):
    return openpyxl.load_workbook(out / BEIAN)


def test_consolidate_writes_beian_workpaper_and_summary(out: Path):
    assert sorted(p.name for p in out.iterdir()) == sorted([BEIAN, WORKPAPER, SUMMARY])


def test_sheets_in_order_and_no_disposal_sheet_without_unfit(book):
    assert book.sheetnames == SHEETS  # nobody is graded 不合格 in the demo: no 处置名单


def test_nothing_internal_goes_up(book, out: Path):
    text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)
    for internal in ("SHA-256", "行号", "校验问题", "行数核对", ".xlsx", ".xls", "R-", "文件"):
        assert internal not in text, internal
    work = openpyxl.load_workbook(out / WORKPAPER, read_only=True)
    assert {"校验问题", "行数核对", "谈话矩阵", "报送情况"} <= set(work.sheetnames)


def test_results_have_at_most_14_columns_and_the_hand_counted_votes(book):
    rows = table(book["民主评议结果"])
    assert len(rows[0]) <= 14 and len(rows) == 140
    by = {(r["支部"], r["姓名"]): r for r in rows}
    # counted by hand from 第二支部's 民主测评 (tests/test_consolidate.py EXPECTED)
    r = by[("第二支部", "高慧敏")]
    assert (r["优秀票"], r["合格票"], r["基本合格票"], r["不合格票"], r["弃权票"], r["有效票"],
            r["支部评定"], r["总支审核"]) == (0, 10, 26, 3, 2, 39, "基本合格", "待审核")
    assert r["备注"].startswith("评定理由：")
    assert by[("第一支部", "范素珍")]["备注"] == "缺席（出国访学），待补课"
    assert by[("第三支部", "吕瑞琪")]["备注"] == "缺席（外出培训），2017/4/7 已补课"
    exempt = by[("第一支部", "王树林")]
    assert exempt["支部评定"] == exempt["最终等次"] == "不评定等次" and exempt["优秀票"] is None


def test_summary_rows_and_completeness_in_words(book):
    rows = {r["支部"]: r for r in table(book["汇总"])}
    assert list(rows) == ["党总支", "第一支部", "第二支部", "第三支部", "第四支部", "合计"]
    assert rows["第四支部"]["报送情况"] == "材料齐全"  # sent by the 4/14 send deadline
    assert rows["合计"]["报送情况"] == "5/5 个单位材料齐全"
    total = rows["合计"]
    assert (total["党员"], total["参加评议"], total["缺席"], total["待补课"], total["测评对象"]) \
        == (140, 138, 3, 2, 132)
    assert (total["优秀"], total["合格"], total["基本合格"], total["不合格"], total["不评定等次"]) \
        == (29, 100, 1, 0, 8)


def test_lists_are_the_filing_rows_without_trace_columns(book):
    problems = table(book["问题清单"])
    assert len(problems) == 178 and list(problems[0]) == ["支部", "编号", "对象", "类别",
                                                          "问题描述", "来源"]
    rect = table(book["整改清单"])
    assert len(rect) == 165 and "文件" not in rect[0]
    assert [r["姓名"] for r in table(book["补课名单"])] == ["范素珍", "吕瑞琪", "沈鹏程"]


def test_chart_of_the_grades_per_branch(out: Path, book):
    with zipfile.ZipFile(out / BEIAN) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = z.read(charts[0]).decode("utf-8")
    assert charts == ["xl/charts/chart1.xml"]
    assert xml.count("<c:ser>") == 4 and "<c:barChart>" in xml
    assert "汇总!$A$5:$A$8" in xml  # the four branches' rows of the table
    ws = book["汇总"]
    assert len(ws._charts) == 1


def test_print_setup_freeze_filter_and_text_cells(book):
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.freeze_panes, ws.title
        assert ws.auto_filter.ref, ws.title
        assert ws.print_title_rows, ws.title
        assert "第 &P 页 共 &N 页" in (ws.oddFooter.center.text or ""), ws.title
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
    summary = book["汇总"]  # one page tall (1 is the default XlsxWriter leaves out)
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToHeight in (None, 1)
    assert all(ws.page_setup.fitToHeight == 0 for ws in book.worksheets[1:])


def test_same_inputs_same_bytes(tmp_path: Path, out: Path):
    assert consolidate(INBOX, tmp_path).exit_code == 0
    for name in (BEIAN, WORKPAPER, SUMMARY):
        digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / name, tmp_path / name)]
        assert digest[0] == digest[1], name


# --- on paper -------------------------------------------------------------------------------

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<')
CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def words(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Per page: (box width, box height, text) of every word pdftotext finds."""
    assert PDFTOTEXT is not None
    xml = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    return [[(float(x1) - float(x0), float(y1) - float(y0), w)
             for x0, y0, x1, y1, w in WORD.findall(page)] for page in xml.split("<page ")[1:]]


def font_sizes(pages: list[list[tuple[float, float, str]]]) -> list[float]:
    """The smallest text size on each page. A CJK glyph is one em wide, so a horizontal
    all-CJK word gives size = width / characters; that calibrates the box height of the font
    (height = k × size), and every word's size is then its box height / k."""
    ratios = [h / (w / len(t)) for page in pages for w, h, t in page if CJK.match(t) and w > h]
    k = statistics.median(ratios)
    return [min(h for _, h, _ in page) / k for page in pages]


def calibri_metrics() -> None:
    """LibreOffice turns column widths into points with the workbook's default font, Calibri;
    a stand-in with other metrics (DejaVu Sans) makes every column ~25 % wider than in Excel
    and the page is scaled down: that measures the machine, not the 备案."""
    face = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    if "Carlito" not in face and "Calibri" not in face:
        pytest.fail(f"Calibri resolves to {face.strip()!r}: install fonts-crosextra-carlito "
                    "(Calibri's metric twin; .ci/run does)")


@pytest.fixture(scope="module")
def pdf(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_office()
    calibri_metrics()
    target = tmp_path_factory.mktemp("beian-pdf")
    source = target / "beian.xlsx"
    source.write_bytes((out / BEIAN).read_bytes())  # an ASCII name for LibreOffice
    to_pdf([source], target)
    return target / "beian.pdf"


@pytest.mark.slow
def test_every_page_is_a4_and_readable_at_9pt(pdf: Path):
    pages = words(pdf)
    assert all(sorted(size) == pytest.approx([595.3, 841.9], abs=1) for size in page_sizes(pdf))
    sizes = font_sizes(pages)
    assert len(sizes) >= 7
    low = [(n + 1, round(s, 2)) for n, s in enumerate(sizes) if s < 9.0]
    assert not low, f"pages with text under 9 pt: {low}"


@pytest.mark.slow
def test_summary_is_exactly_one_page_with_its_chart(pdf: Path):
    pages = words(pdf)
    titles = ["".join(t for _, _, t in page[:3]) for page in pages]
    on_summary = [n for n, t in enumerate(titles) if t.endswith("汇总")]
    assert on_summary == [0]
    first = {t for _, _, t in pages[0]}
    assert {"第一支部", "第四支部", "合计"} <= first
    assert any(t.startswith("各支部评议结果") for t in first)  # the chart's title
    assert not any("汇总" in t and n for n, t in enumerate(titles))


def test_over_long_text_is_marked_not_cut_silently(tmp_path: Path):
    """A cell holds 32,767 characters: a longer text says where the whole is (the 工作底稿
    splits it over continuation rows)."""
    from xlsxwriter.workbook import Workbook

    from pipeline.report.layout import CUT, Column, Styles, Table, write_table

    path = tmp_path / "long.xlsx"
    wb = Workbook(str(path), {"strings_to_formulas": False})
    table = Table("问题清单", "标题", [Column("支部"), Column("问题描述", "prose")],
                  [["第一支部", "问" * 40000]])
    write_table(wb, Styles(wb), table)
    wb.close()
    ws = openpyxl.load_workbook(path)["问题清单"]
    cell = ws.cell(3, 2).value
    assert len(cell) == 32767 and cell.endswith(CUT)
    assert 400 < ws.row_dimensions[3].height <= 409.5  # Excel's row limit (pixel-rounded)
