"""Consolidation (SPEC §6, §7): tallies, grades, eligibility, coverage, completeness, flags.

Pure: branch inputs + the validation issues + the Campaign → a Filing of plain DataFrames
with Chinese headers, ready for excel/filing.py. No I/O, no clock: the same inputs give the
same frames (branch order is the order of `branches`; rows keep roster/Excel-row order).

Votes are counted by pipeline.tally only (single source); this module reads its Tally. The
usable grade, talk coverage and the R-A1 quota come from the rule modules (grading.
usable_grades, talks.coverage, flags.quota), so the filing and the report count alike.
Thresholds only raise flags (需组织研判), never a grade (不唯票数).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline import contract as C
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.excel.table import Table
from pipeline.issues import SEVERITY_LABEL, Issue, issue, sort_key
from pipeline.model import BranchInput, InputFile
from pipeline.normalize import DateError, clean_name, fold, is_blank, normalize_grade, parse_date
from pipeline.people import Member, role_order
from pipeline.rules.flags import quota
from pipeline.rules.grading import usable_grades
from pipeline.rules.problems import problems as problem_rows
from pipeline.rules.talks import coverage as talk_coverage
from pipeline.rules.talks import talks as usable_talks
from pipeline.tally import ABSTAIN, INVALID, VALID, Tally, shared_work, tally_branch
from pipeline.tally import records as table_records

if TYPE_CHECKING:
    from pipeline.inbox import Intake

# --- words shown in the filing -----------------------------------------------------------

PASSED = "通过校验"
FAILED = "未通过校验"
TOTAL = "合计"

# Stage status (报送情况).
RECEIVED = "已报送"
RECEIVED_LATE = "逾期报送"
MISSING = "未报送"
OVERDUE = "逾期未报送"
NOT_APPLICABLE = "不适用"

# Eligibility (评议状态) of a member.
TAKES_PART = "参加评定"
MADE_UP = "已补课"
UNGRADED = "未评定"  # evaluated, but no usable grade in 组织评定 yet

BEIJING = dt.timezone(dt.timedelta(hours=8))
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_REF_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Stage:
    """A stage of the seed timeline and the sheet(s) that show it was done."""

    name: str
    sheets: tuple[str, ...]
    deadline: str  # key into Campaign.deadlines
    general: bool = True  # the 党总支 workbook has it too


STAGES: tuple[Stage, ...] = (
    Stage("谈心谈话", (C.TALKS,), "talks"),
    Stage("问题清单", (C.PROBLEMS,), "problems"),
    Stage("民主测评", (C.BALLOTS, C.TALLY), "member_meeting", general=False),
    Stage("组织评定", (C.GRADING,), "grading", general=False),
    Stage("整改清单", (C.RECTIFY,), "rectification"),
    Stage("会议情况", (C.MEETINGS,), "member_meeting"),
)


@dataclass
class Filing:
    """The consolidated filing (备案) as frames; one field per sheet of excel/filing.py."""

    title: str  # e.g. "徐汇区教师进修学院党总支 2017年专题组织生活会"
    status: str  # 通过校验 / 未通过校验
    summary: pd.DataFrame  # 汇总: 党总支, every branch, then the 合计 row
    results: pd.DataFrame  # 民主评议结果: one row per member of every branch
    problems: pd.DataFrame  # 问题清单: 党总支 first, then branches
    rectifications: pd.DataFrame  # 整改清单
    coverage: pd.DataFrame  # 整改覆盖: problem→rectification and 整改承诺 per branch
    talks: pd.DataFrame  # 谈心谈话: coverage and missing 必谈 pairs per branch
    missing_pairs: pd.DataFrame  # one row per missing 必谈 pair (R-T1)
    talk_matrices: list[tuple[str, pd.DataFrame]]  # (branch, 谈话人 × 谈话对象 counts)
    makeups: pd.DataFrame  # 补课名单
    stages: pd.DataFrame  # 报送情况: stage_detail(...), one row per (branch, stage)
    flags: pd.DataFrame  # 需组织研判 (R-A1, R-A2): flags only, never a grade
    issues: pd.DataFrame  # 校验问题: every error and warning, incl. the flags raised here
    legend: pd.DataFrame  # 列说明: 工作表, 列, 含义
    new_issues: list[Issue] = field(default_factory=list)  # R-A1/R-A2 raised by aggregate
    errors: int = 0
    warnings: int = 0

    @property
    def passed(self) -> bool:
        return self.errors == 0


# --- small helpers -------------------------------------------------------------------------

def text(value: Any) -> str:
    """Cell → display text without changing it: no NFKC (Chinese punctuation stays), no
    formula evaluation; whole-number floats lose '.0' (Excel stores numbers as doubles)."""
    if type(value) is str:
        return value.translate(_INVISIBLE).strip()
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_INVISIBLE).strip()


def date_or_text(value: Any, year: int) -> dt.date | str | None:
    """A date cell as a date; a value that is not a date stays as its text (rules report it)."""
    try:
        return parse_date(value, year)
    except DateError:
        return text(value)


def day(d: dt.date) -> str:
    """2017/3/31, as Chinese offices write dates."""
    return f"{d.year}/{d.month}/{d.day}"


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def dropped_rows(issues: Iterable[Issue]) -> set[tuple[str, str, int]]:
    """(file, sheet, Excel row) of every row an error took out of the filing."""
    return {(i.file, i.sheet, i.row) for i in issues if i.dropped and i.row}


def records(table: Table | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row, {header: value}) of a table's rows, in sheet order. The same parse as the
    rules' (tally.records): inside shared_work() a table is turned into records once. The
    dicts are shared: read them, never change them."""
    if table is None:
        return iter(())
    return iter(table_records(table))


