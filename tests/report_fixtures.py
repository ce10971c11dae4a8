"""Shared by the tests of pipeline/report: the demo inbox consolidated once per session, read back."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
STEM = "徐汇区教师进修学院党总支-2017-专题组织生活会"
BEIAN, WORKPAPER, SUMMARY = f"{STEM}备案.xlsx", f"{STEM}工作底稿.xlsx", f"{STEM}总结.docx"


def consolidate(inbox: Path, out: Path, config: Path = CONFIG):
    return CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                     "--config", str(config)])


def table(ws) -> list[dict[str, Any]]:
    """Data rows of a 备案 sheet as dicts keyed by its header (the row above the frozen pane)."""
    values = list(ws.iter_rows(values_only=True))
    head = int("".join(ch for ch in ws.freeze_panes if ch.isdigit())) - 2
    header = list(values[head])
    for c, h in enumerate(header):  # under a merged group header the name is one row up
        if h is None and head:
            header[c] = values[head - 1][c]
    return [dict(zip(header, r)) for r in values[head + 1:] if any(v is not None for v in r)]


def unfit_inbox(tmp: Path) -> Path:
    """The demo inbox with two 不合格 grades in 第一支部 (one 限期改正, one 劝其退党)."""
    inbox = tmp / "inbox"
    shutil.copytree(INBOX, inbox)
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["组织评定"]
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "姓名"
                      or "姓名" in [c.value for c in ws[r]])
    col = {c.value: c.column for c in ws[header_row]}
    changed = {"杜婷婷": "限期改正", "林浩然": "劝其退党"}  # both 合格 in the demo
    for row in range(header_row + 1, ws.max_row + 1):
        name = ws.cell(row, col["姓名"]).value
        if name in changed:
            ws.cell(row, col["评定等次"]).value = "不合格"
            ws.cell(row, col["评定理由"]).value = "长期不参加组织生活，经教育仍无转变"
            ws.cell(row, col["处置措施"]).value = changed[name]
    wb.save(path)
    return inbox


def sheet_csv(ws) -> str:
    """A sheet's values as CSV text (dates as ISO text, whole floats as ints)."""
    rows = [["" if v is None else _text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    while rows and not any(rows[-1]):  # the rows under 汇总's chart
        rows.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def demo_filing(inbox: Path = INBOX):
    """(Filing, Report, Campaign) of an inbox, built the way consolidate builds them."""
    from dataclasses import replace

    from pipeline import app
    from pipeline.config import load_campaign
    from pipeline.consolidate.anonymity import redact_ballot_rows
    from pipeline.consolidate.filing import aggregate
    from pipeline.read.roster import load_roster

    campaign = load_campaign(CONFIG)
    assert campaign.roster_path is not None
    validation = app.validate(inbox, campaign, load_roster(campaign.roster_path, campaign))
    filing = aggregate(validation.branches, validation.report.issues, campaign,
                       first=validation.first)
    public = replace(validation.report, issues=redact_ballot_rows(validation.report.issues))
    return filing, public, campaign
