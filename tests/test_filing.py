"""The filing workbook (SPEC §7) read back with openpyxl: sheets, headers, freeze, filter, print
setup, text never a formula, long text never cut, same inputs → same bytes, atomic write."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_aggregate import PROBLEMS, ballot_issues, example, general

from pipeline import contract as C
from pipeline.consolidate.filing import aggregate
from pipeline.consolidate.results import result_columns
from pipeline.contract import FAILED, PASSED, TOTAL
from pipeline.issues import RULES, issue
from pipeline.model import InputFile, Report, SheetCount
from pipeline.write import filing as F
from pipeline.write.filing import SHEET_NAMES, write_filing
from pipeline.write.layout import CONTINUATION, CONTINUED, split_text
from pipeline.write.report import write_report
from pipeline.write.style import EXCEL_CELL_LIMIT

FORMULA = '=HYPERLINK("http://x","y")'
SHA_USED, SHA_OLD = "a" * 64, "b" * 64


def report(issues: list) -> Report:
    files = [InputFile(Path("inbox/第一支部.xlsx"), "第一支部.xlsx", SHA_USED, 2048,
                       branch="第一支部", status="已采用"),
             InputFile(Path("inbox/第一支部-旧.xlsx"), "第一支部-旧.xlsx", SHA_OLD, 1024,
                       branch="第一支部", status="已被替代", note="被 第一支部.xlsx 替代")]
    counts = [SheetCount("第一支部.xlsx", C.PROBLEMS, "第一支部", read=5, used=5),
              SheetCount("第一支部-旧.xlsx", C.PROBLEMS, "第一支部", read=2, superseded=2)]
    return Report(issues=issues, files=files, counts=counts)


def build(campaign, path: Path, extra_issues: list | None = None,
          problems: list[list[Any]] | None = None) -> Path:
    b = example(**({C.PROBLEMS: problems} if problems else {}))
    issues = ballot_issues(b, campaign) + (extra_issues or [])
    filing = aggregate([general(), b], issues, campaign)
    write_filing(filing, report(issues), campaign, path)
    return path


def sheet_rows(ws) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def header(ws, row: int) -> list[str]:
    return [c.value for c in ws[row] if c.value is not None]


@pytest.fixture
def book(campaign, tmp_path):
    problems = [*PROBLEMS, ["Q9", "班子", "党员日常管理", FORMULA, "其他"]]
    path = build(campaign, tmp_path / "备案.xlsx", problems=problems)
    return openpyxl.load_workbook(path)


def test_sheet_names_exact_and_in_order(book):
    assert book.sheetnames == list(SHEET_NAMES)
    for name in ("汇总", "民主评议结果", "问题清单", "整改清单", "谈心谈话", "补课名单", "校验问题",
                 "说明"):
        assert name in book.sheetnames


def test_titles_and_headers(book, campaign):
    title = "徐汇区教师进修学院党总支 2017年专题组织生活会"
    for name in SHEET_NAMES:
        assert book[name]["A1"].value == f"{title} {name}"
    results = book["民主评议结果"]
    assert header(results, 3) == result_columns(campaign)
    for col in ("支部", "姓名", "党员类别", "优秀票", "合格票", "基本合格票", "不合格票", "弃权票",
                "有效票", "评定等次", "提示"):
        assert col in header(results, 3)
    issues = header(book["校验问题"], 2)
    for col in ("级别", "规则", "文件", "工作表", "单元格", "说明", "支部", "发现值", "应为"):
        assert col in issues
    assert header(book["问题清单"], 2)[:6] == ["支部", "编号", "对象", "类别", "问题描述", "来源"]
    assert header(book["汇总"], 3)[0] == "支部"


def test_column_meanings_as_header_comments(book):
    ws = book["民主评议结果"]
    cells = {c.value: c for c in ws[3]}
    assert "不计入" in cells["优秀票"].comment.text  # 优秀 is not counted inside 合格
    assert "空白票" in cells["弃权票"].comment.text


def test_frozen_panes_and_filters(book):
    expected = {"汇总": "B4", "民主评议结果": "C4", "问题清单": "A3", "整改清单": "A3",
                "谈心谈话": "A3", "补课名单": "A3", "校验问题": "A3", "行数核对": "A3",
                "谈话矩阵": "A2", "说明": "A2"}
    for name, cell in expected.items():
        assert book[name].freeze_panes == cell, name
    assert book["民主评议结果"].auto_filter.ref == "A3:W11"  # 8 members
    for name in ("汇总", "问题清单", "整改清单", "整改覆盖", "谈心谈话", "补课名单", "报送情况",
                 "校验问题", "行数核对"):
        assert book[name].auto_filter.ref, name


def test_print_setup_a4_landscape_fit_width_titles_footer(book):
    for name in SHEET_NAMES:
        ws = book[name]
        assert int(ws.page_setup.paperSize) == 9, name
        assert ws.page_setup.orientation == "landscape", name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        # fitToWidth is omitted when it is the OOXML default, 1
        assert (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight)) == (1, 0), name
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", name
    assert book["民主评议结果"].print_title_rows == "$1:$3"
    assert book["问题清单"].print_title_rows == "$1:$2"


def test_column_widths_count_chinese_as_two(book):
    ws = book["问题清单"]
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[2]}
    # "党员日常管理不够严格": 10 characters, 20 columns wide at least
    assert widths["问题描述"] >= 20


def test_input_text_is_text_never_a_formula(book):
    ws = book["问题清单"]
    cells = {c.value: c for row in ws.iter_rows(min_row=3) for c in row if c.value is not None}
    for text in ("=1+1", FORMULA):
        assert cells[text].data_type == "s"
    for name in book.sheetnames:
        ws = book[name]
        assert not ws._hyperlinks, name
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (name, c.coordinate)


def test_summary_marks_failed_while_errors_remain(campaign, tmp_path):
    error = issue("R-G2", "error", "评为不合格，必须写明评定理由", branch="第一支部",
                  file="第一支部.xlsx", sheet=C.GRADING, cell="C5")
    failed = openpyxl.load_workbook(build(campaign, tmp_path / "a.xlsx", [error]))["汇总"]
    assert FAILED in failed["A2"].value and "校验问题" in failed["A2"].value
    rows = {r[0]: r for r in sheet_rows(failed)[3:]}
    status = header(failed, 3).index("状态")
    assert rows["第一支部"][status] == FAILED
    assert rows[TOTAL][status] == FAILED
    # the 校验问题 sheet carries it with its location
    issues = sheet_rows(openpyxl.load_workbook(tmp_path / "a.xlsx")["校验问题"])
    assert ["错误", "R-G2", "第一支部", "第一支部.xlsx", C.GRADING, "C5"] in [r[:6] for r in issues]


def test_summary_passed_without_errors(campaign, tmp_path):
    b = example(**{C.BALLOTS: [["票号", "张书记", "李委员", "王一", "赵二", "钱三", "吴六"],
                               [1, "优秀", "合格", "合格", "合格", None, None]]})
    filing = aggregate([b], [], campaign)  # no 会议情况 sent: 不完整, not 通过 (#10 case 10)
    write_filing(filing, report([]), campaign, tmp_path / "part.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "part.xlsx")["汇总"]
    assert ws["A2"].value.startswith("校验结果：不完整 —— 没有错误，但尚有支部未报送")
    meetings = [["类型", "日期", "应到", "实到"], ["党员大会", "2017/3/31", 8, 6]]
    b = example(**{C.BALLOTS: [["票号", "张书记", "李委员", "王一", "赵二", "钱三", "吴六"],
                               [1, "优秀", "合格", "合格", "合格", None, None]],
                   C.MEETINGS: meetings})
    filing = aggregate([b], [], campaign)
    write_filing(filing, report([]), campaign, tmp_path / "ok.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "ok.xlsx")["汇总"]
    assert ws["A2"].value.startswith(f"校验结果：{PASSED}")


def test_long_text_is_split_over_continuation_rows_never_cut(campaign, tmp_path):
    long = "问" * 40000 + "\U00020000" * 10 + "x" * 30000  # 70,010 characters
    problems = [PROBLEMS[0], ["Q1", "班子", "党员日常管理", long, "自查"],
                ["Q2", "班子", "执行上级决定", "短", "自查"]]
    ws = openpyxl.load_workbook(build(campaign, tmp_path / "long.xlsx", problems=problems))["问题清单"]
    rows = [r for r in sheet_rows(ws)[2:] if r[0] == "第一支部"]
    pieces = [r for r in rows if r[1] == "Q1"]
    assert len(pieces) == 3
    texts = [r[4] for r in pieces]
    assert all(len(t.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT for t in texts)
    assert texts[0].endswith(CONTINUED) and texts[1].startswith(CONTINUATION)
    joined = "".join(t.removeprefix(CONTINUATION).removesuffix(CONTINUED) for t in texts)
    assert joined == long
    assert pieces[1][5] is None  # 来源 only on the first row; the keys 支部, 编号 repeat
    assert rows[-1][1] == "Q2"


def test_split_text_counts_utf16_units():
    assert split_text("短") == ["短"]
    text = "\U00020000" * 20000  # 40,000 UTF-16 units
    pieces = split_text(text)
    assert len(pieces) == 2
    assert all(len(p.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT for p in pieces)


@given(st.text(alphabet=st.sampled_from("ab问题\n\U00020000（）"), max_size=200))
def test_split_text_round_trips_within_the_limit(value):
    limit = 30
    pieces = split_text(value, limit)
    assert all(len(p.encode("utf-16-le")) // 2 <= limit for p in pieces)
    assert "".join(p.removeprefix(CONTINUATION).removesuffix(CONTINUED) if len(pieces) > 1
                   else p for p in pieces) == value


def test_same_inputs_same_bytes(campaign, tmp_path):
    a = build(campaign, tmp_path / "a.xlsx")
    b = build(campaign, tmp_path / "b.xlsx")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
    assert digest[0] == digest[1]


def test_notes_sheet_lists_config_rules_legend_and_input_files(book, campaign):
    cells = [v for r in sheet_rows(book["说明"]) for v in r if v is not None]
    for value in (SHA_USED, SHA_OLD, "第一支部-旧.xlsx", "已被替代", campaign.excellent_cap.describe(),
                  RULES["R-A1"].title, RULES["R-B4"].title, "优秀票"):
        assert value in cells, value


def test_row_accounting_sheet(book):
    rows = sheet_rows(book["行数核对"])
    assert rows[1] == ["文件", "工作表", "支部", "读入行数", "计入备案", "仅在校验问题", "被替代", "核对"]
    assert rows[-1] == [TOTAL, None, None, 7, 5, 0, 2, "一致"]


def test_results_sheet_one_row_per_member_with_empty_counts(book):
    ws = book["民主评议结果"]
    head = header(ws, 3)
    rows = {r[1]: dict(zip(head, r)) for r in sheet_rows(ws)[3:]}
    assert len(rows) == 8
    assert rows["孙四"]["评定等次"] == "不评定等次" and rows["孙四"]["优秀票"] is None
    assert rows["钱三"]["评定等次"] == "待补课" and rows["钱三"]["有效票"] is None
    assert rows["张书记"]["优秀票"] == 3 and rows["张书记"]["优秀票占比"] == pytest.approx(0.75)


def test_atomic_write_never_leaves_half_a_file(campaign, tmp_path, monkeypatch):
    target = build(campaign, tmp_path / "备案.xlsx")
    before = target.read_bytes()
    b = example()
    filing = aggregate([b], [], campaign)

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_filing(filing, report([]), campaign, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["备案.xlsx"]
    monkeypatch.undo()

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(F, "build_filing", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_filing(filing, report([]), campaign, tmp_path / "new.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["备案.xlsx"]


def test_validation_report_workbook(campaign, tmp_path):
    b = example()
    issues = ballot_issues(b, campaign)
    write_report(report(issues), campaign, tmp_path / "校验报告.xlsx", ["第一支部"])
    wb = openpyxl.load_workbook(tmp_path / "校验报告.xlsx")
    assert wb.sheetnames == ["校验问题", "行数核对", "说明"]
    ws = wb["校验问题"]
    assert FAILED in ws["A2"].value
    assert "R-B1" in [r[1] for r in sheet_rows(ws)[3:]]
