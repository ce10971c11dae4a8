"""The office's review workbook (总支审核.xlsx): build its rows, write it, read it back.

The tool writes the branch side (grade, reason, votes, flags) and keeps what the office
typed (审核结论, 审核意见, 审核日期, 处置期限, 处置结果 and, on 补课安排, 计划补课日期), matched by
支部 + 姓名. Rows of people who are no longer evaluated are kept too (R-V3 reports them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.normalize import clean_name, is_blank
from pipeline.write.atomic import atomic_write
from pipeline.write.layout import header_height, row_height
from pipeline.write.style import FONT, Formats, fit_widths, print_setup, write_cell

REVIEW_SHEET = "总支审核"
MAKEUP_SHEET = "补课安排"
AGREE = "同意"
ADJUST = "调整为"
RETURN = "退回支部重议"
REVIEW_OFFICE = ("审核结论", "审核意见", "审核日期", "处置期限", "处置结果")
MAKEUP_OFFICE = ("计划补课日期",)
MAKEUP_COLUMNS = ("支部", "姓名", "党小组", "缺席原因", "计划补课日期", "补课日期", "状态", "支部评定")
NEW = "新增"
WIDE = {"评定理由": 26, "需组织研判": 36, "变化": 22, "审核意见": 24, "处置结果": 16,
        "审核结论": 14}
GONE = "已不是测评对象（或不在名册中），请核对后删除本行"

Key = tuple[str, str]


def conclusions(campaign: Campaign) -> list[str]:
    """The 审核结论 dropdown: 同意, 调整为<each grade>, 退回支部重议."""
    return [AGREE, *(f"{ADJUST}{g}" for g in campaign.grades), RETURN]


def review_columns(campaign: Campaign) -> list[str]:
    votes = [f"{g}票" for g in campaign.grades]
    shares = [f"{g}票占比" for g in campaign.grades]
    return ["支部", "姓名", "党小组", "职务", "评议状态", "支部评定", "评定理由", "处置措施",
            *votes, "弃权票", "有效票", *shares, "需组织研判", "变化", *REVIEW_OFFICE]


@dataclass(frozen=True)
class Entry:
    """One row of the review workbook as read back (Excel row `row`)."""

    branch: str
    name: str
    row: int
    values: Mapping[str, Any]  # header → cell value, every column of the row

    def get(self, header: str) -> Any:
        value = self.values.get(header)
        return None if is_blank(value) else value

    def text(self, header: str) -> str:
        value = self.get(header)
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        return str(value).strip()

    @property
    def grade(self) -> str:
        """The 支部评定 the office saw when it reviewed this row."""
        return self.text("支部评定")

    @property
    def conclusion(self) -> str:
        return "".join(self.text("审核结论").split())

    @property
    def opinion(self) -> str:
        return self.text("审核意见")


@dataclass
class Review:
    """The office's review workbook as read: entries by (支部, 姓名) and where they are."""

    path: Path
    file: str  # the name shown in messages
    entries: dict[Key, Entry] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)  # 总支审核 header → column letter
    makeups: dict[Key, Entry] = field(default_factory=dict)

    def cell(self, entry: Entry, header: str) -> str:
        return f"{self.letters.get(header, 'A')}{entry.row}"


# --- rows the tool writes ------------------------------------------------------------------

