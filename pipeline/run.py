"""The pipeline as library calls: inbox → located tables per branch → rules → report (→ filing).

The CLI only parses options, calls these and renders; nothing here prints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import contract as C
from pipeline.batch import fewer_collections
from pipeline.config import Campaign
from pipeline.excel.read import RawSheet
from pipeline.excel.table import MissingColumns, Table, col_letter, locate_sheet
from pipeline.followup.review_book import Review
from pipeline.followup.review_rules import review_issues
from pipeline.inbox import Intake, scan
from pipeline.issues import Issue, issue, sort_key
from pipeline.model import BranchInput, InputFile, Report, SheetCount, SheetSource
from pipeline.people import Member, Roster, members_from_table
from pipeline.rules import check_across, check_branch, one_run
from pipeline.tally import Tally, shared_work, tally_branch

Progress = Callable[[str], None]


@dataclass
class Outcome:
    """Validated inputs: the branches as the rules saw them, and the report."""

    branches: list[BranchInput]
    report: Report
    intake: Intake | None = field(default=None, repr=False)
    # branch → its Tally (None: no ballots), kept by validate(keep_tallies=True) for
    # aggregate(tallies=...), so consolidating does not count the ballots again
    tallies: dict[str, Tally | None] | None = field(default=None, repr=False)


def _locate_sheet(branch: str, f: InputFile, raw: RawSheet) -> Table | Issue:
    spec = C.SHEETS[raw.name]
    located = locate_sheet(raw, spec.headers, file=f.name)
    if isinstance(located, MissingColumns):
        missing = "、".join(located.missing)
        where = f"第 {located.header_row} 行" if located.header_row else "前 30 行"
        return issue("R-F3", "error",
                     f"缺少必需的列：{missing}（在{where}没有找到这些表头），本表的数值校验已跳过",
                     branch=branch, file=f.name, sheet=raw.name,
                     cell=f"A{located.header_row}" if located.header_row else "",
                     found="", expected="、".join(spec.headers))
    return located


def _uncached_formulas(branch: str, f: InputFile, raw: RawSheet) -> list[Issue]:
    cells = sorted(getattr(raw, "uncached_formulas", ()) or ())
    return [issue("R-F1", "error",
                  "这个单元格是公式，但文件中没有保存计算结果；请在 Excel/WPS 中打开、重新计算并保存后再报送",
                  branch=branch, file=f.name, sheet=raw.name, cell=f"{col_letter(c)}{r + 1}",
                  found="公式（无计算结果）", expected="数值或文字")
            for r, c in cells]


def assemble(intake: Intake, roster: Roster, campaign: Campaign) -> tuple[list[BranchInput],
                                                                           list[Issue]]:
    """Locate every winning sheet of every branch (R-F3 first) and attach the members."""
    issues: list[Issue] = []
    branches: list[BranchInput] = []
    of_branch: dict[str, list[Member]] = defaultdict(list)  # roster.of_branch, in one pass
    for m in roster.members:
        of_branch[m.branch].append(m)
    for name in [*roster.branches, C.GENERAL_BRANCH]:
        general = name == C.GENERAL_BRANCH
        received = intake.sheets.get(name, {})
        order = C.GENERAL_SHEET_ORDER if general else C.BRANCH_SHEET_ORDER
        tables: dict[str, Table] = {}
        sources: dict[str, SheetSource] = {}
        for sheet in order:
            if sheet not in C.SHEETS or sheet not in received:
                continue
            f, raw = received[sheet]
            issues += _uncached_formulas(name, f, raw)
            located = _locate_sheet(name, f, raw)
            if isinstance(located, Issue):
                issues.append(located)
                continue
            tables[sheet] = located
            sources[sheet] = SheetSource(f.name, f.saved)
        if not general and C.TALLY in received:
            f, raw = received[C.TALLY]
            located = _locate_sheet(name, f, raw)
            if isinstance(located, Issue):
                issues.append(located)
            else:
                tables[C.TALLY] = located
                sources[C.TALLY] = SheetSource(f.name, f.saved)
        blank = intake.unfilled.get(name, {})
        if not received and not blank:
            issues.append(issue("R-F3", "warning", f"{name}尚未报送任何表格", branch=name,
                                file="", expected="报送本支部的表格"))
        else:
            files = sorted({f.name for f, _ in [*received.values(), *blank.values()]})
            for sheet in order:
                if sheet in C.SHEETS and sheet not in received and sheet not in blank:
                    issues.append(issue(
                        "R-F3", "warning",
                        f"报送的文件中都没有“{sheet}”工作表（可能被删除或改名），请用原表格补报",
                        branch=name, file="、".join(files), sheet=sheet, expected=sheet))
        members = roster.general_committee() if general else list(of_branch[name])
        if not general and C.ROSTER in tables:
            own, problems = members_from_table(tables[C.ROSTER], name, campaign.year)
            issues += problems
            if own:
                members = own
        branches.append(BranchInput(branch=name, members=members, tables=tables,
                                    general=general, received=sources))
    return branches, issues


def _accounting(intake: Intake, branches: list[BranchInput], issues: list[Issue]) -> list[SheetCount]:
    dropped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i in issues:
        if i.dropped and i.row:
            dropped[(i.file, i.sheet)].add(i.row)
    counts: list[SheetCount] = []
    for b in branches:
        for sheet, t in b.tables.items():
            gone = {r for r in dropped[(t.file, sheet)] if r in t.frame.index}
            counts.append(SheetCount(t.file, sheet, b.branch, read=t.rows,
                                     used=t.rows - len(gone), reported=len(gone)))
    for loser, sheet, _winner in intake.superseded:
        raw = intake.raw_sheet(loser, sheet)
        if raw is None or sheet not in C.SHEETS:
            continue
        located = locate_sheet(raw, C.SHEETS[sheet].headers, file=loser.name)
        rows = located.rows if isinstance(located, Table) else 0
        counts.append(SheetCount(loser.name, sheet, loser.branch, read=rows, superseded=rows))
    counts.sort(key=lambda c: (c.branch, c.file, c.sheet))
    return counts


@fewer_collections()
def validate(inbox: Path, campaign: Campaign, roster: Roster,
             progress: Progress | None = None, keep_tallies: bool = False,
             review: Review | None = None) -> Outcome:
    """Read the whole inbox and run every rule; never raises on bad input files.
    keep_tallies: also keep each branch's tally in Outcome.tallies (for the filing).
    review: the office's 总支审核 workbook (load_review), checked by R-V1..R-V3."""
    def step(f: InputFile) -> None:
        if progress is not None:
            progress(f"读取 {f.name}")

    intake = scan(inbox, campaign, [*roster.branches, C.GENERAL_BRANCH], progress=step)
    branches, issues = assemble(intake, roster, campaign)
    issues = [*intake.issues, *issues]
    tallies: dict[str, Tally | None] | None = {} if keep_tallies else None
    with one_run():  # check_across reuses each branch's template leftovers (R-F6)
        for b in branches:
            if tallies is None or b.general:
                issues += check_branch(b, campaign)
                continue
            # One shared-work scope for the rules and the tally kept: check_branch's
            # shared_work() joins it, so this is the tally the rules counted (counted again
            # only when R-F6 took rows out: the rules then count on the branch without them;
            # aggregate() counts again itself when the rows it uses differ from `b`'s).
            with shared_work():
                issues += check_branch(b, campaign)
                tallies[b.branch] = tally_branch(b, campaign)[0]
        issues += check_across(branches, campaign)
        issues += review_issues(branches, review, campaign)
    issues = sorted(set(issues), key=sort_key)
    report = Report(issues=issues, files=list(intake.files),
                    counts=_accounting(intake, branches, issues))
    return Outcome(branches, report, intake, tallies)
