"""Helpers for the return-package tests (tests/test_returns_*.py): the shipped demo inbox
copied, cells changed by hand the way a branch edits its file (its saved time kept), and the
branch data as the rules see it."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl

from demo.fill import save_bytes
from pipeline.app import Validation, validate
from pipeline.config import Campaign
from pipeline.people import Roster
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_INBOX = ROOT / "workbooks" / "inbox"
AS_OF = dt.date(2017, 4, 20)  # after every deadline of the demo campaign
SAVED = dt.datetime(2017, 4, 20, 9, 0, tzinfo=dt.UTC)  # the copies' saved time in tests


def copy_inbox(tmp: Path) -> Path:
    inbox = tmp / "inbox"
    shutil.copytree(SHIPPED_INBOX, inbox)
    return inbox


def edit(data: bytes, changes: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """Set cells ('民主测评!C5' → value) in a workbook, keeping its saved time; returns the
    new bytes and the values the cells had."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    before: dict[str, Any] = {}
    for where, value in changes.items():
        sheet, cell = where.split("!")
        before[where] = wb[sheet][cell].value
        wb[sheet][cell].value = value
        if isinstance(value, str):
            wb[sheet][cell].data_type = "s"
    return save_bytes(wb), before


def edit_file(path: Path, changes: dict[str, Any]) -> dict[str, Any]:
    data, before = edit(path.read_bytes(), changes)
    path.write_bytes(data)
    return before


def roster(campaign: Campaign) -> Roster:
    assert campaign.roster_path is not None
    return load_roster(campaign.roster_path, campaign)


def run(inbox: Path, campaign: Campaign) -> Validation:
    return validate(inbox, campaign, roster(campaign), workers=1)


def frames(validation: Validation,
           branch: str) -> dict[str, list[tuple[int, tuple[tuple[str, Any], ...]]]]:
    """Each located sheet of a branch as (Excel row, sorted (column, value) pairs), column
    order aside: a return copy puts the columns in the template's order."""
    b = next(x for x in validation.branches if x.branch == branch)
    return {sheet: [(row, tuple(sorted((str(k), v) for k, v in rec.items())))
                    for row, rec in t.records]
            for sheet, t in b.tables.items()}


def counts(validation: Validation) -> dict[str, Any]:
    """The tallies the rules and the filing use, file names aside."""
    return {b.branch: None if b.tally is None else (
        b.tally.ballots, b.tally.blank_ballots, b.tally.counts, b.tally.issued, b.tally.returned)
        for b in validation.branches}


def findings(validation: Validation) -> list[tuple[str, str, str, str, str, str]]:
    """The issues, file names aside."""
    return sorted((i.branch, i.severity, i.rule, i.sheet, i.cell, i.message)
                  for i in validation.report.issues)
