"""The office roster (SPEC §3, §8): members read from a roster-like table — the office's
roster file or a branch's own 党员名册 sheet — with R-P1/R-P4 on names and groups."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, issue
from pipeline.normalize import DateError, clean_name, clean_text, fold, out_of_campaign, parse_date
from pipeline.people import Member, Roster, RosterError, parse_roles
from pipeline.read import UnreadableFile, read_path
from pipeline.read.table import MissingColumns, Table, locate

# What the roster needs; the other columns of C.ROSTER_COLUMNS default as below.
ROSTER_REQUIRED = ("姓名", "所在支部", "党小组")
ROSTER_DEFAULTS = {"职务": "普通党员（无职务）", "党员类别": C.FULL_MEMBER,
                   "是否党员领导干部": C.NO, "是否已参加年度民主生活会": C.NO}


def _yes(value: Any) -> bool | None:
    key = fold(value)
    if key in C.YES_NO_SYNONYMS:
        return C.YES_NO_SYNONYMS[key] == C.YES
    return None


def members_from_table(table: Table, branch: str | None,
                       year: int = 2017) -> tuple[list[Member], list[Issue]]:
    """Rows of a roster-like table → members, with cell-located issues for unusable values.

    `branch` is None for the office roster (the 所在支部 column says it), or the branch whose
    own 党员名册 sheet this is."""
    members: list[Member] = []
    problems: list[Issue] = []
    def bad(rule: str, row: int, col: str, found: Any, expected: str, msg: str,
            dropped: bool = False) -> None:
        problems.append(issue(rule, "error", msg, branch=branch or "", cell=table.cell(row, col),
                              found=found, expected=expected, dropped=dropped, file=table.file,
                              sheet=table.sheet))

    for r, rec in table.records:
        name = clean_name(rec["姓名"])
        if not name:
            bad("R-P1", r, "姓名", "", "党员姓名", "姓名为空，该行未计入名册", dropped=True)
            continue
        home = branch or clean_text(rec.get("所在支部"))
        if not home:
            bad("R-P4", r, "所在支部", "", "支部名称", f"{name} 的所在支部为空", dropped=True)
            continue
        roles, unknown = parse_roles(rec.get("职务"))
        if unknown:
            bad("R-P2", r, "职务", clean_text(rec.get("职务")), "/".join(C.ROLES) + " 或留空",
                f"职务“{'、'.join(unknown)}”不认识，应为 {'/'.join(C.ROLES)} 或留空（普通党员）")
        kind = C.MEMBER_KIND_SYNONYMS.get(fold(rec.get("党员类别")))
        if kind is None and "党员类别" not in table.columns:
            kind = C.FULL_MEMBER  # the column is absent: the default, said once by load_roster
        if kind is None:
            bad("R-P2", r, "党员类别", clean_text(rec.get("党员类别")), "正式党员/预备党员",
                f"{name} 的党员类别为“{clean_text(rec.get('党员类别'))}”，应为 正式党员 或 预备党员")
            kind = C.FULL_MEMBER
        flags = {}
        for col in ("是否党员领导干部", "是否已参加年度民主生活会"):
            value = _yes(rec.get(col))
            if value is None:
                bad("R-P2", r, col, clean_text(rec.get(col)), "是/否",
                    f"{name} 的“{col}”为“{clean_text(rec.get(col))}”，应为 是 或 否")
                value = False
            flags[col] = value
        present = True
        attendance = fold(rec.get("民主评议出席"))
        if attendance == C.ABSENT:
            present = False
        elif attendance not in ("", C.PRESENT):
            bad("R-P3", r, "民主评议出席", clean_text(rec.get("民主评议出席")), "出席/缺席",
                f"{name} 的民主评议出席为“{clean_text(rec.get('民主评议出席'))}”，应为 出席 或 缺席")
        makeup: dt.date | None = None
        try:
            makeup = parse_date(rec.get("补课日期"), year)
            if makeup is not None and (why := out_of_campaign(makeup, year)):
                makeup = None
                raise DateError(why)
        except DateError as exc:
            bad("R-P3", r, "补课日期", clean_text(rec.get("补课日期")), f"日期，如 {year}/4/7",
                f"{name} 的补课日期：{exc.args[0]}")
        members.append(Member(
            name=name, branch=home, group=clean_text(rec.get("党小组")), roles=roles, kind=kind,
            leading_cadre=flags["是否党员领导干部"], attended_dlm=flags["是否已参加年度民主生活会"],
            present=present, absence_reason=clean_text(rec.get("缺席原因")), makeup_date=makeup,
        ))
    return members, problems


def check_names_and_groups(members: Sequence[Member], table: Table, campaign: Campaign,
                           rows: Sequence[int]) -> Iterator[Issue]:
    """R-P1 unique names inside a branch; R-P4 each member in one of the branch's N groups."""
    seen: dict[tuple[str, str], int] = {}
    for m, row in zip(members, rows):
        key = (m.branch, m.name)
        if key in seen:
            yield issue("R-P1", "error",
                        f"{m.branch}有两名党员都叫“{m.name}”（另见第 {seen[key]} 行），"
                        f"请写成 {m.name}(2) 加以区分", branch=m.branch,
                        cell=table.cell(row, "姓名"), found=m.name,
                        expected="支部内唯一的姓名", file=table.file, sheet=table.sheet)
        else:
            seen[key] = row
    by_branch: dict[str, list[tuple[Member, int]]] = defaultdict(list)
    for m, row in zip(members, rows):
        by_branch[m.branch].append((m, row))
    n = campaign.groups_per_branch
    for branch, items in by_branch.items():
        for m, row in items:
            if not m.group:
                yield issue("R-P4", "error", f"{m.name} 没有填写党小组，每名党员应属于一个党小组",
                            branch=branch, cell=table.cell(row, "党小组"), found="",
                            expected="党小组名称", file=table.file, sheet=table.sheet)
        groups = Counter(m.group for m, _ in items if m.group)
        if groups and len(groups) != n:
            first = items[0][1]
            listed = "、".join(groups)
            yield issue("R-P4", "error",
                        f"{branch}有 {len(groups)} 个党小组（{listed}），按配置应为 {n} 个",
                        branch=branch, cell=table.cell(first, "党小组"), found=listed,
                        expected=f"{n} 个党小组", file=table.file, sheet=table.sheet)


