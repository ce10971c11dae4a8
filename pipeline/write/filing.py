"""The filing workbook (备案, SPEC §7) and the validation report workbook, with XlsxWriter.

Every cell is written with an explicit type (text never becomes a formula or a link), text
over Excel's 32,767-character cell limit is split over continuation rows and marked, the
document time is fixed and rows keep the frames' order: the same inputs give the same bytes.
The file is built in memory (a very large filing: in XlsxWriter's constant_memory mode, so every
sheet is written row by row, top to bottom) and moved into place atomically.

Speed (XlsxWriter costs some 5–10 µs per cell written): blank cells of the sparse 谈话矩阵 are
not written (a conditional format draws its grid), frames are read with one to_numpy, formats
are chosen per column, and widths and row heights measure only the texts that can matter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook

from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.contract import FAILED, INCOMPLETE, MISSING, PASSED, TOTAL
from pipeline.issues import RULES
from pipeline.model import Filing, Report
from pipeline.normalize import local_time
from pipeline.normalize import office_day as day
from pipeline.write.atomic import atomic_write
from pipeline.write.layout import plain_rows
from pipeline.write.sheets import Section, SheetPlan, Styles, write_sections, write_table

SHEET_NAMES = ("汇总", "民主评议结果", "问题清单", "整改清单", "整改覆盖", "谈心谈话", "谈话矩阵",
               "补课名单", "报送情况", "校验问题", "说明", "行数核对")
REPORT_SHEETS = ("校验问题", "行数核对", "说明")

NOTES_CAPS = {0: 16, 1: 24, 2: 72, 3: 30, 6: 30}  # 说明: the value/SHA-256 column is wide

def matrix_sections(filing: Filing) -> list[Section]:
    sections = []
    for branch, m in filing.talk_matrices:
        rows = plain_rows(m)
        sections.append(Section(f"{branch}（{len(rows)} 人）", [str(c) for c in m.columns], rows,
                                "行为谈话人，列为谈话对象，数字为谈话次数（空白为没有谈话记录）",
                                vertical_from=2, sparse=True))
    return sections


def notes_sections(campaign: Campaign, report: Report, legend: pd.DataFrame | None,
                   filing: Filing | None) -> list[Section]:
    """说明: the campaign config, the column legend, the rule texts and the input files."""
    g = campaign.grades
    flags = campaign.vote_flags
    config: list[list[Any]] = [
        ["活动", "组织", campaign.organisation],
        ["活动", "上级党组织", campaign.upper_body],
        ["活动", "年度", str(campaign.year)],
        ["活动", "主题", campaign.theme],
        ["活动", "标准", campaign.standard],
    ]
    if campaign.plan_date:
        config.append(["活动", "工作方案印发日期", day(campaign.plan_date)])
    for key, label in DEADLINE_LABELS.items():
        config.append(["时间节点", label, day(campaign.deadlines[key])])
    config += [
        ["等次", "评定等次", "、".join(g)],
        ["等次", "不评定等次", f"{campaign.not_graded}（预备党员、已参加年度民主生活会的党员领导干部）"],
        ["等次", "待补课", f"{campaign.pending}（缺席民主评议且尚无补课日期）"],
        ["等次", "认可的其他写法",
         "；".join(f"{k} → {v}" for k, v in sorted(campaign.grade_aliases.items())) or "无"],
        ["分组", "每个支部党小组数", str(campaign.groups_per_branch)],
        ["R-A1", "优秀上限", campaign.excellent_cap.describe()],
        ["R-A2", "票数比例提示",
         (f"启用（依据 {flags.reference}）：“{g[-1]}”票占有效票 ≥ {flags.unqualified_share:.0%}，"
          f"或“{g[2]}”及以下 ≥ {flags.basic_or_worse_share:.0%} 时提示需组织研判")
         if flags.enabled else "未启用"],
        ["分类", "班子问题类别", "、".join(campaign.branch_problem_categories)],
        ["分类", "党员问题方面", "、".join(campaign.member_aspects)],
        ["分类", "不合格党员处置措施", "、".join(campaign.dispositions)],
        ["分类", "会议类型", "、".join(campaign.meeting_types)],
    ]
    if campaign.source is not None:
        config.append(["配置", "配置文件", campaign.source.name])
    sections = [Section("一、活动配置", ["类别", "项目", "值"], config)]
    if filing is not None:
        sections.append(Section(
            "二、计票与评定口径", ["类别", "项目", "说明"],
            [["口径", "不唯票数", "票数只作组织评定的参考；任何阈值只提示“需组织研判”，不决定等次"],
             ["口径", "一张票", "民主测评表中有票号的一行为一张票；不保存、不输出投票人身份（R-B6）"],
             ["口径", "空白票", "整张空白的票，计入收回票数，对每名测评对象计为弃权（R-B4）"],
             ["口径", "未采用的行", "因错误未能采用的行不计入备案，只在“校验问题”中列出（处理列注明）"],
             ["口径", "状态", f"仍有错误时汇总标为“{FAILED}”；没有错误但尚有阶段未报送时为“{INCOMPLETE}”；"
                            f"全部报送且错误改正后为“{PASSED}”"]]))
    if legend is not None and not legend.empty:
        sections.append(Section("三、列说明", ["工作表", "列", "含义"],
                                [list(r) for r in legend.itertuples(index=False, name=None)]))
    sections.append(Section("四、校验规则", ["规则", "类别", "说明"],
                            [[r.id, _family(r.id), r.title] for r in RULES.values()]))
    files = sorted(report.files, key=lambda f: (f.name, f.sha256))
    sections.append(Section(
        "五、输入文件（采用的和被替代的）", ["状态", "支部", "SHA-256", "文件", "保存时间（北京时间）",
                                 "大小（字节）",
                                 "备注"],
        [[f.status or None, f.branch or None, f.sha256, f.name, local_time(f.saved), f.size,
          f.note or None]
         for f in files]))
    return sections


_FAMILIES = {"P": "人员", "T": "谈话", "Q": "问题", "B": "测评", "G": "评定", "R": "整改",
             "M": "会议", "F": "文件", "A": "汇总", "S": "扫描",
             "V": "总支审核"}


def _family(rule: str) -> str:
    return _FAMILIES.get(rule[2:3], "")


def counts_frame(report: Report) -> pd.DataFrame:
    """行数核对: every data row read is used, only in the report, or superseded (SPEC §5)."""
    columns = ["文件", "工作表", "支部", "读入行数", "计入备案", "仅在校验问题", "被替代", "核对"]
    counts = sorted(report.counts, key=lambda c: (c.file, c.sheet, c.branch))
    rows: list[list[Any]] = [[c.file, c.sheet, c.branch or None, c.read, c.used, c.reported,
                              c.superseded, "一致" if c.balanced else "不一致"] for c in counts]
    ok = all(c.balanced for c in counts)
    rows.append([TOTAL, None, None, sum(c.read for c in counts), sum(c.used for c in counts),
                 sum(c.reported for c in counts), sum(c.superseded for c in counts),
                 "一致" if ok else "不一致"])
    return pd.DataFrame(rows, columns=columns, dtype=object)


# --- the workbooks -------------------------------------------------------------------------

def banner(filing: Filing) -> tuple[str, bool]:
    if filing.status == MISSING:
        return (f"校验结果：{MISSING} —— 收件箱中尚未收到任何支部的表格，本备案没有内容", False)
    if filing.status == INCOMPLETE:
        return (f"校验结果：{INCOMPLETE} —— 没有错误，但尚有支部未报送部分阶段的表格"
                f"（见汇总表各阶段列），警告 {filing.warnings} 条", False)
    if filing.passed:
        return (f"校验结果：{PASSED}（警告 {filing.warnings} 条，见“校验问题”）", True)
    return (f"校验结果：{FAILED} —— 仍有错误 {filing.errors} 条、警告 {filing.warnings} 条，"
            f"改正前本备案不完整，详见“校验问题”", False)


def _notes(legend: pd.DataFrame, sheet: str) -> dict[str, str]:
    return {str(r["列"]): str(r["含义"]) for r in legend.to_dict("records") if r["工作表"] == sheet}


def build_filing(wb: Workbook, filing: Filing, report: Report, campaign: Campaign) -> None:
    st = Styles(wb)
    author = campaign.organisation
    t = filing.title
    legend = filing.legend
    plans = {
        "汇总": SheetPlan("汇总", filing.summary, ("支部",), _notes(legend, "汇总"),
                        banner=banner(filing), total_label=TOTAL, freeze_columns=1),
        "民主评议结果": SheetPlan("民主评议结果", filing.results, ("支部", "姓名"),
                            _notes(legend, "民主评议结果"), freeze_columns=2,
                            subtitle="票数栏：各等次分别计数（优秀不计入合格）；弃权票含空白票；"
                                     "不评定等次、待补课的党员票数栏为空；票数不决定等次（不唯票数）"),
        "问题清单": SheetPlan("问题清单", filing.problems, ("支部", "编号")),
        "整改清单": SheetPlan("整改清单", filing.rectifications, ("支部", "编号")),
        "整改覆盖": SheetPlan("整改覆盖", filing.coverage, ("支部",), _notes(legend, "整改覆盖")),
        "谈心谈话": SheetPlan("谈心谈话", filing.talks, ("支部",), _notes(legend, "谈心谈话")),
        "补课名单": SheetPlan("补课名单", filing.makeups, ("支部", "姓名")),
        "报送情况": SheetPlan("报送情况", filing.stages, ("支部", "阶段")),
        "校验问题": SheetPlan("校验问题", filing.issues,
                          ("级别", "规则", "支部", "文件", "工作表", "单元格")),
        "行数核对": SheetPlan("行数核对", counts_frame(report), ("文件", "工作表"),
                          total_label=TOTAL),
    }
    for name in SHEET_NAMES:
        title = f"{t} {name}"
        if name == "谈话矩阵":
            write_sections(wb, st, title, name, matrix_sections(filing))
        elif name == "说明":
            write_sections(wb, st, title, name,
                           notes_sections(campaign, report, legend, filing), NOTES_CAPS)
        else:
            write_table(wb, st, title, plans[name], author)



CONSTANT_MEMORY_CELLS = 1_500_000


def filing_cells(filing: Filing) -> int:
    """About how many cells the filing workbook holds (a 谈话矩阵 row: ~4 written cells)."""
    frames = (filing.summary, filing.results, filing.problems, filing.rectifications,
              filing.coverage, filing.talks, filing.missing_pairs, filing.makeups,
              filing.stages, filing.flags, filing.issues)
    return sum(f.size for f in frames) + sum(4 * len(m) for _, m in filing.talk_matrices)



def write_filing(filing: Filing, report: Report, campaign: Campaign, path: Path,
                 constant_memory: bool | None = None) -> None:
    """Write the consolidated filing workbook (备案) to `path` (SPEC §7). constant_memory:
    None chooses by size (CONSTANT_MEMORY_CELLS); the workbook is the same either way."""
    if constant_memory is None:
        constant_memory = filing_cells(filing) > CONSTANT_MEMORY_CELLS
    atomic_write(path, lambda wb: build_filing(wb, filing, report, campaign), campaign,
                 f"{filing.title} 备案", constant_memory)