def used_view(b: BranchInput, dropped: set[tuple[str, str, int]]) -> BranchInput:
    """The branch as the filing uses it: rows dropped by an issue taken out of every table,
    so tallies, grades and coverage never see them (consistent with the report's accounting)."""
    tables: dict[str, Table] = {}
    for sheet, t in b.tables.items():
        gone = [r for r in t.frame.index if (t.file, t.sheet, int(r)) in dropped]
        tables[sheet] = dataclasses.replace(t, frame=t.frame.drop(index=gone)) if gone else t
    return dataclasses.replace(b, tables=tables)


def ordered_members(members: Sequence[Member]) -> list[Member]:
    """Seed order: 总支书记/支部书记, committee, then members; roster order within."""
    return [m for _, _, m in sorted(((role_order(m), i, m) for i, m in enumerate(members)),
                                    key=lambda t: (t[0], t[1]))]


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows → object frame with exactly `columns` (None where absent), index 0..n-1."""
    data = [[r.get(c) for c in columns] for r in rows]
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def _letters(cell: str) -> str:
    return "".join(ch for ch in cell if ch.isalpha()).upper()


def _join(names: Iterable[str]) -> str:
    return "、".join(names)


# --- completeness per stage ----------------------------------------------------------------

def _filled_rows(sheet: str, table: Table) -> int:
    """Rows that carry the stage's data (a pre-filled name alone is not data)."""
    f = table.frame
    if f.empty:
        return 0
    if sheet == C.GRADING:
        column = "评定等次"
    elif sheet == C.BALLOTS:
        column = "票号"
    elif sheet == C.TALLY:
        counts = [c for c in ("优秀", "合格", "基本合格", "不合格", "弃权") if c in f.columns]
        return int(sum(1 for _, rec in f[counts].iterrows()
                       if not all(is_blank(v) for v in rec)))
    else:
        return len(f)
    return int(sum(1 for v in f[column] if not is_blank(v)))


FirstSent = Mapping[tuple[str, str], dt.datetime]


def local_time(t: dt.datetime | None) -> dt.datetime | None:
    """Saved times come as aware UTC; deadlines are Beijing dates (UTC+8). Naive times are
    taken as already local."""
    if t is None or t.tzinfo is None:
        return t
    return t.astimezone(BEIJING).replace(tzinfo=None)


def first_sent(intake: Intake) -> dict[tuple[str, str], dt.datetime]:
    """(branch, sheet) → the earliest saved time of any file that carried the sheet filled in:
    the winning copy and the copies it superseded (R-F4). A branch that re-sends its whole
    workbook is judged on when each sheet first arrived, not on its latest re-send."""
    out: dict[tuple[str, str], dt.datetime] = {}

    def seen(branch: str, sheet: str, f: InputFile) -> None:
        t = local_time(f.saved or f.mtime)
        if t is not None and ((branch, sheet) not in out or t < out[(branch, sheet)]):
            out[(branch, sheet)] = t

    for branch, sheets in intake.sheets.items():
        for sheet, (f, _) in sheets.items():
            seen(branch, sheet, f)
    for loser, sheet, _winner in intake.superseded:
        seen(loser.branch, sheet, loser)
    return out


def stage_status(branches: Sequence[BranchInput], campaign: Campaign,
                 as_of: dt.date | None = None, first: FirstSent | None = None) -> pd.DataFrame:
    """Branch × stage: one row per branch, column 支部 then one column per stage of the seed
    timeline (谈心谈话 … 会议情况), each 已报送/逾期报送/未报送/逾期未报送/不适用.
    `first` (from first_sent(intake)) dates each sheet by its first arrival."""
    detail = stage_detail(branches, campaign, as_of, first)
    rows: dict[str, dict[str, Any]] = {}
    for rec in detail.to_dict("records"):
        rows.setdefault(rec["支部"], {"支部": rec["支部"]})[rec["阶段"]] = rec["状态"]
    return _frame(list(rows.values()), ["支部", *(s.name for s in STAGES)])


def stage_detail(branches: Sequence[BranchInput], campaign: Campaign,
                 as_of: dt.date | None = None, first: FirstSent | None = None) -> pd.DataFrame:
    """Which branch has sent which stage of the seed timeline, and what is late.

    One row per (branch, stage). A stage counts as 已报送 when its sheet holds data rows (a
    pre-filled name is not data); 逾期报送 when it first arrived after the deadline — by
    `first` when given, else by the saved time of the file it was taken from; 逾期未报送 when
    it is missing and `as_of` is past the deadline (as_of=None: never). A sheet that first
    arrived after `as_of` counts as not yet sent: `as_of` shows the inbox as it was then."""
    rows: list[dict[str, Any]] = []
    for b in branches:
        for stage in STAGES:
            deadline = campaign.deadlines[stage.deadline]
            row: dict[str, Any] = {"支部": b.branch, "阶段": stage.name,
                                   "截止日期": deadline, "工作表": "/".join(stage.sheets)}
            if b.general and not stage.general:
                row.update(状态=NOT_APPLICABLE)
                rows.append(row)
                continue
            found: tuple[str, Table, int] | None = None
            for sheet in stage.sheets:
                table = b.table(sheet)
                if table is not None:
                    n = _filled_rows(sheet, table)
                    if found is None or (n and not found[2]):
                        found = (sheet, table, n)
            source = b.received.get(found[0]) if found is not None else None
            saved = local_time(source.saved) if source else None
            arrived = (first or {}).get((b.branch, found[0])) or saved if found else None
            future = as_of is not None and arrived is not None and arrived.date() > as_of
            if found is None or not found[2] or future:  # `as_of` views the inbox as it was
                late = as_of is not None and as_of > deadline
                row.update(状态=OVERDUE if late else MISSING,
                           数据行数=0 if found is not None and not future else None)
                rows.append(row)
                continue
            sheet, table, n = found
            late = arrived is not None and arrived.date() > deadline
            row.update(工作表=sheet, 状态=RECEIVED_LATE if late else RECEIVED, 数据行数=n,
                       首次报送=arrived, 采用文件=source.file if source else table.file,
                       文件保存时间=saved)
            rows.append(row)
    return _frame(rows, ("支部", "阶段", "工作表", "截止日期", "状态", "数据行数", "首次报送",
                         "采用文件", "文件保存时间"))