def load_roster(path: Path, campaign: Campaign) -> Roster:
    """Read the office roster (first sheet). RosterError lists every located problem."""
    name = path.name
    try:
        book = read_path(path)
    except FileNotFoundError:
        raise RosterError([issue("R-F1", "error", f"找不到党员名册文件 {path}", file=name)]) from None
    except UnreadableFile as exc:
        raise RosterError([issue("R-F1", "error", str(exc), file=name)]) from None
    if not book.sheets:
        raise RosterError([issue("R-F1", "error", "党员名册中没有工作表", file=name)])
    sheet = next(iter(book.sheets.values()))
    optional = [c for c in C.ROSTER_COLUMNS if c not in ROSTER_REQUIRED]
    table = locate(sheet.rows, ROSTER_REQUIRED, file=name, sheet=sheet.name,
                   synonyms=C.ROSTER_SYNONYMS, keep=optional)
    if isinstance(table, MissingColumns):
        raise RosterError([issue(
            "R-F3", "error",
            f"党员名册缺少列：{'、'.join(table.missing)}（至少应有 {'、'.join(ROSTER_REQUIRED)}；"
            f"可有 {'、'.join(optional)}）", file=name, sheet=sheet.name, found="",
            expected="、".join(ROSTER_REQUIRED))])
    # a 全国党员管理信息系统 export lacks some columns: each default is said once (#10, 13)
    notes = tuple(issue("R-F3", "warning",
                        f"党员名册没有“{col}”列，所有党员按“{ROSTER_DEFAULTS[col]}”处理；"
                        "如有不同，请在名册中加上这一列", file=name, sheet=sheet.name,
                        found=f"没有“{col}”列", expected=col)
                  for col in optional if col not in table.columns)
    members, problems = members_from_table(table, None)
    kept_rows = [r for r, rec in table.records
                 if clean_name(rec["姓名"]) and clean_text(rec.get("所在支部"))]
    problems += list(check_names_and_groups(members, table, campaign, kept_rows))
    if problems:
        raise RosterError(problems)
    if not members:
        raise RosterError([issue("R-P1", "error", "党员名册中没有党员", file=name, sheet=sheet.name)])
    return Roster(members, name, notes)


@dataclass(frozen=True)
class RosterSheet:
    """A branch's own 党员名册 sheet, read once: its members (in sheet order) and the problems
    of its values (R-P1..R-P4 issues, located at their cells)."""

    table: Table
    members: tuple[Member, ...]
    problems: tuple[Issue, ...]

    @property
    def named_rows(self) -> list[int]:
        """Excel rows that hold a name (one per member, in order)."""
        return [row for row, rec in self.table.records if clean_name(rec["姓名"])]


def roster_sheet(table: Table, branch: str, year: int) -> RosterSheet:
    members, problems = members_from_table(table, branch, year)
    return RosterSheet(table, tuple(members), tuple(problems))
