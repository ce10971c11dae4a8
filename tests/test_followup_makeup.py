"""补课 and 处置 across runs: an absentee goes from 待补课 to graded (with the 补课日期 and the
office's planned date), and a 不合格 member's 处置 (措施 from the branch, 期限 and 结果 from the
office) is carried through the branch workbook and the review workbook."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from test_followup_review import INBOX, WORKPAPER, docx_pages, fill, run, setup_office, table


def fill_sheet(book: Path, sheet: str, name: str, values: dict) -> None:
    """Type into a sheet of the office's review workbook (header on row 3)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    col = {c.value: c.column for c in ws[3]}
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, col["姓名"]).value == name)
    for h, v in values.items():
        ws.cell(row, col[h]).value = v
    wb.save(book)


def branch_sends(book: Path, sheet: str, name: str, values: dict) -> None:
    """The branch edits its workbook (header row 2) and sends it again (a newer saved time)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    col = {c.value: c.column for c in ws[2]}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col["姓名"]).value == name)
    for h, v in values.items():
        ws.cell(row, col[h]).value = v
    wb.save(book)


def filing_rows(out: Path, sheet: str) -> dict[tuple[str, str], dict]:
    _, rows = table(openpyxl.load_workbook(out / WORKPAPER)[sheet])
    return {(r["支部"], r["姓名"]): r for r in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("makeup")
    config = str(setup_office(base / "workbooks"))
    inbox = base / "inbox"
    shutil.copytree(INBOX, inbox)
    book = base / "workbooks" / "总支审核.xlsx"

    assert run("review", str(inbox), "--config", config).exit_code == 0
    fill_sheet(book, "补课安排", "范素珍", {"计划补课日期": dt.datetime(2017, 4, 20)})
    run("consolidate", str(inbox), "--config", config, "-o", str(base / "run1"))

    # after the 补课 the branch records the date and grades her; it also grades 杜婷婷 不合格
    sent = inbox / "第一支部.xlsx"
    branch_sends(sent, "党员名册", "范素珍", {"补课日期": dt.datetime(2017, 4, 20)})
    branch_sends(sent, "组织评定", "范素珍", {"评定等次": "合格", "反馈日期": None})
    branch_sends(sent, "组织评定", "杜婷婷", {
        "评定等次": "不合格", "评定理由": "长期不参加组织生活，经教育仍无转变",
        "处置措施": "限期改正", "反馈日期": None})
    second = run("review", str(inbox), "--config", config)
    _, review2 = table(openpyxl.load_workbook(book)["总支审核"])
    fill(book, {
        ("第一支部", "范素珍"): {"审核结论": "同意", "审核日期": dt.datetime(2017, 4, 21)},
        ("第一支部", "杜婷婷"): {"审核结论": "同意", "审核日期": dt.datetime(2017, 4, 21),
                              "处置期限": dt.datetime(2017, 10, 31), "处置结果": "已按期改正"},
    })
    run("consolidate", str(inbox), "--config", config, "-o", str(base / "run2"))
    # the wording is the config's: this year's office words 不合格 differently
    toml = Path(config)
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        '"立足教育帮助，促进转化提高"', '"立足教育帮助，促进转化提高，一年内跟踪考察"'), encoding="utf-8")
    feedback = run("feedback", str(inbox), "--config", config, "-o", str(base / "反馈"))
    third = run("review", str(inbox), "--config", config)
    _, review3 = table(openpyxl.load_workbook(book)["总支审核"])
    return {"base": base, "second": second, "review2": review2, "third": third,
            "review3": review3, "feedback": feedback}


def test_absentee_pending_in_the_first_filing(runs):
    row = filing_rows(runs["base"] / "run1", "补课名单")[("第一支部", "范素珍")]
    assert (row["状态"], row["补课日期"], row["计划补课日期"], row["评定等次"]) == (
        "待补课", None, dt.datetime(2017, 4, 20), None)


def test_absentee_graded_after_makeup_in_the_next_filing(runs):
    makeups = filing_rows(runs["base"] / "run2", "补课名单")
    row = makeups[("第一支部", "范素珍")]
    assert (row["状态"], row["补课日期"], row["计划补课日期"], row["评定等次"], row["最终等次"]) == (
        "已补课", dt.datetime(2017, 4, 20), dt.datetime(2017, 4, 20), "合格", "合格")
    assert makeups[("第四支部", "沈鹏程")]["状态"] == "待补课"  # still pending
    result = filing_rows(runs["base"] / "run2", "民主评议结果")[("第一支部", "范素珍")]
    assert (result["评议状态"], result["评定等次"], result["最终等次"]) == ("已补课", "合格", "合格")
    assert "已于 2017/4/20 补课" in result["提示"]


def test_review_update_shows_the_changed_grades(runs):
    assert "支部评定有变化 2 人" in runs["second"].stdout
    by = {r["姓名"]: r for r in runs["review2"] if r["支部"] == "第一支部"}
    assert by["范素珍"]["变化"] == "支部评定变更：待补课→合格"
    assert by["杜婷婷"]["变化"] == "支部评定变更：合格→不合格"
    assert by["杜婷婷"]["处置措施"] == "限期改正"


def test_disposal_carried_from_branch_and_office_into_the_filing(runs):
    row = filing_rows(runs["base"] / "run2", "民主评议结果")[("第一支部", "杜婷婷")]
    assert (row["评定等次"], row["总支审核"], row["最终等次"]) == ("不合格", "同意", "不合格")
    assert (row["处置措施"], row["处置期限"], row["处置结果"]) == (
        "限期改正", dt.datetime(2017, 10, 31), "已按期改正")
    kept = {r["姓名"]: r for r in runs["review3"] if r["支部"] == "第一支部"}["杜婷婷"]
    assert (kept["处置期限"], kept["处置结果"], kept["变化"]) == (
        dt.datetime(2017, 10, 31), "已按期改正", None)


def test_feedback_for_unqualified_carries_the_disposal_and_the_configured_words(runs):
    assert runs["feedback"].exit_code == 0, runs["feedback"].output
    doc = runs["base"] / "反馈" / "第一支部-评定等次反馈.docx"
    pages = docx_pages(doc)
    assert len(pages) == 2  # 范素珍 (合格, after 补课) and 杜婷婷 (不合格), both 同意
    (du,) = [p for p in pages if "杜婷婷同志" in p]
    assert "评定等次为“不合格”" in du
    assert "对评为“不合格”的党员立足教育帮助，促进转化提高，一年内跟踪考察。" in du
    assert "组织处置：限期改正。" in du and "处置期限：2017年10月31日。" in du
    assert "评定意见：长期不参加组织生活，经教育仍无转变。" in du
    (fan,) = [p for p in pages if "范素珍同志" in p]
    assert "肯定优点，提出希望和要求" in fan and "组织处置" not in fan