# --- ballots, grades, members --------------------------------------------------------------

def vote_columns(campaign: Campaign) -> list[str]:
    """民主评议结果 count columns: one per grade, then 弃权票, 无效票, 有效票."""
    return [f"{g}票" for g in campaign.grades] + ["弃权票", "无效票", "有效票"]


def share_columns(campaign: Campaign) -> list[str]:
    return [f"{g}票占比" for g in campaign.grades]


def result_columns(campaign: Campaign) -> list[str]:
    return ["支部", "姓名", "党小组", "职务", "党员类别", "出席情况", "评议状态",
            *vote_columns(campaign), *share_columns(campaign),
            "评定等次", "评定理由", "处置措施", "反馈日期", "提示"]


@dataclass
class _Grade:
    """A member's 组织评定 row as written (the usable value comes from usable_grades)."""

    raw: str
    value: str | None  # normalised: a grade, 不评定等次, 待补课, '' or None (unknown text)
    reason: str
    disposition: str
    feedback: dt.date | str | None


def _grade_rows(b: BranchInput, campaign: Campaign) -> dict[str, _Grade]:
    """Name → its first 组织评定 row (a second row is dropped by R-G1)."""
    out: dict[str, _Grade] = {}
    values = (*campaign.grades, campaign.not_graded, campaign.pending)
    for _, rec in records(b.table(C.GRADING)):
        name = clean_name(rec.get("姓名"))
        if not name or name in out:
            continue
        out[name] = _Grade(text(rec.get("评定等次")),
                           normalize_grade(rec.get("评定等次"), values, campaign.grade_aliases),
                           text(rec.get("评定理由")), text(rec.get("处置措施")),
                           date_or_text(rec.get("反馈日期"), campaign.year))
    return out


def _member_issues(b: BranchInput, found: Sequence[Issue]) -> dict[str, list[Issue]]:
    """Issues about one member: on their 党员名册/组织评定/计票 row, in their 民主测评
    column, or naming them as the value found."""
    by_row: dict[tuple[str, str, int], str] = {}
    by_column: dict[tuple[str, str, str], str] = {}
    names = b.names
    for sheet in (C.ROSTER, C.GRADING, C.TALLY):
        table = b.table(sheet)
        if table is None or "姓名" not in table.frame.columns:
            continue
        for row, rec in records(table):
            name = clean_name(rec.get("姓名"))
            if name in names:
                by_row.setdefault((table.file, table.sheet, row), name)
    ballots = b.table(C.BALLOTS)
    if ballots is not None:
        for header, letter in ballots.letters.items():
            name = clean_name(header)
            if name in names:
                by_column[(ballots.file, ballots.sheet, letter)] = name
    out: dict[str, list[Issue]] = defaultdict(list)
    for i in found:
        who = (by_row.get((i.file, i.sheet, i.row))
               or by_column.get((i.file, i.sheet, _letters(i.cell)))
               or (clean_name(i.found) if clean_name(i.found) in names else None))
        if who:
            out[who].append(i)
    return out


def _issue_hint(found: Sequence[Issue], limit: int = 3) -> str:
    """'[错误 R-B1] …；…另有 N 条，见“校验问题”' — errors first."""
    ranked = sorted(found, key=lambda i: (i.severity != "error", sort_key(i)))
    parts = [f"[{SEVERITY_LABEL[i.severity]} {i.rule}] {i.message}" for i in ranked[:limit]]
    if len(ranked) > limit:
        parts.append(f"另有 {len(ranked) - limit} 条，见“校验问题”")
    return "；".join(parts)


Tallies = Mapping[str, "Tally | None"]


def _tally(b: BranchInput, campaign: Campaign, tallies: Tallies | None = None,
           raw: BranchInput | None = None) -> Tally | None:
    """The branch's tally. `tallies` (run.validate's, counted on the branch as sent, `raw`) is
    used when the used view `b` has the very same 民主测评 and 计票 tables, i.e. no row of
    them was dropped: the count is then the same. Otherwise the ballots are counted here.
    Ballot issues reach us through `issues` either way."""
    if b.general:
        return None
    if (tallies is not None and raw is not None and b.branch in tallies
            and all(b.table(s) is raw.table(s) for s in (C.BALLOTS, C.TALLY))):
        return tallies[b.branch]
    result, _ = tally_branch(b, campaign)
    return result


@dataclass
class _BranchResult:
    rows: list[dict[str, Any]]
    grades: Counter[str]
    tally: Tally | None
    cap: int
    base: int
    excellent: int
    flags: list[Issue]


