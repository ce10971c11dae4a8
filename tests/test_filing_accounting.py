"""The filing agrees with itself: 报送情况's data rows are the rows 行数核对 counts as used.

Stage by stage, 报送情况 says how many data rows the winning file's sheet contributed; 行数核对
says, for the same file and sheet, how many rows went into the filing. A row that an error took
out (only in 校验问题) must be missing from both — e.g. a second ballot with the same 票号 (R-B5),
whose row the filing redacts (R-B6) but still must not count.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import contract as C
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
# Sheets whose pre-filled rows (names) are not data: 报送情况 counts only the filled ones.
PREFILLED = {C.GRADING, C.TALLY}


def table(ws, first: str) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] == first)
    return [dict(zip(values[head], r)) for r in values[head + 1:] if any(v is not None for v in r)]


def duplicate_ballot_number(inbox: Path) -> None:
    """第一支部's second ballot gets the first ballot's 票号 (R-B5: not counted, dropped)."""
    path = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[C.BALLOTS]
    head = next(r for r in range(1, 10) if ws.cell(r, 1).value == "票号")
    ws.cell(head + 2, 1).value = ws.cell(head + 1, 1).value
    wb.save(path)


def consolidate(inbox: Path, out: Path) -> tuple[list[dict], list[dict], list[dict]]:
    result = CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                       "--config", str(CONFIG)])
    assert result.exit_code in (0, 1), result.output
    book = openpyxl.load_workbook(out, read_only=True)
    return table(book["报送情况"], "支部"), table(book["行数核对"], "文件"), \
        table(book["校验问题"], "级别")


@pytest.mark.parametrize("case", ["demo", "duplicate_ballot_number"])
def test_stage_data_rows_agree_with_row_accounting(tmp_path, case):
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    if case == "duplicate_ballot_number":
        duplicate_ballot_number(inbox)
    stages, counts, issues = consolidate(inbox, tmp_path / "filing.xlsx")
    if case == "duplicate_ballot_number":
        assert [i["规则"] for i in issues if i["规则"] == "R-B5"] == ["R-B5"]
    used = {(c["文件"], c["工作表"]): c for c in counts if c["工作表"]}
    checked = 0
    for s in stages:
        if not s["采用文件"]:
            continue
        c = used[(s["采用文件"], s["工作表"])]
        assert c["读入行数"] == c["计入备案"] + c["仅在校验问题"] + c["被替代"]
        if s["工作表"] in PREFILLED:
            assert s["数据行数"] <= c["计入备案"], (s, c)
        else:
            assert s["数据行数"] == c["计入备案"], (s, c)
        checked += 1
    assert checked >= 20
