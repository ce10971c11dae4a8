"""The library's entry points: validate, consolidate, status — each returns a plain value
that the CLI renders. I/O happens here and in read/ and write/ only; nothing here prints.

The stages, each taking the value the one before returned:

    inbox ──read.inbox.scan──▶ Intake ──read.branches.assemble──▶ list[BranchInput]
          ──sheets.prepare──▶ list[Prepared] ──rules──▶ issues ──▶ Validation (+ Report)
          ──consolidate.filing.aggregate──▶ Filing ──write.filing──▶ .xlsx
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.anonymity import redact_ballot_rows
from pipeline.consolidate.filing import aggregate
from pipeline.consolidate.stages import first_sent, stage_status
from pipeline.issues import Issue, dropped_rows, issue, sort_key
from pipeline.model import BranchInput, Filing, InputFile, Report, SheetCount
from pipeline.people import Roster
from pipeline.read.branches import assemble, member_homes
from pipeline.read.inbox import scan
from pipeline.read.intake import Intake
from pipeline.rules import check_across, check_branch
from pipeline.sheets.prepare import Prepared, prepare
from pipeline.write.filing import write_filing
from pipeline.write.report import write_report

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Validation:
    """Validated inputs: every workbook prepared as the rules saw it, and the report."""

    branches: list[Prepared]
    report: Report
    intake: Intake = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def names(self) -> list[str]:
        return [b.branch for b in self.branches]


@dataclass(frozen=True)
class Consolidation:
    """A consolidated inbox: the validation, the filing frames and where the filing went."""

    validation: Validation
    filing: Filing
    public: Report  # the report as the filing shows it: ballot rows redacted (R-B6)
    path: Path


@dataclass(frozen=True)
class Status:
    """Branch × stage (已报送 / 逾期报送 / 未报送 / 逾期未报送 / 不适用) on a day."""

    table: pd.DataFrame
    as_of: dt.date
    validation: Validation


def accounting(intake: Intake, inputs: Sequence[BranchInput],
               issues: Sequence[Issue]) -> list[SheetCount]:
    """Row accounting (SPEC §5), per file and sheet: read = used + only in the report +
    superseded. Counted on the sheets as sent (template leftovers are rows only reported)."""
    dropped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for file, sheet, row in dropped_rows(issues):
        dropped[(file, sheet)].add(row)
    counts: list[SheetCount] = []
    for b in inputs:
        for sheet, t in b.tables.items():
            gone = dropped[(t.file, sheet)] & t.row_numbers
            counts.append(SheetCount(t.file, sheet, b.branch, read=t.rows,
                                     used=t.rows - len(gone), reported=len(gone)))
    for loser, sheet, _winner in intake.superseded:
        if sheet not in C.SHEETS or (loser.name, sheet) not in intake.superseded_rows:
            continue
        rows = intake.superseded_rows[(loser.name, sheet)]
        counts.append(SheetCount(loser.name, sheet, loser.branch, read=rows, superseded=rows))
    for file, tab, branch, rows in intake.unread:  # tabs no rule reads (read/stray.py)
        counts.append(SheetCount(file, tab, branch, read=rows, reported=rows))
    counts.sort(key=lambda c: (c.branch, c.file, c.sheet))
    return counts


def validate(inbox: Path, campaign: Campaign, roster: Roster,
             progress: Progress | None = None) -> Validation:
    """Read the whole inbox, prepare every workbook once and run every rule; never raises on
    bad input files."""
    def step(f: InputFile) -> None:
        if progress is not None:
            progress(f"读取 {f.name}")

    intake = scan(inbox, campaign, [*roster.branches, C.GENERAL_BRANCH], progress=step,
                  homes=member_homes(roster))
    inputs, issues = assemble(intake, roster, campaign)
    prepared = [prepare(b, campaign) for b in inputs]
    issues = [*roster.notes, *intake.issues, *issues]
    if not intake.books:  # an empty inbox, or nothing in it placed: not a pass (#10, case 10)
        issues.append(issue(
            "R-F3", "error",
            f"收件箱中没有收到任何支部报送的表格（找到 {len(intake.files)} 个文件，均未采用）；"
            "请确认收件箱文件夹是否正确", found=f"{len(intake.files)} 个文件",
            expected="各支部报送的表格"))
    for p in prepared:
        issues += check_branch(p, campaign)
    issues += check_across(prepared, campaign)
    issues = sorted(set(issues), key=sort_key)
    report = Report(issues=issues, files=list(intake.files),
                    counts=accounting(intake, inputs, issues))
    return Validation(prepared, report, intake)


def validation_report(validation: Validation, campaign: Campaign, path: Path) -> Path:
    """Write the validation report workbook (校验问题, 行数核对, 说明) for the office: it keeps
    every cell (the branch fixes its entry there); it does not go upward."""
    write_report(validation.report, campaign, path)
    return path


def consolidate(inbox: Path, campaign: Campaign, roster: Roster, target: Path,
                progress: Progress | None = None) -> Consolidation:
    """Validate, aggregate and write the filing workbook to `target` (also when errors were
    found: its 汇总 says so). The filing goes upward: R-B6 redaction is applied to what it
    shows, after the figures were computed on the issues as found."""
    validation = validate(inbox, campaign, roster, progress)
    filing = aggregate(validation.branches, validation.report.issues, campaign,
                       first=first_sent(validation.intake))
    public = replace(validation.report, issues=redact_ballot_rows(validation.report.issues))
    write_filing(filing, public, campaign, target)
    return Consolidation(validation, filing, public, target)


def status(inbox: Path, campaign: Campaign, roster: Roster, as_of: dt.date,
           progress: Progress | None = None) -> Status:
    """Which branch has sent which stage by `as_of`, and what is late."""
    validation = validate(inbox, campaign, roster, progress)
    table = stage_status(validation.branches, campaign, as_of, first=first_sent(validation.intake))
    return Status(table, as_of, validation)