def _vote_flags(b: BranchInput, m: Member, tally: Tally, campaign: Campaign) -> list[Issue]:
    """R-A2: vote-share flags, only when the config enables them (citing its reference)."""
    flags = campaign.vote_flags
    counts = tally.counts[m.name]
    valid = int(counts.get(VALID, 0))
    if not flags.enabled or not valid:
        return []
    grades = campaign.grades
    out: list[Issue] = []
    checks = ((grades[-1:], flags.unqualified_share), (grades[2:], flags.basic_or_worse_share))
    for worse, threshold in checks:
        n = sum(int(counts.get(g, 0)) for g in worse)
        if n / valid < threshold:
            continue
        label = f"{worse[0]}及以下" if len(worse) > 1 else worse[0]
        out.append(issue(
            "R-A2", "warning",
            f"{m.name}的“{label}”票 {n} 张，占有效票 {valid} 张的 {n / valid:.1%}，"
            f"达到 {threshold:.0%}（依据 {flags.reference}），需组织研判；票数只作参考，不决定等次",
            branch=b.branch, file=tally.file, sheet=tally.sheet, cell=tally.cells.get(m.name, ""),
            found=m.name, expected=f"“{label}”票占比低于 {threshold:.0%}", row=0))
    return out


def _branch_results(b: BranchInput, campaign: Campaign, branch_issues: Sequence[Issue],
                    raw: BranchInput, tallies: Tallies | None = None) -> _BranchResult:
    """民主评议结果 rows of one branch (`b` is the used view, `raw` the branch as sent)."""
    tally = _tally(b, campaign, tallies, raw)
    usable = usable_grades(b, campaign)
    written = _grade_rows(b, campaign)
    about = _member_issues(raw, branch_issues)
    q = quota(b, campaign)  # R-A1: the same count as the rules
    base, cap = q.base, q.cap
    rows: list[dict[str, Any]] = []
    distribution: Counter[str] = Counter()
    flags: list[Issue] = []
    for m in ordered_members(b.members):
        hints: list[str] = []
        g = written.get(m.name)
        grade = usable.get(m.name) or UNGRADED
        row: dict[str, Any] = {
            "支部": b.branch, "姓名": m.name, "党小组": m.group, "职务": m.role or None,
            "党员类别": m.category, "出席情况": C.PRESENT if m.present else C.ABSENT,
        }
        absence = f"缺席民主评议（{m.absence_reason}）" if m.absence_reason else "缺席民主评议"
        if grade == campaign.not_graded:
            state = campaign.not_graded
            why = "预备党员" if not m.full else "已参加年度民主生活会的党员领导干部"
            hints.append(f"{why}，参加民主评议但{campaign.not_graded}")
        elif grade == campaign.pending:
            state = campaign.pending
            hints.append(f"{absence}，尚无补课日期，{campaign.pending}")
        else:
            state = TAKES_PART if m.present else MADE_UP
            if not m.present:
                hints.append(f"{absence}，已于 {day(m.makeup_date)} 补课；"  # type: ignore[arg-type]
                             "党员大会的测评票数不适用")
            if grade == UNGRADED:
                hints.append("组织评定表中尚无有效的评定等次" if g is None or not g.raw else
                             f"组织评定表填写的“{g.raw}”未采用")
            if m.present:
                if tally is not None and m.name in tally.counts:
                    counts = tally.counts[m.name]
                    for gr in campaign.grades:
                        row[f"{gr}票"] = int(counts.get(gr, 0))
                    row["弃权票"] = int(counts.get(ABSTAIN, 0))
                    row["无效票"] = int(counts.get(INVALID, 0))
                    row["有效票"] = valid = int(counts.get(VALID, 0))
                    for gr in campaign.grades:
                        row[f"{gr}票占比"] = share(int(counts.get(gr, 0)), valid)
                    member_flags = _vote_flags(b, m, tally, campaign)
                    flags += member_flags
                    # flags the rules raised reach 提示 as this member's issues
                    hints += [i.message for i in new_flags(member_flags, branch_issues)]
                elif tally is None:
                    hints.append("尚未收到民主测评结果")
                else:
                    hints.append(f"{tally.source}中没有该党员的票数")
        if g is not None and g.value and g.value != grade and grade != UNGRADED:
            hints.append(f"组织评定表填写的“{g.raw}”未采用")
        if grade in campaign.grades and g is not None:
            row.update(评定理由=g.reason or None, 处置措施=g.disposition or None,
                       反馈日期=g.feedback or None)
        row.update(评定等次=grade, 评议状态=state, _hints=hints)
        distribution[grade] += 1
        rows.append(row)

    excellent = distribution[campaign.grades[0]]
    if excellent > cap:
        table = b.table(C.GRADING)
        flags.append(issue(
            "R-A1", "warning",
            f"{b.branch}评定“{campaign.grades[0]}” {excellent} 人，超过上限 {cap} 人"
            f"（{campaign.excellent_cap.describe()}；{campaign.excellent_cap.denominator} "
            f"{base} 人），需组织研判",
            branch=b.branch, file=table.file if table is not None else "",
            sheet=table.sheet if table is not None else "",
            found=f"{excellent} 人", expected=f"不超过 {cap} 人"))
        for row in rows:
            if row["评定等次"] == campaign.grades[0]:
                row["_hints"].append(f"本支部“{campaign.grades[0]}” {excellent} 人，"
                                     f"超过上限 {cap} 人，需组织研判（R-A1）")
    for row in rows:
        hints = row.pop("_hints")
        found = about.get(row["姓名"], [])
        if found:
            hints.append(_issue_hint(found))
        row["提示"] = "；".join(hints) or None
    return _BranchResult(rows, distribution, tally, cap, base, excellent, flags)


# --- talks ---------------------------------------------------------------------------------

@dataclass
class _Talks:
    row: dict[str, Any]
    missing: tuple[tuple[str, str], ...]
    matrix: pd.DataFrame


