"""民主测评 (ballot by ballot, SPEC §4 R-B1..R-B6, §6) parsed once, and the Tally.

One row per anonymous ballot: a row is a ballot exactly when its 票号 cell is not blank. Every
other column is headed by an evaluated member's name (pre-filled by the template); a cell
holds that ballot's vote for that member: 优秀/合格/基本合格/不合格 (full-width and space
variants fold; other spellings only via `grades.aliases` in the config); blank = 弃权. Columns
headed 序号/备注/说明 are ignored; columns headed 姓名/投票人/测评人/评议人/填票人/填表人/签名
would record voters and are reported (R-B6), never read.

R-B6: `Tally` holds counts only — no 票号, no ballot rows, no order. The ballot rows stay in
the BallotSheet, which never leaves the prepared branch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.normalize import clean_name, fold, is_blank, normalize_grade
from pipeline.people import Member
from pipeline.read.table import Record, Table

ABSTAIN = "弃权"
INVALID = C.TALLY_INVALID  # 无效: a text that is no grade (R-B1), or a scanned ballot's 2+ marks
PENDING = C.TALLY_PENDING  # 待复核: a scanned mark not decided yet (R-S1)
VALID = "有效"

IDENTITY_HEADERS = frozenset({"姓名", "投票人", "测评人", "评议人", "填票人", "填表人", "签名"})
IGNORED_HEADERS = frozenset({"序号", "备注", "说明"})


@dataclass(frozen=True)
class Tally:
    """Counts of one branch's 民主测评. Per member: each grade, 弃权, 无效 and 有效 (= the
    grades); a scanned 计票 sheet adds 待复核.

    `ballots` is the number of ballots (rows with a 票号; 收回票数 on 计票); `blank_ballots` the
    空白票 (blank for every member; already inside each member's 弃权), None on 计票 where it is
    not known. `cells` points at each member's column header (民主测评) or 姓名 cell (计票)."""

    source: str  # 民主测评 or 计票
    file: str
    sheet: str
    ballots: int
    blank_ballots: int | None
    counts: dict[str, dict[str, int]]  # member → {优秀 … 不合格, 弃权, 无效, 有效[, 待复核]}
    issued: int | None = None  # 发出票数 (计票 only)
    returned: int | None = None  # 收回票数 (计票 only)
    cells: dict[str, str] = field(default_factory=dict)

    def shares(self, name: str, grades: tuple[str, ...]) -> dict[str, float]:
        """Share of each grade among the member's valid votes (empty when none is valid)."""
        c = self.counts.get(name, {})
        valid = c.get(VALID, 0)
        return {g: c.get(g, 0) / valid for g in grades} if valid else {}


EVALUATED, NOT_EVALUATED, UNKNOWN, DUPLICATE, IDENTITY, IGNORED = (
    "evaluated", "not_evaluated", "unknown", "duplicate", "identity", "ignored")


@dataclass(frozen=True)
class BallotColumn:
    label: str  # table column
    name: str  # the header as a name
    status: str  # EVALUATED / NOT_EVALUATED / UNKNOWN / DUPLICATE / IDENTITY / IGNORED
    member: Member | None


@dataclass(frozen=True)
class BallotSheet:
    """The 民主测评 sheet read against the members: its columns, which rows are ballots, and
    each ballot's votes as R-B1 reads them (a grade, '' for 弃权, None for 无效)."""

    table: Table
    columns: tuple[BallotColumn, ...]
    missing: tuple[Member, ...]  # evaluated members without a column
    rows: Mapping[int, Record]  # every data row by Excel row
    ballots: tuple[int, ...]  # counted rows: the first row of each 票号
    duplicates: tuple[tuple[int, int], ...]  # (row, earlier row with the same 票号)
    unnumbered: tuple[int, ...]  # rows with votes but no 票号
    votes: Mapping[int, Mapping[str, str | None]]  # ballot row → counted column → vote
    grades: tuple[str, ...]

    @property
    def counted(self) -> list[BallotColumn]:
        return [c for c in self.columns if c.status == EVALUATED]

    def without(self, rows: Collection[int]) -> BallotSheet:
        """The sheet without these Excel rows (a filter: nothing is read again)."""
        if not any(r in rows for r in self.rows):
            return self
        return replace(
            self, table=self.table.without(rows),
            rows={r: rec for r, rec in self.rows.items() if r not in rows},
            ballots=tuple(r for r in self.ballots if r not in rows),
            duplicates=tuple(d for d in self.duplicates if d[0] not in rows),
            unnumbered=tuple(r for r in self.unnumbered if r not in rows),
            votes={r: v for r, v in self.votes.items() if r not in rows})


def _column_name(t: Table, label: str) -> str:
    # locate() labels a repeated header "王伟(E)"; strip that back to the header text
    suffix = f"({t.letters[label]})"
    return clean_name(label.removesuffix(suffix))


def _read_votes(records: Mapping[int, Record], ballots: tuple[int, ...], labels: list[str],
                campaign: Campaign) -> dict[int, dict[str, str | None]]:
    """Ballot row → counted column → the vote read by R-B1: a grade, '' (弃权) or None (无效)."""
    seen: dict[Any, str | None] = {None: ""}  # a sheet holds a handful of distinct vote texts

    def read(value: Any) -> str | None:
        if not isinstance(value, str):
            return normalize_grade(value, campaign.grades, campaign.grade_aliases)
        if value not in seen:
            seen[value] = normalize_grade(value, campaign.grades, campaign.grade_aliases)
        return seen[value]

    miss = object()
    known: Callable[[Any, Any], Any] = seen.get
    return {row: {label: v if ((value is None or value.__class__ is str)
                               and (v := known(value, miss)) is not miss) else read(value)
                  for label, value in zip(labels, map(records[row].__getitem__, labels))}
            for row in ballots}


def parse_ballots(t: Table, member_of: Mapping[str, Member], evaluated: list[Member],
                  campaign: Campaign) -> BallotSheet:
    """Classify the 民主测评 columns and rows and read every vote."""
    columns: list[BallotColumn] = []
    seen: set[str] = set()
    for label in t.columns:
        if label == "票号":
            continue
        name = _column_name(t, label)
        member = member_of.get(name)
        if fold(name) in IDENTITY_HEADERS and member is None:
            status = IDENTITY
        elif fold(name) in IGNORED_HEADERS and member is None:
            status = IGNORED
        elif name in seen:
            status = DUPLICATE
        elif member is None:
            status = UNKNOWN
        else:
            status = EVALUATED if member.evaluated else NOT_EVALUATED
        seen.add(name)
        columns.append(BallotColumn(label, name, status, member))
    vote_labels = [c.label for c in columns if c.status not in (IDENTITY, IGNORED)]
    first: dict[str, int] = {}
    ballots: list[int] = []
    duplicates: list[tuple[int, int]] = []
    unnumbered: list[int] = []
    for row, rec in t.records:
        key = fold(rec["票号"])
        if not key:
            if any(not is_blank(rec[label]) for label in vote_labels):
                unnumbered.append(row)
        elif key in first:
            duplicates.append((row, first[key]))
        else:
            first[key] = row
            ballots.append(row)
    names = {c.name for c in columns if c.status == EVALUATED}
    missing = tuple(m for m in evaluated if m.name not in names)
    records = dict(t.records)
    counted = [c.label for c in columns if c.status == EVALUATED]
    return BallotSheet(t, tuple(columns), missing, records, tuple(ballots), tuple(duplicates),
                       tuple(unnumbered), _read_votes(records, tuple(ballots), counted, campaign),
                       campaign.grades)


def blank_ballot(bs: BallotSheet, row: int) -> bool:
    """R-B4: a ballot blank for every evaluated member (空白票)."""
    cols = bs.counted
    return bool(cols) and all(is_blank(bs.rows[row][c.label]) for c in cols)


def count_ballots(bs: BallotSheet) -> Tally:
    """§6 counts from the ballots: grades, 弃权 (blank cell), 无效 (R-B1 text), 有效."""
    counts: dict[str, dict[str, int]] = {}
    cells: dict[str, str] = {}
    ballots = [bs.votes[row] for row in bs.ballots]
    for col in bs.counted:
        c = dict.fromkeys((*bs.grades, ABSTAIN, INVALID, VALID), 0)
        label = col.label
        for read in ballots:
            vote = read[label]
            c[ABSTAIN if vote == "" else INVALID if vote is None else vote] += 1
        c[VALID] = sum(c[g] for g in bs.grades)
        counts[col.name] = c
        cells[col.name] = f"{bs.table.letters[col.label]}{bs.table.header_row}"
    blank = sum(1 for row in bs.ballots if blank_ballot(bs, row))
    return Tally(C.BALLOTS, bs.table.file, bs.table.sheet, len(bs.ballots), blank, counts,
                 cells=cells)
