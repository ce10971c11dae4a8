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

from pipeline.config import Campaign
from pipeline.fill import save_bytes
from pipeline.people import Roster, load_roster
from pipeline.run import Outcome, validate

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


def run(inbox: Path, campaign: Campaign) -> Outcome:
    return validate(inbox, campaign, roster(campaign), keep_tallies=True)


def frames(outcome: Outcome, branch: str) -> dict[str, list[tuple[int, tuple[tuple[str, Any], ...]]]]:
    """Each located sheet of a branch as (Excel row, sorted (column, value) pairs), column
    order aside: a return copy puts the columns in the template's order."""
    b = next(x for x in outcome.branches if x.branch == branch)
    out = {}
    for sheet, t in b.tables.items():
        rows = []
        for row, rec in zip(t.frame.index, t.frame.to_dict("records")):
            rows.append((int(row), tuple(sorted((str(k), v) for k, v in rec.items()))))
        out[sheet] = rows
    return out


def counts(outcome: Outcome) -> dict[str, Any]:
    """The tallies, file names aside."""
    assert outcome.tallies is not None
    return {b: None if t is None else (t.ballots, t.blank_ballots, t.counts, t.issued, t.returned)
            for b, t in outcome.tallies.items()}


def findings(outcome: Outcome) -> list[tuple[str, str, str, str, str, str]]:
    """The issues, file names aside."""
    return sorted((i.branch, i.severity, i.rule, i.sheet, i.cell, i.message)
                  for i in outcome.report.issues)