def _talks(b: BranchInput) -> _Talks:
    """Coverage (R-T2, as the rules count it), missing 必谈 pairs (R-T1) and the matrix."""
    pairs = Counter(usable_talks(b))
    cov = talk_coverage(b)
    table = b.table(C.TALKS)
    members = ordered_members(b.members)
    row: dict[str, Any] = {
        "支部": b.branch, "谈话记录数": len(table.frame) if table is not None else 0,
        "可计谈话": sum(pairs.values()),
        "委员人数": len(b.committee), "必谈对数": cov.pairs_total,
        "已谈对数": cov.pairs_total - len(cov.missing_pairs),
        "缺少必谈对数": len(cov.missing_pairs),
        "缺少的必谈（双方）": _join(f"{x}—{y}" for x, y in cov.missing_pairs) or None,
        "应谈党员": cov.members_total, "已与委员谈话": cov.members_covered,
        "谈话覆盖率": share(cov.members_covered, cov.members_total),
        "未与委员谈话的党员": _join(cov.missing_members) or None,
    }
    order = [m.name for m in members]
    role = {m.name: m.role for m in members}
    said: dict[str, dict[str, int]] = defaultdict(dict)  # 谈话人 → 谈话对象 → talks
    for (a, o), n in pairs.items():
        said[a][o] = n
    matrix_rows: list[list[Any]] = []
    for a in order:
        heard = said.get(a, {})
        cells = [heard.get(o) or None for o in order] if heard else [None] * len(order)
        total = sum(heard.get(o, 0) for o in order) if heard else 0
        matrix_rows.append([a, role[a] or None, *cells, total])
    matrix = pd.DataFrame(matrix_rows, columns=["谈话人＼谈话对象", "职务", *order, "合计"],
                          dtype=object)
    return _Talks(row, cov.missing_pairs, matrix)


# --- problems and rectifications -----------------------------------------------------------

PROBLEM_COLUMNS = ("支部", "编号", "对象", "类别", "问题描述", "来源")
RECTIFY_COLUMNS = ("支部", "编号", "对应问题编号", "对象", "整改事项", "整改措施", "责任人",
                   "完成时限", "完成情况")
TRACE_COLUMNS = ("其他列", "文件", "行号")


def _extras(table: Table, rec: dict[str, Any]) -> str | None:
    parts = [f"{c}：{text(rec.get(c))}" for c in table.extra_columns if text(rec.get(c))]
    return "；".join(parts) or None


def _list_rows(b: BranchInput, sheet: str, campaign: Campaign) -> list[dict[str, Any]]:
    """Every used row of 问题清单/整改清单: text as written, dates as dates, the source row."""
    table = b.table(sheet)
    out: list[dict[str, Any]] = []
    if table is None:
        return out
    headers = C.SHEETS[sheet].headers
    extras = bool(table.extra_columns)
    people: dict[tuple[str, type, Any], str] = {}  # (header, type, cell) → 对象/责任人 shown

    def person(header: str, value: Any) -> str:
        if fold(value) == C.TEAM:
            return C.TEAM
        return clean_name(value) if header == "对象" else text(value)

    for row, rec in records(table):
        item: dict[str, Any] = {"支部": b.branch}
        for header in headers:
            value = rec.get(header)
            if header == "完成时限":
                shown = date_or_text(value, campaign.year)
            elif header in ("对象", "责任人"):
                key = (header, type(value), value)
                try:
                    shown = people[key]
                except KeyError:
                    shown = people[key] = person(header, value)
                except TypeError:  # an unhashable cell value
                    shown = person(header, value)
            else:
                shown = text(value)
            item[header] = None if shown == "" else shown
        item.update({"其他列": _extras(table, rec) if extras else None, "文件": table.file,
                     "行号": row})
        out.append(item)
    return out


