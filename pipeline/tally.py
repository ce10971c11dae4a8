"""Ballot counting (SPEC §4 R-B1..R-B6, §6): the single source of tallies for rules and filing.

A branch reports its 民主测评 in one of two ways.

民主测评 (ballot by ballot). One row per anonymous ballot: a row is a ballot exactly when its
票号 cell is not blank. Every other column is headed by an evaluated member's name (pre-filled
by the template); a cell holds that ballot's vote for that member: 优秀/合格/基本合格/不合格
(full-width and space variants fold; other spellings only via `grades.aliases` in the config);
blank = 弃权. Columns headed 序号/备注/说明 are ignored; columns headed 姓名/投票人/测评人/评议人/
填票人/填表人/签名 would record voters and are reported (R-B6), never read.

计票 (hand count, for branches that counted paper ballots). One row per evaluated member:
姓名, 优秀, 合格, 基本合格, 不合格, 弃权 (numbers; a blank count cell is 0). The two totals are
given in either of two ways:
  (a) a row whose 姓名 cell reads 发出票数 (or 收回票数), with the number in one count column —
      normally the cell right of the label, under 优秀;
  (b) a column headed 发出票数 (or 收回票数), with the number in one row or repeated on every
      member row (the same number; differing numbers are an R-B2 error).
Each member's five counts must add up to 收回票数, and 收回票数 ≤ 发出票数 ≤ members entitled to
vote (正式+预备党员 who attended). A 计票 sheet with names only (no count, no total) is unused.

Which source: 民主测评 when it holds at least one ballot, else a filled 计票 sheet, else none.
When both are filled and disagree, 民主测评 is used and a warning says so.

R-B6: `Tally` holds counts only — no 票号, no ballot rows, no order. Whatever a ballot row
carried beyond its votes is never copied out of this module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.excel.table import Table
from pipeline.issues import Issue, Severity, issue
from pipeline.model import BranchInput
from pipeline.normalize import clean_name, clean_text, fold, is_blank, normalize_grade, parse_count
from pipeline.people import Member

ABSTAIN = "弃权"
INVALID = "无效"
VALID = "有效"
BALLOT_SOURCE = C.BALLOTS
TALLY_SOURCE = C.TALLY

IDENTITY_HEADERS = frozenset({"姓名", "投票人", "测评人", "评议人", "填票人", "填表人", "签名"})
IGNORED_HEADERS = frozenset({"序号", "备注", "说明"})


@dataclass(frozen=True)
class Tally:
    """Counts of one branch's 民主测评. Per member: each grade, 弃权, 无效 and 有效 (= the grades).

    `ballots` is the number of ballots (rows with a 票号; 收回票数 on 计票); `blank_ballots` the
    空白票 (blank for every member; already inside each member's 弃权), None on 计票 where it is
    not known. `cells` points at each member's column header (民主测评) or 姓名 cell (计票)."""

    source: str  # 民主测评 or 计票
    file: str
    sheet: str
    ballots: int
    blank_ballots: int | None
    counts: dict[str, dict[str, int]]  # member → {优秀, 合格, 基本合格, 不合格, 弃权, 无效, 有效}
    issued: int | None = None  # 发出票数 (计票 only)
    returned: int | None = None  # 收回票数 (计票 only)
    cells: dict[str, str] = field(default_factory=dict)

    def shares(self, name: str, grades: tuple[str, ...]) -> dict[str, float]:
        """Share of each grade among the member's valid votes (empty when none is valid)."""
        c = self.counts.get(name, {})
        valid = c.get(VALID, 0)
        return {g: c.get(g, 0) / valid for g in grades} if valid else {}


Record = dict[str, Any]


# --- shared work within one check run ------------------------------------------------------
# The rule functions are pure and each may re-read the same sheet. Inside `shared_work()`
# (check_branch / check_across) results of the readers below are kept per argument identity,
# so one run parses each sheet once; outside it every call computes afresh.
_SHARED: ContextVar[dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] | None] = ContextVar(
    "orglife_shared_work", default=None)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def shared_work() -> Iterator[None]:
    """A scope for `shared` results; inside an active scope it joins that one (so a caller
    can share one scope between the rules of a branch and its tally)."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(fn: F) -> F:
    """Memoise `fn` by the identity of its arguments while `shared_work()` is active.
    The result is shared: callers must not mutate it (return tuples or copy)."""

    @functools.wraps(fn)
    def run(*args: Any) -> Any:
        cache = _SHARED.get()
        if cache is None:
            return fn(*args)
        key = (fn.__qualname__, *map(id, args))
        if key not in cache:
            cache[key] = (fn(*args), args)  # args kept alive so their ids stay unique
        return cache[key][0]

    return run  # type: ignore[return-value]


@shared
def _records(t: Table) -> tuple[tuple[int, Record], ...]:
    columns = [str(c) for c in t.frame.columns]
    values = t.frame.to_numpy(dtype=object).tolist()
    return tuple((int(r), dict(zip(columns, row)))  # type: ignore[call-overload]
                 for r, row in zip(t.frame.index.tolist(), values))


def records(t: Table) -> list[tuple[int, Record]]:
    """Data rows as (Excel row, {column: value}), in sheet order."""
    return list(_records(t))


@shared
def member_index(b: BranchInput) -> dict[str, Member]:
    """Name → member, as BranchInput.member() finds them (the first of a name), in one dict.
    Shared: read it, never change it."""
    index: dict[str, Member] = {}
    for m in b.members:
        index.setdefault(m.name, m)
    return index


def at(b: BranchInput, t: Table, rule: str, severity: Severity, message: str, *, row: int = 0,
       column: str = "", found: object = "", expected: str = "", dropped: bool = False) -> Issue:
    """An issue located on sheet `t`: at a cell when row and column are given, else the sheet."""
    cell = t.cell(row, column) if row and column else ""
    return issue(rule, severity, message, branch=b.branch, file=t.file, sheet=t.sheet, cell=cell,
                 found=found, expected=expected, row=row, dropped=dropped)


def header_at(b: BranchInput, t: Table, rule: str, severity: Severity, message: str, *,
              column: str, found: object = "", expected: str = "") -> Issue:
    """An issue located on a column's header cell (not a data row: row stays 0)."""
    cell = f"{t.letters[column]}{t.header_row}"
    return issue(rule, severity, message, branch=b.branch, file=t.file, sheet=t.sheet, cell=cell,
                 found=found, expected=expected, row=0)


