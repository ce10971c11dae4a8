"""End to end through the CLI: the demo inbox, a copy with hand-injected errors, R-F3, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.app import validate
from pipeline.cli import main
from pipeline.config import load_campaign
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--config", str(CONFIG)])


def column(ws, header: str) -> int:
    for cell in ws[2]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    target = tmp_path / "inbox"
    shutil.copytree(INBOX, target)
    return target


def outcome_of(inbox: Path):
    campaign = load_campaign(CONFIG)
    return validate(inbox, campaign, load_roster(campaign.roster_path, campaign))


def test_demo_inbox_has_the_planted_warnings_and_no_errors():
    result = run("validate", str(INBOX))
    assert result.exit_code == 0, result.output
    assert "共 0 个错误，3 个警告" in result.stdout
    assert "第二支部.xls 谈心谈话!C50" in result.stdout  # the late talk (R-T4)
    assert "黄德明 与 邵蕾蕾" in result.stdout  # the missing 必谈 pair (R-T1)


def test_demo_row_accounting_balances():
    report = outcome_of(INBOX).report
    assert report.counts and all(c.balanced for c in report.counts)
    superseded = [c for c in report.counts if c.superseded]
    # the earlier staged sends (dated folders) and 第三支部's first April file
    earlier = {p.relative_to(INBOX).as_posix() for p in INBOX.glob("2017-*/*.xlsx")}
    assert len(earlier) == 14
    assert {c.file for c in superseded} == {"第三支部.xlsx", *earlier}
    status = {f.name: f.status for f in report.files}
    assert all(status[name] == "已被替代" for name in earlier)


def test_injected_errors_are_reported_at_their_cells(inbox: Path):
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    ballots = wb["民主测评"]
    ballots.cell(5, 3).value = "良好"  # C5
    talks = wb["谈心谈话"]
    talks.cell(7, column(talks, "谈话对象")).value = "张无名"
    problems = wb["问题清单"]
    problems.cell(4, column(problems, "问题描述")).value = None
    fixes = wb["整改清单"]
    fixes.cell(6, column(fixes, "完成时限")).value = "长期坚持"
    meetings = wb["会议情况"]
    meetings.cell(3, column(meetings, "实到")).value = 999
    wb.save(path)

    issues = outcome_of(inbox).report.issues
    found = {(i.rule, i.sheet, i.cell) for i in issues if i.severity == "error"}
    d = openpyxl.utils.get_column_letter
    assert ("R-B1", "民主测评", "C5") in found
    assert ("R-T3", "谈心谈话", f"{d(column(talks, '谈话对象'))}7") in found
    assert ("R-Q3", "问题清单", f"{d(column(problems, '问题描述'))}4") in found
    assert ("R-R3", "整改清单", f"{d(column(fixes, '完成时限'))}6") in found
    assert ("R-M3", "会议情况", f"{d(column(meetings, '实到'))}3") in found
    b1 = next(i for i in issues if i.rule == "R-B1")
    assert b1.text.startswith("第一支部.xlsx 民主测评!C5：")
    assert "良好" in b1.message and "优秀/合格/基本合格/不合格" in b1.message

    result = run("validate", str(inbox))
    assert result.exit_code == 1
    assert "第一支部.xlsx 民主测评!C5" in result.stdout


def test_r_f3_missing_column_skips_only_that_sheet(inbox: Path):
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    talks = wb["谈心谈话"]
    talks.cell(2, column(talks, "形式")).value = "方式说明"
    problems = wb["问题清单"]
    problems.cell(4, column(problems, "问题描述")).value = None
    wb.save(path)
    outcome = outcome_of(inbox)
    f3 = [i for i in outcome.report.issues if i.rule == "R-F3" and i.branch == "第一支部"]
    assert len(f3) == 1 and f3[0].sheet == "谈心谈话" and f3[0].severity == "error"
    assert "形式" in f3[0].message
    first = next(b for b in outcome.branches if b.branch == "第一支部")
    assert "谈心谈话" not in first.tables and "问题清单" in first.tables
    # the other sheets of the same file are still checked
    assert any(i.rule == "R-Q3" and i.branch == "第一支部" for i in outcome.report.issues)


def test_r_f3_missing_sheet_and_branch_that_sent_nothing(inbox: Path):
    for path in inbox.rglob("第四支部.xlsx"):  # the final file and the earlier sends
        path.unlink()
    for path in inbox.rglob("第一支部.xlsx"):
        wb = openpyxl.load_workbook(path)
        del wb["会议情况"]
        wb.save(path)
    issues = outcome_of(inbox).report.issues
    nothing = [i for i in issues if i.rule == "R-F3" and i.branch == "第四支部"]
    assert nothing and "尚未报送" in nothing[0].message
    gone = [i for i in issues if i.rule == "R-F3" and i.branch == "第一支部"]
    assert [(i.sheet, i.severity) for i in gone] == [("会议情况", "warning")]
    assert "没有“会议情况”工作表" in gone[0].message


def test_exit_2_on_missing_inbox(tmp_path: Path):
    result = run("validate", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "收件箱文件夹不存在" in result.stderr


def test_exit_2_on_unknown_option():
    result = CliRunner().invoke(main, ["validate", "--bogus"])
    assert result.exit_code == 2


def test_validate_report_workbook_has_issues_and_row_accounting(tmp_path: Path):
    target = tmp_path / "报告" / "校验报告.xlsx"
    result = run("validate", str(INBOX), "--report", str(target))
    assert result.exit_code == 0
    assert f"校验报告：{target}" in result.stdout
    wb = openpyxl.load_workbook(target)
    assert {"校验问题", "行数核对"} <= set(wb.sheetnames)
    values = list(wb["校验问题"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] == "级别")
    header = values[head]
    assert {"级别", "规则", "文件", "工作表", "单元格", "说明"} <= set(header)
    found = [dict(zip(header, r, strict=False)) for r in values[head + 1:] if any(r)]
    assert sorted(r["规则"] for r in found) == ["R-B4", "R-T1", "R-T4"]
    late = next(r for r in found if r["规则"] == "R-T4")
    assert (late["级别"], late["文件"], late["工作表"], late["单元格"]) == (
        "警告", "第二支部.xls", "谈心谈话", "C50")
