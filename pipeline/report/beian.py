"""The 备案 that goes up (…备案.xlsx): what the upper body reads and prints, nothing internal.

Built from the Filing (Seam 3) and the figures of statistics.py: no file names, 行号, SHA-256
or 校验问题 (those stay in the office's 工作底稿). Every sheet is laid out for A4 at 100 %
with 10 pt text (layout.py); 汇总 holds its table and a native chart of the grade
distribution on one page. Text is always a string cell, the document time is fixed and the
file is written atomically: the same Filing gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import contract as C
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.contract import MADE_UP
from pipeline.model import Filing
from pipeline.normalize import office_day as day
from pipeline.report.layout import (
    PAGE,
    PAGE_HEIGHT,
    SIZE,
    Column,
    Styles,
    Table,
    layout,
    page_setup,
    table_height,
    write_table,
)
from pipeline.report.statistics import (
    UNDECIDED,
    Statistics,
    counted_grade,
    eight_columns,
    eight_frame,
    records,
    summary_columns,
    summary_frame,
)
from pipeline.write.style import FONT

SUMMARY = "汇总"
EIGHT = "民主评议党员情况"
RESULTS = "民主评议结果"
PROBLEMS = "问题清单"
RECTIFY = "整改清单"
MAKEUPS = "补课名单"
DISPOSALS = "处置名单"
NOTES = "说明"
GRADE_COLOURS = ("#2E75B6", "#70AD47", "#FFC000", "#C00000")
CHART_ROW = 15.0  # pt per spreadsheet row under the chart
CHART_MIN, CHART_MAX = 150.0, 320.0


def _values(frame: pd.DataFrame, columns: Iterable[Any]) -> list[list[Any]]:
    """Rows of the named columns, NA → None, numpy scalars → Python values."""
    out: list[list[Any]] = []
    for rec in frame[list(columns)].to_numpy(dtype=object).tolist():
        out.append([None if _na(v) else (v.item() if hasattr(v, "item") else v) for v in rec])
    return out


def _na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def status_line(filing: Filing) -> str:
    if filing.passed:
        return "校验结果：全部材料已通过校验"
    return f"校验结果：未通过校验，尚有 {filing.errors} 处错误待改正，本备案暂不完整"


# --- the tables ----------------------------------------------------------------------------

def summary_table(filing: Filing, stats: Statistics, campaign: Campaign) -> Table:
    frame = summary_frame(stats, campaign)
    kinds = {"支部": "text", "报送情况": "prose"}
    columns = [Column(c, kinds.get(c, "number")) for c in summary_columns(campaign)]
    note = (f"主题：{campaign.theme}。报{campaign.upper_body}备案。{status_line(filing)}。"
            f"参加评议＝出席党员大会＋已补课；待补课＝缺席且尚未补课。")
    return Table(SUMMARY, f"{filing.title} {SUMMARY}", columns, _values(frame, frame.columns),
                 note=note, total=True, orientation="landscape")


def eight_table(filing: Filing, stats: Statistics, campaign: Campaign) -> Table:
    frame = eight_frame(stats, campaign)
    columns = [Column(name, "text" if name == "支部" else "prose" if name == "原因" else "number",
                      group) for group, name in eight_columns(campaign)]
    g = campaign.grades
    note = ("党内统计“民主评议党员情况”口径：参加评议的党员＝出席党员大会的党员＋已补课的党员"
            f"（含预备党员和不作为测评对象的党员领导干部）；{'＋'.join(g)}＋{campaign.not_graded}"
            f"＋未评定＝参加评议的党员；党员总数＝参加评议的党员＋未参加评议的党员；"
            f"{g[-1]}党员的处置按组织评定表的处置措施统计。")
    return Table(EIGHT, f"{filing.title} {EIGHT}", columns, _values(frame, frame.columns),
                 note=note, total=True, orientation="landscape")


def _remark(rec: dict[str, Any], makeup: dict[tuple[str, str], dict[str, Any]],
            campaign: Campaign) -> str | None:
    """备注 of a member: why not graded / pending / made up, and the reason of a low grade."""
    grade = rec["评定等次"]
    counted = counted_grade(rec)
    absent = rec["出席情况"] != C.PRESENT
    m = makeup.get((rec["支部"], rec["姓名"]), {})
    why = f"缺席（{m['缺席原因']}）" if m.get("缺席原因") else "缺席"
    parts: list[str] = []
    if grade == campaign.not_graded:
        parts.append(f"参加评议，{campaign.not_graded}")
    elif grade == campaign.pending or (absent and not m.get("补课日期")):
        parts.append(f"{why}，{campaign.pending}")
    elif absent:
        parts.append(f"{why}，{day(m['补课日期'])} {MADE_UP}")
    if counted in campaign.grades[2:]:
        if rec.get("评定理由"):
            parts.append(f"评定理由：{rec['评定理由']}")
        if rec.get("处置措施"):
            parts.append(f"处置措施：{rec['处置措施']}")
    return "；".join(parts) or None


def _makeups(filing: Filing) -> dict[tuple[str, str], dict[str, Any]]:
    rows = _values(filing.makeups, filing.makeups.columns)
    heads = list(filing.makeups.columns)
    return {(r[0], r[1]): dict(zip(heads, r)) for r in rows}


# 民主评议结果 of the 备案: the Filing's column → the header shown (SPEC §12: 支部评定, 总支审核,
# and the final 等次 side by side once the office's review workbook is read).
REVIEWED = (("评定等次", "支部评定"), ("总支审核", "总支审核"), ("最终等次", "最终等次"))


def results_table(filing: Filing, campaign: Campaign) -> Table:
    votes = [f"{g}票" for g in campaign.grades] + ["弃权票", "有效票"]
    heads = list(filing.results.columns)
    grades = [(c, shown) for c, shown in REVIEWED if c in heads]
    if len(grades) == 1:  # no review columns: the branch's grade is the 评定等次
        grades = [("评定等次", "评定等次")]
    source = ["支部", "姓名", "职务", "党员类别", *votes]
    makeup = _makeups(filing)
    rows = []
    for values in _values(filing.results, heads):
        rec = dict(zip(heads, values))
        rows.append([rec[c] for c in source] + [rec[c] for c, _ in grades]
                    + [_remark(rec, makeup, campaign)])
    columns = [Column(c, "number" if c in votes else "text") for c in source]
    columns += [Column(shown) for _, shown in grades]
    columns.append(Column("备注", "prose"))
    note = (f"票数为民主测评结果，只作组织评定的参考（不唯票数）；各等次分别计数，"
            f"有效票＝各等次票数之和，弃权票含整张空白的票；{campaign.not_graded}、"
            f"{campaign.pending}的党员票数栏为空。")
    return Table(RESULTS, f"{filing.title} {RESULTS}", columns, rows, note=note,
                 orientation="landscape")


def list_table(filing: Filing, name: str, frame: pd.DataFrame, prose: Sequence[str],
               dates: Sequence[str] = ()) -> Table:
    """问题清单/整改清单: the Filing's columns without its trace (文件, 行号, 其他列)."""
    keep = [c for c in frame.columns if c not in ("文件", "行号", "其他列")]
    columns = [Column(c, "prose" if c in prose else "date" if c in dates else "text")
               for c in keep]
    return Table(name, f"{filing.title} {name}", columns, _values(frame, keep))


