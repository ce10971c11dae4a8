"""The library's entry points: validate, consolidate, status — each returns a plain value
that the CLI renders. I/O happens here and in read/ and write/ only; nothing here prints.

The stages, each taking the value the one before returned:

    inbox ──read.inbox.scan──▶ Intake ──read.branches.assemble──▶ list[BranchInput]
          ──sheets.prepare──▶ list[Prepared] ──rules──▶ issues ──▶ Validation (+ Report)
          ──consolidate.filing.aggregate──▶ Filing ──write.filing──▶ .xlsx
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline import contract as C
from pipeline import pool
from pipeline.config import Campaign
from pipeline.consolidate.anonymity import redact_ballot_rows
from pipeline.consolidate.filing import aggregate
from pipeline.consolidate.stages import first_sent, stage_status
from pipeline.followup.final import apply_review
from pipeline.followup.review_book import Review
from pipeline.followup.review_rules import review_issues
from pipeline.issues import Issue, issue, sort_key
from pipeline.model import Filing, InputFile, Report
from pipeline.people import Roster
from pipeline.read.branches import accounting, assemble, member_homes
from pipeline.read.inbox import scan, walk
from pipeline.read.intake import PARTLY_USED, SUPERSEDED, UNFILLED, USED, Intake
from pipeline.report import Outputs, write_outputs
from pipeline.rules import check_across, check_branch
from pipeline.sheets.prepare import Prepared, prepare
from pipeline.write.filing import write_filing
from pipeline.write.report import write_report

Progress = Callable[[str], None]
PLACED = frozenset({USED, PARTLY_USED, SUPERSEDED, UNFILLED})  # statuses of a placed file


@dataclass(frozen=True)
class Validation:
    """Validated inputs: every workbook prepared, and the report. `first`: (branch, sheet) →
    when the sheet first arrived (for lateness). Serially, `branches` are the branches as the
    rules saw them and `intake` the whole inbox read; from the pool (pipeline/pool.py),
    `branches` come without the rows their issues dropped, without raw sheets and ballot rows,
    and `intake` is None (the workbooks stayed in the workers)."""

    branches: list[Prepared]
    report: Report
    intake: Intake | None = field(repr=False)
    first: Mapping[tuple[str, str], dt.datetime] = field(default_factory=dict, repr=False)

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
    outputs: Outputs  # where the 备案, the 工作底稿 and the 总结 went


@dataclass(frozen=True)
class Status:
    """Branch × stage (已报送 / 逾期报送 / 未报送 / 逾期未报送 / 不适用) on a day."""

    table: pd.DataFrame
    as_of: dt.date
    validation: Validation


def validate(inbox: Path, campaign: Campaign, roster: Roster,
             progress: Progress | None = None, workers: int | None = None,
             review: Review | None = None) -> Validation:
    """Read the whole inbox, prepare every workbook once and run every rule; never raises on
    bad input files. The per-branch stage runs in `workers` processes (None: pool.workers()
    decides by the inbox's size) when every file can be given to its branch up front.
    `review`: the office's 总支审核 workbook (R-V1..R-V3, SPEC §12)."""
    n = pool.workers(len(roster.branches) + 1) if workers is None else workers
    tasks = pool.plan(inbox, campaign, roster) if n > 1 else None
    if tasks is not None:
        return _validate_in_pool(tasks, n, campaign, roster, progress, review)

    def step(f: InputFile) -> None:
        if progress is not None:
            progress(f"读取 {f.name}")

    intake = scan(inbox, campaign, [*roster.branches, C.GENERAL_BRANCH], progress=step,
                  homes=member_homes(roster))
    inputs, issues = assemble(intake, roster, campaign)
    prepared = [prepare(b, campaign) for b in inputs]
    issues = [*roster.notes, *intake.issues, *issues, *_nothing_received(intake.files)]
    for p in prepared:
        issues += check_branch(p, campaign)
    issues += check_across(prepared, campaign)
    issues += review_issues(prepared, review, campaign)
    issues = sorted(set(issues), key=sort_key)
    report = Report(issues=issues, files=list(intake.files),
                    counts=accounting(intake, inputs, issues))
    return Validation(prepared, report, intake, first_sent(intake))


def _nothing_received(files: list[InputFile]) -> list[Issue]:
    """R-F3 error when no file was placed on a branch: an empty inbox, or nothing in it
    usable, is not a pass (it was exit 0 and 通过校验: issue #10, case 10)."""
    if any(f.status in PLACED for f in files):
        return []
    return [issue("R-F3", "error",
                  f"收件箱中没有收到任何支部报送的表格（找到 {len(files)} 个文件，均未采用）；"
                  "请确认收件箱文件夹是否正确", found=f"{len(files)} 个文件",
                  expected="各支部报送的表格")]


def _validate_in_pool(tasks: list[pool.BranchTask], n: int, campaign: Campaign,
                      roster: Roster, progress: Progress | None,
                      review: Review | None) -> Validation:
    """validate() with the per-branch stage in `n` processes: the same report and figures."""
    outcomes = pool.run(tasks, n, progress)
    order = {path: i for i, path in enumerate(walk(tasks[0].inbox))}  # the inbox's order
    files = sorted((f for o in outcomes for f in o.files), key=lambda f: order.get(f.path, 0))
    prepared = [o.prepared for o in outcomes if o.prepared is not None]
    issues = [*roster.notes, *(i for o in outcomes for i in o.issues), *_nothing_received(files)]
    issues += check_across(prepared, campaign)
    issues += review_issues(prepared, review, campaign)
    issues = sorted(set(issues), key=sort_key)
    counts = sorted((c for o in outcomes for c in o.counts),
                    key=lambda c: (c.branch, c.file, c.sheet))
    first = {k: v for o in outcomes for k, v in o.first.items()}
    return Validation(prepared, Report(issues=issues, files=files, counts=counts), None, first)


def validation_report(validation: Validation, campaign: Campaign, path: Path) -> Path:
    """Write the validation report workbook (校验问题, 行数核对, 说明) for the office: it keeps
    every cell (the branch fixes its entry there); it does not go upward."""
    write_report(validation.report, campaign, path)
    return path


def consolidate(inbox: Path, campaign: Campaign, roster: Roster, outputs: Outputs,
                progress: Progress | None = None, review: Review | None = None
                ) -> Consolidation:
    """Validate, aggregate and write the three outputs (also when errors were found: the
    备案's 汇总 says so): the 备案 that goes up, the office's 工作底稿 (the full filing) and the
    总结 draft. What leaves the office is redacted for R-B6 after the figures were computed on
    the issues as found. `review`: the office's 总支审核 workbook — 民主评议结果 then shows
    总支审核 and 最终等次 (SPEC §12)."""
    validation = validate(inbox, campaign, roster, progress, review=review)
    filing = apply_review(aggregate(validation.branches, validation.report.issues, campaign,
                                    first=validation.first), review, campaign)
    public = replace(validation.report, issues=redact_ballot_rows(validation.report.issues))
    write_filing(filing, public, campaign, outputs.workpaper)
    write_outputs(filing, public, campaign, outputs.filing, workpaper=False)
    return Consolidation(validation, filing, public, outputs)


def status(inbox: Path, campaign: Campaign, roster: Roster, as_of: dt.date,
           progress: Progress | None = None) -> Status:
    """Which branch has sent which stage by `as_of`, and what is late."""
    validation = validate(inbox, campaign, roster, progress)
    table = stage_status(validation.branches, campaign, as_of, first=validation.first)
    return Status(table, as_of, validation)
