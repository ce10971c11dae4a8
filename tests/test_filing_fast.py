"""The fast paths of consolidation and the filing writer give what the plain paths give:
rows dropped by filtering the prepared branch (never a re-parse), the sparse 谈话矩阵 (grid drawn by a conditional format),
row heights only for wrapping text, and constant_memory writing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from test_aggregate import PROBLEMS, ballot_issues, example, general
from test_filing import report

from pipeline import contract as C
from pipeline.consolidate.filing import aggregate
from pipeline.issues import issue
from pipeline.write import filing as F
from pipeline.write.filing import write_filing
from pipeline.write.layout import row_height, row_heights


def frames(filing) -> dict[str, Any]:
    out = {f.name: getattr(filing, f.name) for f in dataclasses.fields(filing)}
    out["talk_matrices"] = [(b, m.to_dict("split")) for b, m in out["talk_matrices"]]
    return {k: v.to_dict("split") if isinstance(v, pd.DataFrame) else v for k, v in out.items()}


def test_without_no_dropped_row_is_the_same_prepared_branch(campaign):
    b = example()
    assert b.without(set()) is b
    assert b.without({("other.xlsx", C.BALLOTS, 3)}) is b
    assert frames(aggregate([general(), b], [], campaign)) == \
        frames(aggregate([general(), b.without(set())], [], campaign))


def test_a_dropped_counted_ballot_is_counted_out_by_row(campaign):
    b = example()
    assert b.tally is not None and 3 in b.ballots.ballots
    drop = issue("R-B5", "error", "x", branch=b.branch, file=b.tables[C.BALLOTS].file,
                 sheet=C.BALLOTS, cell="A3", row=3, dropped=True)
    used = b.without({(drop.file, drop.sheet, drop.row)})
    assert 3 not in used.ballots.ballots and used.tables[C.BALLOTS].rows == b.tables[C.BALLOTS].rows - 1
    assert used.tally.ballots == b.tally.ballots - 1
    recount = aggregate([b], [drop], campaign)
    assert recount.summary.set_index("支部").loc[b.branch, "收回票数"] == b.tally.ballots - 1
    # the prepared branch itself is unchanged (frozen; without() returns a new value)
    assert b.tally.ballots == aggregate([b], [], campaign).summary.set_index("支部").loc[
        b.branch, "收回票数"]


def test_row_heights_match_row_height_and_see_line_breaks():
    columns = [("短", "x" * 50, None, "甲\n乙"), (1, None, "问" * 30, "短")]
    widths = [20.0, 12.0]
    rows = list(zip(*columns))
    expected = {i: h for i, r in enumerate(rows) if (h := row_height(r, widths)) is not None}
    assert row_heights(columns, widths) == expected
    assert set(expected) == {1, 2, 3}  # the short two-line text gets its two lines


@pytest.fixture
def written(campaign, tmp_path) -> dict[str, Path]:
    b = example(**{C.PROBLEMS: [*PROBLEMS, ["Q9", "班子", "党员日常管理", "一行\n两行", "自查"]]})
    issues = ballot_issues(b, campaign)
    filing = aggregate([general(), b], issues, campaign)
    paths = {}
    for mode in (False, True):
        paths[mode] = tmp_path / f"cm-{mode}.xlsx"
        write_filing(filing, report(issues), campaign, paths[mode], constant_memory=mode)
    return paths


def look(path: Path) -> dict[str, Any]:
    """What a user sees: values and types, formats, heights, merges, panes, filters, notes."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, c.data_type, c.number_format, c.font.b, c.font.color
                                and c.font.color.rgb, c.fill.fgColor.rgb, c.border.left.style,
                                c.border.bottom.style, c.alignment.wrap_text,
                                c.alignment.horizontal, c.comment and c.comment.text)
                 for row in ws.iter_rows() for c in row if c.has_style or c.value is not None}
        out[ws.title] = (
            cells, {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            {k: d.width for k, d in ws.column_dimensions.items()},
            sorted(map(str, ws.merged_cells.ranges)), ws.freeze_panes, ws.auto_filter.ref,
            ws.print_title_rows,
            [(str(r.sqref), [x.formula for x in r.rules]) for r in ws.conditional_formatting])
    return out


def test_constant_memory_writes_the_same_workbook(written):
    assert look(written[True]) == look(written[False])


def test_matrix_writes_no_blank_cells_and_draws_its_grid(written):
    ws = openpyxl.load_workbook(written[False])["谈话矩阵"]
    blanks = [c.coordinate for row in ws.iter_rows(min_row=2) for c in row
              if c.value is None and c.has_style]
    assert not blanks
    grids = [(str(r.sqref), rule) for r in ws.conditional_formatting for rule in r.rules]
    # 党总支: 3 members (rows 6–8; 谈话人, 职务, 3 names, 合计 = A–F); 第一支部: 8 members
    assert [sqref for sqref, _ in grids] == ["A6:F8", "A13:K20"]
    for _, rule in grids:
        assert rule.formula == ["TRUE"] and rule.dxf.border.left.style == "thin"


def test_large_filings_choose_constant_memory(campaign, tmp_path, monkeypatch):
    b = example()
    filing = aggregate([b], [], campaign)
    chosen = []
    real = F.atomic_write
    monkeypatch.setattr(F, "atomic_write", lambda *a: chosen.append(a[-1]) or real(*a))
    write_filing(filing, report([]), campaign, tmp_path / "small.xlsx")
    monkeypatch.setattr(F, "CONSTANT_MEMORY_CELLS", 10)
    write_filing(filing, report([]), campaign, tmp_path / "large.xlsx")
    assert chosen == [False, True]
    assert F.filing_cells(filing) > 10