def text(value: Any) -> str:
    """A cell as the user typed it, for messages (no NFKC: 例：stays 例：)."""
    return value.strip() if isinstance(value, str) else clean_text(value)


def joined(items: Any) -> str:
    return "、".join(items)


def entitled(b: BranchInput) -> int:
    """R-B2: members present and entitled to vote (正式 + 预备党员 who attended)."""
    return sum(1 for m in b.members if m.kind in C.MEMBER_KINDS and m.present)


def grades_text(campaign: Campaign) -> str:
    return "/".join(campaign.grades)


# --- 民主测评: parsing ---------------------------------------------------------------------

EVALUATED, NOT_EVALUATED, UNKNOWN, DUPLICATE, IDENTITY, IGNORED = (
    "evaluated", "not_evaluated", "unknown", "duplicate", "identity", "ignored")


@dataclass(frozen=True)
class BallotColumn:
    label: str  # frame column
    name: str  # the header as a name
    status: str  # EVALUATED / NOT_EVALUATED / UNKNOWN / DUPLICATE / IDENTITY / IGNORED
    member: Member | None


@dataclass(frozen=True)
class BallotSheet:
    """The 民主测评 sheet read against the roster (internal: rows never leave this module)."""

    table: Table
    columns: tuple[BallotColumn, ...]
    missing: tuple[Member, ...]  # evaluated members without a column
    rows: tuple[tuple[int, Record], ...]
    ballots: tuple[int, ...]  # counted rows: the first row of each 票号
    duplicates: tuple[tuple[int, int], ...]  # (row, earlier row with the same 票号)
    unnumbered: tuple[int, ...]  # rows with votes but no 票号

    @property
    def counted(self) -> list[BallotColumn]:
        return [c for c in self.columns if c.status == EVALUATED]


def _column_name(t: Table, label: str) -> str:
    # locate() labels a repeated header "王伟(E)"; strip that back to the header text
    suffix = f"({t.letters[label]})"
    raw = label.removesuffix(suffix)
    return clean_name(raw)


