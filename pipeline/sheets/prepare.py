"""A branch prepared once: every winning sheet parsed into typed rows with their Excel rows.

`prepare(BranchInput, Campaign) -> Prepared` runs once per workbook (a 支部's or the 党总支's):
R-F6 template leftovers are found first and their rows taken out, then each sheet kind is
parsed by its own parser (sheets/*.py). Rules read the Prepared value (cross-branch rules a
list of them); consolidation reads `Prepared.without(rows)`: the same value without the rows
an issue dropped, a filter by Excel row, never a re-parse.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.model import BranchInput, SheetSource
from pipeline.people import Member
from pipeline.read.roster import RosterSheet
from pipeline.read.table import Table
from pipeline.sheets.ballots import BallotSheet, Tally, count_ballots, parse_ballots
from pipeline.sheets.grading import GradeRow, grade_rows
from pipeline.sheets.hand_count import HandCount, hand_count
from pipeline.sheets.leftovers import strip_leftovers, template_leftovers
from pipeline.sheets.meetings import Meeting, meeting_rows
from pipeline.sheets.problems import Problem, problem_rows
from pipeline.sheets.talks import Talk, usable_talks

RowKey = tuple[str, str, int]  # (file, sheet, Excel row)


@dataclass(frozen=True)
class Prepared:
    """One workbook as every later stage sees it. Frozen; its mappings are read-only by
    convention (never change them)."""

    branch: str
    general: bool  # the 党总支's own workbook
    members: tuple[Member, ...]  # the effective roster: its own 党员名册 sheet, else the office's
    index: Mapping[str, Member]  # name → member (the first of a name)
    names: frozenset[str]
    evaluated: tuple[Member, ...]
    tables: Mapping[str, Table]  # the winning located sheets, R-F6 rows taken out
    sources: Mapping[str, SheetSource]  # sheet → the file it came from
    leftovers: tuple[Issue, ...]  # R-F6
    roster: RosterSheet | None  # its own 党员名册 sheet, when sent
    talks: tuple[Talk, ...]  # the usable talks
    problems: tuple[Problem, ...]
    ballots: BallotSheet | None  # 民主测评, when sent
    hand: HandCount | None  # a filled 计票 sheet
    tally: Tally | None  # the counts used: 民主测评 when it holds a ballot, else 计票
    grades: tuple[GradeRow, ...]  # the usable 组织评定 rows
    grade_issues: tuple[Issue, ...]  # R-G1: the 组织评定 rows dropped
    meetings: tuple[Meeting, ...]

    def table(self, sheet: str) -> Table | None:
        return self.tables.get(sheet)

    def member(self, name: str) -> Member | None:
        return self.index.get(name)

    @property
    def committee(self) -> list[Member]:
        """R-T1: 支委 in a branch, 总支委员 in the 总支 workbook."""
        if self.general:
            return [m for m in self.members if m.general_committee]
        return [m for m in self.members if m.branch_committee]

    @property
    def entitled(self) -> int:
        """R-B2: members present and entitled to vote (正式 + 预备党员 who attended)."""
        return sum(1 for m in self.members if m.kind in C.MEMBER_KINDS and m.present)

    @property
    def has_ballots(self) -> bool:
        return C.BALLOTS in self.tables or C.TALLY in self.tables

    def without(self, rows: Collection[RowKey]) -> Prepared:
        """The branch without these rows (file, sheet, Excel row) in any table or typed row.
        The tally is counted again only when a counted ballot goes (dropped ballot rows —
        a repeated 票号, no 票号 — are never counted in the first place)."""
        gone: dict[str, set[int]] = {}
        for sheet, t in self.tables.items():
            mine = {r for f, s, r in rows if f == t.file and s == t.sheet}
            if mine & t.row_numbers:
                gone[sheet] = mine
        if not gone:
            return self

        def keep(sheet: str, row: int) -> bool:
            return row not in gone.get(sheet, ())

        ballots, tally = self.ballots, self.tally
        if ballots is not None and C.BALLOTS in gone:
            ballots = ballots.without(gone[C.BALLOTS])
            if tally is not None and tally.source == C.BALLOTS and ballots.ballots != \
                    self.ballots.ballots:  # type: ignore[union-attr]
                tally = count_ballots(ballots)
        return replace(
            self, tables={s: t.without(gone.get(s, ())) for s, t in self.tables.items()},
            talks=tuple(t for t in self.talks if keep(C.TALKS, t.row)),
            problems=tuple(p for p in self.problems if keep(C.PROBLEMS, p.row)),
            grades=tuple(g for g in self.grades if keep(C.GRADING, g.row)),
            meetings=tuple(m for m in self.meetings if keep(C.MEETINGS, m.row)),
            ballots=ballots, tally=tally)


def prepare(b: BranchInput, campaign: Campaign) -> Prepared:
    """Parse every winning sheet of one workbook once."""
    leftovers = list(template_leftovers(b.branch, b.tables))
    tables = strip_leftovers(b.tables, leftovers)
    index: dict[str, Member] = {}
    for m in b.members:
        index.setdefault(m.name, m)
    evaluated = [m for m in b.members if m.evaluated]
    names = frozenset(index)
    entitled = sum(1 for m in b.members if m.kind in C.MEMBER_KINDS and m.present)

    talks = tables.get(C.TALKS)
    problems = tables.get(C.PROBLEMS)
    meetings = tables.get(C.MEETINGS)
    grading = tables.get(C.GRADING)
    ballots = hand = tally = None
    if not b.general:
        if (t := tables.get(C.BALLOTS)) is not None:
            ballots = parse_ballots(t, index, evaluated, campaign)
        if (t := tables.get(C.TALLY)) is not None:
            hand = hand_count(t, b.branch, index, evaluated, entitled, campaign)
        if ballots is not None and ballots.ballots:
            tally = count_ballots(ballots)
        elif hand is not None:
            tally = hand.tally
    rows, dropped = grade_rows(grading, b.branch, index, campaign) if grading else ((), ())
    roster = b.roster  # read once by intake (it decides the members), on the sheet as sent
    return Prepared(
        branch=b.branch, general=b.general, members=tuple(b.members), index=index, names=names,
        evaluated=tuple(evaluated), tables=tables, sources=dict(b.received),
        leftovers=tuple(leftovers), roster=roster,
        talks=usable_talks(talks, names) if talks else (),
        problems=problem_rows(problems) if problems else (),
        ballots=ballots, hand=hand, tally=tally, grades=rows, grade_issues=dropped,
        meetings=meeting_rows(meetings, campaign) if meetings else ())
