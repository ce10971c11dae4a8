"""整改清单公示 on the demo inbox: the six columns, A4 portrait print setup, and the PDF's
Chinese text through LibreOffice."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from office import page_sizes, pdf_text, require_office
from test_followup_review import INBOX, setup_office

from pipeline.cli import main

UNITS = ["党总支", "第一支部", "第二支部", "第三支部", "第四支部"]


@pytest.fixture(scope="module")
def publicity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    base = tmp_path_factory.mktemp("publicity")
    config = setup_office(base / "workbooks")
    out = base / "公示"
    result = CliRunner().invoke(main, ["publicity", str(INBOX), "--config", str(config),
                                       "-o", str(out), "--no-pdf"])
    return out, result


def test_one_sheet_per_unit_with_the_contract_columns(publicity):
    out, result = publicity
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(f"{u}-整改清单公示.xlsx"
                                                               for u in UNITS)
    ws = openpyxl.load_workbook(out / "第一支部-整改清单公示.xlsx")["整改清单公示"]
    assert ws["A1"].value == "徐汇区教师进修学院党总支第一支部整改清单公示"
    assert ws["A2"].value.startswith("公示期：2017年4月18日至2017年4月24日（7天）")
    assert [c.value for c in ws[3]] == ["对象", "整改事项", "整改措施", "责任人", "完成时限",
                                        "完成情况"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    assert ("班子", "严肃开展批评和自我批评") == rows[0][:2]
    assert ws["A4"].font.name == "仿宋"
    general = openpyxl.load_workbook(out / "党总支-整改清单公示.xlsx")["整改清单公示"]
    assert general["A1"].value == "徐汇区教师进修学院党总支整改清单公示"


def test_print_setup_is_a4_portrait_fit_to_width_with_titles(publicity):
    out, _ = publicity
    ws = openpyxl.load_workbook(out / "第二支部-整改清单公示.xlsx")["整改清单公示"]
    assert ws.page_setup.paperSize in (9, "9")
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (fitToWidth absent = 1, the OOXML default), as many pages tall as needed
    assert ws.page_setup.fitToWidth in (None, 1, "1")
    assert ws.page_setup.fitToHeight in (0, "0")
    assert ws.print_title_rows == "$1:$3"
    # rows sized to their wrapped text: a two-line 整改措施 row is taller than one line
    heights = [ws.row_dimensions[r].height for r in range(4, ws.max_row + 1)
               if ws.cell(r, 2).value]
    assert all(h and h >= 21 for h in heights) and max(heights) >= 36


@pytest.mark.slow
def test_pdf_is_a4_with_chinese_text(tmp_path: Path):
    require_office()
    config = setup_office(tmp_path / "workbooks")
    out = tmp_path / "公示"
    result = CliRunner().invoke(main, ["publicity", str(INBOX), "--config", str(config),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out / "第三支部-整改清单公示.pdf"
    assert pdf.exists(), result.output
    text = pdf_text(pdf)
    assert "徐汇区教师进修学院党总支第三支部整改清单公示" in text
    assert "公示期：2017年4月18日至2017年4月24日" in text and "整改措施" in text
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in sizes)
