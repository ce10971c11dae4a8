"""orglife consolidate end to end: the demo inbox, tallies by hand, accounting, safety, bytes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from office import pdf_text, require_office, to_pdf

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
FILING_NAME = "徐汇区教师进修学院党总支-2017-专题组织生活会备案.xlsx"
# the full filing is the office's 工作底稿, written beside the 备案 (pipeline/report)
WORKPAPER_NAME = "徐汇区教师进修学院党总支-2017-专题组织生活会工作底稿.xlsx"
SHEETS = ["汇总", "民主评议结果", "问题清单", "整改清单", "谈心谈话", "补课名单", "校验问题", "说明"]


def consolidate(inbox: Path, out: Path):
    return CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                     "--config", str(CONFIG)])


def rows(ws) -> list[dict]:
    """Data rows of a filing sheet as dicts keyed by the header row (the row holding 支部/文件)."""
    values = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] in ("支部", "文件", "级别"))
    header = values[head]
    return [dict(zip(header, r)) for r in values[head + 1:] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def filing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("filing")
    result = consolidate(INBOX, out)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"备案工作簿（报教育党工委）：{out / FILING_NAME}" in result.stdout
    assert f"工作底稿（办公室留存）：{out / WORKPAPER_NAME}" in result.stdout
    return out / WORKPAPER_NAME


@pytest.fixture(scope="module")
def book(filing: Path):
    return openpyxl.load_workbook(filing)


def test_filing_has_every_contract_sheet(book):
    assert [s for s in book.sheetnames if s in SHEETS] == SHEETS
    assert book.sheetnames[0] == "汇总"


# Counted by hand from 第一支部.xlsx and 第二支部.xls (民主测评): per member the number of
# ballots whose cell reads each grade; blank cells (and the one blank ballot, 票号 027) are 弃权.
EXPECTED = {
    ("第一支部", "史永红"): (2, 30, 0, 0, 1, 32, "合格"),
    ("第一支部", "郭永红"): (23, 6, 0, 0, 4, 29, "优秀"),
    ("第二支部", "高慧敏"): (0, 10, 26, 3, 2, 39, "基本合格"),
    ("第二支部", "王伟"): (2, 37, 2, 0, 0, 41, "合格"),
    ("第二支部", "王伟(2)"): (25, 14, 0, 0, 2, 39, "优秀"),
}


def test_tallies_match_the_ballots_counted_by_hand(book):
    results = {(r["支部"], r["姓名"]): r for r in rows(book["民主评议结果"])}
    for key, (ex, ok, basic, bad, abstain, valid, grade) in EXPECTED.items():
        r = results[key]
        got = (r["优秀票"], r["合格票"], r["基本合格票"], r["不合格票"], r["弃权票"], r["有效票"],
               r["评定等次"])
        assert got == (ex, ok, basic, bad, abstain, valid, grade), key


def test_not_graded_and_pending_rows_have_empty_counts(book):
    results = {(r["支部"], r["姓名"]): r for r in rows(book["民主评议结果"])}
    exempt = results[("第一支部", "王树林")]  # 总支书记, attended the 民主生活会
    absent = results[("第一支部", "范素珍")]  # absent, no 补课 yet
    assert exempt["评定等次"] == "不评定等次" and absent["评定等次"] == "待补课"
    for r in (exempt, absent):
        assert all(r[c] is None for c in ("优秀票", "合格票", "基本合格票", "不合格票", "弃权票"))
    makeup = [r["姓名"] for r in rows(book["补课名单"])]
    assert "范素珍" in makeup


def test_every_member_is_in_the_results(book):
    results = rows(book["民主评议结果"])
    assert len(results) == 140  # 34 + 41 + 28 + 37 members in workbooks/roster.xlsx
    assert len({(r["支部"], r["姓名"]) for r in results}) == 140


def test_row_accounting_read_equals_filing_plus_report(book):
    counts = rows(book["行数核对"])
    assert counts and all(c["读入行数"] == c["计入备案"] + c["仅在校验问题"] + c["被替代"]
                          for c in counts)
    used = {}
    for c in counts:
        used[c["工作表"]] = used.get(c["工作表"], 0) + c["计入备案"]
    assert len(rows(book["问题清单"])) == used["问题清单"]
    assert len(rows(book["整改清单"])) == used["整改清单"]


def test_summary_says_passed(book):
    text = " ".join(str(v) for r in book["汇总"].iter_rows(values_only=True) for v in r if v)
    assert "通过校验" in text and "未通过校验" not in text


def test_consolidating_twice_gives_the_same_bytes(tmp_path: Path, filing: Path):
    again = consolidate(INBOX, tmp_path / "again.xlsx")
    assert again.exit_code == 0
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(tmp_path / WORKPAPER_NAME) == digest(filing)


def test_formula_text_in_a_problem_stays_text(tmp_path: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["问题清单"]
    col = next(c.column for c in ws[2] if c.value == "问题描述")
    ws.cell(3, col).value = "=1+1"
    ws.cell(4, col).value = '=HYPERLINK("http://x","y")'
    ws.cell(3, col).data_type = ws.cell(4, col).data_type = "s"  # typed as text, as users paste
    wb.save(path)
    out = tmp_path / "out.xlsx"
    assert consolidate(inbox, out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["问题清单"]
    cells = [c for row in sheet.iter_rows() for c in row
             if c.value in ("=1+1", '=HYPERLINK("http://x","y")')]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert not sheet._hyperlinks


def test_exit_1_when_errors_and_the_filing_is_still_written(tmp_path: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["民主测评"].cell(5, 3).value = "良好"
    wb.save(path)
    out = tmp_path / "out.xlsx"
    result = consolidate(inbox, out)
    assert result.exit_code == 1
    assert "未通过校验" in result.stdout
    summary = " ".join(str(v) for r in openpyxl.load_workbook(out)["汇总"].iter_rows(values_only=True)
                       for v in r if v)
    assert "未通过校验" in summary
    issues = rows(openpyxl.load_workbook(tmp_path / WORKPAPER_NAME)["校验问题"])
    b1 = [i for i in issues if i["规则"] == "R-B1"]
    # R-B6: the filing names the member's column, not the ballot's row (the terminal says C5)
    assert b1 and b1[0]["文件"] == "第一支部.xlsx" and b1[0]["单元格"] == "C"
    assert b1[0]["级别"] == "错误" and "1 张票" in b1[0]["说明"] and "良好" not in b1[0]["说明"]
    assert "第一支部.xlsx 民主测评!C5" in result.stdout


def test_exit_2_on_usage_errors(tmp_path: Path):
    missing = consolidate(tmp_path / "no-such-inbox", tmp_path / "x.xlsx")
    assert missing.exit_code == 2 and "收件箱文件夹不存在" in missing.stderr
    inside = consolidate(INBOX, INBOX / "备案.xlsx")
    assert inside.exit_code == 2 and "不能写在收件箱里" in inside.stderr
    assert not (INBOX / "备案.xlsx").exists()


@pytest.mark.slow
def test_filing_prints_every_sheet_title_in_libreoffice(filing: Path, tmp_path: Path):
    require_office()
    to_pdf([filing], tmp_path)
    text = pdf_text(tmp_path / f"{filing.stem}.pdf")
    for sheet in SHEETS:
        assert f"2017年专题组织生活会{sheet}" in text, sheet
    assert "第1页共" in text