def makeups_table(filing: Filing) -> Table:
    """补课名单: planned and done dates, and after 补课 the grade the 备案 counts (the 工作底稿
    keeps 支部评定 and 最终等次 apart)."""
    counted = {(r["支部"], r["姓名"]): counted_grade(r) for r in records(filing.results)}
    heads = [c for c in filing.makeups.columns
             if c not in ("文件", "行号", "其他列", "评定等次", "最终等次")]
    rows = [[*values, counted.get((values[0], values[1])) or None]
            for values in _values(filing.makeups, heads)]
    dates = ("计划补课日期", "补课日期")
    columns = [Column(c, "prose" if c == "缺席原因" else "date" if c in dates else "text")
               for c in heads]
    columns.append(Column("补课后等次"))
    return Table(MAKEUPS, f"{filing.title} {MAKEUPS}", columns, rows)


def disposal_table(filing: Filing, campaign: Campaign) -> Table | None:
    """处置名单: the members graded 不合格 (only when there is one)."""
    heads = list(filing.results.columns)
    keep = ["支部", "姓名", "职务", "党员类别", "评定理由", "处置措施",
            *[c for c in ("处置期限", "处置结果") if c in heads], "反馈日期"]
    rows = []
    for values in _values(filing.results, heads):
        rec = dict(zip(heads, values))
        if counted_grade(rec) == campaign.grades[-1]:
            rows.append([rec[c] for c in keep])
    if not rows:
        return None
    for r in rows:
        r[5] = r[5] if r[5] in campaign.dispositions else (r[5] or UNDECIDED)
    columns = [Column(c, "prose" if c in ("评定理由", "处置结果") else
                      "date" if c in ("反馈日期", "处置期限") else "text") for c in keep]
    note = (f"评为“{campaign.grades[-1]}”的党员，按规定的办法程序作出组织处置"
            f"（{'、'.join(campaign.dispositions)}）。")
    return Table(DISPOSALS, f"{filing.title} {DISPOSALS}", columns, rows, note=note)


