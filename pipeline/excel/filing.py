"""The filing workbook (备案, SPEC §7) and the validation report workbook, with XlsxWriter.

Every cell is written with an explicit type (text never becomes a formula or a link), text
over Excel's 32,767-character cell limit is split over continuation rows and marked, the
document time is fixed and rows keep the frames' order: the same inputs give the same bytes.
The file is built in memory and moved into place atomically.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.aggregate import (
    FAILED,
    MISSING,
    OVERDUE,
    PASSED,
    RECEIVED_LATE,
    TOTAL,
    Filing,
    day,
    issue_frame,
    local_time,
)
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.excel.style import (
    EXCEL_CELL_LIMIT,
    FONT,
    Formats,
    display_width,
    new_workbook,
    print_setup,
    write_cell,
)
from pipeline.issues import RULES
from pipeline.model import Report

SHEET_NAMES = ("汇总", "民主评议结果", "问题清单", "整改清单", "整改覆盖", "谈心谈话", "谈话矩阵",
               "补课名单", "报送情况", "校验问题", "说明", "行数核对")
REPORT_SHEETS = ("校验问题", "行数核对", "说明")

CONTINUED = "（超长，续下行）"
CONTINUATION = "（续上行）"
# Columns that hold prose: wide and wrapped; other text columns stay narrower.
WIDE = {"问题描述", "整改事项", "整改措施", "提示", "说明", "评定理由", "含义", "值",
        "未与委员谈话的党员", "缺少的必谈（双方）", "未作整改承诺的党员", "尚无整改的问题编号",
        "其他列", "备注", "发现值", "应为"}
NARROW_MAX = 16
HEADER_TEXT_MAX = 10  # a longer header of a text column wraps
WIDE_MAX = 40
PERCENT_SUFFIXES = ("占比", "覆盖率")
NOTES_CAPS = {0: 16, 1: 24, 2: 72, 3: 30, 6: 30}  # 说明: the value/SHA-256 column is wide


# --- long text -----------------------------------------------------------------------------

def _units(ch: str) -> int:
    """Excel counts UTF-16 code units: characters beyond the BMP take two."""
    return 2 if ord(ch) > 0xFFFF else 1


def split_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> list[str]:
    """Pieces of `value` that each fit one cell with their marks; one piece when it fits.

    Every piece but the last ends with （超长，续下行）; every piece but the first starts
    with （续上行）, so nothing is cut silently."""
    if len(value) <= limit // 2 or sum(_units(ch) for ch in value) <= limit:
        return [value]
    room = limit - len(CONTINUED) - len(CONTINUATION)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in value:
        u = _units(ch)
        if used + u > room:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += u
    pieces.append("".join(current))
    return [(CONTINUATION if i else "") + p + (CONTINUED if i < len(pieces) - 1 else "")
            for i, p in enumerate(pieces)]


def expand_row(values: Sequence[Any], keys: Sequence[int]) -> list[list[Any]]:
    """One frame row → one or more sheet rows: over-long text continues on the rows below,
    the key columns (支部, 姓名 …) repeated so filters keep the pieces together."""
    split = [split_text(v) if isinstance(v, str) else [v] for v in values]
    height = max((len(s) for s in split), default=1)
    if height == 1:
        return [list(values)]
    rows = []
    for r in range(height):
        row: list[Any] = []
        for c, pieces in enumerate(split):
            if r == 0:
                row.append(pieces[0])
            elif len(pieces) > 1:
                row.append(pieces[r] if r < len(pieces) else None)
            else:
                row.append(values[c] if c in keys else None)
        rows.append(row)
    return rows


# --- cell values and formats ---------------------------------------------------------------

def plain(value: Any) -> Any:
    """pandas/numpy scalars → Python values write_cell understands; NA → None."""
    if value is None or type(value) in (str, int):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


class Styles:
    """Formats of the filing: the shared ones plus totals, banners and section headings."""

    def __init__(self, wb: Workbook):
        self.f = Formats(wb)
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1}
        self.text = wb.add_format({**base, "text_wrap": True})
        self.datetime = wb.add_format({**base, "num_format": "yyyy/m/d hh:mm", "align": "center"})
        bold = {**base, "bold": True, "bg_color": "#F2F2F2"}
        self.total = {
            "text": wb.add_format({**bold, "text_wrap": True}),
            "number": wb.add_format({**bold, "align": "center"}),
            "percent": wb.add_format({**bold, "num_format": "0.0%"}),
        }
        banner = {"font_name": FONT, "bold": True, "font_size": 13, "align": "center",
                  "valign": "vcenter", "border": 1}
        self.banner_fail = wb.add_format({**banner, "font_color": "#FFFFFF",
                                          "bg_color": "#C00000"})
        self.banner_ok = wb.add_format({**banner, "font_color": "#006100", "bg_color": "#C6EFCE"})
        # stacked vertical text (rotation 270): a name per column stays narrow
        self.vertical = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2",
                                       "rotation": 270, "align": "center", "valign": "top"})
        self.section = wb.add_format({"font_name": FONT, "font_size": 11, "bold": True,
                                      "valign": "vcenter"})
        self.note = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959",
                                   "valign": "vcenter"})

    def special(self, value: str) -> Format | None:
        """Status words shown in colour (未通过校验, 错误, 逾期未报送 …)."""
        if value in (FAILED, "错误", OVERDUE):
            return self.f.error
        if value in ("警告", MISSING, RECEIVED_LATE):
            return self.f.warning
        if value == PASSED:
            return self.f.ok
        return None

    def column(self, kind: str, total: bool = False) -> Format:
        if total:
            return self.total.get(kind, self.total["text"])
        return {"percent": self.f.percent, "number": self.f.number,
                "date": self.f.date}.get(kind, self.text)


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format, st: Styles) -> None:
    """Typed write, fast path first: text is always a string cell (never a formula or URL)."""
    kind = type(value)
    if kind is str:
        ws.write_string(row, col, value, st.special(value) or fmt)
    elif value is None:
        ws.write_blank(row, col, None, fmt)
    elif kind is int or kind is float:
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime):
        write_cell(ws, row, col, value, st.datetime if fmt is not st.total["text"] else fmt)
    elif isinstance(value, dt.date):
        write_cell(ws, row, col, value, st.f.date if fmt is st.text else fmt)
    else:
        write_cell(ws, row, col, value, fmt)


def column_kind(name: str, values: Sequence[Any]) -> str:
    """percent / number / date / text, from the header and the values."""
    if name.endswith(PERCENT_SUFFIXES):
        return "percent"
    present = [v for v in values if v is not None and not isinstance(v, str)]
    strings = [v for v in values if isinstance(v, str)]
    if present and not strings:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            return "number"
        if all(isinstance(v, dt.date) for v in present):
            return "date"
    return "text"


def text_width(value: str) -> int:
    """A fast estimate of style.display_width for long text: the widest line, characters from
    U+0800 on (CJK, full-width punctuation) counting two — from the UTF-8 length, in C."""
    lines = value.splitlines()
    if len(lines) > 1:
        return max(text_width(line) for line in lines)
    if value.isascii():
        return len(value)
    return len(value) + (len(value.encode("utf-8", "surrogatepass")) - len(value)) // 2


def _cell_width(kind: str, value: Any, cap: int = 10**9) -> int:
    """Columns a value needs (at most about `cap`: longer text wraps anyway)."""
    if value is None:
        return 0
    if kind == "percent":
        return 6
    if isinstance(value, str):
        if len(value) >= cap and "\n" not in value:
            return len(value)  # every character is at least one column
        width = text_width(value)
        # Latin letters print wider than the '0' Excel's width unit is based on.
        return math.ceil(width * 1.1) if value.isascii() else width
    if isinstance(value, dt.datetime):
        return 16
    return display_width(value)


def column_widths(headers: Sequence[str], kinds: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> list[float]:
    """Widths that fit header and data, East-Asian characters counted as two (style.py);
    prose columns wrap at WIDE_MAX, other text at NARROW_MAX; a header of a short column
    may wrap over two (text) or three (numbers) lines instead of widening it."""
    widths: list[float] = []
    for c, (header, kind) in enumerate(zip(headers, kinds)):
        head = display_width(header)
        limit = WIDE_MAX if header in WIDE else NARROW_MAX
        if kind == "number":
            data = max((len(str(r[c])) for r in rows if r[c] is not None), default=0)
        else:
            data = max((_cell_width(kind, r[c], limit) for r in rows), default=0)
        if kind == "text":
            want = max(min(data, limit), min(head, HEADER_TEXT_MAX))
        else:
            want = max(data, math.ceil(head / 3), 4)
        widths.append(max(want + 2, 6))
    return widths


LINE_HEIGHT = 13.0  # points per line of 10 pt 宋体
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def text_lines(value: Any, width: float) -> int:
    """Lines a wrapped text needs in a column `width` wide (CJK counted as two)."""
    if not isinstance(value, str) or len(value) * 2 <= width - 2:
        return 1
    room = max(width - 2, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in value.split("\n"))


def row_height(values: Sequence[Any], widths: Sequence[float]) -> float | None:
    """Explicit height for a row with wrapped text (neither LibreOffice nor Excel reliably
    grows rows written by XlsxWriter); None when one line fits."""
    lines = max((text_lines(v, w) for v, w in zip(values, widths)), default=1)
    if lines <= 1:
        return None
    return min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    return row_height(headers, widths) or LINE_HEIGHT + 5


# --- one table per sheet -------------------------------------------------------------------

@dataclass
class SheetPlan:
    """A table sheet: title row, optional banner, header (with notes), rows, total row."""

    name: str
    frame: pd.DataFrame
    keys: tuple[str, ...] = ()  # repeated on continuation rows
    notes: dict[str, str] = field(default_factory=dict)  # header comments
    banner: tuple[str, bool] | None = None  # (text, passed)
    total_label: str | None = None  # first-column value of a total row
    freeze_columns: int = 0
    subtitle: str = ""


def write_table(wb: Workbook, st: Styles, title: str, plan: SheetPlan, author: str) -> Worksheet:
    ws = wb.add_worksheet(plan.name)
    headers = [str(c) for c in plan.frame.columns]
    n = max(len(headers), 1)
    source = [[plain(v) for v in rec] for rec in plan.frame.itertuples(index=False, name=None)]
    kinds = [column_kind(h, [r[c] for r in source]) for c, h in enumerate(headers)]
    keys = [c for c, h in enumerate(headers) if h in plan.keys]
    rows: list[tuple[list[Any], bool]] = []
    for rec in source:
        is_total = plan.total_label is not None and rec and rec[0] == plan.total_label
        rows += [(r, bool(is_total)) for r in expand_row(rec, keys)]
    widths = column_widths(headers, kinds, [r for r, _ in rows])
    _fit_title(widths, title)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    _title(ws, st, title, n)
    header_row = 1
    if plan.subtitle:
        _merged(ws, header_row, n, plan.subtitle, st.note)
        header_row += 1
    if plan.banner is not None:
        text, passed = plan.banner
        _merged(ws, header_row, n, text, st.banner_ok if passed else st.banner_fail)
        ws.set_row(header_row, 24)
        header_row += 1
    for c, h in enumerate(headers):
        ws.write_string(header_row, c, h, st.f.header)
        if h in plan.notes:
            ws.write_comment(header_row, c, plan.notes[h],
                             {"author": author, "x_scale": 2.4, "y_scale": 1.6,
                              "font_name": FONT})
    ws.set_row(header_row, header_height(headers, widths))
    r = header_row
    # only columns where some text is long enough to wrap need a height check
    text_columns = [c for c, k in enumerate(kinds) if k == "text" and any(
        type(v) is str and len(v) * 2 > widths[c] - 2 for v, _ in ((r[c], 0) for r, _ in rows))]
    plain_fmt = [st.column(k) for k in kinds]
    total_fmt = [st.column(k, total=True) for k in kinds]
    for r, (values, is_total) in enumerate(rows, start=header_row + 1):
        height = row_height([values[c] for c in text_columns], [widths[c] for c in text_columns])
        if height is not None:
            ws.set_row(r, height)
        fmts = total_fmt if is_total else plain_fmt
        for c, v in enumerate(values):
            write_value(ws, r, c, v, fmts[c], st)
    ws.autofilter(header_row, 0, max(r, header_row), n - 1)
    print_setup(ws, header_row, n)
    if plan.freeze_columns:
        ws.freeze_panes(header_row + 1, plan.freeze_columns)
    return ws


def _merged(ws: Worksheet, row: int, n: int, value: str, fmt: Format) -> None:
    """A text row across n columns; the text goes in with write_string (never a formula)."""
    if n > 1:
        ws.merge_range(row, 0, row, n - 1, "", fmt)
    ws.write_string(row, 0, value, fmt)


def _title(ws: Worksheet, st: Styles, title: str, n: int) -> None:
    _merged(ws, 0, n, title, st.f.title)
    ws.set_row(0, 24)


def _fit_title(widths: list[float], title: str) -> None:
    """The merged title row must hold the title (14 pt ≈ 1.4 columns per character)."""
    need = display_width(title) * 1.4 + 2
    have = sum(widths)
    if widths and have < need:
        extra = (need - have) / len(widths)
        widths[:] = [w + extra for w in widths]


# --- 谈话矩阵 and 说明: several small tables on one sheet ----------------------------------

@dataclass
class Section:
    heading: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    vertical_from: int | None = None  # headers from this column on are set vertically (names)


def write_sections(wb: Workbook, st: Styles, title: str, name: str, sections: Sequence[Section],
                   caps: dict[int, int] | None = None) -> Worksheet:
    """Stacked tables (no filter: one per sheet is all Excel allows), widths fit over all."""
    ws = wb.add_worksheet(name)
    caps = caps or {}
    n = max((len(s.headers) for s in sections), default=1)
    width = [0] * n
    for s in sections:
        for c, h in enumerate(s.headers):
            if s.vertical_from is None or c < s.vertical_from:
                width[c] = max(width[c], display_width(h))
        for row in s.rows:
            for c, v in enumerate(row):
                if v is not None:
                    size = len(str(v)) if type(v) is int else \
                        _cell_width("text", plain(v), caps.get(c, NARROW_MAX))
                    if size > width[c]:
                        width[c] = size
    widths: list[float] = [max(min(w, caps.get(c, NARROW_MAX)) + 2, 4) for c, w in enumerate(width)]
    _fit_title(widths, title)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    _title(ws, st, title, n)
    r = 2
    for s in sections:
        ws.write_string(r, 0, s.heading, st.section)
        r += 1
        if s.note:
            ws.write_string(r, 0, s.note, st.note)
            r += 1
        for c, h in enumerate(s.headers):
            upright = s.vertical_from is not None and c >= s.vertical_from
            ws.write_string(r, c, h, st.vertical if upright else st.f.header)
        height = header_height(s.headers[:s.vertical_from], widths)
        if s.vertical_from is not None:
            tallest = max((len(h) for h in s.headers[s.vertical_from:]), default=1)
            height = max(height, LINE_HEIGHT * tallest + 4)
        ws.set_row(r, min(height, MAX_ROW_HEIGHT))
        r += 1
        for row in s.rows:
            for piece in expand_row([plain(v) for v in row], [0]):
                grow = row_height(piece, widths)
                if grow is not None:
                    ws.set_row(r, grow)
                for c, v in enumerate(piece):
                    number = type(v) is int or type(v) is float
                    write_value(ws, r, c, v, st.f.number if number else st.text, st)
                r += 1
        r += 1
    print_setup(ws, 0, n)
    return ws


def matrix_sections(filing: Filing) -> list[Section]:
    sections = []
    for branch, m in filing.talk_matrices:
        rows = [[plain(v) for v in rec] for rec in m.itertuples(index=False, name=None)]
        sections.append(Section(f"{branch}（{len(rows)} 人）", [str(c) for c in m.columns], rows,
                                "行为谈话人，列为谈话对象，数字为谈话次数（空白为没有谈话记录）",
                                vertical_from=2))
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
             ["口径", "状态", f"仍有错误时汇总标为“{FAILED}”，全部错误改正后为“{PASSED}”"]]))
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
             "M": "会议", "F": "文件", "A": "汇总"}


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


def atomic_write(path: Path, build: Callable[[Workbook], None], campaign: Campaign,
                 title: str) -> None:
    """Build the workbook in memory, write a temp file beside `path`, fsync, os.replace:
    an interrupted run leaves the old file (or none), never half a file."""
    path = Path(path)
    buffer = BytesIO()
    wb = new_workbook(buffer, campaign.created, title, campaign.organisation)
    build(wb)
    wb.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(buffer.getvalue())
            out.flush()
            os.fsync(out.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_filing(filing: Filing, report: Report, campaign: Campaign, path: Path) -> None:
    """Write the consolidated filing workbook (备案) to `path` (SPEC §7)."""
    atomic_write(path, lambda wb: build_filing(wb, filing, report, campaign), campaign,
                 f"{filing.title} 备案")


def write_report(report: Report, campaign: Campaign, path: Path,
                 branch_order: Sequence[str] = ()) -> None:
    """Write the validation report workbook: 校验问题, 行数核对, 说明."""
    atomic_write(path, lambda wb: build_report(wb, report, campaign, branch_order), campaign,
                 f"{campaign.organisation} {campaign.year}年专题组织生活会 校验报告")
