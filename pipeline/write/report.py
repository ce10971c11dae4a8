"""The validation report workbook (校验问题, 行数核对, 说明), written on its own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xlsxwriter.workbook import Workbook

from pipeline.config import Campaign
from pipeline.contract import FAILED, PASSED, TOTAL
from pipeline.issues import issue_frame
from pipeline.model import Report
from pipeline.write.atomic import atomic_write
from pipeline.write.filing import counts_frame, notes_sections
from pipeline.write.layout import NOTES_CAPS
from pipeline.write.sheets import SheetPlan, Styles, write_sections, write_table


def build_report(wb: Workbook, report: Report, campaign: Campaign, branch_order: Sequence[str]
                 ) -> None:
    st = Styles(wb)
    t = f"{campaign.organisation} {campaign.year}年专题组织生活会 校验报告"
    errors, warnings = len(report.errors), len(report.warnings)
    state = (f"校验结果：{PASSED}（警告 {warnings} 条）", True) if not errors else \
        (f"校验结果：{FAILED} —— 错误 {errors} 条、警告 {warnings} 条", False)
    write_table(wb, st, f"{t} 校验问题",
                SheetPlan("校验问题", issue_frame(report.issues, branch_order),
                          ("级别", "规则", "支部", "文件", "工作表", "单元格"), banner=state),
                campaign.organisation)
    write_table(wb, st, f"{t} 行数核对",
                SheetPlan("行数核对", counts_frame(report), ("文件", "工作表"), total_label=TOTAL),
                campaign.organisation)
    write_sections(wb, st, f"{t} 说明", "说明", notes_sections(campaign, report, None, None),
                   NOTES_CAPS)



def write_report(report: Report, campaign: Campaign, path: Path,
                 branch_order: Sequence[str] = ()) -> None:
    """Write the validation report workbook: 校验问题, 行数核对, 说明."""
    atomic_write(path, lambda wb: build_report(wb, report, campaign, branch_order), campaign,
                 f"{campaign.organisation} {campaign.year}年专题组织生活会 校验报告")