@shared
def parse_ballots(b: BranchInput) -> BallotSheet | None:
    """Classify the 民主测评 columns and rows; None when the sheet was not sent."""
    t = b.table(C.BALLOTS)
    if t is None:
        return None
    columns: list[BallotColumn] = []
    seen: set[str] = set()
    member_of = member_index(b).get
    for label in t.frame.columns:
        if label == "票号":
            continue
        name = _column_name(t, str(label))
        member = member_of(name)
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
        columns.append(BallotColumn(str(label), name, status, member))
    rows = records(t)
    vote_labels = [c.label for c in columns if c.status not in (IDENTITY, IGNORED)]
    first: dict[str, int] = {}
    ballots: list[int] = []
    duplicates: list[tuple[int, int]] = []
    unnumbered: list[int] = []
    for row, rec in rows:
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
    missing = tuple(m for m in b.evaluated if m.name not in names)
    return BallotSheet(t, tuple(columns), missing, tuple(rows), tuple(ballots),
                       tuple(duplicates), tuple(unnumbered))


@shared
def votes(bs: BallotSheet, campaign: Campaign) -> dict[int, dict[str, str | None]]:
    """Ballot row → counted column → the vote read by R-B1: a grade, '' (弃权) or None (无效)."""
    rows = dict(bs.rows)
    seen: dict[Any, str | None] = {}  # a sheet holds a handful of distinct vote texts

    def read(value: Any) -> str | None:
        if not isinstance(value, str):
            return normalize_grade(value, campaign.grades, campaign.grade_aliases)
        if value not in seen:
            seen[value] = normalize_grade(value, campaign.grades, campaign.grade_aliases)
        return seen[value]

    # A text already read, or a blank cell (None: 弃权, as normalize_grade reads it), is looked
    # up without a call; other values go through read() (numbers: read every time).
    seen[None] = ""
    miss = object()
    known: Callable[[Any, Any], Any] = seen.get
    labels = [c.label for c in bs.counted]
    return {row: {label: v if ((value is None or value.__class__ is str)
                               and (v := known(value, miss)) is not miss) else read(value)
                  for label, value in zip(labels, map(rows[row].__getitem__, labels))}
            for row in bs.ballots}


# --- 民主测评: rules -----------------------------------------------------------------------