def notes_table(filing: Filing, campaign: Campaign, sheets: Sequence[str]) -> Table:
    """说明: the campaign, how the figures are counted, what each sheet holds."""
    g = campaign.grades
    rows: list[list[Any]] = [
        ["活动", "组织", campaign.organisation],
        ["活动", "上级党组织", campaign.upper_body],
        ["活动", "年度", str(campaign.year)],
        ["活动", "主题", campaign.theme],
        ["活动", "标准", campaign.standard],
    ]
    rows += [["时间节点", label, day(campaign.deadlines[key])]
             for key, label in DEADLINE_LABELS.items()]
    rows += [
        ["口径", "评定等次", "、".join(g)],
        ["口径", "测评对象", "正式党员，已参加年度民主生活会的党员领导干部除外"],
        ["口径", campaign.not_graded, "预备党员和已参加年度民主生活会的党员领导干部参加评议，不评定等次"],
        ["口径", campaign.pending, "缺席民主评议、尚未补课的党员，列入补课名单，补课后评定"],
        ["口径", "不唯票数", "民主测评为无记名投票，票数只作组织评定的参考；本备案只含计票结果，不含任何一张票"],
        ["口径", "优秀比例", campaign.excellent_cap.describe()],
        ["口径", f"{g[-1]}党员的处置", "、".join(campaign.dispositions)],
        ["校验", "结果", status_line(filing)],
    ]
    what = {
        SUMMARY: "各支部党员、参加评议、缺席与待补课、评议结果和报送情况，附各支部等次分布图",
        EIGHT: "党内统计“民主评议党员情况”所需数字，分支部和合计",
        RESULTS: "每名党员的民主测评票数和组织评定等次",
        PROBLEMS: "党总支和各支部班子、党员的问题清单",
        RECTIFY: "党总支和各支部的整改清单（四明确）和党员整改承诺",
        MAKEUPS: "未能参加民主评议的党员及补课情况",
        DISPOSALS: f"评为“{g[-1]}”的党员及处置措施",
        NOTES: "本表",
    }
    rows += [["各表", s, what[s]] for s in sheets]
    columns = [Column("类别"), Column("项目"), Column("内容", "prose")]
    return Table(NOTES, f"{filing.title} {NOTES}", columns, rows, orientation="portrait")


def tables(filing: Filing, stats: Statistics, campaign: Campaign) -> list[Table]:
    """Every sheet of the 备案, in order (处置名单 only when someone is graded 不合格)."""
    out = [summary_table(filing, stats, campaign), eight_table(filing, stats, campaign),
           results_table(filing, campaign),
           list_table(filing, PROBLEMS, filing.problems, ("问题描述",)),
           list_table(filing, RECTIFY, filing.rectifications, ("整改事项", "整改措施"),
                      ("完成时限",)),
           makeups_table(filing)]
    disposal = disposal_table(filing, campaign)
    if disposal is not None:
        out.append(disposal)
    out.append(notes_table(filing, campaign, [t.name for t in out] + [NOTES]))
    return out


# --- the chart -----------------------------------------------------------------------------

def add_chart(wb: Workbook, ws: Worksheet, table: Table, first: int, campaign: Campaign,
              stats: Statistics) -> None:
    """A clustered column chart of the four grades per branch, under the 汇总 table, sized
    so table and chart share one landscape page; it reads the table's own cells."""
    names = [u.unit for u in stats.units]
    branch_rows = [first + i for i, u in enumerate(stats.units) if not u.general]
    if not branch_rows:
        return
    top, bottom = branch_rows[0], branch_rows[-1]
    room = PAGE_HEIGHT["landscape"] - table_height(table) - CHART_ROW
    chart_h = max(CHART_MIN, min(CHART_MAX, room))
    width = min(sum(table.widths), PAGE["landscape"]) * 0.92
    chart = wb.add_chart({"type": "column"})
    font = {"name": FONT, "size": SIZE}
    grade_col = summary_columns(campaign).index(campaign.grades[0])
    for k in range(len(campaign.grades)):
        col = grade_col + k
        chart.add_series({
            "name": [ws.name, first - 1, col],
            "categories": [ws.name, top, 0, bottom, 0],
            "values": [ws.name, top, col, bottom, col],
            "fill": {"color": GRADE_COLOURS[k % len(GRADE_COLOURS)]},
            "border": {"none": True},
            "data_labels": {"value": True, "font": font},
        })
    chart.set_title({"name": f"各支部评议结果（{'、'.join(campaign.grades)}）人数",
                     "name_font": {**font, "size": SIZE + 1, "bold": True}})
    chart.set_x_axis({"num_font": font, "line": {"color": "#808080"}})
    chart.set_y_axis({"num_font": font, "name": "人数", "name_font": font,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                      "min": 0})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": width / 0.75, "height": chart_h / 0.75})
    chart.set_chartarea({"border": {"none": True}})
    at = first + len(names) + 2  # one blank row under the total
    rows = math.ceil(chart_h / CHART_ROW) + 1
    for r in range(at - 1, at + rows):
        ws.set_row(r, CHART_ROW)
    x = max((sum(table.widths) - width) / 2, 0) / 0.75
    ws.insert_chart(at, 0, chart, {"x_offset": x, "y_offset": 2, "object_position": 3})
    page_setup(ws, "landscape", first - 1, at + rows - 1, len(table.columns),
               one_page=room >= CHART_MIN)


# --- the workbook --------------------------------------------------------------------------

def build_beian(wb: Workbook, filing: Filing, stats: Statistics, campaign: Campaign) -> None:
    st = Styles(wb)
    for table in tables(filing, stats, campaign):
        layout(table)
        ws, first = write_table(wb, st, table)
        if table.name == SUMMARY:
            add_chart(wb, ws, table, first, campaign, stats)
