"""R-B6: no output keeps ballot order or ballot rows. Shuffling a branch's ballot rows and
renumbering its 票号 leaves the filing as it was (apart from that input file's own SHA-256 and
size, which the 说明 sheet must list), and no 票号 of the inbox appears in any filing cell."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from builders import filing_values
from click.testing import CliRunner

from demo.fill import save_bytes
from pipeline import contract as C
from pipeline.cli import main
from pipeline.read import read_path
from pipeline.read.table import locate_sheet

from .corpus import CONFIG, ROSTER, Base, column, last_row

FOUR = "第四支部.xlsx"  # the file whose 民主测评 wins for 第四支部 (no ballot issue in the demo)


def consolidate(inbox: Path, out: Path) -> bytes:
    result = CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                       "--config", str(CONFIG), "--roster", str(ROSTER)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return out.read_bytes()


def plant(path: Path) -> None:
    """Ballot slips a branch makes: one ballot left blank (R-B4), one vote '良好' (R-B1)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[C.BALLOTS]
    for c in range(2, ws.max_column + 1):
        ws.cell(5, c).value = None
    ws.cell(9, 3).value = "良好"
    path.write_bytes(save_bytes(wb))


def shuffle_ballots(path: Path, seed: int) -> None:
    """Shuffle the ballot rows and renumber the 票号 (101, 102, …): same votes, new order.
    The workbook keeps its saved time (save_bytes), so only the ballots differ."""
    wb = openpyxl.load_workbook(path)
    ws = wb[C.BALLOTS]
    first, last = 3, last_row(ws, "票号")
    rows = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
            for r in range(first, last + 1)]
    random.Random(seed).shuffle(rows)
    number = column(ws, "票号")
    for r, values in enumerate(rows, start=first):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
        ws.cell(r, number).value = str(101 + r - first)
    path.write_bytes(save_bytes(wb))


def ballot_numbers(inbox: Path) -> set[str]:
    """Every 票号 typed in any 民主测评 sheet of the inbox."""
    numbers: set[str] = set()
    for path in inbox.rglob("*.xls*"):
        sheet = read_path(path).sheets.get(C.BALLOTS)
        if sheet is None:
            continue
        table = locate_sheet(sheet, ["票号"], file=path.name)
        numbers |= {str(v).strip() for v in table.frame["票号"] if str(v).strip()}  # type: ignore[union-attr]
    return numbers


@pytest.fixture()
def inbox(base: Base, tmp_path: Path) -> Path:
    target = tmp_path / "inbox"
    shutil.copytree(base.inbox, target, copy_function=shutil.copy2)
    return target


@pytest.mark.parametrize("seed", [1, 2])
def test_r_b6_ballot_order_and_numbers_do_not_reach_the_filing(inbox: Path, tmp_path: Path,
                                                                seed: int) -> None:
    before = filing_values(consolidate(inbox, tmp_path / "a.xlsx"))
    shuffle_ballots(inbox / FOUR, seed)
    after = filing_values(consolidate(inbox, tmp_path / "b.xlsx"))
    assert after == before


def test_r_b6_ballot_slips_do_not_reveal_ballot_order(inbox: Path, tmp_path: Path) -> None:
    plant(inbox / FOUR)
    before = filing_values(consolidate(inbox, tmp_path / "a.xlsx"))
    shuffle_ballots(inbox / FOUR, 3)
    after = filing_values(consolidate(inbox, tmp_path / "b.xlsx"))
    assert after == before


def test_r_b6_no_ballot_number_appears_in_the_filing(inbox: Path, tmp_path: Path) -> None:
    plant(inbox / FOUR)
    numbers = ballot_numbers(inbox)
    assert len(numbers) > 30
    values = filing_values(consolidate(inbox, tmp_path / "a.xlsx"))
    leaked = {(sheet, v) for sheet, rows in values.items() for r in rows for v in r
              if isinstance(v, str) and (v.strip() in numbers
                                         or any(f"票号 {n}" in v for n in numbers))}
    assert not leaked, sorted(leaked)[:10]


def test_r_b6_the_filing_has_tallies_not_ballots(inbox: Path, tmp_path: Path) -> None:
    """No sheet of the filing has one row per ballot or a 票号 column."""
    values = filing_values(consolidate(inbox, tmp_path / "a.xlsx"))
    headers = {v for rows in values.values() for r in rows[:3] for v in r if isinstance(v, str)}
    assert "票号" not in headers and C.BALLOTS not in values