def vote_values(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B1: every vote is one of the grades or blank; other text is an error (counted 无效)."""
    rows = dict(bs.rows)
    grid = votes(bs, campaign)
    counted = bs.counted
    for row in bs.ballots:
        read = grid[row]
        if None not in read.values():  # every vote of the ballot is valid
            continue
        for col in counted:
            value = rows[row][col.label]
            if read[col.label] is None:
                yield at(b, bs.table, "R-B1", "error",
                         f"对 {col.name} 的测评“{text(value)}”不是有效等次，应为 "
                         f"{grades_text(campaign)}（空白为弃权）；此票对 {col.name} 计为无效",
                         row=row, column=col.label, found=text(value),
                         expected=grades_text(campaign) + " 或空白")


def ballot_count(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B2: no more ballots than members present and entitled to vote."""
    limit = entitled(b)
    if len(bs.ballots) > limit:
        yield at(b, bs.table, "R-B2", "error",
                 f"共录入 {len(bs.ballots)} 张测评票，多于出席且有表决权的党员 {limit} 人"
                 "（正式党员+预备党员），请核对是否重复录入或误填票号",
                 found=len(bs.ballots), expected=f"不超过 {limit} 张")


def ballot_columns(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B3: the vote columns are exactly the evaluated members.

    A vote in a column of a non-evaluated member (预备党员, exempt cadre), of an unknown name or
    of a repeated column is an error at that cell and is not counted (the ballot row is kept:
    its other votes count). A missing evaluated member's column is an error on the sheet."""
    if not bs.ballots:
        return
    rows = dict(bs.rows)
    why = {NOT_EVALUATED: "不是测评对象", UNKNOWN: "不在本支部名册中", DUPLICATE: "的测评列重复"}
    for col in bs.columns:
        if col.status not in why:
            continue
        reason = why[col.status]
        if col.status == NOT_EVALUATED and col.member is not None:
            reason = ("是预备党员，参加投票但不作为测评对象" if not col.member.full
                      else "是已参加年度民主生活会的党员领导干部，不作为测评对象")
        for row in bs.ballots:
            value = rows[row][col.label]
            if is_blank(value):
                continue
            yield at(b, bs.table, "R-B3", "error",
                     f"{col.name} {reason}，此处的“{text(value)}”不计票",
                     row=row, column=col.label, found=text(value), expected="空白（不投票）")
    for m in bs.missing:
        yield at(b, bs.table, "R-B3", "error",
                 f"测评对象 {m.name} 没有测评列，应在表头增加以 {m.name} 为题的一列",
                 found="", expected=f"{m.name} 的测评列")


def blank_ballots(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B4: a ballot blank for every member counts as 空白票 (warning: check it is not a slip)."""
    rows = dict(bs.rows)
    cols = bs.counted
    for row in bs.ballots:
        if cols and all(is_blank(rows[row][c.label]) for c in cols):
            number = text(rows[row]["票号"])
            yield at(b, bs.table, "R-B4", "warning",
                     f"票号 {number} 整张空白，已计为空白票（对每名测评对象计弃权）；"
                     "如为漏录，请补录该票", row=row, column="票号", found=number,
                     expected="至少对一名测评对象的测评，或确认为空白票")


def ballot_numbers(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B5: 票号 are unique (a later row with the same 票号 is dropped, not counted); a row
    with votes but no 票号 is not a ballot (dropped, not counted)."""
    rows = dict(bs.rows)
    for row, earlier in bs.duplicates:
        number = text(rows[row]["票号"])
        yield at(b, bs.table, "R-B5", "error",
                 f"票号 {number} 与第 {earlier} 行重复，该行未计票；请改正票号或删去重复录入的票",
                 row=row, column="票号", found=number, expected="不重复的票号", dropped=True)
    for row in bs.unnumbered:
        yield at(b, bs.table, "R-B5", "error",
                 "该行有测评内容但没有票号，未计票；有票号的一行才是一张票，请补填票号",
                 row=row, column="票号", found="", expected="票号", dropped=True)


def voter_identity(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B6: no voter identity — no column naming voters, no 票号 that is a member's name."""
    rows = dict(bs.rows)
    for col in bs.columns:
        if col.status == IDENTITY and any(not is_blank(rec[col.label]) for _, rec in bs.rows):
            yield header_at(b, bs.table, "R-B6", "error",
                            f"民主测评为无记名投票，不得记录投票人；“{col.name}”列的内容不会被保存，"
                            "请删除该列", column=col.label, found=col.name,
                            expected="只有 票号 和测评对象列")
    member_of = member_index(b).get
    for row in bs.ballots:
        number = rows[row]["票号"]
        if member_of(clean_name(number)) is not None:
            yield at(b, bs.table, "R-B6", "error",
                     f"票号“{text(number)}”是党员姓名；民主测评为无记名投票，"
                     "票号应为编号，如 1、2、3",
                     row=row, column="票号", found=text(number), expected="编号（如 1、2、3）")


BALLOT_RULES = (vote_values, ballot_count, ballot_columns, blank_ballots, ballot_numbers,
                voter_identity)


def count_ballots(bs: BallotSheet, campaign: Campaign) -> Tally:
    """§6 counts from the ballots: grades, 弃权 (blank cell), 无效 (R-B1 text), 有效."""
    rows = dict(bs.rows)
    grid = votes(bs, campaign)
    counts: dict[str, dict[str, int]] = {}
    cells: dict[str, str] = {}
    counted = bs.counted
    ballots = [grid[row] for row in bs.ballots]
    for col in counted:
        c = dict.fromkeys((*campaign.grades, ABSTAIN, INVALID, VALID), 0)
        label = col.label
        for read in ballots:
            vote = read[label]
            c[ABSTAIN if vote == "" else INVALID if vote is None else vote] += 1
        c[VALID] = sum(c[g] for g in campaign.grades)
        counts[col.name] = c
        cells[col.name] = f"{bs.table.letters[col.label]}{bs.table.header_row}"
    blank = sum(1 for row in bs.ballots
                if counted and all(is_blank(rows[row][c.label]) for c in counted))
    return Tally(BALLOT_SOURCE, bs.table.file, bs.table.sheet, len(bs.ballots), blank, counts,
                 cells=cells)


# --- 计票 (hand count) ---------------------------------------------------------------------

TOTALS = (C.TALLY_ISSUED, C.TALLY_RETURNED)


def _count_columns(t: Table, campaign: Campaign) -> list[tuple[str, str]]:
    """(count key, frame column): the grades by name (contract headers by position), 弃权."""
    contract = [c.header for c in C.TALLY_SHEET.columns[1:5]]
    pairs = [(g, g if g in t.frame.columns else contract[i]) for i, g in enumerate(campaign.grades)]
    return [*pairs, (ABSTAIN, "弃权")]


def hand_count_filled(b: BranchInput, campaign: Campaign) -> bool:
    """A 计票 sheet is used only when a count or a total is filled in."""
    t = b.table(C.TALLY)
    if t is None:
        return False
    cols = [col for _, col in _count_columns(t, campaign)]
    cols += [c for c in TOTALS if c in t.frame.columns]
    return any(not is_blank(rec[c]) for _, rec in records(t) for c in cols)


def hand_count(b: BranchInput, campaign: Campaign) -> tuple[Tally | None, list[Issue]]:
    """Read a filled 计票 sheet: counts per member and the totals, with R-B1/R-B2/R-B3 issues.

    A member row with a count that is not a whole number is dropped (R-B1); a row for a name
    that is not an evaluated member, or a second row for the same member, is dropped (R-B3)."""
    t = b.table(C.TALLY)
    if t is None or not hand_count_filled(b, campaign):
        return None, []
    found: list[Issue] = []
    cols = _count_columns(t, campaign)
    totals: dict[str, tuple[int, str, int]] = {}  # label → (row, column, value)
    counts: dict[str, dict[str, int]] = {}
    cells: dict[str, str] = {}
    listed: set[str] = set()  # members with a row (counted, or dropped for a bad number)
    rows: dict[str, int] = {}

    def number(row: int, col: str, value: Any, what: str) -> int | None:
        try:
            return parse_count(value)
        except ValueError:
            found.append(at(b, t, "R-B1", "error",
                            f"{what}“{text(value)}”不是票数，应为 0 或正整数", row=row, column=col,
                            found=text(value), expected="0 或正整数", dropped=True))
            raise

    def total(label: str, row: int, col: str, value: Any) -> None:
        try:
            n = number(row, col, value, label)
        except ValueError:
            return
        if n is None:
            return
        if label not in totals:
            totals[label] = (row, col, n)
        elif totals[label][2] != n:  # the same number repeated on every row is fine
            first = totals[label]
            found.append(at(b, t, "R-B2", "error",
                            f"{label}前后不一致：第 {first[0]} 行为 {first[2]}，此处为 {n}；"
                            f"以第 {first[0]} 行为准", row=row, column=col, found=n,
                            expected=f"{label} {first[2]}"))

    for row, rec in records(t):
        name = clean_name(rec["姓名"])
        for label in TOTALS:  # format (b): a column headed 发出票数 / 收回票数
            if label in t.frame.columns and not is_blank(rec[label]):
                total(label, row, label, rec[label])
        if name in TOTALS:  # format (a): a row labelled 发出票数 / 收回票数
            filled = [col for _, col in cols if not is_blank(rec[col])]
            if len(filled) != 1:
                found.append(at(b, t, "R-B2", "error",
                                f"{name}一行应只在一个票数格（如“优秀”列）填写数字，"
                                f"现填写了 {len(filled)} 格", row=row, column="姓名",
                                found=len(filled), expected="一个数字"))
            if filled:
                total(name, row, filled[0], rec[filled[0]])
            continue
        values = [(key, col, rec[col]) for key, col in cols]
        if all(is_blank(v) for _, _, v in values) and not name:
            continue
        member = b.member(name)
        if member is None or not member.evaluated:
            why = ("姓名为空" if not name else f"“{text(rec['姓名'])}”不在本支部名册中"
                   if member is None else f"“{text(rec['姓名'])}”不是测评对象")
            found.append(at(b, t, "R-B3", "error", f"计票表中{why}，该行未计入",
                            row=row, column="姓名", found=text(rec["姓名"]),
                            expected="测评对象姓名", dropped=True))
            continue
        if name in listed:
            found.append(at(b, t, "R-B3", "error", f"{name} 在计票表中出现两次，该行未计入",
                            row=row, column="姓名", found=name, expected="每名测评对象一行",
                            dropped=True))
            continue
        listed.add(name)
        c: dict[str, int] = {}
        try:
            for key, col, value in values:
                c[key] = number(row, col, value, f"{name} 的{key}票数") or 0
        except ValueError:
            continue
        c[INVALID] = 0
        c[VALID] = sum(c[g] for g in campaign.grades)
        counts[name] = c
        rows[name] = row
        cells[name] = t.cell(row, "姓名")

    for m in b.evaluated:
        if m.name not in listed:
            found.append(at(b, t, "R-B3", "error", f"计票表中没有测评对象 {m.name} 的票数",
                            found="", expected=f"{m.name} 的一行"))

    issued = totals.get(C.TALLY_ISSUED)
    returned = totals.get(C.TALLY_RETURNED)
    limit = entitled(b)
    for label, item in ((C.TALLY_ISSUED, issued), (C.TALLY_RETURNED, returned)):
        if item is None:
            found.append(at(b, t, "R-B2", "error",
                            f"计票表没有填写{label}；请在姓名列写“{label}”，在其右侧（优秀列）填数字",
                            found="", expected=label))
    if issued and issued[2] > limit:
        found.append(at(b, t, "R-B2", "error",
                        f"发出票数 {issued[2]} 多于出席且有表决权的党员 {limit} 人"
                        "（正式党员+预备党员）",
                        row=issued[0], column=issued[1], found=issued[2],
                        expected=f"不超过 {limit}"))
    if issued and returned and returned[2] > issued[2]:
        found.append(at(b, t, "R-B2", "error",
                        f"收回票数 {returned[2]} 多于发出票数 {issued[2]}",
                        row=returned[0], column=returned[1], found=returned[2],
                        expected=f"不超过 {issued[2]}"))
    ballots = returned[2] if returned else max((sum(c[k] for k, _ in cols)
                                                for c in counts.values()), default=0)
    if returned:
        for name, c in counts.items():
            total_votes = sum(c[k] for k, _ in cols)
            if total_votes != returned[2]:
                found.append(at(b, t, "R-B2", "error",
                                f"{name} 的各等次票数与弃权合计 {total_votes}，应等于收回票数 "
                                f"{returned[2]}", row=rows[name], column="姓名", found=total_votes,
                                expected=f"合计 {returned[2]}"))
    tally = Tally(TALLY_SOURCE, t.file, t.sheet, ballots, None, counts,
                  issued=issued[2] if issued else None, returned=returned[2] if returned else None,
                  cells=cells)
    return tally, found


# --- the entry point -----------------------------------------------------------------------

def _general(b: BranchInput) -> list[Issue]:
    """The 党总支 workbook has no ballots: 总支委员 are evaluated in their own branch."""
    found = []
    for sheet in (C.BALLOTS, C.TALLY):
        t = b.table(sheet)
        if t is None:
            continue
        for row, _ in records(t):
            found.append(at(b, t, "R-B3", "error",
                            f"党总支工作簿不进行民主测评（总支委员在所在支部参加测评），{sheet}中的内容未采用",
                            row=row, column=t.frame.columns[0], expected="在所在支部的工作簿中填写",
                            dropped=True))
    return found


def _differs(a: Tally, b: Tally, campaign: Campaign) -> list[str]:
    keys = (*campaign.grades, ABSTAIN)
    names = sorted(set(a.counts) | set(b.counts))
    return [n for n in names
            if {k: a.counts.get(n, {}).get(k) for k in keys}
            != {k: b.counts.get(n, {}).get(k) for k in keys}]


def ballot_issues(b: BranchInput, bs: BallotSheet, campaign: Campaign) -> list[Issue]:
    return [i for rule in BALLOT_RULES for i in rule(b, bs, campaign)]


def tally_branch(b: BranchInput, campaign: Campaign) -> tuple[Tally | None, list[Issue]]:
    """The branch's tally (None when no ballots were entered) and every R-B issue found."""
    tally, found = _tally_branch(b, campaign)
    return tally, list(found)


@shared
def _tally_branch(b: BranchInput, campaign: Campaign) -> tuple[Tally | None, tuple[Issue, ...]]:
    tally, found = _tally_and_issues(b, campaign)
    return tally, tuple(found)


def _tally_and_issues(b: BranchInput, campaign: Campaign) -> tuple[Tally | None, list[Issue]]:
    if b.general:
        return None, _general(b)
    bs = parse_ballots(b)
    found = ballot_issues(b, bs, campaign) if bs is not None else []
    if bs is not None and bs.ballots:
        tally = count_ballots(bs, campaign)
        if hand_count_filled(b, campaign):
            hand, _ = hand_count(b, campaign)
            differ = _differs(tally, hand, campaign) if hand is not None else []
            if differ:
                t = b.tables[C.TALLY]
                found.append(at(b, t, "R-B2", "warning",
                                f"同时填写了民主测评和计票表，两者不一致（{joined(differ)}）；"
                                "以民主测评逐票录入为准，计票表未采用",
                                found=joined(differ), expected="与民主测评一致，或只填一种"))
        return tally, found
    hand, hand_found = hand_count(b, campaign)
    return hand, found + hand_found