def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts of plain values (pandas' to_dict boxes every cell: about 8×
    slower on the 18k-member results of a district)."""
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, row)) for row in frame.to_numpy(dtype=object).tolist()]


def member_flags(results: pd.DataFrame, issues: Sequence[Any], campaign: Campaign,
                 names: Mapping[tuple[str, str, int], str]) -> dict[Key, list[str]]:
    """(支部, 姓名) → its 需组织研判 flags: R-A1 (the branch's 优秀 over the cap: every 优秀 of
    it), R-G3 (a grade departing from the votes), R-A2 (vote shares, when enabled).
    `names`: (file, sheet, Excel row) → member, to place row-located issues."""
    out: dict[Key, list[str]] = {}
    best = campaign.grades[0]
    graded = {(r["支部"], r["姓名"]): r["评定等次"] for r in records(results)}
    seen: set[tuple[Key, str]] = set()
    for i in issues:
        if i.rule not in ("R-A1", "R-A2", "R-G3"):
            continue
        if i.rule == "R-A1":
            keys = [k for k, g in graded.items() if k[0] == i.branch and g == best]
        else:
            who = names.get((i.file, i.sheet, i.row)) or next(
                (n for (b, n) in graded if b == i.branch
                 and (i.found == n or i.message.startswith((f"{n}：", f"{n} ")))), None)
            keys = [(i.branch, who)] if who else []
        for k in keys:
            if (k, i.message) not in seen:
                seen.add((k, i.message))
                out.setdefault(k, []).append(f"[{i.rule}] {i.message}")
    return out


def review_rows(results: pd.DataFrame, flags: Mapping[Key, list[str]],
                campaign: Campaign) -> list[dict[str, Any]]:
    """One row per evaluated member (正式党员 who is not an exempt cadre), filing order."""
    columns = review_columns(campaign)
    rows: list[dict[str, Any]] = []
    for r in records(results):
        if r["党员类别"] != C.FULL_MEMBER:
            continue
        row = {c: r.get(c) for c in columns if c in r}
        row["支部评定"] = r["评定等次"]
        row["需组织研判"] = "\n".join(flags.get((r["支部"], r["姓名"]), [])) or None
        rows.append({c: _plain(row.get(c)) for c in columns})
    return rows


def makeup_rows(makeups: pd.DataFrame, results: pd.DataFrame) -> list[dict[str, Any]]:
    """补课安排: every member absent from 民主评议 (the filing's 补课名单) and their grade now."""
    grade = {(r["支部"], r["姓名"]): r["评定等次"] for r in records(results)}
    return [{"支部": r["支部"], "姓名": r["姓名"], "党小组": r["党小组"],
             "缺席原因": r["缺席原因"], "补课日期": _plain(r["补课日期"]), "状态": r["状态"],
             "支部评定": grade.get((r["支部"], r["姓名"]))}
            for r in records(makeups)]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def merge(rows: list[dict[str, Any]], old: Review | None, office: Sequence[str],
          entries: str = "entries", track: bool = True) -> list[dict[str, Any]]:
    """The rows to write: the tool's values, the office's columns from `old` (by 支部+姓名);
    when `track`: 变化 (新增 / 支部评定变更) and old rows no longer produced kept at the end.
    A changed 支部评定 clears the office's 审核结论 (named in 变化): it was about the old grade."""
    before: dict[Key, Entry] = getattr(old, entries) if old is not None else {}
    out: list[dict[str, Any]] = []
    for row in map(dict, rows):  # the caller's rows stay as they were
        key = (row["支部"], row["姓名"])
        entry = before.get(key)
        if entry is not None:
            row.update({c: entry.get(c) for c in office})
        if track and old is not None:
            if entry is None:
                row["变化"] = NEW
            elif entry.grade != (row.get("支部评定") or ""):
                note = f"支部评定变更：{entry.grade or '空'}→{row.get('支部评定') or '空'}"
                if entry.conclusion:
                    note += f"；原审核结论“{entry.text('审核结论')}”已清空，请重新审核"
                    row["审核结论"] = None
                row["变化"] = note
        out.append(row)
    produced = {(r["支部"], r["姓名"]) for r in rows}
    for key, entry in before.items():
        if track and key not in produced:  # the office's entry is never dropped silently
            kept = dict(entry.values)
            if track:
                kept["变化"] = GONE
            out.append(kept)
    return out


# --- writing -------------------------------------------------------------------------------

def _write_sheet(wb: Any, f: Formats, name: str, title: str, note: str,
                 columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
                 office: Sequence[str], choices: Mapping[str, list[str]]) -> Worksheet:
    ws = wb.add_worksheet(name)
    fill = wb.add_format({"font_name": FONT, "font_size": 10, "border": 1, "text_wrap": True,
                          "valign": "vcenter", "bg_color": "#FFF2CC"})
    fill_date = wb.add_format({"font_name": FONT, "font_size": 10, "border": 1,
                               "valign": "vcenter", "bg_color": "#FFF2CC",
                               "num_format": "yyyy/m/d", "align": "center"})
    n = len(columns)
    ws.merge_range(0, 0, 0, n - 1, "", f.title)
    ws.write_string(0, 0, title, f.title)
    ws.merge_range(1, 0, 1, n - 1, "", f.wrap)
    ws.write_string(1, 0, note, f.wrap)
    ws.set_row(0, 24)
    ws.set_row(1, 30)
    for c, h in enumerate(columns):
        ws.write_string(2, c, h, f.header)
    values = [[r.get(c) for c in columns] for r in rows]
    widths = fit_widths(columns, [[v if isinstance(v, str) else None for v in row]
                                  for row in values], minimum=5, maximum=40)
    for c, h in enumerate(columns):
        if h in WIDE:
            widths[c] = WIDE[h]
        elif h.endswith("占比"):
            widths[c] = 8
        elif h.endswith(("日期", "期限")):
            widths[c] = 11
    for c in range(n):
        ws.set_column(c, c, widths[c])
    ws.set_row(2, header_height(list(columns), widths))
    last = max(len(rows) + 3 + 200, 400)  # room for rows the office adds
    for r, row in enumerate(values, start=3):
        height = row_height(row, widths)
        if height is not None:
            ws.set_row(r, height)
        for c, v in enumerate(row):
            h = columns[c]
            date = isinstance(v, dt.date) or h.endswith(("日期", "期限"))
            fmt = (fill_date if date else fill) if h in office else (
                f.percent if h.endswith("占比") else f.date if isinstance(v, dt.date)
                else f.number if isinstance(v, (int, float)) else f.text)
            write_cell(ws, r, c, v, fmt)
    for h in office:
        c = columns.index(h)
        ws.set_column(c, c, widths[c], fill_date if h.endswith(("日期", "期限")) else fill)
        if h in choices:
            ws.data_validation(3, c, last, c, {
                "validate": "list", "source": choices[h],
                "input_title": h, "input_message": "请从下拉列表中选择",
                "error_title": "请从列表中选择", "error_message": "、".join(choices[h])})
        elif h.endswith(("日期", "期限")):
            ws.data_validation(3, c, last, c, {
                "validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1),
                "error_title": "请填写日期", "error_message": "请填写日期，如 2017/4/15"})
    ws.autofilter(2, 0, max(2 + len(rows), 3), n - 1)
    print_setup(ws, 2, n)
    return ws


def write_review(path: Path, rows: Sequence[Mapping[str, Any]],
                 makeups: Sequence[Mapping[str, Any]], campaign: Campaign) -> None:
    """Write 总支审核.xlsx (sheets 总支审核 and 补课安排) atomically."""
    title = f"{campaign.organisation} {campaign.year}年民主评议党员 总支审核"

    def build(wb: Any) -> None:
        f = Formats(wb)
        grades = "、".join(conclusions(campaign))
        _write_sheet(
            wb, f, REVIEW_SHEET, title,
            f"黄色各列由党总支办公室填写：审核结论（{grades}；调整、退回须写审核意见）、审核意见、"
            "审核日期；评为不合格的另填处置期限、处置结果。再次运行 orglife review 时已填内容保留。",
            review_columns(campaign), rows, REVIEW_OFFICE, {"审核结论": conclusions(campaign)})
        _write_sheet(
            wb, f, MAKEUP_SHEET, f"{campaign.organisation} {campaign.year}年民主评议 补课安排",
            "缺席民主评议的党员：黄色列由党总支办公室填写计划补课日期；补课日期、状态来自支部报送的党员名册。",
            MAKEUP_COLUMNS, makeups, MAKEUP_OFFICE, {})

    atomic_write(path, build, campaign, title)


# --- reading -------------------------------------------------------------------------------

class ReviewError(Exception):
    """A review workbook that cannot be read; the message is Chinese and names the file."""


def _entries(ws: Any, file: str) -> tuple[dict[Key, Entry], dict[str, str]]:
    rows = list(ws.iter_rows(values_only=True))
    head = next((i for i, r in enumerate(rows[:10])
                 if r and "支部" in r and "姓名" in r), None)
    if head is None:
        raise ReviewError(f"{file} {ws.title}：前 10 行中没有找到“支部”“姓名”表头")
    header = [str(h).strip() if h is not None else "" for h in rows[head]]
    letters = {h: openpyxl.utils.get_column_letter(c + 1) for c, h in enumerate(header) if h}
    out: dict[Key, Entry] = {}
    for n, values in enumerate(rows[head + 1:], start=head + 2):
        record = {h: v for h, v in zip(header, values) if h}
        branch = str(record.get("支部") or "").strip()
        name = clean_name(record.get("姓名"))
        if not branch and not name:
            continue
        out.setdefault((branch, name), Entry(branch, name, n, record))
    return out, letters


def load_review(path: Path, campaign: Campaign) -> Review | None:
    """The office's review workbook, or None when there is none yet (ReviewError if broken)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ReviewError(f"无法打开审核工作簿 {path}：{exc}") from None
    try:
        if REVIEW_SHEET not in wb.sheetnames:
            raise ReviewError(f"审核工作簿 {path.name} 中没有“{REVIEW_SHEET}”工作表")
        entries, letters = _entries(wb[REVIEW_SHEET], path.name)
        makeups = _entries(wb[MAKEUP_SHEET], path.name)[0] if MAKEUP_SHEET in wb.sheetnames \
            else {}
    finally:
        wb.close()
    return Review(path, path.name, entries, letters, makeups)
