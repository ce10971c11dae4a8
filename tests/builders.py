"""Small inputs built in code: members, located tables, branch inputs, workbooks on disk."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from pipeline import contract as C
from pipeline.config import Campaign, load_campaign
from pipeline.model import BranchInput
from pipeline.people import Member
from pipeline.read.roster import roster_sheet
from pipeline.read.table import MissingColumns, Table, locate
from pipeline.sheets.prepare import Prepared, prepare

SHIPPED = Path(__file__).resolve().parents[1] / "workbooks" / "campaign.toml"


def member(name: str, branch: str = "第一支部", group: str = "第一党小组", roles: Sequence[str] = (),
           kind: str = C.FULL_MEMBER, **kw: Any) -> Member:
    return Member(name=name, branch=branch, group=group, roles=tuple(roles), kind=kind, **kw)


def table(sheet: str, rows: list[list[Any]], file: str = "第一支部.xlsx",
          keep: Sequence[str] = ()) -> Table:
    """Locate `rows` (header first, or below title rows) as the contract sheet `sheet`."""
    required = C.SHEETS[sheet].headers
    located = locate(rows, required, file=file, sheet=sheet, keep=keep)
    assert not isinstance(located, MissingColumns), located
    return located


def branch_input(members: list[Member], sheets: dict[str, list[list[Any]]] | None = None,
                 name: str = "第一支部", general: bool = False,
                 campaign: Campaign | None = None) -> BranchInput:
    """A branch as intake assembles it: located tables, its own 党员名册 read; `members` as
    given (the office roster's)."""
    file = f"{name}.xlsx"
    tables = {s: table(s, rows, file) for s, rows in (sheets or {}).items()}
    year = (campaign or load_campaign(SHIPPED)).year
    own = roster_sheet(tables[C.ROSTER], name, year) if C.ROSTER in tables else None
    return BranchInput(branch=name, members=members, tables=tables, general=general, roster=own)


def branch(members: list[Member], sheets: dict[str, list[list[Any]]] | None = None,
           name: str = "第一支部", general: bool = False,
           campaign: Campaign | None = None) -> Prepared:
    """A prepared branch (the shipped campaign unless another is given)."""
    campaign = campaign or load_campaign(SHIPPED)
    return prepare(branch_input(members, sheets, name, general, campaign), campaign)


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], hidden: Sequence[str] = ()) -> Path:
    """Write a workbook the way Excel saves one (openpyxl), sheet by sheet, rows from A1."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if name in hidden:
            ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def filing_values(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's values of a filing, without the input files' fingerprints (SHA-256, size), which
    change whenever an input file's bytes change."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for ws in wb.worksheets:
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        if ws.title == "说明":
            header = next(n for n, r in enumerate(rows) if r[:3] == ("状态", "支部", "SHA-256"))
            masked = {rows[header].index("SHA-256"), rows[header].index("大小（字节）")}
            rows[header + 1:] = [tuple(None if c in masked else v for c, v in enumerate(r))
                                 for r in rows[header + 1:]]
        out[ws.title] = rows
    wb.close()
    return out
