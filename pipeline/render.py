"""Terminal output with rich: the validation summary and the status table."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable

from pipeline.config import Campaign
from pipeline.issues import RULES, SEVERITY_LABEL

if TYPE_CHECKING:
    from pipeline.app import Validation

SHOWN_MESSAGES = 15


def _console() -> Console:
    # Redirected output (a file, a pipe, a test) gets a width where Chinese tables fit.
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, width=160)
    return console


def print_summary(outcome: Validation, campaign: Campaign) -> None:
    """Per branch: errors and warnings; the most frequent rules; the first messages."""
    console = _console()
    report = outcome.report
    table = RichTable(title=f"{campaign.organisation} {campaign.year}年 校验结果")
    for col in ("支部", "错误", "警告", "读入行", "计入备案", "仅在校验问题", "被替代"):
        table.add_column(col, justify="left" if col == "支部" else "right")
    names = [b.branch for b in outcome.branches]
    for name in names:
        errs = sum(1 for i in report.issues if i.branch == name and i.severity == "error")
        warns = sum(1 for i in report.issues if i.branch == name and i.severity == "warning")
        counts = [c for c in report.counts if c.branch == name]
        table.add_row(name, _red(errs), str(warns), str(sum(c.read for c in counts)),
                      str(sum(c.used for c in counts)), str(sum(c.reported for c in counts)),
                      str(sum(c.superseded for c in counts)))
    unplaced = [i for i in report.issues if i.branch not in names]
    if unplaced:
        table.add_row("（未识别的文件）", _red(sum(1 for i in unplaced if i.severity == "error")),
                      str(sum(1 for i in unplaced if i.severity == "warning")), "", "", "", "")
    console.print(table)
    frequent = Counter(i.rule for i in report.issues).most_common(5)
    if frequent:
        console.print("最常见的问题：" + "；".join(
            f"{rule} {short_title(RULES[rule].title)}（{n} 处）" for rule, n in frequent))
    ordered = [*report.errors, *report.warnings]
    for i in ordered[:SHOWN_MESSAGES]:
        console.print(f"  [{SEVERITY_LABEL[i.severity]}][{i.rule}] {i.text}", markup=False)
    if len(ordered) > SHOWN_MESSAGES:
        console.print(f"  ……另有 {len(ordered) - SHOWN_MESSAGES} 条，详见工作簿中的“校验问题”表")
    console.print(f"共 {len(report.errors)} 个错误，{len(report.warnings)} 个警告。")
    other = [f for f in report.files if f.status == "其他活动"]
    if other:  # last year's demo inbox read with this year's config (issue #10, case 15)
        placed = sum(1 for f in report.files if f.status in ("已采用", "部分采用", "已被替代"))
        console.print(
            f"注意：收件箱中有 {len(other)} 个文件属于其他活动或旧版模板（如往年的示例文件），"
            f"未采用；本次活动采用了 {placed} 个文件。请确认收件箱是否为本次活动的收件箱，"
            "可用 make consolidate INBOX=收件箱文件夹 指定。", markup=False)


def short_title(title: str, limit: int = 26) -> str:
    """A rule title for one line: whole clauses while they fit (cutting at 24 characters gave
    "…已参加年度民主生活会的党员领": issue #10, case 18)."""
    if len(title) <= limit:
        return title
    clauses, depth, start = [], 0, 0
    for i, ch in enumerate(title):  # clauses end at ，；： outside brackets
        depth += (ch in "（(") - (ch in "）)")
        if ch in "，；：" and depth == 0:
            clauses.append(title[start: i + 1])
            start = i + 1
    clauses.append(title[start:])
    shown = ""
    for clause in clauses:
        if len((shown + clause).rstrip("，；：")) > limit:
            break
        shown += clause
    shown = shown.rstrip("，；：")
    if shown:
        return shown
    head = title.split("（", 1)[0]
    return head if 6 <= len(head) <= limit else title[: limit - 1] + "…"


def _red(n: int) -> str:
    return f"[bold red]{n}[/]" if n else "0"


def print_status(status: pd.DataFrame, campaign: Campaign, as_of: dt.date) -> None:
    """Branch × stage table, then the list of branches to chase and what they owe."""
    console = _console()
    table = RichTable(title=f"{campaign.organisation} 报送情况（截至 {as_of:%Y-%m-%d}）")
    table.add_column("支部")
    stages = [c for c in status.columns if c != "支部"]
    for col in stages:
        table.add_column(str(col))
    for branch, row in status.iterrows():
        cells = [_colour(str(row[c])) for c in stages]
        table.add_row(str(row["支部"]) if "支部" in status.columns else str(branch), *cells)
    console.print(table)
    chase = []
    for branch, row in status.iterrows():
        owed = [f"{c}（{row[c]}）" for c in stages if _owes(str(row[c]))]
        if owed:
            name = str(row["支部"]) if "支部" in status.columns else str(branch)
            chase.append(f"{name}：{'、'.join(owed)}")
    if chase:
        console.print(f"需要催报（已过最迟报送日期 {campaign.send_by:%Y-%m-%d} 仍未报送）：",
                      markup=False)
        for line in chase:
            console.print(f"  {line}", markup=False)
    else:
        console.print("目前没有逾期未报送的表格。")
    due = _passed_stages(status, campaign, as_of)
    if due:
        console.print(f"提醒（时间节点已过、尚未报送；{campaign.send_by:%Y-%m-%d} 前报送不算逾期）：",
                      markup=False)
        for line in due:
            console.print(f"  {line}", markup=False)


def _passed_stages(status: pd.DataFrame, campaign: Campaign, as_of: dt.date) -> list[str]:
    """Branch → stages whose date in the plan has passed and that are not sent yet (a
    reminder, not a chase: the same rule as the filing, issue #10 case 11)."""
    from pipeline.consolidate.stages import STAGES

    passed = [s.name for s in STAGES if campaign.deadlines[s.deadline] < as_of]
    lines = []
    for _, row in status.iterrows():
        waiting = [s for s in passed if s in row and str(row[s]) == "未报送"]
        if waiting:
            lines.append(f"{row['支部']}：{'、'.join(waiting)}")
    return lines


def _owes(value: str) -> bool:
    """Overdue and not received (a late sheet that has arrived is not chased; 未报送 is not due)."""
    return value == "逾期未报送"


def _colour(value: str) -> str:
    if "逾期" in value:
        return f"[bold red]{value}[/]"
    if "未" in value or "缺" in value:
        return f"[yellow]{value}[/]"
    return f"[green]{value}[/]"
