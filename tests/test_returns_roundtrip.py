"""Round trip of a return copy (SPEC §9): sent back unchanged it re-reads as exactly the data
it was built from; with the marked cells fixed it validates clean; it is placed by `_meta`,
wins as the newest file, and its 修改清单, fills and comments are never data (nor R-F6)."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
from returns_support import (
    AS_OF,
    SAVED,
    copy_inbox,
    counts,
    edit,
    edit_file,
    findings,
    frames,
    roster,
    run,
)

from demo.fill import save_bytes
from pipeline import contract as C
from pipeline.people import evaluated_in_order
from pipeline.read import read_bytes
from pipeline.read.intake import SUPERSEDED, USED
from pipeline.returns import build_returns

BRANCH = "第一支部"
ERRORS = {"民主测评!C5": "良好", "组织评定!B4": "很好", "会议情况!D3": 99, "整改清单!F3": None}


@pytest.fixture(scope="module")
def broken(tmp_path_factory, campaign):
    """The demo inbox with four errors in 第一支部, validated, and its return packages."""
    inbox = copy_inbox(tmp_path_factory.mktemp("roundtrip"))
    before = edit_file(inbox / f"{BRANCH}.xlsx", ERRORS)
    outcome = run(inbox, campaign)
    result = build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)
    return inbox, before, outcome, result


def copy_of(result, branch):
    return next(p for p in result.packages if p.ret.branch == branch).workbook


def test_the_checklist_sheet_is_never_read(broken):
    _, _, _, result = broken
    book = read_bytes(copy_of(result, BRANCH))
    assert C.RETURN_LIST not in book.sheets
    assert C.BALLOTS in book.sheets and C.META in book.sheets


@pytest.mark.parametrize("branch", [BRANCH, "第二支部", "第四支部"])
def test_unchanged_copy_rereads_as_the_data_it_was_built_from(broken, campaign, tmp_path,
                                                             branch):
    """第二支部 sent .xls, 第四支部 rearranged its columns: the same rows and values."""
    inbox, _, outcome, result = broken
    again = tmp_path / "inbox"
    again.mkdir()
    for p in inbox.rglob("*"):
        if p.is_file():
            target = again / p.relative_to(inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(p.read_bytes())
    (again / f"{branch}-修改意见.xlsx").write_bytes(copy_of(result, branch))
    reread = run(again, campaign)
    mine = next(b for b in reread.branches if b.branch == branch)
    assert {t.file for t in mine.tables.values()} == {f"{branch}-修改意见.xlsx"}
    assert frames(reread, branch) == frames(outcome, branch)
    assert counts(reread) == counts(outcome)
    strip = [(b, s, r, sh, m) for b, s, r, sh, _cell, m in findings(outcome)]
    assert [(b, s, r, sh, m) for b, s, r, sh, _cell, m in findings(reread)] == strip
    assert not [i for i in reread.report.issues if i.rule == "R-F6"]
    statuses = {f.name: f.status for f in reread.report.files}
    assert statuses[f"{branch}-修改意见.xlsx"] == USED
    assert all(statuses[f.name] == SUPERSEDED for f in reread.report.files
               if f.branch == branch and f.name != f"{branch}-修改意见.xlsx")


def test_fixed_copy_validates_clean_with_tallies_unchanged(broken, campaign, tmp_path):
    inbox, before, _, result = broken
    clean = run(copy_inbox(tmp_path / "clean"), campaign)  # the demo as shipped
    fixed, _ = edit(copy_of(result, BRANCH), before)  # the branch restores the four cells
    (inbox / f"{BRANCH}-修改意见.xlsx").write_bytes(fixed)
    try:
        outcome = run(inbox, campaign)
    finally:
        (inbox / f"{BRANCH}-修改意见.xlsx").unlink()
    assert outcome.report.errors == []
    assert counts(outcome) == counts(clean)
    assert frames(outcome, BRANCH) == frames(clean, BRANCH)
    assert [f[:5] for f in findings(outcome)] == [f[:5] for f in findings(clean)]


def test_fixed_copy_keeps_marks_out_of_the_data(broken):
    """Fills and comments stay in the copy the branch fixed; the values are what it typed."""
    _, before, _, result = broken
    fixed, _ = edit(copy_of(result, BRANCH), before)
    wb = openpyxl.load_workbook(io.BytesIO(fixed))
    assert wb["会议情况"]["D3"].value == 32 and wb["会议情况"]["D3"].comment is not None
    book = read_bytes(fixed)
    assert book.saved is not None and book.saved == SAVED
    values = [v for row in book.sheets["会议情况"].rows for v in row]
    assert not any(isinstance(v, str) and "R-M3" in v for v in values)


def test_odd_layouts_round_trip_cell_for_cell(campaign, tmp_path):
    """A ballot column for a 预备党员 right of the template's columns (R-B3), a renamed header
    (R-F3: the sheet is copied cell for cell, so the branch sees what it sent), a hand-counted
    计票 sheet the template lacks, and sheets won by different files of one branch."""
    inbox = copy_inbox(tmp_path)
    probationary = next(m.name for m in roster(campaign).of_branch("第三支部")
                        if m.kind == C.PROBATIONARY)
    third = inbox / "第三支部（修改版）.xlsx"
    wb = openpyxl.load_workbook(third)
    ballots = wb[C.BALLOTS]
    col = ballots.max_column + 1
    ballots.cell(row=2, column=col, value=probationary)
    ballots.cell(row=3, column=col, value="合格")
    wb[C.TALKS]["B2"].value = "对象人"
    third.write_bytes(save_bytes(wb))
    first = inbox / "第一支部.xlsx"
    wb = openpyxl.load_workbook(first)
    del wb[C.BALLOTS]  # 民主测评 now wins from an earlier file, 计票 from this one
    tally = wb.create_sheet(C.TALLY)
    tally.append(["第一支部 计票"])
    tally.append([*C.TALLY_SHEET.headers, C.TALLY_ISSUED, C.TALLY_RETURNED])
    for m in evaluated_in_order(roster(campaign).of_branch("第一支部")):
        tally.append([m.name, 10, 20, 1, 0, 2, 34, 33])
    first.write_bytes(save_bytes(wb))
    outcome = run(inbox, campaign)
    result = build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)
    marked = {p.ret.branch: {(loc.issue.rule, loc.sheet, loc.cell) for loc in p.located}
              for p in result.packages}
    column = openpyxl.utils.get_column_letter(col)
    assert {("R-B3", C.BALLOTS, f"{column}3"), ("R-F3", C.TALKS, "A2")} <= marked["第三支部"]
    assert ("R-B4", C.BALLOTS, "A29") in marked["第一支部"]
    copy3 = openpyxl.load_workbook(io.BytesIO(copy_of(result, "第三支部")))
    assert copy3[C.BALLOTS].cell(row=2, column=col).value == probationary
    assert copy3[C.TALKS]["B2"].value == "对象人"
    copy1 = openpyxl.load_workbook(io.BytesIO(copy_of(result, "第一支部")))
    assert copy1.sheetnames.index(C.TALLY) == copy1.sheetnames.index(C.BALLOTS) + 1
    for branch in ("第一支部", "第三支部"):
        (inbox / f"{branch}-修改意见.xlsx").write_bytes(copy_of(result, branch))
    reread = run(inbox, campaign)
    for branch in ("第一支部", "第三支部"):
        assert frames(reread, branch) == frames(outcome, branch)
    assert counts(reread) == counts(outcome)
    assert [f[:5] for f in findings(reread)] == [f[:5] for f in findings(outcome)]


def test_a_pool_validation_is_refused(broken, campaign):
    """The process pool keeps the raw sheets in its workers: returns asks for a serial run."""
    _, _, outcome, _ = broken
    pooled = dataclasses.replace(outcome, intake=None)
    with pytest.raises(ValueError, match="workers=1"):
        build_returns(pooled, campaign, roster(campaign), AS_OF, saved=SAVED)
