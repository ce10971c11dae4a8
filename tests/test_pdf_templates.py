"""Templates print: LibreOffice converts each one to PDF with Chinese titles and headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import write_xlsx
from office import page_sizes, pdf_text, require_office, to_pdf
from test_templates import ROSTER_HEADER, ROSTER_ROWS

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.read.roster import load_roster
from pipeline.write.style import display_width
from pipeline.write.templates import write_templates

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> dict[str, Path]:
    require_office()
    base = tmp_path_factory.mktemp("pdf")
    roster = load_roster(write_xlsx(base / "roster.xlsx",
                                    {"Sheet": [ROSTER_HEADER, *ROSTER_ROWS]}), campaign)
    paths = write_templates(campaign, roster, base / "xlsx")
    to_pdf(paths, base / "pdf")
    return {p.stem: base / "pdf" / f"{p.stem}.pdf" for p in paths}


def test_every_template_converts(pdfs: dict[str, Path]) -> None:
    assert sorted(pdfs) == sorted(["第一支部", "第二支部", "党总支"])
    for pdf in pdfs.values():
        assert pdf.is_file() and pdf.stat().st_size > 0


@pytest.mark.parametrize("stem,prefix", [("第一支部", "第一支部"), ("第二支部", "第二支部"),
                                         ("党总支", "徐汇区教师进修学院党总支")])
def test_chinese_titles_and_headers_print(pdfs: dict[str, Path], stem: str, prefix: str) -> None:
    text = pdf_text(pdfs[stem])
    assert "填表说明" in text and "报送表格填表说明" in text
    general = stem == "党总支"
    for spec in C.DATA_SHEETS:
        if general and not spec.general:
            assert f"{prefix}{spec.title}" not in text
            continue
        assert f"{prefix}{spec.title}" in text, (stem, spec.name)
        for col in spec.columns:
            if display_width(col.header) <= col.width:  # wrapped headers may split in the text
                assert col.header in text, (stem, spec.name, col.header)
    assert C.TEMPLATE_ID not in text  # the hidden _meta sheet does not print


def test_ballot_columns_and_names_print(pdfs: dict[str, Path]) -> None:
    text = pdf_text(pdfs["第一支部"])
    assert "票号赵强王芳李明吴敏" in text
    assert "不评定等次" in text


def test_a4_pages_guide_portrait_sheets_landscape(pdfs: dict[str, Path]) -> None:
    for stem, pdf in pdfs.items():
        sizes = page_sizes(pdf)
        assert sizes, stem
        for w, h in sizes:  # A4 = 595 x 842 points
            assert {round(w), round(h)} == {595, 842}, (stem, w, h)
        assert sizes[0][0] < sizes[0][1]  # 填表说明 portrait
        assert sizes[-1][0] > sizes[-1][1]  # 会议情况 landscape


def test_guide_lines_stay_inside_the_right_margin(pdfs: dict[str, Path]) -> None:
    """#10 case 20: 填表说明 printed cut off on the right in LibreOffice (the column was wider
    than A4 portrait between the margins, and LibreOffice does not shrink it)."""
    import subprocess

    from office import PDFTOTEXT

    assert PDFTOTEXT is not None
    for stem, pdf in pdfs.items():
        out = subprocess.run([PDFTOTEXT, "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                             check=True, capture_output=True, timeout=60).stdout.decode()
        right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', out))
        width = page_sizes(pdf)[0][0]
        assert right <= width - 0.6 * 72 + 1, (stem, right, width)  # 0.6 in right margin