def _with_trace(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    extra = any(r.get("其他列") for r in rows)
    trace = [c for c in TRACE_COLUMNS if c != "其他列" or extra]
    return _frame(rows, [*columns, *trace])


def _coverage(b: BranchInput) -> dict[str, Any]:
    """R-R2 problem→rectification and R-R4 整改承诺 coverage of one branch, counted as the
    rules count them: numbered 班子 problems with a description; members due a commitment
    are the evaluated who took part (present, or made up)."""
    linked: set[str] = set()
    targets: set[str] = set()
    for _, rec in records(b.table(C.RECTIFY)):
        linked |= {fold(p) for p in _REF_SPLIT.split(text(rec.get("对应问题编号"))) if fold(p)}
        if fold(rec.get("对象")) != C.TEAM:
            targets.add(clean_name(rec.get("对象")))
    team = [p for p in problem_rows(b) if p.team and not is_blank(p.record.get("问题描述"))]
    numbered = list(dict.fromkeys(p.number for p in team if fold(p.number)))
    unnumbered = [p for p in team if not fold(p.number)]
    uncovered = [n for n in numbered if fold(n) not in linked]
    row: dict[str, Any] = {
        "支部": b.branch, "班子问题数": len(team), "无编号": len(unnumbered),
        "_numbered": len(numbered),  # denominator of the coverage (not a column)
        "已有整改的班子问题": len(numbered) - len(uncovered),
        "班子问题整改覆盖率": share(len(numbered) - len(uncovered), len(numbered)),
        "尚无整改的问题编号": _join(uncovered) or None,
    }
    if not b.general:
        due = [m.name for m in ordered_members(b.evaluated) if m.present or m.makeup_date]
        without = [n for n in due if n not in targets]
        row.update({"应作整改承诺": len(due), "已作整改承诺": len(due) - len(without),
                    "整改承诺覆盖率": share(len(due) - len(without), len(due)),
                    "未作整改承诺的党员": _join(without) or None})
    return row


COVERAGE_COLUMNS = ("支部", "班子问题数", "无编号", "已有整改的班子问题", "班子问题整改覆盖率",
                    "尚无整改的问题编号", "应作整改承诺", "已作整改承诺", "整改承诺覆盖率",
                    "未作整改承诺的党员")
TALK_COLUMNS = ("支部", "谈话记录数", "可计谈话", "委员人数", "必谈对数", "已谈对数", "缺少必谈对数",
                "缺少的必谈（双方）", "应谈党员", "已与委员谈话", "谈话覆盖率", "未与委员谈话的党员")
MAKEUP_COLUMNS = ("支部", "姓名", "党小组", "党员类别", "缺席原因", "补课日期", "状态")
ISSUE_COLUMNS = ("级别", "规则", "支部", "文件", "工作表", "单元格", "发现值", "应为", "说明",
                 "处理")
FLAG_COLUMNS = ("支部", "姓名", "规则", "提示")


# --- issues --------------------------------------------------------------------------------

def new_flags(flags: Sequence[Issue], issues: Sequence[Issue]) -> list[Issue]:
    """The flags the rules have not raised already (same rule, branch and subject)."""
    raised: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    for i in issues:
        if i.rule in ("R-A1", "R-A2"):
            raised[(i.rule, i.branch)].append(i)

    def same(i: Issue, flag: Issue) -> bool:
        if flag.rule == "R-A1":
            return True
        return ((bool(flag.cell) and (i.file, i.sheet, i.cell) == (flag.file, flag.sheet, flag.cell))
                or clean_name(i.found) == flag.found or i.message.startswith(f"{flag.found}："))

    def known(flag: Issue) -> bool:
        return any(same(i, flag) for i in raised[(flag.rule, flag.branch)])

    return [f for f in flags if not known(f)]


def issue_frame(issues: Sequence[Issue], branch_order: Sequence[str]) -> pd.DataFrame:
    """校验问题: unplaced files first, then branch by branch, errors before warnings."""
    rank = {name: i for i, name in enumerate(branch_order)}

    def key(i: Issue) -> tuple[Any, ...]:
        return (rank.get(i.branch, -1 if not i.branch else len(rank)), i.severity != "error",
                sort_key(i))

    rows = [{
        "级别": SEVERITY_LABEL[i.severity], "规则": i.rule, "支部": i.branch or None,
        "文件": i.file or None, "工作表": i.sheet or None, "单元格": i.cell or None,
        "发现值": i.found or None, "应为": i.expected or None, "说明": i.message,
        "处理": "该行未采用，仅在校验问题中列出" if i.dropped else None,
    } for i in sorted(issues, key=key)]
    return _frame(rows, ISSUE_COLUMNS)


# --- the summary ---------------------------------------------------------------------------

def summary_columns(campaign: Campaign) -> list[str]:
    distribution = [f"{g}人数" for g in (*campaign.grades, UNGRADED, campaign.pending,
                                         campaign.not_graded)]
    return ["支部", "党员人数", "正式党员", "预备党员", "测评对象", "出席", "缺席", "计票方式",
            "收回票数", "空白票", *distribution, "优秀上限", "优秀已用",
            *(s.name for s in STAGES), "谈话覆盖率", "缺少必谈对数", "班子问题整改覆盖率",
            "整改承诺覆盖率", "错误数", "警告数", "状态"]


def _summary(branches: Sequence[BranchInput], results: dict[str, _BranchResult],
             talks: dict[str, _Talks], coverage: dict[str, dict[str, Any]],
             stages: pd.DataFrame, issues: Sequence[Issue], campaign: Campaign) -> pd.DataFrame:
    columns = summary_columns(campaign)
    per_branch: dict[str, Counter[str]] = defaultdict(Counter)
    for i in issues:
        per_branch[i.branch][i.severity] += 1
    stage_of = {(r["支部"], r["阶段"]): r["状态"] for r in stages.to_dict("records")}
    general = {b.branch for b in branches if b.general}
    rows: list[dict[str, Any]] = []
    for b in branches:
        t = talks[b.branch].row
        cov = coverage[b.branch]
        row: dict[str, Any] = {
            "支部": b.branch,
            "谈话覆盖率": t["谈话覆盖率"], "缺少必谈对数": t["缺少必谈对数"],
            "班子问题整改覆盖率": cov["班子问题整改覆盖率"],
            "整改承诺覆盖率": cov.get("整改承诺覆盖率"),
            "错误数": per_branch[b.branch]["error"], "警告数": per_branch[b.branch]["warning"],
        }
        row["状态"] = FAILED if row["错误数"] else PASSED
        for s in STAGES:
            row[s.name] = stage_of[(b.branch, s.name)]
        res = results.get(b.branch)
        if res is not None:
            ms = b.members
            row.update({
                "党员人数": len(ms), "正式党员": sum(m.full for m in ms),
                "预备党员": sum(not m.full for m in ms), "测评对象": len(b.evaluated),
                "出席": sum(m.present for m in ms), "缺席": sum(not m.present for m in ms),
                "优秀上限": res.cap, "优秀已用": res.excellent,
            })
            if res.tally is not None:
                row.update(计票方式=res.tally.source, 收回票数=res.tally.ballots,
                           空白票=res.tally.blank_ballots)
            for g in (*campaign.grades, UNGRADED, campaign.pending, campaign.not_graded):
                row[f"{g}人数"] = res.grades[g]
        rows.append(row)

    total: dict[str, Any] = {"支部": TOTAL}
    numeric = [c for c in columns if c not in ("支部", "计票方式", "状态", "谈话覆盖率",
                                               "班子问题整改覆盖率", "整改承诺覆盖率",
                                               *(s.name for s in STAGES))]
    for c in numeric:
        values = [r[c] for r in rows if r.get(c) is not None]
        total[c] = sum(values) if values else None
    for s in STAGES:
        applicable = [r[s.name] for r in rows if r[s.name] != NOT_APPLICABLE]
        done = sum(1 for v in applicable if v in (RECEIVED, RECEIVED_LATE))
        total[s.name] = f"{done}/{len(applicable)}"
    due = sum(t.row["应谈党员"] for n, t in talks.items() if n not in general)
    talked = sum(t.row["已与委员谈话"] for n, t in talks.items() if n not in general)
    total["谈话覆盖率"] = share(talked, due)
    total["班子问题整改覆盖率"] = share(
        sum(c["已有整改的班子问题"] for c in coverage.values()),
        sum(c["_numbered"] for c in coverage.values()))
    total["整改承诺覆盖率"] = share(sum(c.get("已作整改承诺", 0) for c in coverage.values()),
                                 sum(c.get("应作整改承诺", 0) for c in coverage.values()))
    total["错误数"] = sum(1 for i in issues if i.severity == "error")
    total["警告数"] = sum(1 for i in issues if i.severity == "warning")
    total["状态"] = FAILED if total["错误数"] else PASSED
    rows.append(total)
    return _frame(rows, columns)


# --- the column legend ---------------------------------------------------------------------

def legend(campaign: Campaign) -> pd.DataFrame:
    """What every computed column means (also written as header comments)."""
    g = campaign.grades
    rows: list[tuple[str, str, str]] = []
    vote = "民主测评中（一行有票号即一张票）"
    for grade in g:
        rows.append(("民主评议结果", f"{grade}票",
                     f"{vote}该党员一栏填“{grade}”的票数；各等次分别计数，"
                     f"“{g[0]}”不计入“{g[1]}”"))
    rows += [
        ("民主评议结果", "弃权票", "该党员一栏空白的票数，含整张空白的空白票"),
        ("民主评议结果", "无效票", f"该党员一栏填了{'/'.join(g)}以外文字的票数（R-B1），不计入任何等次"),
        ("民主评议结果", "有效票", f"填了{'/'.join(g)}之一的票数；各等次票数之和＝有效票，"
                             "有效票＋弃权票＋无效票＝收回票数"),
    ]
    for grade in g:
        rows.append(("民主评议结果", f"{grade}票占比", f"{grade}票 ÷ 有效票；有效票为 0 时留空"))
    rows += [
        ("民主评议结果", "党员类别", "正式党员 / 预备党员 / 党员领导干部（已参加民主生活会）"),
        ("民主评议结果", "评议状态",
         f"{TAKES_PART}：测评对象且出席；{MADE_UP}：缺席后已补课；"
         f"{campaign.not_graded}：预备党员或已参加年度民主生活会的党员领导干部；"
         f"{campaign.pending}：缺席且尚无补课日期"),
        ("民主评议结果", "评定等次",
         f"党支部组织评定的等次（来自“组织评定”表），票数只作参考、不决定等次；"
         f"{UNGRADED}：组织评定表中尚无有效等次；{campaign.not_graded}、{campaign.pending} "
         "的票数栏为空"),
        ("民主评议结果", "提示", "不评定等次或待补课的原因、需组织研判的提示、该党员的校验问题"),
        ("汇总", "测评对象", "正式党员中除已参加年度民主生活会的党员领导干部以外的党员"),
        ("汇总", "出席", "出席党员大会（民主评议）的党员，含预备党员"),
        ("汇总", "计票方式", "民主测评：逐张录入的测评票；计票：手工计票结果"),
        ("汇总", "收回票数", "收回的测评票张数（含空白票）"),
        ("汇总", "空白票", "整张空白的测评票张数；对每名测评对象都计为弃权"),
        ("汇总", "优秀上限", campaign.excellent_cap.describe() + "，据此计算的人数"),
        ("汇总", "优秀已用", f"组织评定为“{g[0]}”的人数；超过上限为警告（R-A1），需组织研判"),
        ("汇总", f"{UNGRADED}人数", "测评对象中组织评定表尚无有效等次的人数"),
    ]
    talk = "至少与一名委员谈过话的非委员党员 ÷ 应谈党员（R-T2，委员之间见必谈）"
    pairs = "委员之间（支委之间；党总支为总支委员之间）双方都没有谈话记录的对数（R-T1）"
    fix = "有整改（对应问题编号）的班子问题 ÷ 有编号的班子问题（R-R2）"
    promise = "有整改承诺（整改清单中对象为本人）的党员 ÷ 应作整改承诺的党员（R-R4）"
    rows += [
        ("汇总", "谈话覆盖率", talk),
        ("汇总", "缺少必谈对数", pairs),
        ("汇总", "班子问题整改覆盖率", fix),
        ("汇总", "整改承诺覆盖率", promise),
        ("谈心谈话", "谈话记录数", "谈心谈话表中采用的行数"),
        ("谈心谈话", "可计谈话", "双方都是名册中的姓名且不是同一人的谈话（R-T3）"),
        ("谈心谈话", "应谈党员", "本支部的非委员党员（党总支：无）"),
        ("谈心谈话", "谈话覆盖率", talk),
        ("谈心谈话", "缺少必谈对数", pairs),
        ("整改覆盖", "班子问题数", "问题清单中对象为班子、问题描述不为空的问题"),
        ("整改覆盖", "无编号", "没有编号、整改清单无法对应的班子问题（不计入覆盖率）"),
        ("整改覆盖", "班子问题整改覆盖率", fix),
        ("整改覆盖", "应作整改承诺", "测评对象中出席民主评议或已补课的党员"),
        ("整改覆盖", "整改承诺覆盖率", promise),
        ("汇总", "错误数", "该支部尚未解决的错误（合计行含无法归属支部的文件问题）"),
        ("汇总", "状态", f"{PASSED}：没有错误；{FAILED}：仍有错误，见“校验问题”"),
    ]
    for s in STAGES:
        rows.append(("汇总", s.name,
                     f"“{'/'.join(s.sheets)}”表报送情况，截止 "
                     f"{day(campaign.deadlines[s.deadline])}"
                     f"（{DEADLINE_LABELS[s.deadline]}）：{RECEIVED}、{RECEIVED_LATE}"
                     f"（首次报送晚于截止日期，北京时间）、{MISSING}、{OVERDUE}、{NOT_APPLICABLE}；"
                     "合计行为 已报送支部数/应报送支部数"))
    order = {"汇总": 0, "民主评议结果": 1, "整改覆盖": 2, "谈心谈话": 3}
    rows.sort(key=lambda r: order.get(r[0], len(order)))  # stable: sheet by sheet
    return pd.DataFrame(rows, columns=["工作表", "列", "含义"], dtype=object)


# --- the whole filing ----------------------------------------------------------------------

def aggregate(branches: list[BranchInput], issues: list[Issue], campaign: Campaign,
              first: FirstSent | None = None, tallies: Tallies | None = None) -> Filing:
    """Consolidate every branch into the filing frames (SPEC §6, §7).

    `branches` in the order the filing shows them (roster order; the 党总支 goes first);
    `issues` are the validation issues (Report.issues): rows they drop are left out and
    every branch with an error remaining is marked 未通过校验. `first` (first_sent(intake))
    dates each sheet by its first arrival for 逾期报送. `tallies` (Outcome.tallies: branch →
    the Tally the rules counted) saves counting the ballots again; without it (or for a
    branch it lacks) the ballots are counted here.

    Each branch is consolidated inside its own shared_work(): the rule helpers read here
    (records, usable grades, talks, problems, the tally) parse each sheet once per branch."""
    ordered = [b for b in branches if b.general] + [b for b in branches if not b.general]
    dropped = dropped_rows(issues)
    by_branch: dict[str, list[Issue]] = defaultdict(list)
    for i in issues:
        by_branch[i.branch].append(i)

    results: dict[str, _BranchResult] = {}
    talks: dict[str, _Talks] = {}
    coverage: dict[str, dict[str, Any]] = {}
    flags: list[Issue] = []
    problems: list[dict[str, Any]] = []
    rectifications: list[dict[str, Any]] = []
    makeups: list[dict[str, Any]] = []
    views = [used_view(b, dropped) for b in ordered]
    for raw, b in zip(ordered, views):
        with shared_work():
            if not b.general:
                res = _branch_results(b, campaign, by_branch[b.branch], raw, tallies)
                results[b.branch] = res
                flags += res.flags
                for m in ordered_members(b.members):
                    if not m.present:
                        makeups.append({
                            "支部": b.branch, "姓名": m.name, "党小组": m.group,
                            "党员类别": m.category, "缺席原因": m.absence_reason or None,
                            "补课日期": m.makeup_date,
                            "状态": MADE_UP if m.makeup_date else campaign.pending})
            talks[b.branch] = _talks(b)
            coverage[b.branch] = _coverage(b)
            problems += _list_rows(b, C.PROBLEMS, campaign)
            rectifications += _list_rows(b, C.RECTIFY, campaign)

    new = new_flags(flags, issues)
    every = [*issues, *new]
    rank = {b.branch: n for n, b in enumerate(ordered)}
    stages = stage_detail(views, campaign, None, first)
    subject = {(f.file, f.sheet, f.cell): f.found for f in flags if f.rule == "R-A2"}
    flag_rows = [{"支部": f.branch, "规则": f.rule, "提示": f.message,
                  "姓名": subject.get((f.file, f.sheet, f.cell)) if f.rule == "R-A2" else None}
                 for f in sorted((i for i in every if i.rule in ("R-A1", "R-A2")),
                                 key=lambda i: (rank.get(i.branch, len(rank)), sort_key(i)))]
    missing_pairs = [{"支部": b.branch, "委员甲": x, "委员乙": y, "说明": "未见双方任何一方的谈话记录"}
                     for b in ordered for x, y in talks[b.branch].missing]
    result_rows = [r for b in ordered if b.branch in results for r in results[b.branch].rows]
    errors = sum(1 for i in every if i.severity == "error")
    return Filing(
        title=f"{campaign.organisation} {campaign.year}年专题组织生活会",
        status=FAILED if errors else PASSED,
        summary=_summary(ordered, results, talks, coverage, stages, every, campaign),
        results=_frame(result_rows, result_columns(campaign)),
        problems=_with_trace(problems, PROBLEM_COLUMNS),
        rectifications=_with_trace(rectifications, RECTIFY_COLUMNS),
        coverage=_frame([coverage[b.branch] for b in ordered], COVERAGE_COLUMNS),
        talks=_frame([talks[b.branch].row for b in ordered], TALK_COLUMNS),
        missing_pairs=_frame(missing_pairs, ("支部", "委员甲", "委员乙", "说明")),
        talk_matrices=[(b.branch, talks[b.branch].matrix) for b in ordered],
        makeups=_frame(makeups, MAKEUP_COLUMNS),
        stages=stages,
        flags=_frame(flag_rows, FLAG_COLUMNS),
        issues=issue_frame(every, [b.branch for b in ordered]),
        legend=legend(campaign),
        new_issues=new,
        errors=errors,
        warnings=sum(1 for i in every if i.severity == "warning"),
    )
