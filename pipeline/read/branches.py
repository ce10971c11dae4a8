"""From the intake to one BranchInput per workbook: every winning sheet located (R-F3 first),
its own 党员名册 read, the members attached (office roster order: 党总支 last)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, dropped_rows, issue
from pipeline.model import BranchInput, SheetCount, SheetSource
from pipeline.people import Member, Roster
from pipeline.read.intake import Intake, Placed
from pipeline.read.reconcile import reconcile
from pipeline.read.roster import roster_sheet
from pipeline.read.table import MissingColumns, Table, col_letter, locate_sheet


def _located(branch: str, placed: Placed) -> Table | Issue:
    """The sheet's table (its header found once by the inbox) or the R-F3 issue."""
    f, raw, header = placed
    spec = C.SHEETS[raw.name]
    # The inbox looks for the roster's synonyms to tell a filled sheet; the table itself is
    # located with the contract headers only (the synonyms are for the office roster file).
    found = locate_sheet(raw, spec.headers, file=f.name,
                         header=header if raw.name != C.ROSTER else None)
    if isinstance(found, MissingColumns):
        missing = "、".join(found.missing)
        where = f"第 {found.header_row} 行" if found.header_row else "前 30 行"
        return issue("R-F3", "error",
                     f"缺少必需的列：{missing}（在{where}没有找到这些表头），本表的数值校验已跳过",
                     branch=branch, file=f.name, sheet=raw.name,
                     cell=f"A{found.header_row}" if found.header_row else "",
                     found="", expected="、".join(spec.headers))
    return found


def _uncached_formulas(branch: str, placed: Placed) -> list[Issue]:
    f, raw, _ = placed
    return [issue("R-F1", "error",
                  "这个单元格是公式，但文件中没有保存计算结果；请在 Excel/WPS 中打开、重新计算并保存后再报送",
                  branch=branch, file=f.name, sheet=raw.name, cell=f"{col_letter(c)}{r + 1}",
                  found="公式（无计算结果）", expected="数值或文字")
            for r, c in sorted(raw.uncached_formulas)]


def member_homes(roster: Roster) -> dict[str, set[str]]:
    """Member name → the branches of the office roster that have a member of that name."""
    homes: dict[str, set[str]] = defaultdict(set)
    for m in roster.members:
        homes[m.name].add(m.branch)
    return dict(homes)


def assemble(intake: Intake, roster: Roster, campaign: Campaign,
             only: Sequence[str] | None = None,
             homes: Mapping[str, set[str]] | None = None) -> tuple[list[BranchInput],
                                                                  list[Issue]]:
    """Locate every winning sheet of every branch (R-F3 first) and attach the members.
    `only`: just these branches (the per-branch stage assembles its own); `homes`: member
    name → branches of the whole office roster (default: from `roster`)."""
    issues: list[Issue] = []
    branches: list[BranchInput] = []
    of_branch: dict[str, list[Member]] = defaultdict(list)  # roster.of_branch, in one pass
    for m in roster.members:
        of_branch[m.branch].append(m)
    homes = member_homes(roster) if homes is None else homes
    names = [*roster.branches, C.GENERAL_BRANCH] if only is None else list(only)
    for name in names:
        general = name == C.GENERAL_BRANCH
        received = intake.sheets.get(name, {})
        order = C.GENERAL_SHEET_ORDER if general else C.BRANCH_SHEET_ORDER
        wanted = [s for s in order if s in C.SHEETS and s in received]
        if not general and C.TALLY in received:
            wanted.append(C.TALLY)
        tables: dict[str, Table] = {}
        sources: dict[str, SheetSource] = {}
        for sheet in wanted:
            placed = received[sheet]
            if sheet != C.TALLY:
                issues += _uncached_formulas(name, placed)
            located = _located(name, placed)
            if isinstance(located, Issue):
                issues.append(located)
                continue
            tables[sheet] = located
            sources[sheet] = SheetSource(placed.file.name, placed.file.saved,
                                         placed.file.received)
        blank = intake.unfilled.get(name, {})
        if not received and not blank:
            issues.append(issue("R-F3", "warning", f"{name}尚未报送任何表格", branch=name,
                                file="", expected="报送本支部的表格"))
        else:
            files = sorted({p.file.name for p in [*received.values(), *blank.values()]})
            for sheet in order:
                if sheet in C.SHEETS and sheet not in received and sheet not in blank:
                    issues.append(issue(
                        "R-F3", "warning",
                        f"报送的文件中都没有“{sheet}”工作表（可能被删除或改名），请用原表格补报",
                        branch=name, file="、".join(files), sheet=sheet, expected=sheet))
        members = roster.general_committee() if general else list(of_branch[name])
        own = roster_sheet(tables[C.ROSTER], name, campaign.year) if C.ROSTER in tables else None
        if own is not None and own.members and not general:
            # the office roster decides who is evaluated; the sheet carries attendance
            members, differences = reconcile(of_branch[name], own, name, homes)
            issues += differences
        branches.append(BranchInput(branch=name, members=members, tables=tables,
                                    general=general, received=sources, roster=own))
    return branches, issues


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
